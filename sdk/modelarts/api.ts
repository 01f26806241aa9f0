// The ModelArts REST transport: `https://modelarts.<region>.myhuaweicloud.com/{v1,v2}/{project_id}/...` with JSON
// bodies, signed SDK-HMAC-SHA256 with the headers the vendor's Python SDK sends (Content-Type, Host,
// User-Agent, X-Project-Id, X-Sdk-Date), answered with the object or `{error_code, error_msg}` plus an
// X-Request-Id header. Vendor failures become the typed platform errors with the vendor's code and request
// id; throttling and 5xx are retried with backoff (sdk/retry.ts). The body is serialised once and that
// exact string is both hashed and sent.
import type { CloudConfig } from "../cloud/config";
import type { CloudErrorKind } from "../cloud/errors";
import { exchange, vendorFailure } from "../cloud/http";
import { withRetry, type RetryPolicy, type RetryStats } from "../retry";
import { sign } from "./signer";

export const VENDOR = "ModelArts";
/** What the Python SDK sends (huaweicloudsdkcore client.py), so the vendor sees us as its SDK family. */
export const USER_AGENT = "huaweicloud-usdk-node/3.0 (mlplatform)";

/** Credential and signature failures (API gateway and ModelArts codes): one clear error, never retried. */
export const AUTH_CODES = ["APIGW.0301", "APIGW.0303", "ModelArts.0203", "ModelArts.0206", "ModelArts.0108"];
export const THROTTLING_CODES = ["APIGW.0308"];
/** A named object's absence: read maps it to "deleted out of band". */
export const NOT_FOUND_CODES = ["ModelArts.0015", "ModelArts.3001", "ModelArts.3502", "ModelArts.3507", "ModelArts.4352", "ModelArts.4353"];
/** Taken names, objects in use (3009: a model a service deploys) and wrong states (3519: service busy). */
export const CONFLICT_CODES = ["ModelArts.3002", "ModelArts.3503", "ModelArts.4351", "ModelArts.4371", "ModelArts.3009", "ModelArts.3519"];

/** The error kind of a vendor code and HTTP status. Shared with the emulator so both agree on the table. */
export function kindOfVendorError(code: string | undefined, status: number): CloudErrorKind {
  const c = code ?? "";
  // Codes first: ModelArts answers "model in use" (3009) with HTTP 500, which is no server failure.
  if (THROTTLING_CODES.includes(c) || status === 429) return "throttled";
  if (AUTH_CODES.includes(c)) return "unauthorized";
  if (NOT_FOUND_CODES.includes(c)) return "not_found";
  if (CONFLICT_CODES.includes(c)) return "conflict";
  if (status === 401 || status === 403) return "unauthorized";
  // A 404 without a ModelArts code is a wrong path or endpoint: never "gone" (read would drop resources).
  if (status === 400 || status === 404) return "invalid";
  if (status >= 500) return "unavailable";
  return "internal";
}

export interface ModelArtsSettings {
  config: CloudConfig;
  projectId: string;
  retry?: RetryPolicy;
  requestTimeoutMs?: number;
}

export class ModelArtsApi {
  readonly stats: RetryStats = { requests: 0, retries: 0, retriesByReason: {} };

  constructor(private readonly s: ModelArtsSettings) {}

  /** `{project_id}` in a path template replaced by the configured project. */
  path(template: string): string {
    return template.replace("{project_id}", encodeURIComponent(this.s.projectId));
  }

  /**
   * One call, retried on throttling and 5xx. `beforeResend` runs before re-sending a request that may have
   * been applied (a 5xx or a dropped connection): a create passes a lookup of what it would have made.
   */
  call<T = any>(
    method: string,
    template: string,
    opts: { query?: Record<string, string>; body?: unknown; beforeResend?: () => Promise<T | undefined>; action?: string } = {},
  ): Promise<T> {
    const action = opts.action ?? `${method} ${template}`;
    return withRetry(action, () => this.callOnce<T>(method, this.path(template), action, opts.query, opts.body), {
      policy: this.s.retry,
      stats: this.stats,
      beforeResend: opts.beforeResend,
    });
  }

  private async callOnce<T>(method: string, path: string, action: string, query: Record<string, string> | undefined, body: unknown): Promise<T> {
    const { config } = this.s;
    const url = new URL(config.endpoint + path);
    const text = body === undefined ? "" : JSON.stringify(body);
    const signed = sign({
      method,
      path: url.pathname,
      query,
      headers: { Host: url.host, "Content-Type": "application/json", "User-Agent": USER_AGENT, "X-Project-Id": this.s.projectId },
      body: text,
      accessKeyId: config.credentials.accessKeyId,
      secretAccessKey: config.credentials.secretAccessKey,
    });
    delete signed.headers.Host; // fetch sets it from the URL (the value signed above); undici refuses an explicit one
    if (config.credentials.sessionToken) signed.headers["X-Security-Token"] = config.credentials.sessionToken;
    if (query && Object.keys(query).length) url.search = new URLSearchParams(query).toString().replace(/\+/g, "%20");
    const { res, raw, parsed } = await exchange(
      url,
      { method, headers: signed.headers, body: text === "" ? undefined : text },
      { vendor: VENDOR, action, endpoint: config.endpoint, timeoutMs: this.s.requestTimeoutMs ?? 30_000 },
    );
    if (res.status >= 200 && res.status < 300) return parsed as T;
    const code: string | undefined = parsed?.error_code;
    const message: string = parsed?.error_msg ?? parsed?.error_message ?? (raw ? raw.slice(0, 300) : `HTTP ${res.status}`);
    const kind = kindOfVendorError(code, res.status);
    const hint = kind === "unauthorized" ? `; check the credentials from ${config.credentialSource}, the project id and region ${config.region}` : "";
    throw vendorFailure(res, kind, message + hint, { vendor: VENDOR, action, code, requestId: res.headers.get("x-request-id") ?? parsed?.request_id });
  }
}
