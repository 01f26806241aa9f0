// Model: a named, versioned artifact in a format a serving runtime can load. The spec (source, format,
// input/output tensors, metrics), the patch, the object and its versions.
import { z } from "zod";
import { CopyProgress, Description, Name, ObjectMeta, Tags } from "./common";

/** Formats a local runtime can serve. Anything else is refused at registration. */
export const ModelFormat = z.enum(["logreg-json", "onnx"]);

/** A KServe v2 tensor: name, datatype, shape (-1 = a dynamic dimension such as the batch). */
export const TensorSpec = z.object({
  name: z.string(),
  datatype: z.enum(["BOOL", "UINT8", "UINT16", "UINT32", "UINT64", "INT8", "INT16", "INT32", "INT64", "FP32", "FP64", "BYTES"]),
  shape: z.array(z.number().int().min(-1)),
});

/** A registry entry; each new `source` registers a new numbered version. Only `name` is immutable. */
export const ModelSpec = z.strictObject({
  name: Name,
  source: z.string().min(1).describe("a training job's outputUri (mlp://jobs/<id>/output[/file]) or a local file/directory"),
  format: ModelFormat,
  framework: z.string().optional(),
  inputs: z.array(TensorSpec).optional().describe("the signature you expect; registration refuses an artifact whose own signature differs"),
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
  /** The signature the runtime read from the artifact at registration (an ONNX graph's inputs and outputs). */
  inputs: z.array(TensorSpec).optional(),
  outputs: z.array(TensorSpec).optional(),
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
  progress: CopyProgress.optional(),
});
export type Model = z.infer<typeof Model>;
