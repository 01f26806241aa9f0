// Model: a registry entry with numbered versions. Only name replaces; a new source/format (or new content
// behind the same local path) registers a new version. `version` is the version this resource registered;
// when it is deleted out of band, read reports version 0 and the next up registers it again. A large artifact
// registers in the background with progress; a registration that ended Failed runs again on the next up.
import { handlersFor } from "./handlers-for";
import type { OutputExtrasOf } from "../output-schemas";
import { defineKind } from "./kind-definition";
import { copyProgress } from "./values";

export const modelDefinition = defineKind({
  kind: "Model",
  defaultDeadlineSeconds: 300,
  emptyDefaults: { description: "", tags: {} },
  pathKeys: ["source"],
  digestKey: "source",
  taggable: true,
  readyWhat: "Ready (latest version registered)",
  isReady: (o) => o.status === "Ready",
  failure: async (o) => (o.status === "Failed" ? `version ${o.latestVersion}: ${o.statusMessage ?? "registration failed (no message)"}` : undefined),
  progress: (o) => `version ${o.latestVersion} ${o.status}${copyProgress(o.progress, "copied")}`,
  extraOutputs: async (o, _p, previous, mode, declared) => {
    const versions = (o.versions ?? []).map((v) => v.version);
    let version = o.latestVersion;
    if (mode === "read" && typeof previous.version === "number") version = versions.includes(previous.version) ? previous.version : 0;
    // The platform keeps the first source of identical bytes (a retrain that reproduces the same model, a
    // copy of the file elsewhere): it accepted the declared source as that version, so report it as
    // declared, else the two spellings would differ on every diff. A newer version made out of band is
    // still reported with its own source (drift).
    const extra: OutputExtrasOf<"Model"> & { source?: string } = { status: o.status, version, latestVersion: o.latestVersion, versions };
    if (mode === "write" && typeof declared.source === "string") extra.source = declared.source;
    if (mode === "read" && previous.version === o.latestVersion && typeof previous.source === "string") extra.source = previous.source;
    return extra;
  },
  needsRepair: (olds) => {
    // Only a create's background registration can end Failed (a PATCH registers within the request): the
    // object holds nothing usable, so it is made again.
    if (olds.status === "Failed") return { key: "status", replace: true, reason: "the last registration failed; registering it again" };
    return olds.version === 0 ? { key: "version", reason: "the registered version was deleted outside of Pulumi; registering it again" } : undefined;
  },
  repairKeys: ["source", "format"],
  newVersion: { on: ["source", "format"], with: ["framework", "metrics"] },
});

export const { definition, provider, configure, configureFromRequest, check, diff, create, read, update, delete: remove } = handlersFor(modelDefinition);
export { remove as delete };
