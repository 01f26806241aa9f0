// Model: a registry entry with numbered versions. Only name replaces; a new source/format (or new content
// behind the same local path) registers a new version. `version` is the version this resource registered;
// when it is deleted out of band, read reports version 0 and the next up registers it again.
import { ModelSpec } from "../../schemas";
import { handlersFor } from "./handlers-for";
import type { KindDefinition, Obj } from "./kind-definition";

export const modelDefinition: KindDefinition = {
  kind: "Model",
  noun: "model",
  specSchema: ModelSpec,
  defaultDeadlineSeconds: 300,
  replaceKeys: ["name"],
  patchKeys: ["source", "format", "framework", "inputs", "outputs", "metrics", "description", "tags"],
  emptyDefaults: { description: "", tags: {} },
  pathKeys: ["source"],
  digestKey: "source",
  taggable: true,
  readyWhat: "Ready (latest version registered)",
  client: (p) => p.models,
  isReady: (o) => o.status === "Ready",
  failure: async (o) => (o.status === "Failed" ? `version ${o.latestVersion}: ${o.statusMessage ?? "registration failed (no message)"}` : undefined),
  progress: (o) => `version ${o.latestVersion} ${o.status}`,
  liveSpec: (o: Obj) => ({
    name: o.name,
    source: o.source,
    format: o.format,
    framework: o.framework,
    inputs: o.inputs,
    outputs: o.outputs,
    metrics: o.metrics,
    description: o.description,
    tags: o.tags,
  }),
  extraOutputs: async (o, _p, previous, mode, declared) => {
    const versions: number[] = (o.versions ?? []).map((v: { version: number }) => v.version);
    let version = o.latestVersion;
    if (mode === "read" && typeof previous.version === "number") version = versions.includes(previous.version) ? previous.version : 0;
    // The platform keeps the first source of identical bytes (a retrain that reproduces the same model, a
    // copy of the file elsewhere): it accepted the declared source as that version, so report it as
    // declared, else the two spellings would differ on every diff. A newer version made out of band is
    // still reported with its own source (drift).
    const extra: Record<string, unknown> = { status: o.status, version, latestVersion: o.latestVersion, versions };
    if (mode === "write" && typeof declared.source === "string") extra.source = declared.source;
    if (mode === "read" && previous.version === o.latestVersion && typeof previous.source === "string") extra.source = previous.source;
    return extra;
  },
  needsRepair: (olds) => (olds.version === 0 ? { key: "version", reason: "the registered version was deleted outside of Pulumi; registering it again" } : undefined),
  repairKeys: ["source", "format"],
};

export const { definition, configure, check, diff, create, read, update, delete: remove } = handlersFor(modelDefinition);
export { remove as delete };
