// TrainingJob: one run. Everything that defines the run replaces it (a new run); description and tags
// update in place. Ready means Completed; a failed run reports its own error and the tail of its log.
import { handlersFor } from "./handlers-for";
import { defineKind } from "./kind-definition";

const LOG_TAIL = 15;

export const trainingJobDefinition = defineKind({
  kind: "TrainingJob",
  defaultDeadlineSeconds: 3600,
  emptyDefaults: { description: "", tags: {}, env: {}, hyperParameters: {} },
  pathKeys: ["workingDir"],
  taggable: true,
  readyWhat: "Completed",
  isReady: (o) => o.status === "Completed",
  failure: async (o, p) => {
    if (o.status !== "Failed" && o.status !== "Stopped") return undefined;
    let tail: string[] = [];
    try {
      tail = await p.trainingJobs.logs(o.id, LOG_TAIL);
    } catch {
      /* the log is a courtesy; the status message still explains */
    }
    const exit = o.exitCode !== undefined && o.exitCode !== null ? ` (exit code ${o.exitCode})` : "";
    const message = o.statusMessage ?? "no message";
    // The platform may already quote the log tail in its message; do not repeat it.
    const quoted = tail.length > 0 && message.includes(tail[tail.length - 1]);
    return `${o.status}${exit}: ${message}` + (tail.length && !quoted ? `\nlast ${tail.length} log lines:\n${tail.map((l) => `  | ${l}`).join("\n")}` : "");
  },
  progress: (o) => {
    const metrics = Object.entries(o.finalMetrics ?? {}).map(([k, v]) => `${k}=${typeof v === "number" ? +v.toFixed(4) : v}`);
    return `${o.status}${metrics.length ? ` (${metrics.join(" ")})` : ""}`;
  },
  extraOutputs: async (o) => ({
    status: o.status,
    outputUri: o.outputUri,
    startedAt: o.startedAt,
    finishedAt: o.finishedAt,
    exitCode: o.exitCode ?? undefined,
    metrics: o.finalMetrics ?? {},
  }),
  flavorPaths: (spec) => [{ path: "flavor", flavor: spec.flavor }],
  beforeDelete: async (o, p) => {
    if (o.status === "Pending" || o.status === "Running") await p.trainingJobs.stop(o.id).catch(() => undefined);
  },
});

export const { definition, configure, check, diff, create, read, update, delete: remove } = handlersFor(trainingJobDefinition);
export { remove as delete };
