// What each resource class outputs besides its spec and the provider's bookkeeping, as zod schemas picked from
// the platform's object schemas (plus the few outputs the provider computes: a model's registered version,
// a job's final metrics, a service's served models). The classes' output types and key lists, the handlers'
// extraOutputs types and the manifest's referenceable outputs all derive from these.
import { z } from "zod";
import { Dataset, Model, PerfJob, Service, TrainingJob } from "../schemas";
import type { Kind } from "../schemas/kinds";

export const OUTPUT_EXTRAS = {
  Dataset: Dataset.pick({ status: true, latestVersion: true, digest: true, sampleCount: true, sizeBytes: true }),
  TrainingJob: TrainingJob.pick({ status: true, outputUri: true, startedAt: true, finishedAt: true, exitCode: true }).extend({
    metrics: TrainingJob.shape.finalMetrics,
  }),
  Model: Model.pick({ status: true, latestVersion: true }).extend({
    /** The version this resource registered (0 when it was deleted outside of Pulumi). */
    version: z.number().int().nonnegative(),
    versions: z.array(z.number().int()),
  }),
  PerfJob: PerfJob.pick({ status: true, tasks: true, sloMet: true }),
  Service: Service.pick({ status: true, readyReplicas: true, endpoint: true }).extend({ servedModels: Service.shape.models }),
} satisfies Record<Kind, z.ZodObject>;

export type OutputExtrasOf<K extends Kind> = z.infer<(typeof OUTPUT_EXTRAS)[K]>;
