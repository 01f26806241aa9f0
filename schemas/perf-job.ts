// PerfJob: a benchmark of one model version over flavors and concurrencies with an optional latency SLO.
// The spec, the patch (description and tags only) and the object with its per-task results.
import { z } from "zod";
import { Description, Name, ObjectMeta, Tags } from "./common";

/** A benchmark of one model version: one task per flavor x concurrency. Only description changes in place. */
export const PerfJobSpec = z.strictObject({
  name: Name,
  modelId: z.string().min(1),
  modelVersion: z.number().int().positive(),
  jobType: z.enum(["benchmark"]).default("benchmark"),
  flavors: z.array(z.string()).min(1).default(["local.small"]),
  concurrency: z.array(z.number().int().min(1).max(256)).min(1).default([1, 4]),
  batchSize: z.array(z.number().int().min(1).max(4096)).min(1).default([1]).describe("rows per request; one task per flavor x batch size x concurrency"),
  durationSeconds: z.number().positive().max(600).default(3),
  /** Sample request (KServe v2 inputs), one example repeated to each batch size; default: zeros shaped from the model's inputs. */
  sampleInput: z.array(z.object({ name: z.string(), datatype: z.string(), shape: z.array(z.number().int()), data: z.array(z.any()) })).optional(),
  slo: z.strictObject({
    p99LatencyMs: z.number().positive().optional(),
    minThroughput: z.number().positive().optional(),
    maxErrorRate: z.number().min(0).max(1).optional(),
  }).optional(),
  description: Description.optional(),
  tags: Tags.optional(),
});
export type PerfJobSpec = z.infer<typeof PerfJobSpec>;
export type PerfJobSpecInput = z.input<typeof PerfJobSpec>;

export const PerfJobPatch = PerfJobSpec.pick({ description: true, tags: true }).partial();

export const PerfJobStatus = z.enum(["Submitted", "Running", "Succeeded", "Failed", "Cancelled"]);

export const PerfTask = z.object({
  flavor: z.string(),
  batchSize: z.number().int().optional().describe("rows per request (absent on tasks recorded before batch sizes existed: 1)"),
  concurrency: z.number().int(),
  status: z.enum(["Pending", "Running", "Succeeded", "Failed", "Cancelled"]),
  requests: z.number().int(),
  errors: z.number().int(),
  p50Ms: z.number().optional(),
  p90Ms: z.number().optional(),
  p99Ms: z.number().optional(),
  throughput: z.number().optional().describe("requests per second"),
  predictionsPerSecond: z.number().optional().describe("rows predicted per second: throughput x batch size"),
});
export type PerfTask = z.infer<typeof PerfTask>;

export const PerfJob = ObjectMeta.extend({
  modelId: z.string(),
  modelVersion: z.number().int(),
  jobType: z.string(),
  flavors: z.array(z.string()),
  concurrency: z.array(z.number().int()),
  batchSize: z.array(z.number().int()).optional(),
  durationSeconds: z.number(),
  sampleInput: PerfJobSpec.shape.sampleInput,
  slo: PerfJobSpec.shape.slo,
  description: z.string().optional(),
  tags: z.record(z.string(), z.string()),
  status: PerfJobStatus,
  tasks: z.array(PerfTask),
  sloMet: z.boolean().optional(),
});
export type PerfJob = z.infer<typeof PerfJob>;
