// Judging a finished perf task against the job's SLO; the message names the task and the figures so a
// failed gate says exactly what missed.
import type { PerfJobSpec, PerfTask } from "../../schemas/index";

export type Slo = NonNullable<PerfJobSpec["slo"]>;

export function taskLabel(task: Pick<PerfTask, "flavor" | "concurrency" | "batchSize">): string {
  return `${task.flavor} × ${task.batchSize && task.batchSize > 1 ? `batch ${task.batchSize} × ` : ""}concurrency ${task.concurrency}`;
}

/** The SLO breaches of one task, as readable phrases (empty when it meets the SLO). */
export function sloBreaches(task: PerfTask, slo: Slo | undefined): string[] {
  if (!slo) return [];
  const out: string[] = [];
  if (slo.p99LatencyMs !== undefined && (task.p99Ms === undefined || task.p99Ms > slo.p99LatencyMs)) {
    out.push(`p99 ${task.p99Ms ?? "n/a"} ms > ${slo.p99LatencyMs} ms`);
  }
  if (slo.minThroughput !== undefined && (task.throughput ?? 0) < slo.minThroughput) {
    out.push(`throughput ${task.throughput ?? 0} req/s < ${slo.minThroughput} req/s`);
  }
  const errorRate = task.requests > 0 ? task.errors / task.requests : 1;
  if (slo.maxErrorRate !== undefined && errorRate > slo.maxErrorRate) {
    out.push(`error rate ${(errorRate * 100).toFixed(2)}% > ${(slo.maxErrorRate * 100).toFixed(2)}%`);
  }
  return out;
}
