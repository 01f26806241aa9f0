// The local platform's driver: JSON over HTTP (platform/API.md) with got. Every request carries the bearer
// token, a per-request timeout, and is retried with backoff on 429/5xx, dropped connections and timeouts,
// honouring Retry-After. POST and PATCH are retried too: POSTs carry an Idempotency-Key (a repeat returns the
// first object) and PATCHes an If-Match (a repeat of an applied patch fails with 412, which handlers
// resolve by re-reading), so a retry can never apply a change twice.
import type { ExtendOptions, Got, Method } from "got";
import type { z } from "zod";
import { CLIENT_HEADER, PROVIDER_CLIENT, type LocalFlavor, type MetricPoint, type ModelVersion, type DatasetVersion, type PerfJobPatch } from "../schemas";
import { KIND_REGISTRY, KINDS, type Kind } from "../schemas/kinds";
import { errorFromResponse, InvalidError, ConflictError, UnavailableError } from "./errors";
import type { KindClient, ListFilter, Page, Platform, ValidationProblem } from "./platform";

/**
 * got, loaded at the first request: a process that never calls the platform (a dynamic-provider process
 * whose preview finds nothing changed) does not pay for loading it (issue 18 §2).
 */
let gotModule: typeof import("got") | undefined;
const loadGot = () => (gotModule ??= require("got") as typeof import("got"));

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
export interface RequestStats {
  requests: number;
  retries: number;
  retriesByReason: Record<string, number>;
}

export const requestStats: RequestStats = { requests: 0, retries: 0, retriesByReason: {} };

