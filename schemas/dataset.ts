// Dataset: named data with versions. The spec a user declares, what may be patched, and the object the
// platform answers with (status, latest version, digest, sample count).
import { z } from "zod";
import { CopyProgress, Description, Name, ObjectMeta, Tags } from "./common";

export const DatasetFormat = z.enum(["csv", "jsonl", "files"]);

/** What a user declares. `source` is a file or directory; new content there makes a new version. */
export const DatasetSpec = z.strictObject({
  name: Name,
  format: DatasetFormat.describe("csv: one header line then one sample a line; jsonl: one JSON object a line; files: one sample a file"),
  source: z.string().min(1).describe("a local file or directory (under the platform's allowed roots)"),
  description: Description.optional(),
  tags: Tags.optional(),
});
export type DatasetSpec = z.infer<typeof DatasetSpec>;

/** In-place changes; a new `source` ingests a new version. `name` and `format` cannot change. */
export const DatasetPatch = DatasetSpec.pick({ description: true, tags: true, source: true }).partial();
export type DatasetPatch = z.infer<typeof DatasetPatch>;

/** Creating: version 1 is being ingested; Ingesting: a new source (a PATCH) is, while earlier versions stay usable. */
export const DatasetStatus = z.enum(["Creating", "Ingesting", "Ready", "Failed"]);

export const DatasetVersion = z.object({
  version: z.number().int().positive(),
  status: DatasetStatus,
  source: z.string(),
  digest: z.string().describe("sha256 of the content, hex"),
  sampleCount: z.number().int().nonnegative(),
  sizeBytes: z.number().int().nonnegative(),
  createdAt: z.string(),
  statusMessage: z.string().optional(),
});
export type DatasetVersion = z.infer<typeof DatasetVersion>;

export const Dataset = ObjectMeta.extend({
  format: DatasetFormat,
  source: z.string(),
  description: z.string().optional(),
  tags: Tags,
  status: DatasetStatus,
  /** The newest version; older ones stay readable under /versions. */
  latestVersion: z.number().int().nonnegative(),
  digest: z.string().optional(),
  sampleCount: z.number().int().optional(),
  sizeBytes: z.number().int().optional(),
  progress: CopyProgress.optional(),
});
export type Dataset = z.infer<typeof Dataset>;
