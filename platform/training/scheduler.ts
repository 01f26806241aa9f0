// When training jobs run: at most `maxConcurrency` jobs of a flavor at a time, the rest queued Pending in
// submission order; launching one (workspace, process, metrics batched into the job object), writing its end
// (output into the artifact store on success), and stopping a queued or running job. The per-platform state
// (queue, running counts, live runs) is held the one way platform kinds hold runtime state (core/runtime-state.ts).
import { appendFileSync, mkdirSync } from "node:fs";
import { join } from "node:path";
import type { MetricPoint } from "../../schemas/index";
import { requireFlavor } from "../core/flavors";
import type { ProcessIdentity } from "../core/processes";
import { perPlatform } from "../core/runtime-state";
import type { PlatformContext } from "../core/types";
import { findExecutable, sandboxedArgv, signalInsideSandbox } from "../sandbox";
import { preparePythonEnv } from "./python-job";
import { TrainingRun, type MetricLine, type RunEnd } from "./run";
import { jobDir, jobEnv, logPath, prepareDataset, tailLines, type JobObject } from "./workspace";

export const KIND = "training-jobs" as const;
export const TERMINAL = new Set(["Completed", "Failed", "Stopped"]);
const LOG_TAIL_IN_MESSAGE = 10;
/** Metric writes to the job object are batched: finalMetrics changes its etag, which wakes waiters. */
const METRIC_FLUSH_MS = 250;

interface Runtime {
  runs: Map<string, TrainingRun>;
  /** Job ids waiting for a slot of their flavor, in submission order. */
  queue: string[];
  running: Map<string, number>;
  /** launch() of each started job, settled once its final status is written. */
  launches: Map<string, Promise<void>>;
  /** The status a stopped run ends in: Stopped on request, Failed when the platform shuts down. */
  stopAs: Map<string, "Stopped" | "Failed">;
  /** Jobs still preparing (building their Python environment): aborted by a stop or a shutdown. */
  preparing: Map<string, AbortController>;
  shuttingDown: boolean;
}

export const runtime = perPlatform<Runtime>(() => ({
  runs: new Map(),
  queue: [],
  running: new Map(),
  launches: new Map(),
  stopAs: new Map(),
  preparing: new Map(),
  shuttingDown: false,
}));

export function write(ctx: PlatformContext, id: string, change: (cur: JobObject) => Partial<JobObject> | undefined): JobObject | undefined {
  if (!ctx.store.get(KIND, id)) return undefined;
  return ctx.store.update<JobObject>(KIND, id, (cur) => {
    const delta = change(cur);
    if (!delta) return cur;
    const next = { ...cur, ...delta } as JobObject;
    for (const k of Object.keys(delta) as (keyof JobObject)[]) if (delta[k] === undefined) delete next[k];
    return next;
  });
}

function describeEnd(end: RunEnd, tail: string[]): string {
  const logs = tail.length ? `; last log lines:\n${tail.join("\n")}` : "";
  switch (end.kind) {
    case "spawn-failed":
      return `the command could not start: ${end.error}`;
    case "timed-out":
      return `stopped: the job exceeded its maxRuntimeSeconds${logs}`;
    case "stopped":
      return end.reason;
    case "exited":
      return (end.signal ? `the job was killed by ${end.signal}` : `the job exited with code ${end.code}`) + logs;
  }
}

async function finish(ctx: PlatformContext, id: string, end: RunEnd, flushMetrics: () => void, stopAs: "Stopped" | "Failed" = "Stopped"): Promise<void> {
  flushMetrics();
  const job = ctx.store.get<JobObject>(KIND, id);
  if (!job) return;
  const finishedAt = new Date().toISOString();
  const exitCode = "code" in end ? end.code : null;
  if (end.kind === "exited" && end.code === 0) {
    try {
      const stored = await ctx.artifacts.put(join(jobDir(ctx, id), "output"));
      ctx.store.putChild(KIND, id, "output", "artifact", stored);
      ctx.artifacts.release(stored.digest);
      write(ctx, id, () => ({ status: "Completed", finishedAt, exitCode, statusMessage: undefined }));
    } catch (err) {
      write(ctx, id, () => ({ status: "Failed", finishedAt, exitCode, statusMessage: `the job succeeded but its output could not be stored: ${(err as Error).message}` }));
    }
    return;
  }
  const tail = tailLines(logPath(ctx, id), LOG_TAIL_IN_MESSAGE);
  const status = end.kind === "stopped" ? stopAs : "Failed";
  const message = end.kind === "timed-out" ? `the job exceeded maxRuntimeSeconds (${job.maxRuntimeSeconds} s) and was stopped${tail.length ? `; last log lines:\n${tail.join("\n")}` : ""}` : describeEnd(end, tail);
  write(ctx, id, () => ({ status, finishedAt, exitCode, statusMessage: message }));
}

