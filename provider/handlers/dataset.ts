// Dataset: named data with versions. name and format replace; description, tags and a new source (or new
// content behind the same path, seen through sourceDigest) update in place, the latter as a new version.
// An ingest runs in the background with progress; one that ended Failed is ingested again on the next up
// (a failed first ingest by a replace, like a failed training run; a failed new source in place).
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
  // A failed first ingest leaves nothing usable: the dataset is made again. A failed new source (its earlier
  // versions stay) is sent again in place.
  needsRepair: (olds) => {
    if (olds.status !== "Failed") return undefined;
    if (olds.digest) return { key: "status", reason: "the last ingest of a new source failed; ingesting it again" };
    return { key: "status", replace: true, reason: "the last ingest failed; ingesting it again" };
  },
  repairKeys: ["source"],
  extraOutputs: async (o) => ({
    status: o.status,
    latestVersion: o.latestVersion,
    digest: o.digest,
    sampleCount: o.sampleCount,
    sizeBytes: o.sizeBytes,
  }),
});

export const { definition, provider, configure, configureFromRequest, check, diff, create, read, update, delete: remove } = handlersFor(datasetDefinition);
export { remove as delete };
