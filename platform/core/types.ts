// The seams inside the local platform: a document store that every kind shares, and one controller per
// kind that does the real work. The HTTP layer (routes, auth, idempotency, etags, waits, pagination) is
// generic over these, so a kind's logic lives in exactly one controller.
import type { z } from "zod";
import type { KindCollection } from "../../schemas/kinds";
import type { ContainedPath } from "./contained";

/** A stored kind: the API collection name (schemas/kinds.ts). */
export type KindName = KindCollection;

/** Every stored object: the kind's output schema (see schemas/), always with these fields. */
export interface StoredObject {
  id: string;
  name: string;
  createdAt: string;
  updatedAt: string;
  etag: string;
  status: string;
  tags: Record<string, string>;
  [key: string]: unknown;
}

export interface ListFilter {
  name?: string;
  tag?: { key: string; value: string };
  /**
   * Tag `key` starts with `value`: a refresh lists its stack's objects (`mlplatform/urn` = `<project>/<stack>/<Kind>/…`)
   * in a few pages instead of reading them a batch at a time.
   */
  tagPrefix?: { key: string; value: string };
  /** Only these ids (at most a page's worth): one request reads many objects (a refresh's reads, batched). */
  ids?: string[];
  limit?: number;
  pageToken?: string;
}

/** SQLite-backed (WAL) document store. Every write bumps `etag`/`updatedAt` and wakes waiters. */
export interface ObjectStore {
  insert<T extends StoredObject>(kind: KindName, obj: Omit<T, "etag" | "createdAt" | "updatedAt">): T;
  get<T extends StoredObject>(kind: KindName, id: string): T | undefined;
  getByName<T extends StoredObject>(kind: KindName, name: string): T | undefined;
  /** Read-modify-write in one transaction; `mutate` returns the new object (or the same to skip). */
  update<T extends StoredObject>(kind: KindName, id: string, mutate: (current: T) => T): T;
  delete(kind: KindName, id: string): boolean;
  list<T extends StoredObject>(kind: KindName, filter: ListFilter): { items: T[]; nextPageToken?: string };
  /** Resolves when the object's etag differs from `etag` (at once if it already does), or after timeoutMs. */
  waitForChange(kind: KindName, id: string, etag: string | undefined, timeoutMs: number): Promise<StoredObject | undefined>;
  /** Sub-resources (versions, logs, metrics, tasks): rows keyed by (kind, id, key). */
  putChild(kind: KindName, id: string, child: string, key: string, value: unknown): void;
  getChild<T>(kind: KindName, id: string, child: string, key: string): T | undefined;
  listChildren<T>(kind: KindName, id: string, child: string): T[];
  deleteChild(kind: KindName, id: string, child: string, key: string): boolean;
  /** Every stored document (objects and children), parsed: what the artifact sweep reads references from. */
  documents(): Iterable<unknown>;
  /**
   * Settles when every write made so far is committed (rejects if that commit failed), or undefined when
   * nothing waits to commit. The HTTP layer sends no response before it settles (group commit: store.ts).
   */
  committed(): Promise<void> | undefined;
}

/** What a put's caller sees of the copy while it runs (the one read of the source). */
export interface PutObserver {
  /** Called for each file before its bytes (rel "" for a single file); may return a reader of its chunks. */
  file?(rel: string, size: number): { data(chunk: Buffer): void; end(): void } | undefined;
  /** Bytes copied so far, over all files. */
  progress?(bytesDone: number): void;
  /** Aborts the copy (the platform is shutting down); the put then rejects and stores nothing. */
  signal?: AbortSignal;
}

/** Counters of the artifact store's work, for tests and benchmarks (bytesHashed: every byte it hashed). */
export interface ArtifactStats {
  puts: number;
  bytesWritten: number;
  bytesHashed: number;
  scrubbed: number;
}

/**
 * Content-addressed artifact store under <dataDir>/cas: sha256 digests, verified on write; reads check each
 * file's size and mtime, a background scrub re-hashes (core/artifacts.ts says why).
 */
