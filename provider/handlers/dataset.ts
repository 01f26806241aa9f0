// Dataset: named data with versions. name and format replace; description, tags and a new source (or new
// content behind the same path, seen through sourceDigest) update in place, the latter as a new version.
// An ingest runs in the background with progress; one that ended Failed is ingested again on the next up
// (a replace, like a failed training run).
import { handlersFor } from "./handlers-for";
import { defineKind } from "./kind-definition";
import { copyProgress } from "./values";

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
  progress: (o) =>
    `${o.status}${o.latestVersion ? `, version ${o.latestVersion}` : ""}${o.sampleCount !== undefined ? `, ${o.sampleCount} samples` : ""}${copyProgress(o.progress, "ingested")}`,
  needsRepair: (olds) => (olds.status === "Failed" ? { key: "status", replace: true, reason: "the last ingest failed; ingesting it again" } : undefined),
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
