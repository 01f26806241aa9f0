// The PerfJob kind: for each flavor a replica of the model version is started, and for each concurrency
// level a closed-loop load runs against it for durationSeconds. Tasks are written as they progress; a
// missed SLO fails the job with a message naming the task and the figures; cancel stops the load.
import type { z } from "zod";
import { PerfJob, PerfJobPatch, PerfJobSpec, type PerfTask } from "../../schemas/index";
import { newId } from "../core/ids";
import { type KindController, type PlatformContext, type Problem, type StoredObject } from "../core/types";
import { collectProblem, HttpError, refuseProblems } from "../core/errors";
import { nameProblem } from "../core/rules";
import { everyObject } from "../core/store";
import { perPlatform } from "../core/runtime-state";
import { requireFlavor } from "../serving/flavor-limits";
import { BadRequest, batchRequest, parseInferRequest, sampleRequest } from "../serving/inference-protocol";
import { ReplicaProcess } from "../serving/replica-process";
import { readSignature } from "../serving/runtimes/index";
import { resolveModelVersion } from "../serving/served-models";
import type { LoadSummary } from "./load";
import { driveLoadInWorker } from "./load-thread";
import { sloBreaches, taskLabel } from "./slo";

type PerfJobObject = z.infer<typeof PerfJob> & StoredObject;

interface Run {
  abort: AbortController;
  done: Promise<void>;
}

/** The running benchmarks of each platform, by perf job id. */
const runsOf = perPlatform(() => new Map<string, Run>());
const ACTIVE = new Set(["Submitted", "Running"]);
const PROGRESS_EVERY_MS = 500;
const WARMUP_MS = 300;

function write(ctx: PlatformContext, id: string, change: (cur: PerfJobObject) => Partial<PerfJobObject>): PerfJobObject | undefined {
  if (!ctx.store.get("perf-jobs", id)) return undefined;
  return ctx.store.update<PerfJobObject>("perf-jobs", id, (cur) => {
    const next = { ...cur, ...change(cur) };
    if ("statusMessage" in next && next.statusMessage === undefined) delete next.statusMessage;
    return next;
  });
}

function setTask(ctx: PlatformContext, id: string, index: number, task: Partial<PerfTask>): void {
  write(ctx, id, (cur) => ({ tasks: cur.tasks.map((t, i) => (i === index ? { ...t, ...task } : t)) }));
}

function figures(s: LoadSummary): Partial<PerfTask> {
  return { requests: s.requests, errors: s.errors, p50Ms: s.p50Ms, p90Ms: s.p90Ms, p99Ms: s.p99Ms, throughput: s.throughput };
}

