// A training job's workspace on the platform: its directory under <dataDir>/jobs/<id> (log, output, staged
// dataset), the environment its command runs with (dataset and output directories, hyper-parameters), and
// reading the tail of its log. Nothing here decides when a job runs (scheduler.ts) or what it means (controller.ts).
import { closeSync, copyFileSync, existsSync, linkSync, mkdirSync, openSync, readSync, statSync } from "node:fs";
import { join } from "node:path";
import type { TrainingJob } from "../../schemas/index";
import { listFiles } from "../core/artifacts";
import type { PlatformContext, StoredObject } from "../core/types";
import { datasetVersionLocation } from "../datasets/controller";

export type JobObject = TrainingJob & StoredObject;

/** The platform's own variables a job may see; everything else in its environment is the job's. */
const INHERITED_ENV = ["PATH", "HOME", "LANG", "TZ"];

export function outputUri(id: string): string {
  return `mlp://training-jobs/${id}/output`;
}

export function jobDir(ctx: PlatformContext, id: string): string {
  return join(ctx.dataDir, "jobs", id);
}

export function logPath(ctx: PlatformContext, id: string): string {
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

export function jobEnv(job: JobObject, dataset: { dir: string; file?: string }, outputDir: string): Record<string, string> {
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
export async function prepareDataset(ctx: PlatformContext, job: JobObject): Promise<{ dir: string; file?: string }> {
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