export interface ArtifactStore {
  readonly stats: ArtifactStats;
  /**
   * Copies a file or a directory tree in; returns its digest (a directory's digest covers names and contents).
   * User paths come as a ContainedPath (opened once and checked); a string is a path the platform owns.
   */
  put(source: string | ContainedPath, observer?: PutObserver): Promise<{ digest: string; sizeBytes: number }>;
  /** Ends the lease a put took (call once the digest is recorded, or abandoned). */
  release(digest: string): void;
  /** Removes artifacts not in `referenced` (nor leased by a put); see core/artifact-gc.ts. */
  sweep(referenced: ReadonlySet<string>): { removed: string[]; bytes: number };
  /** A directory (or file) path holding the content of `digest`, its files unchanged since they were verified. */
  path(digest: string): Promise<string>;
  /** Re-hashes stored artifacts and quarantines any that no longer match their digest. */
  scrub(opts?: { after?: string; limit?: number }): Promise<{ checked: number; corrupt: string[]; next?: string }>;
}

export interface PlatformContext {
  dataDir: string;
  /** Absolute directories user paths must resolve under; the first one anchors relative paths. */
  allowedRoots: string[];
  store: ObjectStore;
  artifacts: ArtifactStore;
  /** The controllers, so one kind can consult another (a service checks a model version exists). */
  controllers: Record<KindName, KindController>;
  /** Resolves a user path (absolute, or relative to the first allowed root) or throws 422 naming `field`. */
  resolvePath(path: string, field: string): string;
  /** Opens a user path once and checks what was opened (read it through the result, then close it). */
  openPath(path: string, field: string): ContainedPath;
  log: (msg: string, extra?: Record<string, unknown>) => void;
}

/** One thing a create or an update would be refused for: the status it would get, the field and why. */
export interface Problem {
  status: 409 | 422;
  field?: string;
  message: string;
}

export interface ValidateOptions {
  /**
   * A dry run (`?dryRun=true`): a name taken by an object that carries the same `mlplatform/urn` tag as
   * the spec is not a conflict, because the provider takes that object over instead of creating another.
   */
  dryRun?: boolean;
}

/**
 * One per kind. The HTTP layer validates the body with the kind's spec/patch schema (400 naming the field),
 * applies Idempotency-Key and If-Match, and calls these. Long work (ingest, runs, deploys) is started here
 * and continues in the background, writing status through the store.
 *
 * `validate`/`validatePatch` hold every rule `create`/`patch` enforce (allowed roots, unique names, flavor
 * limits, servable formats, references that exist), collect every problem instead of stopping at the
 * first, and change nothing: `create`/`patch` call them first (refuseProblems), a dry run calls only them.
 */
export interface KindController {
  /** The stored kind; its spec and patch schemas are the registry's (schemas/kinds.ts). */
  kind: KindName;
  validate(spec: unknown, ctx: PlatformContext, opts?: ValidateOptions): Promise<Problem[]>;
  validatePatch(current: StoredObject, patch: unknown, ctx: PlatformContext): Promise<Problem[]>;
  create(spec: unknown, ctx: PlatformContext): Promise<StoredObject>;
  patch(current: StoredObject, patch: unknown, ctx: PlatformContext): Promise<StoredObject>;
  /** Stops whatever runs for the object, then removes it. Throws 409 when something still uses it. */
  remove(current: StoredObject, ctx: PlatformContext): Promise<void>;
  /** Called once at start-up: bring every object to a defined state (re-attach, restart replicas, or fail). */
  recover(ctx: PlatformContext): Promise<void>;
  /** Called at shutdown: stop child processes this controller started. */
  shutdown(ctx: PlatformContext): Promise<void>;
  /** Extra routes under /v1/<kind>/:id/... (stop, logs, metrics, versions, cancel). */
  extraRoutes?: ExtraRoute[];
}

export interface ExtraRoute {
  method: "GET" | "POST" | "DELETE";
  /** Suffix after /v1/<kind>/:id, e.g. "/stop", "/versions/:version". */
  path: string;
  /** The 200 response body's schema (published in the OpenAPI document and checked on the way out); none: 204. */
  response?: z.ZodType;
  /** Query parameters it reads, for the OpenAPI document (JSON Schema of each). */
  query?: { name: string; schema: Record<string, unknown> }[];
  handler(current: StoredObject, params: Record<string, string>, query: Record<string, string>, ctx: PlatformContext): Promise<unknown>;
}
