// TrainingJob: one run. Everything that defines the run replaces it (a new run); description and tags
// update in place, and so do the settings of a finished run that cannot change its result (max runtime,
// flavor, instance count). Ready means Completed; a failed run reports its own error and the tail of its log,
// and runs again on the next up.
import { handlersFor } from "./handlers-for";
import { defineKind } from "./kind-definition";

const LOG_TAIL = 15;
/** What only governs a run while it runs: once it Completed, changing these re-runs nothing. */
const RUN_ONLY_KEYS = ["maxRuntimeSeconds", "flavor", "instanceCount"] as const;

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
  extraOutputs: async (o, _p, previous, mode, declared) => {
    // A finished run's settings that no longer matter (max runtime, flavor, instance count) report what was
    // declared (written) or what the state holds (read), so changing them converges without a re-run.
    const settled: Record<string, unknown> = {};
    if (o.status === "Completed") for (const k of RUN_ONLY_KEYS) settled[k] = (mode === "write" ? declared[k] : previous[k]) ?? o[k];
    return {
      ...settled,
      status: o.status,
      outputUri: o.outputUri,
      startedAt: o.startedAt,
      finishedAt: o.finishedAt,
      exitCode: o.exitCode ?? undefined,
      metrics: o.finalMetrics ?? {},
    };
  },
  settledKeys: (olds) => (olds.status === "Completed" ? RUN_ONLY_KEYS : []),
  // Like a tainted resource: a run that ended Failed or Stopped runs again on the next up.
  needsRepair: (olds) =>
    olds.status === "Failed" || olds.status === "Stopped"
      ? { key: "status", replace: true, reason: `the last run ended ${olds.status}${olds.exitCode !== undefined ? ` (exit code ${olds.exitCode})` : ""}; running it again` }
      : undefined,
  flavorPaths: (spec) => [{ path: "flavor", flavor: spec.flavor }],
  beforeDelete: async (o, p) => {
    if (o.status === "Pending" || o.status === "Running") await p.trainingJobs.stop(o.id).catch(() => undefined);
  },
});

export const { definition, provider, configure, configureFromRequest, check, diff, create, read, update, delete: remove } = handlersFor(trainingJobDefinition);
export { remove as delete };
