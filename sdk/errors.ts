// Typed platform errors. Every driver maps its backend's failures onto these, so handlers decide on the
// error's kind (not found = gone, conflict = name taken, ...) without knowing which backend answered.
import type { ApiError } from "../schemas";

export type FieldProblem = { field: string; message: string };

export class PlatformError extends Error {
  constructor(
    message: string,
    /** HTTP status when the backend speaks HTTP; undefined for transport failures. */
    readonly status?: number,
    readonly code?: ApiError["code"] | "transport",
  ) {
    super(message);
    this.name = new.target.name;
  }
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

/** Maps an HTTP status and the platform's ApiError body (when it has one) to the typed error. */
export function errorFromResponse(status: number, body: unknown, what: string): PlatformError {
  const api = isApiError(body) ? body : undefined;
  const detail = api?.message ?? (typeof body === "string" && body ? body.slice(0, 500) : `HTTP ${status}`);
  const message = `${what}: ${detail}`;
  switch (status) {
    case 400:
    case 422:
      return new InvalidError(message, status, api?.field, api?.details ?? []);
    case 401:
    case 403:
      return new UnauthorizedError(message, status, "unauthorized");
    case 404:
      return new NotFoundError(message, status, "not_found");
    case 409:
      return new ConflictError(message, status, "conflict");
    case 412:
      return new PreconditionFailedError(message, status, "precondition_failed");
    case 429:
      return new ThrottledError(message, status, "throttled");
    case 502:
    case 503:
    case 504:
      return new UnavailableError(message, status, "unavailable");
    default:
      return new PlatformError(message, status, api?.code ?? "internal");
  }
}

function isApiError(body: unknown): body is ApiError {
  return typeof body === "object" && body !== null && typeof (body as ApiError).message === "string" && typeof (body as ApiError).code === "string";
}

export function isNotFound(e: unknown): e is NotFoundError {
  return e instanceof NotFoundError;
}
