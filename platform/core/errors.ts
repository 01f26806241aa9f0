// Turning failures into the ApiError body: zod issues (every one, with its property path), PlatformError
// from controllers, and fastify's own errors (malformed JSON, body too large, wrong content type).
import type { z } from "zod";
import type { ApiError } from "../../schemas/index";
import { PlatformError } from "./types";

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

export class ValidationError extends PlatformError {
  constructor(readonly details: Detail[], what: string) {
    const first = details[0];
    const summary = details.map((d) => (d.field ? `${d.field}: ${d.message}` : d.message)).join("; ");
    super(400, "invalid", `invalid ${what}: ${summary}`, first?.field || undefined);
  }
}

/** Parses with `schema` or throws a ValidationError listing every issue. */
export function parseBody<T extends z.ZodType>(schema: T, body: unknown, what: string): z.infer<T> {
  const result = schema.safeParse(body);
  if (!result.success) throw new ValidationError(zodDetails(result.error), what);
  return result.data;
}

const FASTIFY_CODES: Record<string, { status: PlatformError["status"]; code: ApiError["code"]; message?: string }> = {
  FST_ERR_CTP_INVALID_JSON_BODY: { status: 400, code: "invalid", message: "the body is not valid JSON" },
  FST_ERR_CTP_EMPTY_JSON_BODY: { status: 400, code: "invalid", message: "the body is empty; send a JSON object" },
  FST_ERR_CTP_BODY_TOO_LARGE: { status: 413, code: "too_large", message: "the body exceeds the 1 MiB limit" },
  FST_ERR_CTP_INVALID_MEDIA_TYPE: { status: 400, code: "invalid", message: "the body must be JSON (Content-Type: application/json)" },
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: { status: 400, code: "invalid", message: "Content-Length does not match the body" },
};

/** The status and ApiError body for anything thrown while handling a request. */
export function toApiError(err: unknown): { status: number; body: ApiError; internal: boolean } {
  if (err instanceof PlatformError) {
    const body: ApiError = { code: err.code, message: err.message };
    if (err.field) body.field = err.field;
    if (err instanceof ValidationError) body.details = err.details;
    return { status: err.status, body, internal: err.status >= 500 };
  }
  const e = err as { code?: string; statusCode?: number; message?: string };
  const known = e.code ? FASTIFY_CODES[e.code] : undefined;
  if (known) return { status: known.status, body: { code: known.code, message: known.message ?? String(e.message) }, internal: false };
  if (e.statusCode && e.statusCode >= 400 && e.statusCode < 500) {
    return { status: 400, body: { code: "invalid", message: String(e.message) }, internal: false };
  }
  return { status: 500, body: { code: "internal", message: `internal error: ${e.message ?? String(err)}` }, internal: true };
}
