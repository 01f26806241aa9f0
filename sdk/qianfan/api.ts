// The Qianfan console API V2 transport: `POST <host>/v2/<area>?Action=<Name>` with a JSON body, signed
// bce-auth-v1 over host;content-type;x-bce-date;request-source as the qianfan SDK signs it (the body is not
// covered), answered `{"log_id"?, "result": ...}`; failures carry `{"error_code", "error_msg", "log_id"}`
// (what the SDK's ConsoleAPIRequestor checks), with any HTTP status. Failures become the typed platform
// errors with the vendor's code and log id; throttling and 5xx are retried with backoff (sdk/retry.ts).
import type { CloudConfig } from "../cloud/config";
import type { CloudErrorKind } from "../cloud/errors";
import { exchange, vendorFailure } from "../cloud/http";
import { withRetry, type RetryPolicy, type RetryStats } from "../retry";
import { authorization, bceTime } from "./signer";

export const VENDOR = "Qianfan";
/** Who we are in request-source (the SDK sends qianfan_py_sdk_v<version>). */
export const REQUEST_SOURCE = "mlplatform";
/** Signature lifetime, the SDK's default (QIANFAN_IAM_SIGN_EXPIRATION_SEC). */
export const SIGN_EXPIRATION_SECONDS = 300;

/** The console areas and the actions this driver sends to each. */
export const AREAS = {
  dataset: ["CreateDataset", "DescribeDatasets", "DeleteDataset", "CreateDatasetVersion", "DescribeDatasetVersion", "DescribeDatasetVersions", "CreateImportTask", "PublishDatasetVersion"],
  finetuning: ["CreateFineTuningJob", "DescribeFineTuningJobs", "CreateFineTuningTask", "DescribeFineTuningTasks", "DescribeFineTuningTask", "StopFineTuningTask", "DeleteFineTuningTask", "DeleteFineTuningJob"],
  model: ["CreateCustomModelSet", "DescribeCustomModelSets", "DescribeModelSet", "DeleteModelSet", "CreateCustomModel", "DescribeModel", "DeleteModel"],
  service: ["CreateService", "DescribeServices", "DescribeService", "ModifyService"],
} as const;
export type Area = keyof typeof AREAS;

/**
 * Error codes. From the vendor's docs and SDK (APIErrorCode, the console error tables): throttling
 * 4/18/336100, internal 500000/1000/70002, params 500001/336001/336003, auth 500002, unknown API 336005.
 * Not-found codes for V2 objects are not documented; the ones marked (assumed) are this driver's and the
 * emulator's choice, listed in the README.
 */
export const CODES = {
  throttled: [4, 18, 336100],
  unavailable: [500000, 1000, 70002, 70114, 70115],
  unauthorized: [500002, 336004],
  notFound: [10001, 510202, 510301, /* assumed: */ 10002, 10401, 10402, 10501],
  conflict: [510201, 510302, 70101, 70118, 21002, /* assumed: */ 10403, 10502],
  invalid: [500001, 336001, 336002, 336003, 336005, 510101, 510102, 510203, 510401, 510402, 510403, 510404, 70128, 70130, 70131],
} as const;

/** The error kind of a vendor code and HTTP status. Shared with the emulator so both agree on the table. */
export function kindOfVendorError(code: number | undefined, status: number): CloudErrorKind {
  const has = (list: readonly number[]) => code !== undefined && list.includes(code);
  if (has(CODES.throttled) || status === 429) return "throttled";
  if (has(CODES.unauthorized) || status === 401 || status === 403) return "unauthorized";
  // Only a named object's absence is "not found" (read maps it to "deleted out of band"); an unknown action
  // (336005: wrong endpoint, retired API) must never make resources vanish from state.
  if (has(CODES.notFound)) return "not_found";
  if (has(CODES.conflict)) return "conflict";
  if (has(CODES.invalid) || status === 400) return "invalid";
  if (has(CODES.unavailable) || status >= 500) return "unavailable";
  return "internal";
}

export class QianfanApi {
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
  call<T = any>(area: Area, action: string, body: Record<string, unknown>, opts: { beforeResend?: () => Promise<T | undefined> } = {}): Promise<T> {
    return withRetry(action, () => this.callOnce<T>(area, action, body), { policy: this.policy, stats: this.stats, beforeResend: opts.beforeResend });
  }

  async callOnce<T>(area: Area, action: string, body: Record<string, unknown>): Promise<T> {
    const url = new URL(`${this.config.endpoint}/v2/${area}`);
    const query = { Action: action };
    const headers: Record<string, string> = {
      "Content-Type": "application/json",
      Host: url.host,
      "request-source": REQUEST_SOURCE,
      "x-bce-date": bceTime(new Date()),
    };
    headers.Authorization = authorization({
      method: "POST",
      path: url.pathname,
      query,
      headers,
      accessKeyId: this.config.credentials.accessKeyId,
      secretAccessKey: this.config.credentials.secretAccessKey,
      timestamp: headers["x-bce-date"],
      expirationSeconds: SIGN_EXPIRATION_SECONDS,
    });
    delete headers.Host; // fetch sets it from the URL (the same value); undici refuses an explicit one
    url.search = new URLSearchParams(query).toString();
    const { res, raw, parsed } = await exchange<{ log_id?: string | number; requestId?: string; result?: T; error_code?: number; error_msg?: string }>(
      url,
      { method: "POST", headers, body: JSON.stringify(body) },
      { vendor: VENDOR, action, endpoint: this.config.endpoint, timeoutMs: this.requestTimeoutMs },
    );
    if (res.status === 200 && parsed && parsed.error_code === undefined && "result" in parsed) return parsed.result as T;
    const code = parsed?.error_code;
    const message = parsed?.error_msg ?? (raw ? raw.slice(0, 300) : `HTTP ${res.status}`);
    const kind = kindOfVendorError(code, res.status);
    const hint = kind === "unauthorized" ? `; check the IAM access key / secret key from ${this.config.credentialSource}` : "";
    const requestId = parsed?.log_id !== undefined ? String(parsed.log_id) : parsed?.requestId;
    throw vendorFailure(res, kind, message + hint, { vendor: VENDOR, action, code: code !== undefined ? String(code) : undefined, requestId });
  }
}
