// The Volcengine ML Platform OpenAPI transport (API 2021-10-01): `POST /?Action=<A>&Version=2021-10-01` with a
// JSON body, signed with SignerV4 for service `ml_platform`, answered with `{ResponseMetadata, Result}`.
// Vendor failures (ResponseMetadata.Error with any HTTP status) become the typed platform errors with the
// vendor's code and request id; throttling and 5xx are retried with backoff (sdk/retry.ts).
import type { CloudConfig } from "../cloud/config";
import type { CloudErrorKind } from "../cloud/errors";
import { exchange, vendorFailure } from "../cloud/http";
import { withRetry, type RetryPolicy, type RetryStats } from "../retry";
import { sign } from "./signer";

export const API_VERSION = "2021-10-01";
export const SERVICE = "ml_platform";
export const VENDOR = "Volcengine";

/** The vendor's codes for "slow down": retried after backoff, never surfaced while retries remain. */
export const THROTTLING_CODES = ["FlowLimitExceeded", "RequestLimitExceeded", "Throttling", "TooManyRequests"];
/** Credential and signature failures: one clear error, never retried. */
export const AUTH_CODES = ["InvalidAccessKey", "SignatureDoesNotMatch", "InvalidAuthorization", "MissingAuthenticationToken", "InvalidTimestamp", "InvalidCredential", "AccessDenied", "InvalidRegion"];

export interface VendorErrorBody {
  Code?: string;
  CodeN?: number;
  Message?: string;
}

/** The error kind of a vendor code and HTTP status. Shared with the emulator so both agree on the table. */
export function kindOfVendorError(code: string | undefined, status: number): CloudErrorKind {
  const c = code ?? "";
  if (THROTTLING_CODES.includes(c) || status === 429) return "throttled";
  if (AUTH_CODES.includes(c) || status === 401 || status === 403) return "unauthorized";
  // Only a named object's absence is "not found" (read maps it to "deleted out of band"); an unknown action
  // or version (wrong endpoint, old API) must never make resources vanish from state.
  if (c.endsWith("NotFound")) return "not_found";
  if (c === "InvalidActionOrVersion") return "invalid";
  if (c.endsWith("AlreadyExists") || c.endsWith("Duplicated") || c.endsWith("InUse") || c === "OperationDenied.InvalidState") return "conflict";
  if (c.startsWith("InvalidParameter") || c.startsWith("MissingParameter") || status === 400) return "invalid";
  if (status >= 500 || c === "InternalError" || c === "ServiceUnavailableTemp" || c === "InternalServiceTimeout") return "unavailable";
  return "internal";
}

export class VolcengineApi {
  readonly stats: RetryStats = { requests: 0, retries: 0, retriesByReason: {} };

  constructor(
    private readonly config: CloudConfig,
    private readonly policy: RetryPolicy = {},
    private readonly requestTimeoutMs = 30_000,
  ) {}

  /**
   * One action, retried on throttling and 5xx. `beforeResend` runs before re-sending a request that may have
   * been applied (a 5xx or a dropped connection): a create passes a lookup of what it would have made.
   */
  call<T = any>(action: string, body: Record<string, unknown>, opts: { beforeResend?: () => Promise<T | undefined> } = {}): Promise<T> {
    return withRetry(action, () => this.callOnce<T>(action, body), { policy: this.policy, stats: this.stats, beforeResend: opts.beforeResend });
  }

  async callOnce<T>(action: string, body: Record<string, unknown>): Promise<T> {
    const url = new URL(this.config.endpoint + "/");
    const query = { Action: action, Version: API_VERSION };
    const text = JSON.stringify(body);
    const signed = sign({
      method: "POST",
      path: url.pathname,
      query,
      // Host as fetch will send it (the URL's host, default port omitted), so the signature covers it.
      headers: { Host: url.host, "Content-Type": "application/json", Accept: "application/json" },
      body: text,
      accessKeyId: this.config.credentials.accessKeyId,
      secretAccessKey: this.config.credentials.secretAccessKey,
      sessionToken: this.config.credentials.sessionToken,
      region: this.config.region,
      service: SERVICE,
    });
    delete signed.headers.Host; // fetch sets it from the URL; undici refuses an explicit one
    url.search = new URLSearchParams(query).toString();
    const { res, raw, parsed } = await exchange<{ ResponseMetadata?: { RequestId?: string; Error?: VendorErrorBody }; Result?: T }>(
      url,
      { method: "POST", headers: signed.headers, body: text },
      { vendor: VENDOR, action, endpoint: this.config.endpoint, timeoutMs: this.requestTimeoutMs },
    );
    const meta = parsed?.ResponseMetadata;
    if (res.status === 200 && meta && !meta.Error) return parsed!.Result as T;
    const code = meta?.Error?.Code;
    const message = meta?.Error?.Message ?? (raw ? raw.slice(0, 300) : `HTTP ${res.status}`);
    const kind = kindOfVendorError(code, res.status);
    const hint = kind === "unauthorized" ? `; check the credentials from ${this.config.credentialSource} and region ${this.config.region}` : "";
    throw vendorFailure(res, kind, message + hint, { vendor: VENDOR, action, code, requestId: meta?.RequestId });
  }
}
