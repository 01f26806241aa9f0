// The local platform's driver: JSON over HTTP (platform/API.md) on node:http (sdk/local-http.ts). Every
// request carries the bearer token, a per-request timeout, and is retried with backoff on 429/5xx, dropped
// connections and timeouts, honouring Retry-After (sdk/retry.ts). POST and PATCH are retried too: POSTs carry
// an Idempotency-Key (a repeat returns the first object) and PATCHes an If-Match (a repeat of an applied patch
// fails with 412, which handlers resolve by re-reading), so a retry can never apply a change twice.
import type { z } from "zod";
import { CLIENT_HEADER, PROVIDER_CLIENT, type LocalFlavor, type MetricPoint, type ModelVersion, type DatasetVersion, type PerfJobPatch } from "../schemas";
import { KIND_REGISTRY, KINDS, type Kind } from "../schemas/kinds";
import { errorFromResponse, InvalidError, ConflictError, PlatformError, UnavailableError } from "./errors";
import { exchange, NoAnswer, type Answer } from "./local-http";
import type { KindClient, ListFilter, Page, Platform, ValidationProblem } from "./platform";
import { retryAfterHeaderMs, withRetry, type RetryPolicy, type RetryStats } from "./retry";

type Method = "GET" | "POST" | "PATCH" | "DELETE";

export interface LocalPlatformOptions {
  endpoint: string;
  token: string;
  /** Per-request timeout (ms); a long-poll wait gets its own wait time on top. Default 30 s. */
  requestTimeoutMs?: number;
  /** Retries per request after the first attempt. Default 6. */
  retryLimit?: number;
  /** First backoff delay (ms), doubled each retry up to `retryMaxMs`. Defaults 200 / 5000. */
  retryBaseMs?: number;
  retryMaxMs?: number;
  /**
   * Identify as the mlplatform provider (header `Mlplatform-Client: provider`), which may set the reserved
   * `mlplatform/…` tags. Only the provider's handlers set this.
   */
  asProvider?: boolean;
}

/** Counters for tests and benchmarks: how often the network misbehaved and we tried again. */
export type RequestStats = RetryStats;

export const requestStats: RequestStats = { requests: 0, retries: 0, retriesByReason: {} };

/** Each client's URL collection, by the client's property name (schemas/kinds.ts). */
const KIND_PATHS = Object.fromEntries(KINDS.map((k) => [KIND_REGISTRY[k].section, KIND_REGISTRY[k].collection])) as {
  [K in Kind as (typeof KIND_REGISTRY)[K]["section"]]: (typeof KIND_REGISTRY)[K]["collection"];
};

export class LocalPlatform implements Platform {
  readonly backend = "local";
  readonly stats: RequestStats = { requests: 0, retries: 0, retriesByReason: {} };
  readonly datasets;
  readonly trainingJobs;
  readonly models;
  readonly perfJobs;
  readonly services;
  private readonly baseUrl: string;
  private readonly headers: Record<string, string>;
  private readonly retryPolicy: RetryPolicy;
  private readonly requestTimeoutMs: number;

