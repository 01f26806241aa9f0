// PerfJob: a benchmark of one model version. Only description and tags change in place; anything else is a new
// benchmark. Ready means Succeeded (which includes meeting the SLO when one is declared).
import { handlersFor } from "./handlers-for";
import type { ObjectOf } from "../../schemas/kinds";
import { defineKind } from "./kind-definition";

export const perfJobDefinition = defineKind({
  kind: "PerfJob",
  defaultDeadlineSeconds: 600,
  emptyDefaults: { description: "", tags: {} },
  pathKeys: [],
  taggable: true,
  readyWhat: "Succeeded",
  isReady: (o) => o.status === "Succeeded",
  failure: async (o) => {
    if (o.status !== "Failed" && o.status !== "Cancelled") return undefined;
    const slo = o.sloMet === false ? " (SLO not met)" : "";
    return `${o.status}${slo}: ${o.statusMessage ?? "no message"}\n${taskSummary(o)}`;
  },
  progress: (o) => {
    const tasks = o.tasks ?? [];
    const done = tasks.filter((t) => t.status === "Succeeded" || t.status === "Failed").length;
    return `${o.status}, ${done}/${tasks.length} tasks done`;
  },
  extraOutputs: async (o) => ({ status: o.status, tasks: o.tasks ?? [], sloMet: o.sloMet }),
  // A benchmark that failed (its SLO gate missed, or it was cancelled) runs again on the next up.
  needsRepair: (olds) =>
    olds.status === "Failed" || olds.status === "Cancelled"
      ? { key: "status", replace: true, reason: `the last benchmark ended ${olds.status}${olds.sloMet === false ? " (SLO not met)" : ""}; running it again` }
      : undefined,
  flavorPaths: (spec) => (Array.isArray(spec.flavors) ? spec.flavors.map((f: unknown, i: number) => ({ path: `flavors[${i}]`, flavor: f })) : []),
  beforeDelete: async (o, p) => {
    if (o.status === "Submitted" || o.status === "Running") await p.perfJobs.cancel(o.id).catch(() => undefined);
  },
});

function taskSummary(o: ObjectOf<"PerfJob">): string {
  return o.tasks
    .map((t) => `  ${t.flavor}${t.batchSize && t.batchSize > 1 ? ` batch ${t.batchSize}` : ""} x${t.concurrency}: ${t.status}, ${t.requests} requests, ${t.errors} errors, p99 ${t.p99Ms ?? "-"} ms, ${t.throughput ?? "-"} req/s`)
    .join("\n");
}

export const { definition, provider, configure, configureFromRequest, check, diff, create, read, update, delete: remove } = handlersFor(perfJobDefinition);
export { remove as delete };
