// Typed platform errors. Every driver maps its backend's failures onto these, so handlers decide on the
// error's kind (not found = gone, conflict = name taken, ...) without knowing which backend answered.
import { API_ERROR_STATUS, type ApiError, type ApiErrorCode } from "../schemas";

export type FieldProblem = { field: string; message: string };

export class PlatformError extends Error {
  /** The backend's own message and the field it blamed, without the request line (for re-wording). */
  apiMessage?: string;
  apiField?: string;
  constructor(
    message: string,
    /** HTTP status when the backend speaks HTTP; undefined for transport failures. */
    readonly status?: number,
    readonly code?: ApiErrorCode | "transport",
  ) {
    super(message);
    this.name = new.target.name;
  }

  /** The server's Retry-After (ms), when its answer carried one: the backoff waits that long (sdk/retry.ts). */
  retryAfterMs?: number;

  /** Set by cloud drivers: the vendor, API action, vendor error code and request id (sdk/cloud/errors.ts). */
  vendor?: { vendor: string; action: string; code?: string; requestId?: string };
}

export class NotFoundError extends PlatformError {}
export class ConflictError extends PlatformError {}
export class PreconditionFailedError extends PlatformError {}
export class ThrottledError extends PlatformError {}
export class UnavailableError extends PlatformError {
  /** The connection was refused: the request never reached the server. */
  refused = false;
}
export class UnauthorizedError extends PlatformError {}

/** Bad input: `field` is the property path the backend blamed (e.g. `models.0.weight`). */
export class InvalidError extends PlatformError {
  constructor(
    message: string,
    status: number | undefined,
    readonly field?: string,
    readonly details: FieldProblem[] = [],
  ) {
    super(message, status, "invalid");
  }
}

/** The typed error for each code the platform answers with (schemas' API_ERROR_STATUS gives their statuses). */
const ERROR_CLASS: Record<ApiErrorCode, new (message: string, status: number, code: ApiErrorCode) => PlatformError> = {
  invalid: PlatformError, // built as InvalidError below (it carries the field and details)
  unauthorized: UnauthorizedError,
  not_found: NotFoundError,
  method_not_allowed: PlatformError,
  conflict: ConflictError,
  precondition_failed: PreconditionFailedError,
  too_large: PlatformError,
  uri_too_long: PlatformError,
  throttled: ThrottledError,
  unavailable: UnavailableError,
  internal: PlatformError,
};

/** Statuses answered by gateways and proxies rather than the platform, read as the code they mean. */
const OTHER_STATUSES: Record<number, ApiErrorCode> = { 403: "unauthorized", 408: "unavailable", 422: "invalid", 502: "unavailable", 504: "unavailable" };

function codeOfStatus(status: number): ApiErrorCode | undefined {
  return OTHER_STATUSES[status] ?? (Object.keys(API_ERROR_STATUS) as ApiErrorCode[]).find((code) => API_ERROR_STATUS[code] === status);
}

/** Maps an HTTP status and the platform's ApiError body (when it has one) to the typed error. */
export function errorFromResponse(status: number, body: unknown, what: string): PlatformError {
  const api = isApiError(body) ? body : undefined;
  const detail = api?.message ?? (typeof body === "string" && body ? body.slice(0, 500) : `HTTP ${status}`);
  const message = `${what}: ${detail}`;
  // The status decides (a proxy's 503 has no body); the body's code names statuses the table does not.
  const code = codeOfStatus(status) ?? api?.code ?? "internal";
  const err = errorOfCode(code, message, status, api?.field, api?.details);
  err.apiMessage = api?.message;
  err.apiField = api?.field;
  return err;
}

/** The typed error for a code: what every driver (HTTP answers, cloud vendors' failures) builds its errors with. */
export function errorOfCode(code: ApiErrorCode, message: string, status: number | undefined, field?: string, details: FieldProblem[] = []): PlatformError {
  if (code === "invalid") return new InvalidError(message, status, field, details);
  return new ERROR_CLASS[code](message, status as number, code);
}

function isApiError(body: unknown): body is ApiError {
  return typeof body === "object" && body !== null && typeof (body as ApiError).message === "string" && typeof (body as ApiError).code === "string";
}

export function isNotFound(e: unknown): e is NotFoundError {
  return e instanceof NotFoundError;
}
