// Model: a named, versioned artifact in a format a serving runtime can load. The spec (source, format,
// input/output tensors, metrics), the patch, the object and its versions.
import { z } from "zod";
import { Description, Name, ObjectMeta, Tags } from "./common";

/** Formats a local runtime can serve. Anything else is refused at registration. */
export const ModelFormat = z.enum(["logreg-json", "onnx"]);

export const TensorSpec = z.object({
  name: z.string(),
  datatype: z.enum(["FP32", "FP64", "INT64", "INT32", "BYTES"]),
  shape: z.array(z.number().int()),
});

/** A registry entry; each new `source` registers a new numbered version. Only `name` is immutable. */
export const ModelSpec = z.strictObject({
  name: Name,
  source: z.string().min(1).describe("a training job's outputUri (mlp://jobs/<id>/output[/file]) or a local file/directory"),
  format: ModelFormat,
  framework: z.string().optional(),
  inputs: z.array(TensorSpec).optional(),
  outputs: z.array(TensorSpec).optional(),
  metrics: z.record(z.string(), z.number()).optional(),
  description: Description.optional(),
  tags: Tags.optional(),
});
export type ModelSpec = z.infer<typeof ModelSpec>;

/** In-place: description, tags, metrics; a new source or format registers a new version. */
export const ModelPatch = ModelSpec.omit({ name: true }).partial();
export type ModelPatch = z.infer<typeof ModelPatch>;

export const ModelVersionStatus = z.enum(["Registering", "Ready", "Failed"]);

export const ModelVersion = z.object({
  version: z.number().int().positive(),
  status: ModelVersionStatus,
  source: z.string(),
  format: ModelFormat,
  framework: z.string().optional(),
  artifactDigest: z.string(),
  sizeBytes: z.number().int(),
  metrics: z.record(z.string(), z.number()),
  createdAt: z.string(),
  statusMessage: z.string().optional(),
});
export type ModelVersion = z.infer<typeof ModelVersion>;

export const Model = ObjectMeta.extend({
  description: z.string().optional(),
  tags: Tags,
  framework: z.string().optional(),
  inputs: z.array(TensorSpec).optional(),
  outputs: z.array(TensorSpec).optional(),
  /** Newest version, and its status, source and format. */
  latestVersion: z.number().int().nonnegative(),
  status: ModelVersionStatus,
  source: z.string(),
  format: ModelFormat,
  metrics: z.record(z.string(), z.number()),
  versions: z.array(ModelVersion.pick({ version: true, status: true })),
});
export type Model = z.infer<typeof Model>;