async function launch(ctx: PlatformContext, rt: Runtime, job: JobObject): Promise<void> {
  const dir = jobDir(ctx, job.id);
  const outputDir = join(dir, "output");
  mkdirSync(outputDir, { recursive: true });
  let env: Record<string, string>;
  let argv: string[];
  let sandboxed = false;
  let dataset: { dir: string; file?: string };
  const cwd = job.workingDir ? ctx.resolvePath(job.workingDir, "workingDir") : ctx.allowedRoots[0];
  try {
    dataset = await prepareDataset(ctx, job);
    env = jobEnv(job, dataset, outputDir);
  } catch (err) {
    write(ctx, job.id, () => ({ status: "Failed", finishedAt: new Date().toISOString(), statusMessage: (err as Error).message }));
    return;
  }
  // A Python job first gets its cached virtualenv (training/python-job.ts), which the sandbox shows read-only.
  const pythonPaths: string[] = [];
  if (job.python) {
    const abort = new AbortController();
    rt.preparing.set(job.id, abort);
    try {
      const prepared = await preparePythonEnv({
        ctx,
        python: job.python,
        workingDir: cwd,
        env,
        logPath: logPath(ctx, job.id),
        readTail: () => tailLines(logPath(ctx, job.id), LOG_TAIL_IN_MESSAGE),
        signal: abort.signal,
        onStatus: (message) => write(ctx, job.id, (cur) => (cur.status === "Pending" ? { statusMessage: message } : undefined)),
      });
      if ("failed" in prepared) {
        // A stop or a shutdown aborted the build: a stop already wrote Stopped; a shutdown leaves it Pending to re-queue.
        if (!abort.signal.aborted) write(ctx, job.id, (cur) => (cur.status === "Pending" ? { status: "Failed", finishedAt: new Date().toISOString(), statusMessage: prepared.failed } : undefined));
        return;
      }
      env = prepared.env;
      pythonPaths.push(...prepared.readOnlyPaths);
    } finally {
      rt.preparing.delete(job.id);
    }
  }
  try {
    // Confined to its inputs and output (platform/sandbox.ts); unconfined only when the sandbox is off or
    // unavailable, which the job's log says.
    argv = sandboxedArgv(job.command, { dataDir: ctx.dataDir, roots: ctx.allowedRoots, inputs: [dataset.dir, ...pythonPaths], outputs: [outputDir], cwd, env }) ?? job.command;
    sandboxed = argv !== job.command;
    if (!sandboxed) appendFileSync(logPath(ctx, job.id), "[platform] no sandbox (MLPLATFORM_SANDBOX=off, or bubblewrap unavailable): the job runs with the platform's own file access\n");
  } catch (err) {
    write(ctx, job.id, () => ({ status: "Failed", finishedAt: new Date().toISOString(), statusMessage: (err as Error).message }));
    return;
  }
  if (ctx.store.get<JobObject>(KIND, job.id)?.status !== "Pending") return; // stopped or deleted while preparing

  // A metric line without "step" gets the next step of that metric (0, 1, 2, ...).
  const nextStep = new Map<string, number>();
  let seq = ctx.store.listChildren(KIND, job.id, "metrics").length;
  let dirty: Record<string, number> = {};
  let flushTimer: NodeJS.Timeout | undefined;
  const flushMetrics = () => {
    clearTimeout(flushTimer);
    flushTimer = undefined;
    if (Object.keys(dirty).length === 0) return;
    const latest = dirty;
    dirty = {};
    write(ctx, job.id, (cur) => ({ finalMetrics: { ...cur.finalMetrics, ...latest } }));
  };
  const onMetric = (m: MetricLine) => {
    const step = m.step ?? nextStep.get(m.name) ?? 0;
    nextStep.set(m.name, step + 1);
    const point: MetricPoint = { step, name: m.name, value: m.value, time: new Date().toISOString() };
    ctx.store.putChild(KIND, job.id, "metrics", String(++seq).padStart(10, "0"), point);
    dirty[m.name] = m.value;
    flushTimer ??= setTimeout(flushMetrics, METRIC_FLUSH_MS);
  };

  // bwrap would report a missing program only as its own exit code: look it up first, as spawn would.
  if (sandboxed && !findExecutable(job.command[0], env, cwd)) {
    appendFileSync(logPath(ctx, job.id), `cannot start ${job.command[0]}: spawn ${job.command[0]} ENOENT\n`);
    await finish(ctx, job.id, { kind: "spawn-failed", error: `spawn ${job.command[0]} ENOENT` }, flushMetrics);
    return;
  }
  const started = await TrainingRun.start({
    argv,
    cwd,
    deliver: sandboxed ? signalInsideSandbox : undefined,
    env,
    logPath: logPath(ctx, job.id),
    maxRuntimeMs: job.maxRuntimeSeconds * 1000,
    onMetric,
  });
  if (!(started instanceof TrainingRun)) {
    await finish(ctx, job.id, { kind: "spawn-failed", error: started.failed }, flushMetrics);
    return;
  }
  rt.runs.set(job.id, started);
  // pid and start time in the same synchronous turn as the spawn: a crash cannot separate them.
  ctx.store.putChild(KIND, job.id, "process", "current", started.identity satisfies ProcessIdentity);
  write(ctx, job.id, () => ({ status: "Running", startedAt: new Date().toISOString(), statusMessage: `running (pid ${started.pid})` }));
  ctx.log("training job started", { id: job.id, pid: started.pid });
  const end = await started.ended;
  rt.runs.delete(job.id);
  await finish(ctx, job.id, end, flushMetrics, rt.stopAs.get(job.id));
  rt.stopAs.delete(job.id);
  ctx.log("training job ended", { id: job.id, end: end.kind });
}

