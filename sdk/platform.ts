// The platform seen from the provider: one client per kind with the same verbs, plus each kind's extras.
// Drivers (the local platform over HTTP; sdk/volcengine, sdk/qianfan and sdk/modelarts for the clouds) implement this; handlers
// only ever talk to this interface. Where a backend differs per kind, its rules are data (sdk/kind-rules.ts).
import type { z } from "zod";
import type { DatasetVersion, LocalFlavor, MetricPoint, ModelVersion, PerfJob, TrainingJob } from "../schemas";
import type { KIND_REGISTRY, Kind, ObjectOf, PatchOf } from "../schemas/kinds";

export interface ListFilter {
  /** Exact name. */
  name?: string;
  /** Exact tag match, e.g. `{ key: "mlplatform/urn", value: "<urn>" }`. */
  tag?: { key: string; value: string };
  /** Only these ids (a backend may ignore this filter: check what comes back). */
  ids?: string[];
  limit?: number;
  pageToken?: string;
}

/** One thing the backend would refuse a create or an update for: the property path and why. */
export interface ValidationProblem {
  /** Dotted property path as the backend names it, e.g. `models.0.version`; empty for the whole object. */
  field: string;
  message: string;
}

export interface Page<T> {
  items: T[];
  nextPageToken?: string;
}

export interface KindClient<Spec, Patch, Obj extends { id: string; etag: string }> {
  /** The key makes a retried create return the first object instead of making a second one. */
  create(spec: Spec, opts: { idempotencyKey: string }): Promise<Obj>;
  get(id: string): Promise<Obj>;
  /**
   * Many objects in one request (at most 200 ids); ids that do not exist are missing from the answer.
   * Optional: a backend without it is read one `get` at a time.
   */
  getMany?(ids: string[]): Promise<Obj[]>;
  /**
   * Every object whose tag `key` starts with `prefix`, all pages: a refresh lists its stack's objects in a few
   * requests. Optional: a backend without it is refreshed with `getMany`.
   */
  listTagPrefix?(key: string, prefix: string): Promise<Obj[]>;
  /** With `ifMatch`, fails with PreconditionFailedError when the object changed since that etag. */
  update(id: string, patch: Patch, opts?: { ifMatch?: string }): Promise<Obj>;
  delete(id: string, opts?: { ifMatch?: string }): Promise<void>;
  list(filter?: ListFilter): Promise<Page<Obj>>;
  /** Every page of a list. */
  listAll(filter?: Omit<ListFilter, "pageToken">): Promise<Obj[]>;
  /** Long-poll: the object as soon as its etag differs from `etag`, or unchanged after `timeoutMs`. */
  wait(id: string, etag: string, timeoutMs: number): Promise<Obj>;
  /**
   * Server-side dry run of a create: every problem `create` would be refused for (all of them, not just
   * the first), nothing created. Empty: the create would be accepted as far as the backend can tell now.
   */
  validate?(spec: Spec): Promise<ValidationProblem[]>;
  /** The same for an update of the object `id`. Both are optional: a backend without a dry run has neither. */
  validateUpdate?(id: string, patch: Patch): Promise<ValidationProblem[]>;
}

/** What each kind's client offers besides the common verbs. One entry per kind of the registry. */
export interface KindClientExtras {
  Dataset: {
    versions(id: string): Promise<DatasetVersion[]>;
  };
  TrainingJob: {
    logs(id: string, tail?: number): Promise<string[]>;
    metrics(id: string): Promise<MetricPoint[]>;
    stop(id: string): Promise<TrainingJob>;
  };
  Model: {
    versions(id: string): Promise<ModelVersion[]>;
    version(id: string, version: number): Promise<ModelVersion>;
    deleteVersion(id: string, version: number): Promise<void>;
  };
  PerfJob: {
    cancel(id: string): Promise<PerfJob>;
  };
  Service: {};
}

/** A kind's client, typed by its schemas in the registry (schemas/kinds.ts). */
export type ClientOf<K extends Kind> = KindClient<z.input<(typeof KIND_REGISTRY)[K]["spec"]>, PatchOf<K>, ObjectOf<K>> & KindClientExtras[K];

export type DatasetClient = ClientOf<"Dataset">;
export type TrainingJobClient = ClientOf<"TrainingJob">;
export type ModelClient = ClientOf<"Model">;
export type PerfJobClient = ClientOf<"PerfJob">;
export type ServiceClient = ClientOf<"Service">;

/** One client per kind, under the kind's section name (`perfJobs`), plus what the backend offers. */
export type Platform = {
  /** Which driver answers ("local", "volcengine", "qianfan", "modelarts"). */
  readonly backend: string;
  /** Flavors this backend can run; check refuses any other. */
  flavors(): Promise<LocalFlavor[]>;
} & { readonly [K in Kind as (typeof KIND_REGISTRY)[K]["section"]]: ClientOf<K> };
