// Training jobs: each runs its command as a child process with the dataset and output directories in its
// environment, at most `maxConcurrency` jobs of a flavor at a time (the rest wait Pending). The output
// directory goes into the artifact store on success. After a platform crash no job stays Running: the
// survivor process (same pid and start time) is killed and the job is Failed with the reason.
import { appendFileSync, closeSync, existsSync, linkSync, copyFileSync, mkdirSync, openSync, readSync, rmSync, statSync } from "node:fs";
import { join } from "node:path";
import { TrainingJobPatch, TrainingJobSpec, type MetricPoint, type TrainingJob } from "../schemas/index";
import { listFiles } from "./core/artifacts";
import { datasetVersionLocation } from "./datasets";
import { requireFlavor } from "./core/flavors";
import { newId } from "./core/ids";
import { killIfSameProcess, type ProcessIdentity } from "./core/processes";
import { type KindController, type PlatformContext, type StoredObject } from "./core/types";
import { HttpError } from "./core/errors";
import { TrainingRun, type MetricLine, type RunEnd } from "./training-run";
import { findExecutable, sandboxedArgv, signalInsideSandbox } from "./sandbox";
import { preparePythonEnv } from "./training/python-job";

type JobObject = TrainingJob & StoredObject;
const KIND = "training-jobs" as const;
const TERMINAL = new Set(["Completed", "Failed", "Stopped"]);
const LOG_TAIL_IN_MESSAGE = 10;
/** Metric writes to the job object are batched: finalMetrics changes its etag, which wakes waiters. */
const METRIC_FLUSH_MS = 250;

/** The platform's own variables a job may see; everything else in its environment is the job's. */
const INHERITED_ENV = ["PATH", "HOME", "LANG", "TZ"];

export function outputUri(id: string): string {
  return `mlp://training-jobs/${id}/output`;
}

function jobDir(ctx: PlatformContext, id: string): string {
  return join(ctx.dataDir, "jobs", id);
}

function logPath(ctx: PlatformContext, id: string): string {
  return join(jobDir(ctx, id), "job.log");
}

/** The last `n` lines of a file, reading at most the last 4 MiB. */
export function tailLines(path: string, n: number): string[] {
  if (!existsSync(path) || n <= 0) return [];
  const size = statSync(path).size;
  const len = Math.min(size, 4 * 1024 * 1024);
  const buf = Buffer.alloc(len);
  const fd = openSync(path, "r");
  try {
    readSync(fd, buf, 0, len, size - len);
  } finally {
    closeSync(fd);
  }
  const lines = buf.toString("utf8").split("\n");
  if (lines.at(-1) === "") lines.pop();
  if (len < size) lines.shift(); // probably a partial line
  return lines.slice(-n);
}

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

/** One runtime per platform context (tests run several platforms in one process). */
const runtimes = new WeakMap<PlatformContext, Runtime>();
function runtime(ctx: PlatformContext): Runtime {
  let rt = runtimes.get(ctx);
  if (!rt) runtimes.set(ctx, (rt = { runs: new Map(), queue: [], running: new Map(), launches: new Map(), stopAs: new Map(), preparing: new Map(), shuttingDown: false }));
  return rt;
}

function write(ctx: PlatformContext, id: string, change: (cur: JobObject) => Partial<JobObject> | undefined): JobObject | undefined {
  if (!ctx.store.get(KIND, id)) return undefined;
  return ctx.store.update<JobObject>(KIND, id, (cur) => {
    const delta = change(cur);
    if (!delta) return cur;
    const next = { ...cur, ...delta } as JobObject;
    for (const k of Object.keys(delta) as (keyof JobObject)[]) if (delta[k] === undefined) delete next[k];
    return next;
  });
}

function jobEnv(job: JobObject, dataset: { dir: string; file?: string }, outputDir: string): Record<string, string> {
  const env: Record<string, string> = {};
  for (const k of INHERITED_ENV) if (process.env[k] !== undefined) env[k] = process.env[k]!;
  env.LANG ??= "C.UTF-8";
  Object.assign(env, job.env);
  env.MLP_DATASET_DIR = dataset.dir;
  if (dataset.file) env.MLP_DATASET_FILE = dataset.file;
  env.MLP_OUTPUT_DIR = outputDir;
  env.MLP_HYPERPARAMETERS = JSON.stringify(job.hyperParameters);
  env.MLP_JOB_ID = job.id;
  for (const [k, v] of Object.entries(job.hyperParameters)) env[`MLP_HP_${k.toUpperCase()}`] = String(v);
  return env;
}