  constructor(readonly options: LocalPlatformOptions) {
    this.requestTimeoutMs = options.requestTimeoutMs ?? 30_000;
    this.baseUrl = options.endpoint.replace(/\/+$/, "");
    this.headers = { authorization: `Bearer ${options.token}`, "user-agent": "mlplatform-sdk", ...(options.asProvider ? { [CLIENT_HEADER]: PROVIDER_CLIENT } : {}) };
    this.retryPolicy = { retries: options.retryLimit ?? 6, baseMs: options.retryBaseMs ?? 200, maxMs: options.retryMaxMs ?? 5_000 };
    this.datasets = {
      ...this.kindClient<any, any, any>(KIND_PATHS.datasets),
      versions: async (id: string) => (await this.request<Page<DatasetVersion>>("GET", `v1/datasets/${enc(id)}/versions`)).items,
    };
    this.trainingJobs = {
      ...this.kindClient<any, any, any>(KIND_PATHS.trainingJobs),
      logs: async (id: string, tail = 50) =>
        (await this.request<{ lines: string[] }>("GET", `v1/training-jobs/${enc(id)}/logs`, { searchParams: { tail } })).lines,
      metrics: async (id: string) => (await this.request<{ points: MetricPoint[] }>("GET", `v1/training-jobs/${enc(id)}/metrics`)).points,
      stop: (id: string) => this.request<any>("POST", `v1/training-jobs/${enc(id)}/stop`),
    };
    this.models = {
      ...this.kindClient<any, any, any>(KIND_PATHS.models),
      versions: async (id: string) => (await this.request<Page<ModelVersion>>("GET", `v1/models/${enc(id)}/versions`)).items,
      version: (id: string, version: number) => this.request<ModelVersion>("GET", `v1/models/${enc(id)}/versions/${version}`),
      deleteVersion: async (id: string, version: number) => {
        await this.request("DELETE", `v1/models/${enc(id)}/versions/${version}`);
      },
    };
    this.perfJobs = {
      ...this.kindClient<any, z.infer<typeof PerfJobPatch>, any>(KIND_PATHS.perfJobs),
      cancel: (id: string) => this.request<any>("POST", `v1/perf-jobs/${enc(id)}/cancel`),
    };
    this.services = this.kindClient<any, any, any>(KIND_PATHS.services);
  }

  flavors(): Promise<LocalFlavor[]> {
    return this.request<LocalFlavor[] | Page<LocalFlavor>>("GET", "v1/flavors").then((r) => (Array.isArray(r) ? r : r.items));
  }

  private kindClient<Spec, Patch, Obj extends { id: string; etag: string }>(path: string): KindClient<Spec, Patch, Obj> {
    const list = (filter: LocalListFilter = {}) =>
      this.request<Page<Obj>>("GET", `v1/${path}`, { searchParams: listParams(filter) });
    const listAll = async (filter: Omit<LocalListFilter, "pageToken"> = {}) => {
      const items: Obj[] = [];
      let pageToken: string | undefined;
      do {
        const page = await list({ ...filter, limit: filter.limit ?? 200, pageToken });
        items.push(...page.items);
        pageToken = page.nextPageToken;
      } while (pageToken);
      return items;
    };
    return {
      create: (spec, { idempotencyKey }) =>
        this.request<Obj>("POST", `v1/${path}`, { json: spec, headers: { "idempotency-key": idempotencyKey } }),
      get: (id) => this.request<Obj>("GET", `v1/${path}/${enc(id)}`),
      getMany: async (ids) => (ids.length ? (await list({ ids, limit: ids.length })).items : []),
      update: (id, patch, opts = {}) =>
        this.request<Obj>("PATCH", `v1/${path}/${enc(id)}`, { json: patch, headers: opts.ifMatch ? { "if-match": opts.ifMatch } : {} }),
      delete: async (id, opts = {}) => {
        await this.request("DELETE", `v1/${path}/${enc(id)}`, { headers: opts.ifMatch ? { "if-match": opts.ifMatch } : {} });
      },
      list,
      listAll,
      listTagPrefix: (key, prefix) => listAll({ tagPrefix: { key, value: prefix } }),
      validate: (spec) => this.dryRun(() => this.request("POST", `v1/${path}`, { json: spec, searchParams: { dryRun: "true" } })),
      validateUpdate: (id, patch) => this.dryRun(() => this.request("PATCH", `v1/${path}/${enc(id)}`, { json: patch, searchParams: { dryRun: "true" } })),
      wait: (id, etag, timeoutMs) =>
        this.request<Obj>("GET", `v1/${path}/${enc(id)}/wait`, {
          searchParams: { etag, timeoutMs: Math.max(0, Math.min(60_000, Math.round(timeoutMs))) },
          // The server holds the request up to timeoutMs by design; the usual timeout applies on top.
          timeoutMs: timeoutMs + this.requestTimeoutMs,
        }),
    };
  }

