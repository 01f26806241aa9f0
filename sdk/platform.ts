// The platform seen from the provider: one client per kind with the same verbs, plus each kind's extras.
// Drivers (local HTTP today, clouds later) implement this; handlers only ever talk to this interface.
import type { z } from "zod";
import type {
  Dataset, DatasetPatch, DatasetSpec, DatasetVersion,
  LocalFlavor, MetricPoint,
  Model, ModelPatch, ModelSpec, ModelVersion,
  PerfJob, PerfJobPatch, PerfJobSpec,
  Service, ServicePatch, ServiceSpec,
  TrainingJob, TrainingJobPatch, TrainingJobSpec,
} from "../schemas";

export interface ListFilter {
  /** Exact name. */
  name?: string;
  /** Exact tag match, e.g. `{ key: "mlplatform/urn", value: "<urn>" }`. */
  tag?: { key: string; value: string };
  limit?: number;
  pageToken?: string;
}

export interface Page<T> {
  items: T[];
  nextPageToken?: string;
}

export interface KindClient<Spec, Patch, Obj extends { id: string; etag: string }> {
  /** The key makes a retried create return the first object instead of making a second one. */
  create(spec: Spec, opts: { idempotencyKey: string }): Promise<Obj>;
  get(id: string): Promise<Obj>;
  /** With `ifMatch`, fails with PreconditionFailedError when the object changed since that etag. */
  update(id: string, patch: Patch, opts?: { ifMatch?: string }): Promise<Obj>;
  delete(id: string, opts?: { ifMatch?: string }): Promise<void>;
  list(filter?: ListFilter): Promise<Page<Obj>>;
  /** Every page of a list. */
  listAll(filter?: Omit<ListFilter, "pageToken">): Promise<Obj[]>;
  /** Long-poll: the object as soon as its etag differs from `etag`, or unchanged after `timeoutMs`. */
  wait(id: string, etag: string, timeoutMs: number): Promise<Obj>;
}

export type DatasetClient = KindClient<z.input<typeof DatasetSpec>, DatasetPatch, Dataset> & {
  versions(id: string): Promise<DatasetVersion[]>;
};

export type TrainingJobClient = KindClient<z.input<typeof TrainingJobSpec>, TrainingJobPatch, TrainingJob> & {
  logs(id: string, tail?: number): Promise<string[]>;
  metrics(id: string): Promise<MetricPoint[]>;
  stop(id: string): Promise<TrainingJob>;
};

export type ModelClient = KindClient<z.input<typeof ModelSpec>, ModelPatch, Model> & {
  versions(id: string): Promise<ModelVersion[]>;
  version(id: string, version: number): Promise<ModelVersion>;
  deleteVersion(id: string, version: number): Promise<void>;
};

export type PerfJobClient = KindClient<z.input<typeof PerfJobSpec>, z.infer<typeof PerfJobPatch>, PerfJob> & {
  cancel(id: string): Promise<PerfJob>;
};

export type ServiceClient = KindClient<z.input<typeof ServiceSpec>, ServicePatch, Service>;

export interface Platform {
  /** Which driver answers ("local", later the clouds). */
  readonly backend: string;
  readonly datasets: DatasetClient;
  readonly trainingJobs: TrainingJobClient;
  readonly models: ModelClient;
  readonly perfJobs: PerfJobClient;
  readonly services: ServiceClient;
  /** Flavors this backend can run; check refuses any other. */
  flavors(): Promise<LocalFlavor[]>;
}
