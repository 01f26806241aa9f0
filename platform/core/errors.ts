// The platform's error vocabulary and how failures become the ApiError body: HttpError (what controllers and
// the stores throw, made by its helpers, answered with its code's status), zod issues (every one, with its
// property path), and fastify's own errors (malformed JSON, body too large, wrong content type).
// Clients never see these classes: the SDK reads the answer back into its own PlatformError family.
import type { z } from "zod";
import { API_ERROR_STATUS, type ApiError, type ApiErrorCode } from "../../schemas/index";
import type { Problem } from "./types";

/** Thrown by controllers and stores; the HTTP layer answers with `status` and the ApiError body. */
export class HttpError extends Error {
  readonly status: number;
  constructor(
    readonly code: ApiErrorCode,
    message: string,
    readonly field?: string,
    status?: number,
  ) {
    super(message);
    this.name = "HttpError";
    this.status = status ?? API_ERROR_STATUS[code];
  }

  /** 400: the request itself is malformed; `field` names the property path. */
  static invalid(message: string, field?: string): HttpError {
    return new HttpError("invalid", message, field);
  }
  /** 422: well-formed, but names something unusable (a path outside the allowed roots, an unknown flavor). */
  static unprocessable(message: string, field?: string): HttpError {
    return new HttpError("invalid", message, field, 422);
  }
  static notFound(message: string): HttpError {
    return new HttpError("not_found", message);
  }
  /** 409: the name is taken, or the object is still in use (the message names the user). */
  static conflict(message: string, field?: string): HttpError {
    return new HttpError("conflict", message, field);
  }
  static preconditionFailed(message: string): HttpError {
    return new HttpError("precondition_failed", message);
  }
  static internal(message: string): HttpError {
    return new HttpError("internal", message);
  }
}

type Detail = { field: string; message: string };

function pathOf(path: readonly PropertyKey[]): string {
  return path.map(String).join(".");
}

/** One detail per offending property; an unknown-keys issue becomes one detail per unknown key. */
export function zodDetails(error: z.ZodError): Detail[] {
  const out: Detail[] = [];
  for (const issue of error.issues) {
    if (issue.code === "unrecognized_keys") {
      for (const key of issue.keys) out.push({ field: pathOf([...issue.path, key]), message: `unknown field "${key}"` });
    } else {
      out.push({ field: pathOf(issue.path), message: issue.message });
    }
  }
  return out;
}

export class ValidationError extends HttpError {
  constructor(readonly details: Detail[], what: string, status: 400 | 409 | 422 = 400) {
    const first = details[0];
    const summary = details.map((d) => (d.field ? `${d.field}: ${d.message}` : d.message)).join("; ");
    super(status === 409 ? "conflict" : "invalid", `invalid ${what}: ${summary}`, first?.field || undefined, status);
  }
}

/**
 * The error for what a controller's validate found: one problem as itself (status, field, message), several
 * as one error listing all of them in `details` (422, or 409 when every one is a conflict).
 */
export function problemsError(problems: Problem[], what: string): HttpError | undefined {
  if (problems.length === 0) return undefined;
  if (problems.length === 1) {
    const [p] = problems;
    return p.status === 409 ? HttpError.conflict(p.message, p.field) : HttpError.unprocessable(p.message, p.field);
  }
  const status = problems.every((p) => p.status === 409) ? 409 : 422;
  return new ValidationError(problems.map((p) => ({ field: p.field ?? "", message: p.message })), `${what} (${problems.length} problems)`, status);
}

/** Throws the error for `problems` (see problemsError) when there are any. */
export function refuseProblems(problems: Problem[], what: string): void {
  const err = problemsError(problems, what);
  if (err) throw err;
}

/** Runs one rule (code that throws HttpError 409/422) and records its problem instead of stopping. */
export async function collectProblem(problems: Problem[], rule: () => unknown): Promise<boolean> {
  try {
    await rule();
    return true;
  } catch (err) {
    if (err instanceof HttpError && (err.status === 409 || err.status === 422)) {
      problems.push({ status: err.status, field: err.field, message: err.message });
      return false;
    }
    throw err;
  }
}

/** Parses with `schema` or throws a ValidationError listing every issue. */
export function parseBody<T extends z.ZodType>(schema: T, body: unknown, what: string): z.infer<T> {
  const result = schema.safeParse(body);
  if (!result.success) throw new ValidationError(zodDetails(result.error), what);
  return result.data;
}

const FASTIFY_CODES: Record<string, { code: ApiErrorCode; message: string }> = {
  FST_ERR_CTP_INVALID_JSON_BODY: { code: "invalid", message: "the body is not valid JSON" },
  FST_ERR_CTP_EMPTY_JSON_BODY: { code: "invalid", message: "the body is empty; send a JSON object" },
  FST_ERR_CTP_BODY_TOO_LARGE: { code: "too_large", message: "the body exceeds the 1 MiB limit" },
  FST_ERR_CTP_INVALID_MEDIA_TYPE: { code: "invalid", message: "the body must be JSON (Content-Type: application/json)" },
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: { code: "invalid", message: "Content-Length does not match the body" },
};

/** The status and ApiError body for anything thrown while handling a request. */
export function toApiError(err: unknown): { status: number; body: ApiError; internal: boolean } {
  if (err instanceof HttpError) {
    const body: ApiError = { code: err.code, message: err.message };
    if (err.field) body.field = err.field;
    if (err instanceof ValidationError) body.details = err.details;
    return { status: err.status, body, internal: err.status >= 500 };
  }
  const e = err as { code?: string; statusCode?: number; message?: string };
  const known = e.code ? FASTIFY_CODES[e.code] : undefined;
  if (known) return { status: API_ERROR_STATUS[known.code], body: { code: known.code, message: known.message }, internal: false };
  if (e.statusCode && e.statusCode >= 400 && e.statusCode < 500) {
    return { status: API_ERROR_STATUS.invalid, body: { code: "invalid", message: String(e.message) }, internal: false };
  }
  return { status: API_ERROR_STATUS.internal, body: { code: "internal", message: `internal error: ${e.message ?? String(err)}` }, internal: true };
}