/** The dataset as the job sees it: a directory, and the data file for csv/jsonl. */
async function prepareDataset(ctx: PlatformContext, job: JobObject): Promise<{ dir: string; file?: string }> {
  const loc = await datasetVersionLocation(ctx, job.datasetId, job.datasetVersion);
  if (!loc) throw new Error(`dataset ${job.datasetId} version ${job.datasetVersion} is not available (deleted, or not Ready)`);
  if (statSync(loc.path).isDirectory()) {
    const ds = ctx.store.get<StoredObject>("datasets", job.datasetId);
    const ext = ds?.format === "csv" || ds?.format === "jsonl" ? `.${ds.format}` : undefined;
    const data = ext ? listFiles(loc.path).filter((f) => f.toLowerCase().endsWith(ext)) : [];
    return { dir: loc.path, file: data.length === 1 ? data[0] : undefined };
  }
  // A single-file version is a blob named by its digest: give the job a directory with the file's own name.
  const dir = join(jobDir(ctx, job.id), "dataset");
  mkdirSync(dir, { recursive: true });
  const file = join(dir, loc.fileName ?? "data");
  if (!existsSync(file)) {
    try {
      linkSync(loc.path, file);
    } catch {
      copyFileSync(loc.path, file);
    }
  }
  return { dir, file };
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
function schedule(ctx: PlatformContext): void {
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
async function stopJob(ctx: PlatformContext, job: JobObject, reason: string, stopAs: "Stopped" | "Failed" = "Stopped"): Promise<JobObject> {
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

function listAll(ctx: PlatformContext): JobObject[] {
  const out: JobObject[] = [];
  let pageToken: string | undefined;
  do {
    const page = ctx.store.list<JobObject>(KIND, { limit: 200, pageToken });
    out.push(...page.items);
    pageToken = page.nextPageToken;
  } while (pageToken);
  return out;
}

export const trainingJobController: KindController = {
  kind: KIND,
  idPrefix: "tj",
  specSchema: TrainingJobSpec,
  patchSchema: TrainingJobPatch,

  async create(raw, ctx) {
    const spec = raw as TrainingJobSpec;
    requireFlavor(spec.flavor, "flavor");
    if (spec.workingDir !== undefined) {
      const wd = ctx.resolvePath(spec.workingDir, "workingDir");
      if (!statSync(wd).isDirectory()) throw HttpError.unprocessable(`workingDir "${spec.workingDir}" is not a directory`, "workingDir");
    }
    const ds = ctx.store.get<StoredObject & { latestVersion: number }>("datasets", spec.datasetId);
    if (!ds) throw HttpError.unprocessable(`dataset "${spec.datasetId}" does not exist`, "datasetId");
    const version = spec.datasetVersion ?? ds.latestVersion;
    const v = ctx.store.getChild<{ status: string }>("datasets", ds.id, "versions", String(version));
    if (!v) throw HttpError.unprocessable(`dataset "${ds.name}" has no version ${version} yet (status ${ds.status})`, spec.datasetVersion ? "datasetVersion" : "datasetId");
    if (v.status !== "Ready") throw HttpError.unprocessable(`dataset "${ds.name}" version ${version} is ${v.status}, not Ready`, spec.datasetVersion ? "datasetVersion" : "datasetId");
    if (ctx.store.getByName(KIND, spec.name)) throw HttpError.conflict(`a training job named "${spec.name}" already exists`, "name");
    const id = newId("training-jobs");
    const obj = ctx.store.insert<JobObject>(KIND, {
      id,
      name: spec.name,
      command: spec.command,
      ...(spec.workingDir !== undefined ? { workingDir: spec.workingDir } : {}),
      env: spec.env ?? {},
      datasetId: spec.datasetId,
      datasetVersion: version,
      hyperParameters: spec.hyperParameters ?? {},
      ...(spec.python ? { python: spec.python } : {}),
      flavor: spec.flavor,
      instanceCount: spec.instanceCount,
      maxRuntimeSeconds: spec.maxRuntimeSeconds,
      ...(spec.description !== undefined ? { description: spec.description } : {}),
      tags: spec.tags ?? {},
      status: "Pending",
      statusMessage: "queued",
      outputUri: outputUri(id),
      finalMetrics: {},
    } as Omit<JobObject, "etag" | "createdAt" | "updatedAt">);
    runtime(ctx).queue.push(id);
    schedule(ctx);
    return ctx.store.get<JobObject>(KIND, id) ?? obj;
  },

  async patch(current, raw, ctx) {
    const patch = raw as TrainingJobPatch;
    return write(ctx, current.id, () => ({
      ...(patch.description !== undefined ? { description: patch.description } : {}),
      ...(patch.tags !== undefined ? { tags: patch.tags } : {}),
    }))!;
  },

  async remove(current, ctx) {
    if (!TERMINAL.has(current.status)) await stopJob(ctx, current as JobObject, "deleted while running");
    ctx.store.delete(KIND, current.id);
    rmSync(jobDir(ctx, current.id), { recursive: true, force: true });
  },

  async recover(ctx) {
    const rt = runtime(ctx);
    for (const job of listAll(ctx)) {
      if (job.status === "Running" || (job.status === "Pending" && ctx.store.getChild(KIND, job.id, "process", "current"))) {
        const proc = ctx.store.getChild<ProcessIdentity>(KIND, job.id, "process", "current");
        const killed = proc ? killIfSameProcess(proc) : false;
        const pid = proc ? ` (pid ${proc.pid}${killed ? ", killed" : ", already gone"})` : "";
        write(ctx, job.id, () => ({ status: "Failed", finishedAt: new Date().toISOString(), exitCode: null, statusMessage: `platform restarted while the job was running${pid}` }));
        ctx.log("training job failed by restart", { id: job.id, pid: proc?.pid, killed });
      } else if (job.status === "Pending") {
        // Never started: nothing ran, so it can simply queue again.
        rt.queue.push(job.id);
      }
    }
    schedule(ctx);
  },

  async shutdown(ctx) {
    const rt = runtime(ctx);
    rt.shuttingDown = true;
    // A half-built Python environment is thrown away; its job stays Pending and queues again on restart.
    for (const abort of rt.preparing.values()) abort.abort("the platform shut down");
    await Promise.all(
      [...rt.runs.entries()].map(async ([id]) => {
        const job = ctx.store.get<JobObject>(KIND, id);
        // A shutdown is a failure of the run, not a user's stop.
        if (job) await stopJob(ctx, job, "the platform shut down while the job was running", "Failed");
      }),
    );
    await Promise.allSettled([...rt.launches.values()]);
  },

  extraRoutes: [
    {
      method: "POST",
      path: "/stop",
      async handler(current, _p, _q, ctx) {
        return stopJob(ctx, current as JobObject, "stopped on request");
      },
    },
    {
      method: "GET",
      path: "/logs",
      async handler(current, _p, query, ctx) {
        const tail = query.tail === undefined ? 100 : Number(query.tail);
        if (!Number.isInteger(tail) || tail < 0 || tail > 100_000) throw HttpError.invalid(`tail must be an integer from 0 to 100000, got "${query.tail}"`, "tail");
        return { lines: tailLines(logPath(ctx, current.id), tail) };
      },
    },
    {
      method: "GET",
      path: "/metrics",
      async handler(current, _p, _q, ctx) {
        return { points: ctx.store.listChildren<MetricPoint>(KIND, current.id, "metrics") };
      },
    },
  ],
};

/** The stored output of a completed job (for models whose source is its outputUri). */
export async function jobOutputPath(ctx: PlatformContext, jobId: string): Promise<string> {
  const job = ctx.store.get<JobObject>(KIND, jobId);
  if (!job) throw HttpError.unprocessable(`training job "${jobId}" does not exist`, "source");
  const art = ctx.store.getChild<{ digest: string }>(KIND, jobId, "output", "artifact");
  if (job.status !== "Completed" || !art) throw HttpError.unprocessable(`training job "${job.name}" is ${job.status}; only a Completed job has an output`, "source");
  return ctx.artifacts.path(art.digest);
}
