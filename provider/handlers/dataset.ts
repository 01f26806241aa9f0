// Dataset: named data with versions. name and format replace; description, tags and a new source (or new
// content behind the same path, seen through sourceDigest) update in place, the latter as a new version.
import { handlersFor } from "./handlers-for";
import { defineKind } from "./kind-definition";

export const datasetDefinition = defineKind({
  kind: "Dataset",
  defaultDeadlineSeconds: 300,
  emptyDefaults: { description: "", tags: {} },
  pathKeys: ["source"],
  digestKey: "source",
  taggable: true,
  readyWhat: "Ready",
  isReady: (o) => o.status === "Ready",
  failure: async (o) => (o.status === "Failed" ? o.statusMessage ?? "ingest failed (no message)" : undefined),
  progress: (o) => `${o.status}${o.latestVersion ? `, version ${o.latestVersion}` : ""}${o.sampleCount !== undefined ? `, ${o.sampleCount} samples` : ""}`,
  extraOutputs: async (o) => ({
    status: o.status,
    latestVersion: o.latestVersion,
    digest: o.digest,
    sampleCount: o.sampleCount,
    sizeBytes: o.sizeBytes,
  }),
});

export const { definition, configure, check, diff, create, read, update, delete: remove } = handlersFor(datasetDefinition);
export { remove as delete };