async function execute(id: string, ctx: PlatformContext, signal: AbortSignal): Promise<void> {
  const job = ctx.store.get<PerfJobObject>("perf-jobs", id);
  if (!job) return;
  write(ctx, id, () => ({ status: "Running", statusMessage: "starting" }));
  const { version, modelName } = resolveModelVersion(ctx, job.modelId, job.modelVersion, { modelId: "modelId", version: "modelVersion" });
  const artifactPath = await ctx.artifacts.path(version.artifactDigest);
  // One request body per batch size, checked against the model's signature before any load runs: the one
  // registration recorded, or (versions registered before signatures were recorded) the loaded model's.
  const signature = version.inputs && version.outputs ? { inputs: version.inputs, outputs: version.outputs } : await readSignature(version.format, artifactPath);
  const batchSizes = job.batchSize ?? [1];
  const bodies = new Map<number, string>();
  try {
    for (const batchSize of batchSizes) {
      const request = { inputs: job.sampleInput ? batchRequest(job.sampleInput, batchSize) : sampleRequest(signature.inputs, batchSize).inputs };
      parseInferRequest(request, signature);
      bodies.set(batchSize, JSON.stringify(request));
    }
  } catch (err) {
    if (err instanceof BadRequest) throw new Error(`sampleInput does not fit model "${modelName}" version ${job.modelVersion}: ${err.message}`);
    throw err;
  }

  let index = 0;
  for (const flavor of job.flavors) {
    if (signal.aborted) break;
    const { maxConcurrency } = requireFlavor(flavor, "flavors");
    const replica = await ReplicaProcess.start({ config: { artifactPath, format: version.format, modelName, modelVersion: job.modelVersion, maxConcurrency } });
    try {
      // Unrecorded warm-up: the first requests pay for JIT compilation and new connections, which would
      // otherwise land in the first task's p99.
      await driveLoadInWorker({ url: `${replica.url}/v2/models/${encodeURIComponent(modelName)}/infer`, body: bodies.get(batchSizes[0])!, concurrency: 1, durationMs: WARMUP_MS, signal });
      for (let n = 0; n < batchSizes.length * job.concurrency.length; n++) {
        const task = job.tasks[index];
        if (signal.aborted) break;
        write(ctx, id, (cur) => ({ statusMessage: `running ${taskLabel(task)}`, tasks: cur.tasks.map((t, i) => (i === index ? { ...t, status: "Running" } : t)) }));
        const taskIndex = index;
        const summary = await driveLoadInWorker({
          url: `${replica.url}/v2/models/${encodeURIComponent(modelName)}/infer`,
          body: bodies.get(task.batchSize ?? 1)!,
          concurrency: task.concurrency,
          durationMs: job.durationSeconds * 1000,
          signal,
          onProgress: (soFar) => setTask(ctx, id, taskIndex, figures(soFar)),
          progressEveryMs: PROGRESS_EVERY_MS,
        });
        const failed = summary.requests === 0 || summary.errors === summary.requests;
        setTask(ctx, id, index, {
          ...figures(summary),
          predictionsPerSecond: Math.round(summary.throughput * (task.batchSize ?? 1) * 10) / 10,
          status: signal.aborted ? "Cancelled" : failed ? "Failed" : "Succeeded",
        });
        if (failed && !signal.aborted) ctx.log("perf task failed", { id, task: taskLabel(task), errors: summary.errorSamples });
        index++;
      }
    } finally {
      await replica.stop();
    }
  }

  const finished = ctx.store.get<PerfJobObject>("perf-jobs", id);
  if (!finished) return;
  if (signal.aborted) {
    write(ctx, id, (cur) => ({
      status: "Cancelled",
      statusMessage: cancelReason(signal),
      tasks: cur.tasks.map((t) => (t.status === "Pending" || t.status === "Running" ? { ...t, status: "Cancelled" } : t)),
    }));
    return;
  }
  const breaches = finished.tasks.flatMap((t) => {
    const b = sloBreaches(t, finished.slo);
    return b.length ? [`${taskLabel(t)}: ${b.join(", ")}`] : [];
  });
  const failedTasks = finished.tasks.filter((t) => t.status === "Failed").map(taskLabel);
  const sloMet = finished.slo ? breaches.length === 0 : undefined;
  if (breaches.length || failedTasks.length) {
    const parts = [
      ...(breaches.length ? [`SLO not met: ${breaches.join("; ")}`] : []),
      ...(failedTasks.length ? [`every request failed in ${failedTasks.join(", ")}`] : []),
    ];
    write(ctx, id, () => ({ status: "Failed", statusMessage: parts.join("; "), ...(sloMet !== undefined ? { sloMet } : {}) }));
  } else {
    write(ctx, id, () => ({ status: "Succeeded", statusMessage: undefined, ...(sloMet !== undefined ? { sloMet } : {}) }));
  }
}

function start(id: string, ctx: PlatformContext): void {
  const abort = new AbortController();
  const done = execute(id, ctx, abort.signal)
    .catch((err: Error) => {
      ctx.log("perf job failed", { id, error: err.message });
      write(ctx, id, (cur) => ({
        status: abort.signal.aborted ? "Cancelled" : "Failed",
        statusMessage: abort.signal.aborted ? cancelReason(abort.signal) : err.message,
        tasks: cur.tasks.map((t) => (t.status === "Pending" || t.status === "Running" ? { ...t, status: abort.signal.aborted ? "Cancelled" : "Failed" } : t)),
      }));
    })
    .finally(() => runsOf(ctx).delete(id));
  runsOf(ctx).set(id, { abort, done });
}

