// Service: online inference over one or more model versions with traffic weights and replicas. The spec,
// the patch (everything but the name) and the object with its endpoint and rollout state.
import { z } from "zod";
import { Description, EnvVars, Name, ObjectMeta, Tags } from "./common";

export const ServedModel = z.strictObject({
  modelId: z.string().min(1),
  version: z.number().int().positive(),
  weight: z.number().int().min(0).max(100).default(100).describe("share of traffic, percent; weights add up to 100"),
});

/** Online inference. Everything but `name` changes in place (models and weights roll replica by replica). */
export const ServiceSpec = z.strictObject({
  name: Name,
  models: z.array(ServedModel).min(1).max(4),
  replicas: z.number().int().min(1).max(16).default(1),
  flavor: z.string().default("local.small"),
  env: EnvVars.optional(),
  description: Description.optional(),
  tags: Tags.optional(),
}).refine((s) => s.models.reduce((a, m) => a + (m.weight ?? 100), 0) === 100, {
  message: "model weights must add up to 100",
  path: ["models"],
});
export type ServiceSpec = z.infer<typeof ServiceSpec>;
export type ServiceSpecInput = z.input<typeof ServiceSpec>;

export const ServicePatch = z.strictObject({
  models: ServiceSpec.shape.models.optional(),
  replicas: z.number().int().min(1).max(16).optional(),
  flavor: z.string().optional(),
  env: EnvVars.optional(),
  description: Description.optional(),
  tags: Tags.optional(),
});
export type ServicePatch = z.infer<typeof ServicePatch>;

export const ServiceStatus = z.enum(["Deploying", "Running", "Updating", "Failed", "Stopped"]);

export const Service = ObjectMeta.extend({
  models: z.array(z.object({ modelId: z.string(), modelName: z.string(), version: z.number().int(), weight: z.number().int() })),
  replicas: z.number().int(),
  readyReplicas: z.number().int(),
  flavor: z.string(),
  env: z.record(z.string(), z.string()),
  description: z.string().optional(),
  tags: Tags,
  status: ServiceStatus,
  /** The front endpoint (Open Inference Protocol / KServe v2), e.g. http://127.0.0.1:PORT */
  endpoint: z.string(),
});
export type Service = z.infer<typeof Service>;