  /** A dry run's refusal (400/409/422) as its list of problems; anything else is thrown as usual. */
  private async dryRun(call: () => Promise<unknown>): Promise<ValidationProblem[]> {
    try {
      await call();
      return [];
    } catch (e) {
      if (e instanceof InvalidError) return e.details.length ? e.details : [{ field: e.field ?? "", message: e.apiMessage ?? e.message }];
      if (e instanceof ConflictError) return [{ field: e.apiField ?? "", message: e.apiMessage ?? e.message }];
      throw e;
    }
  }

  /**
   * One API call: sent, and sent again on throttling, 5xx and transport failures (sdk/retry.ts), each
   * attempt and retry counted in this platform's stats and the process-wide `requestStats`.
   */
  private request<T>(method: Method, path: string, opts: RequestOptions = {}): Promise<T> {
    const what = `${method} /${path}`;
    const url = new URL(`${this.baseUrl}/${path}`);
    for (const [k, v] of Object.entries(opts.searchParams ?? {})) url.searchParams.set(k, String(v));
    const body = opts.json === undefined ? undefined : JSON.stringify(opts.json);
    const headers = { ...this.headers, ...opts.headers };
    const timeoutMs = opts.timeoutMs ?? this.requestTimeoutMs;
    return withRetry(
      what,
      async () => {
        let answer: Answer;
        try {
          answer = await exchange(url, method, headers, body, timeoutMs);
        } catch (e) {
          throw unreachable(what, e);
        }
        if (answer.status < 400) return (answer.text ? JSON.parse(answer.text) : undefined) as T;
        const err = errorFromResponse(answer.status, jsonOrText(answer.text), what);
        err.retryAfterMs = retryAfterHeaderMs(answer.headers["retry-after"]);
        throw err;
      },
      { policy: this.retryPolicy, stats: [this.stats, requestStats], reasonOf: retryReason },
    );
  }
}

/** A request that got no answer, as the platform being unavailable: `refused` when it never left. */
function unreachable(what: string, e: unknown): UnavailableError {
  const code = e instanceof NoAnswer ? e.code : "ERROR";
  const err = new UnavailableError(`${what}: ${code} ${(e as Error).message}`, undefined, "transport");
  err.refused = code === "ECONNREFUSED";
  err.cause = e;
  return err;
}

/** A retry is logged and counted as the HTTP status, or the socket's error code when there was no answer. */
function retryReason(e: unknown): string {
  if (e instanceof PlatformError && e.status !== undefined) return String(e.status);
  return e instanceof Error && e.cause instanceof NoAnswer ? e.cause.code : (e as Error).name;
}

function jsonOrText(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

interface RequestOptions {
  json?: unknown;
  headers?: Record<string, string>;
  searchParams?: Record<string, string | number>;
  timeoutMs?: number;
}

function enc(id: string): string {
  return encodeURIComponent(id);
}

/** The local platform's list also filters by a tag's prefix (what listTagPrefix asks for). */
type LocalListFilter = ListFilter & { tagPrefix?: { key: string; value: string } };

function listParams(filter: LocalListFilter): Record<string, string | number> {
  const params: Record<string, string | number> = {};
  if (filter.name !== undefined) params.name = filter.name;
  if (filter.tag) params.tag = `${filter.tag.key}=${filter.tag.value}`;
  if (filter.tagPrefix) params.tagPrefix = `${filter.tagPrefix.key}=${filter.tagPrefix.value}`;
  if (filter.ids) params.ids = filter.ids.join(",");
  if (filter.limit !== undefined) params.limit = filter.limit;
  if (filter.pageToken !== undefined) params.pageToken = filter.pageToken;
  return params;
}
