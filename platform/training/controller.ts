// The TrainingJob kind: validates a job against its dataset and flavor, stores it Pending and hands it to the
// scheduler (scheduler.ts runs it in its workspace, workspace.ts); stop, logs and metrics routes; and after a
// platform crash no job stays Running: the survivor process (same pid and start time) is killed and the job
// is Failed with the reason.
import { rmSync, statSync } from "node:fs";
import { z } from "zod";
import { MetricPoint, TrainingJob, type TrainingJobPatch, type TrainingJobSpec } from "../../schemas/index";
import { collectProblem, HttpError, refuseProblems } from "../core/errors";
import { everyObject } from "../core/store";
import { requireFlavor } from "../core/flavors";
import { newId } from "../core/ids";
import { killIfSameProcess, type ProcessIdentity } from "../core/processes";
import { nameProblem } from "../core/rules";
import type { KindController, PlatformContext, Problem, StoredObject } from "../core/types";
import { KIND, runtime, schedule, stopJob, TERMINAL, write } from "./scheduler";
import { jobDir, logPath, outputUri, tailLines, type JobObject } from "./workspace";

export const trainingJobController: KindController = {
  kind: KIND,

  async validate(raw, ctx, opts) {
    const spec = raw as TrainingJobSpec;
    const problems: Problem[] = [];
    await collectProblem(problems, () => requireFlavor(spec.flavor, "flavor"));
    if (spec.workingDir !== undefined) await collectProblem(problems, () => requireDirectory(ctx, spec.workingDir!));
    await collectProblem(problems, () => datasetVersionOf(ctx, spec));
    const taken = nameProblem(ctx, KIND, "training job", spec, opts);
    if (taken) problems.push(taken);
    return problems;
  },

  async validatePatch() {
    return []; // description and tags: the patch schema says all there is
  },

  async create(raw, ctx) {
    const spec = raw as TrainingJobSpec;
    refuseProblems(await trainingJobController.validate(spec, ctx), "training job spec");
    const version = datasetVersionOf(ctx, spec);
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
    for (const job of [...everyObject<JobObject>(ctx.store, KIND)]) {
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
      response: TrainingJob,
      async handler(current, _p, _q, ctx) {
        return stopJob(ctx, current as JobObject, "stopped on request");
      },
    },
    {
      method: "GET",
      path: "/logs",
      response: z.object({ lines: z.array(z.string()) }),
      query: [{ name: "tail", schema: { type: "integer", minimum: 0, maximum: 100_000, default: 100 } }],
      async handler(current, _p, query, ctx) {
        const tail = query.tail === undefined ? 100 : Number(query.tail);
        if (!Number.isInteger(tail) || tail < 0 || tail > 100_000) throw HttpError.invalid(`tail must be an integer from 0 to 100000, got "${query.tail}"`, "tail");
        return { lines: tailLines(logPath(ctx, current.id), tail) };
      },
    },
    {
      method: "GET",
      path: "/metrics",
      response: z.object({ points: z.array(MetricPoint) }),
      async handler(current, _p, _q, ctx) {
        return { points: ctx.store.listChildren<MetricPoint>(KIND, current.id, "metrics") };
      },
    },
  ],
};

/** The working directory: under the allowed roots, and a directory (a file there is 422). */
function requireDirectory(ctx: PlatformContext, workingDir: string): void {
  const wd = ctx.resolvePath(workingDir, "workingDir");
  if (!statSync(wd).isDirectory()) throw HttpError.unprocessable(`workingDir "${workingDir}" is not a directory`, "workingDir");
}

/** The dataset version the job would run on: it must exist and be Ready (422 naming the field otherwise). */
function datasetVersionOf(ctx: PlatformContext, spec: TrainingJobSpec): number {
  const ds = ctx.store.get<StoredObject & { latestVersion: number }>("datasets", spec.datasetId);
  if (!ds) throw HttpError.unprocessable(`dataset "${spec.datasetId}" does not exist`, "datasetId");
  const version = spec.datasetVersion ?? ds.latestVersion;
  const field = spec.datasetVersion ? "datasetVersion" : "datasetId";
  const v = ctx.store.getChild<{ status: string }>("datasets", ds.id, "versions", String(version));
  if (!v) throw HttpError.unprocessable(`dataset "${ds.name}" has no version ${version} yet (status ${ds.status})`, field);
  if (v.status !== "Ready") throw HttpError.unprocessable(`dataset "${ds.name}" version ${version} is ${v.status}, not Ready`, field);
  return version;
}

/** The stored output of a completed job (for models whose source is its outputUri). */
export async function jobOutputPath(ctx: PlatformContext, jobId: string): Promise<string> {
  const job = ctx.store.get<JobObject>(KIND, jobId);
  if (!job) throw HttpError.unprocessable(`training job "${jobId}" does not exist`, "source");
  const art = ctx.store.getChild<{ digest: string }>(KIND, jobId, "output", "artifact");
  if (job.status !== "Completed" || !art) throw HttpError.unprocessable(`training job "${job.name}" is ${job.status}; only a Completed job has an output`, "source");
  return ctx.artifacts.path(art.digest);
}
