// TrainingJob: one run of a training command on a dataset version. The spec (every field but description
// and tags defines the run), the patch, and the object with its status, output and metrics.
import { z } from "zod";
import { Description, EnvVars, Name, ObjectMeta, Tags } from "./common";

export const HyperParameters = z.record(z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/), z.union([z.string(), z.number(), z.boolean()]));

/** A Python job's packages: pip requirement lines, or a requirements file relative to workingDir. */
export const PythonSpec = z.strictObject({
  requirements: z
    .union([z.array(z.string().min(1)).min(1), z.string().min(1)])
    .describe('pip requirement lines (["scikit-learn==1.9.1"]), or the path of a requirements file in workingDir ("requirements.txt")'),
});
export type PythonSpec = z.infer<typeof PythonSpec>;

/** One run of a training command on a dataset version. Everything but description and tags defines the run. */
export const TrainingJobSpec = z.strictObject({
  name: Name,
  command: z.array(z.string()).min(1).describe("argv; the job gets MLP_DATASET_DIR, MLP_OUTPUT_DIR, MLP_HYPERPARAMETERS (JSON) and MLP_HP_<NAME> in its environment"),
  workingDir: z.string().optional().describe("directory the command runs in (under the platform's allowed roots)"),
  env: EnvVars.optional(),
  datasetId: z.string().min(1),
  datasetVersion: z.number().int().positive().optional().describe("default: the dataset's latest version at submission"),
  hyperParameters: HyperParameters.optional(),
  python: PythonSpec.optional().describe("run in a virtualenv with these pip requirements (built once per distinct set, then cached)"),
  flavor: z.string().default("local.small"),
  instanceCount: z.number().int().min(1).max(1).default(1).describe("the local platform runs one process per job"),
  maxRuntimeSeconds: z.number().int().positive().max(7 * 24 * 3600).default(3600),
  description: Description.optional(),
  tags: Tags.optional(),
});
export type TrainingJobSpec = z.infer<typeof TrainingJobSpec>;
export type TrainingJobSpecInput = z.input<typeof TrainingJobSpec>;

export const TrainingJobPatch = TrainingJobSpec.pick({ description: true, tags: true }).partial();
export type TrainingJobPatch = z.infer<typeof TrainingJobPatch>;

export const TrainingJobStatus = z.enum(["Pending", "Running", "Completed", "Failed", "Stopped"]);
export const TERMINAL_TRAINING_STATUSES = ["Completed", "Failed", "Stopped"] as const;

export const MetricPoint = z.object({ step: z.number(), name: z.string(), value: z.number(), time: z.string() });
export type MetricPoint = z.infer<typeof MetricPoint>;

export const TrainingJob = ObjectMeta.extend({
  command: z.array(z.string()),
  workingDir: z.string().optional(),
  env: z.record(z.string(), z.string()),
  datasetId: z.string(),
  datasetVersion: z.number().int(),
  hyperParameters: HyperParameters,
  python: PythonSpec.optional(),
  flavor: z.string(),
  instanceCount: z.number().int(),
  maxRuntimeSeconds: z.number().int(),
  description: z.string().optional(),
  tags: Tags,
  status: TrainingJobStatus,
  /** Where the job's output directory lives on the platform, usable as a model's source. */
  outputUri: z.string(),
  startedAt: z.string().optional(),
  finishedAt: z.string().optional(),
  exitCode: z.number().int().nullable().optional(),
  /** Last value of each metric the job printed. */
  finalMetrics: z.record(z.string(), z.number()),
});
export type TrainingJob = z.infer<typeof TrainingJob>;