/** Starts the console line logged on every retry (benchmarks count these in the engine output). */
export const RETRY_LOG_PREFIX = "mlplatform sdk: retrying";

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
  private readonly httpOptions: ExtendOptions;
  private httpClient: Got | undefined;
  private readonly requestTimeoutMs: number;

  constructor(readonly options: LocalPlatformOptions) {
    this.requestTimeoutMs = options.requestTimeoutMs ?? 30_000;
    const base = options.retryBaseMs ?? 200;
    const max = options.retryMaxMs ?? 5_000;
    const stats = this.stats;
    this.httpOptions = {
      prefixUrl: options.endpoint.replace(/\/+$/, ""),
      headers: { authorization: `Bearer ${options.token}`, "user-agent": "mlplatform-sdk", ...(options.asProvider ? { [CLIENT_HEADER]: PROVIDER_CLIENT } : {}) },
      responseType: "text",
      timeout: { request: this.requestTimeoutMs },
      retry: {
        limit: options.retryLimit ?? 6,
        methods: ["GET", "POST", "PATCH", "PUT", "DELETE", "HEAD"],
        statusCodes: [408, 429, 500, 502, 503, 504],
        // got refuses a Retry-After longer than the request timeout unless this is set.
        maxRetryAfter: 30_000,
        // ECONNREFUSED is retried by request() itself: got 15.1's own retry of a refused connection
        // fails with an internal TypeError instead of trying again.
        errorCodes: ["ETIMEDOUT", "ECONNRESET", "EPIPE", "ECONNABORTED", "EAI_AGAIN", "ENETUNREACH", "ERR_STREAM_PREMATURE_CLOSE"],
        // Retry-After wins (capped so a confused server cannot park us for minutes); otherwise
        // exponential backoff with jitter so concurrent clients do not retry in lockstep.
        calculateDelay: ({ attemptCount, retryAfter, computedValue }) => {
          if (computedValue === 0) return 0;
          if (retryAfter !== undefined && retryAfter > 0) return retryAfter;
          const delay = Math.min(base * 2 ** (attemptCount - 1), max);
          return delay / 2 + Math.random() * (delay / 2);
        },
      },
      hooks: {
        beforeRequest: [
          () => {
            stats.requests++;
            requestStats.requests++;
          },
        ],
        beforeRetry: [
          (error) => {
            const reason = error.response ? String(error.response.statusCode) : (error.code ?? "error");
            for (const s of [stats, requestStats]) {
              s.retries++;
              s.retriesByReason[reason] = (s.retriesByReason[reason] ?? 0) + 1;
            }
            // One line per retry: inside the dynamic provider it reaches the engine output, where
            // bench/ counts them (issue 7: "no 429 storm").
            console.log(`${RETRY_LOG_PREFIX} ${error.options.method} ${error.options.url instanceof URL ? error.options.url.pathname : ""} after ${reason}`);
          },
        ],
      },
    } satisfies ExtendOptions;
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
    const list = (filter: ListFilter = {}) =>
      this.request<Page<Obj>>("GET", `v1/${path}`, { searchParams: listParams(filter) });
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
      listAll: async (filter = {}) => {
        const items: Obj[] = [];
        let pageToken: string | undefined;
        do {
          const page = await list({ ...filter, limit: filter.limit ?? 200, pageToken });
          items.push(...page.items);
          pageToken = page.nextPageToken;
        } while (pageToken);
        return items;
      },
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

  private async request<T>(method: Method, url: string, opts: RequestOptions = {}): Promise<T> {
    const limit = this.options.retryLimit ?? 6;
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.requestOnce<T>(method, url, opts);
      } catch (e) {
        // A refused connection never reached the server, so any method may be sent again.
        if (!(e instanceof UnavailableError && e.refused) || attempt > limit) throw e;
        for (const s of [this.stats, requestStats]) {
          s.retries++;
          s.retriesByReason.ECONNREFUSED = (s.retriesByReason.ECONNREFUSED ?? 0) + 1;
        }
        console.log(`${RETRY_LOG_PREFIX} ${method} /${url} after ECONNREFUSED`);
        const delay = Math.min((this.options.retryBaseMs ?? 200) * 2 ** (attempt - 1), this.options.retryMaxMs ?? 5_000);
        await new Promise((r) => setTimeout(r, delay / 2 + Math.random() * (delay / 2)));
      }
    }
  }

  /** The got instance, made at the first request. */
  private get http(): Got {
    return (this.httpClient ??= loadGot().default.extend(this.httpOptions));
  }

  private async requestOnce<T>(method: Method, url: string, opts: RequestOptions): Promise<T> {
    const what = `${method} /${url}`;
    const { HTTPError, RequestError } = loadGot();
    try {
      const res = await this.http(url, {
        method,
        json: opts.json,
        headers: opts.headers,
        searchParams: opts.searchParams,
        ...(opts.timeoutMs ? { timeout: { request: opts.timeoutMs } } : {}),
      });
      return (res.body ? JSON.parse(res.body as string) : undefined) as T;
    } catch (e) {
      if (e instanceof HTTPError) {
        const text = String(e.response.body ?? "");
        let body: unknown = text;
        try {
          body = JSON.parse(text);
        } catch {
          /* not JSON: keep the text */
        }
        throw errorFromResponse(e.response.statusCode, body, what);
      }
      const code = (e as { code?: unknown }).code;
      if (e instanceof RequestError || typeof code === "string") {
        // Transport failures that outlived every retry: the platform is not reachable or not answering.
        const err = new UnavailableError(`${what}: ${code ?? ""} ${(e as Error).message}`.trim(), undefined, "transport");
        err.refused = code === "ECONNREFUSED";
        throw err;
      }
      throw e;
    }
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

function listParams(filter: ListFilter): Record<string, string | number> {
  const params: Record<string, string | number> = {};
  if (filter.name !== undefined) params.name = filter.name;
  if (filter.tag) params.tag = `${filter.tag.key}=${filter.tag.value}`;
  if (filter.ids) params.ids = filter.ids.join(",");
  if (filter.limit !== undefined) params.limit = filter.limit;
  if (filter.pageToken !== undefined) params.pageToken = filter.pageToken;
  return params;
}