function cancelReason(signal: AbortSignal): string {
  return typeof signal.reason === "string" ? signal.reason : "cancelled on request";
}

async function cancelRun(ctx: PlatformContext, id: string, reason = "cancelled on request"): Promise<void> {
  const run = runsOf(ctx).get(id);
  if (!run) return;
  run.abort.abort(reason);
  await run.done;
}

export const perfJobController: KindController = {
  kind: "perf-jobs",

  async validate(input, ctx, opts) {
    const spec = PerfJobSpec.parse(input);
    const problems: Problem[] = [];
    await collectProblem(problems, () => resolveModelVersion(ctx, spec.modelId, spec.modelVersion, { modelId: "modelId", version: "modelVersion" }));
    for (const [i, f] of spec.flavors.entries()) await collectProblem(problems, () => requireFlavor(f, `flavors.${i}`));
    const taken = nameProblem(ctx, "perf-jobs", "perf job", spec, opts);
    if (taken) problems.push(taken);
    return problems;
  },

  async validatePatch() {
    return []; // description and tags: the patch schema says all there is
  },

  async create(input, ctx) {
    const spec = PerfJobSpec.parse(input);
    refuseProblems(await perfJobController.validate(spec, ctx), "perf job spec");
    const tasks: PerfTask[] = spec.flavors.flatMap((flavor) =>
      spec.batchSize.flatMap((batchSize) => spec.concurrency.map((concurrency) => ({ flavor, batchSize, concurrency, status: "Pending" as const, requests: 0, errors: 0 }))),
    );
    const obj = ctx.store.insert<PerfJobObject>("perf-jobs", {
      id: newId("perf-jobs"),
      name: spec.name,
      modelId: spec.modelId,
      modelVersion: spec.modelVersion,
      jobType: spec.jobType,
      flavors: spec.flavors,
      concurrency: spec.concurrency,
      batchSize: spec.batchSize,
      durationSeconds: spec.durationSeconds,
      ...(spec.sampleInput ? { sampleInput: spec.sampleInput } : {}),
      ...(spec.slo ? { slo: spec.slo } : {}),
      ...(spec.description !== undefined ? { description: spec.description } : {}),
      tags: spec.tags ?? {},
      status: "Submitted",
      tasks,
    });
    start(obj.id, ctx);
    return obj;
  },

  async patch(current, input, ctx) {
    const p = PerfJobPatch.parse(input);
    return ctx.store.update<PerfJobObject>("perf-jobs", current.id, (cur) => ({
      ...cur,
      ...(p.description !== undefined ? { description: p.description } : {}),
      ...(p.tags !== undefined ? { tags: p.tags } : {}),
    }));
  },

  async remove(current, ctx) {
    await cancelRun(ctx, current.id);
    ctx.store.delete("perf-jobs", current.id);
  },

  async recover(ctx) {
    for (const job of everyObject<PerfJobObject>(ctx.store, "perf-jobs")) {
      if (!ACTIVE.has(job.status)) continue;
      write(ctx, job.id, (cur) => ({
        status: "Failed",
        statusMessage: "the platform stopped while this perf job ran; create it again to re-run",
        tasks: cur.tasks.map((t) => (t.status === "Pending" || t.status === "Running" ? { ...t, status: "Failed" } : t)),
      }));
    }
  },

  async shutdown(ctx) {
    await Promise.all([...runsOf(ctx).keys()].map((id) => cancelRun(ctx, id, "cancelled: the platform shut down")));
  },

  extraRoutes: [
    {
      method: "POST",
      path: "/cancel",
      response: PerfJob,
      async handler(current, _params, _query, ctx) {
        if (!ACTIVE.has(current.status)) {
          throw HttpError.conflict(`perf job "${current.name}" is already ${current.status}`);
        }
        await cancelRun(ctx, current.id);
        return ctx.store.get("perf-jobs", current.id);
      },
    },
  ],
};