/** Starts queued jobs while their flavor has free slots. */
export function schedule(ctx: PlatformContext): void {
  const rt = runtime(ctx);
  if (rt.shuttingDown) return;
  for (const id of [...rt.queue]) {
    const job = ctx.store.get<JobObject>(KIND, id);
    if (!job || job.status !== "Pending") {
      rt.queue.splice(rt.queue.indexOf(id), 1);
      continue;
    }
    const limit = requireFlavor(job.flavor, "flavor").maxConcurrency;
    const busy = rt.running.get(job.flavor) ?? 0;
    if (busy >= limit) continue;
    rt.queue.splice(rt.queue.indexOf(id), 1);
    rt.running.set(job.flavor, busy + 1);
    const launched = launch(ctx, rt, job)
      .catch((err) => {
        ctx.log("training job crashed in the platform", { id, error: String((err as Error).stack ?? err) });
        write(ctx, id, (cur) => (TERMINAL.has(cur.status) ? undefined : { status: "Failed", finishedAt: new Date().toISOString(), statusMessage: `platform error: ${(err as Error).message}` }));
      })
      .finally(() => {
        rt.launches.delete(id);
        rt.running.set(job.flavor, (rt.running.get(job.flavor) ?? 1) - 1);
        schedule(ctx);
      });
    rt.launches.set(id, launched);
  }
}

/** Stops a queued or running job and resolves once its final status is written. */
export async function stopJob(ctx: PlatformContext, job: JobObject, reason: string, stopAs: "Stopped" | "Failed" = "Stopped"): Promise<JobObject> {
  const rt = runtime(ctx);
  const run = rt.runs.get(job.id);
  if (run) {
    if (!rt.stopAs.has(job.id)) rt.stopAs.set(job.id, stopAs);
    await run.terminate("stopped", reason);
  }
  const launching = rt.launches.get(job.id);
  if (!run && !launching) rt.queue = rt.queue.filter((q) => q !== job.id);
  rt.preparing.get(job.id)?.abort(reason);
  // A job still being prepared (no process yet) does not start once it is no longer Pending.
  write(ctx, job.id, (cur) => (cur.status === "Pending" ? { status: stopAs, finishedAt: new Date().toISOString(), statusMessage: reason } : undefined));
  await launching;
  return ctx.store.get<JobObject>(KIND, job.id) ?? job;
}
