// Shared building blocks of every kind's schema. These zod schemas are the one source of truth: the
// platform's API validates with them, the OpenAPI document and the manifest's JSON Schema are generated
// from them, and the provider derives its TypeScript types from them.
import { z } from "zod";

/** Object names: DNS-label-like so they are safe in URLs, process titles and cloud platforms alike. */
export const Name = z
  .string()
  .regex(/^[a-z][a-z0-9-]{0,61}[a-z0-9]$/, "must be 2-63 characters of a-z, 0-9 and '-', start with a letter and not end with '-'");

/**
 * The platform name of an object whose program does not name it: `<name>-<stack>`, so the stacks of one
 * program (dev, staging, prod) live side by side on one platform without colliding; names are unique per
 * kind on the platform (and on the cloud platforms). The stack part is folded into the Name alphabet; a
 * result longer than 63 characters keeps its first part and a short hash of the whole, so it stays unique.
 * An object declared with an explicit `name` keeps exactly that name in every stack (that is how an
 * existing object is adopted, or a name other systems know is pinned).
 */
export function stackScopedName(name: string, stack: string): string {
  const suffix = stack.toLowerCase().replace(/[^a-z0-9-]+/g, "-").replace(/-+/g, "-").replace(/^-|-$/g, "") || "stack";
  const full = `${name}-${suffix}`;
  if (full.length <= 63) return full;
  let hash = 0;
  for (const ch of full) hash = (Math.imul(hash, 31) + ch.charCodeAt(0)) >>> 0;
  const tag = hash.toString(36).padStart(7, "0").slice(0, 7);
  return `${full.slice(0, 63 - tag.length - 1).replace(/-+$/, "")}-${tag}`;
}

/** Free-form key/value labels (called tags on some platforms). Keys under `mlplatform/` are reserved. */
export const Tags = z.record(
  z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._/-]{0,62}$/, "tag keys are 1-63 characters of A-Z a-z 0-9 . _ / -"),
  z.string().max(1024),
);

export const Description = z.string().max(1024);

/** Tag the provider writes on every object it creates, so an interrupted create can find its object again. */
export const URN_TAG = "mlplatform/urn";

/**
 * Tag an object carries while the create that made it has not yet handed its id to the engine. Only such an
 * object is taken over by a later create of the same resource (an interrupted run); an object whose create
 * completed is in the engine's state, and taking it over would make a replace delete its own replacement.
 */
export const CREATING_TAG = "mlplatform/creating";

/** Tag keys under this prefix are the provider's: other clients may keep them as they are, never set them. */
export const RESERVED_TAG_PREFIX = "mlplatform/";

/**
 * The header (and its value) with which the provider identifies itself to the platform, so the platform lets
 * it set reserved tags. It is not a credential (the bearer token is): it keeps other clients from forging
 * the tag by accident, e.g. a script copying tags from one object to another.
 */
export const CLIENT_HEADER = "mlplatform-client";
export const PROVIDER_CLIENT = "provider";

/** Tags as a user declares them (manifest, TS program): the reserved `mlplatform/` keys are the provider's own. */
export const UserTags = Tags.superRefine((tags, ctx) => {
  for (const key of Object.keys(tags))
    if (key.startsWith(RESERVED_TAG_PREFIX))
      ctx.addIssue({ code: "custom", path: [key], message: `tag keys under "${RESERVED_TAG_PREFIX}" are reserved for the mlplatform provider` });
});

/** Environment variables of a job or a service replica: POSIX names. */
export const EnvVarName = z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, "environment variable names are letters, digits and _, not starting with a digit");
export const EnvVars = z.record(EnvVarName, z.string());

/** What a dry run (`POST /v1/<kind>?dryRun=true`, `PATCH …?dryRun=true`) answers when nothing would be refused. */
export const DryRunResult = z.object({ dryRun: z.literal(true), valid: z.literal(true) });
export type DryRunResult = z.infer<typeof DryRunResult>;

/** Fields every platform object carries. */
export const ObjectMeta = z.object({
  id: z.string(),
  name: Name,
  createdAt: z.string(),
  updatedAt: z.string(),
  /** Changes on every write; sent back in `If-Match` to update safely. */
  etag: z.string(),
  /** Human-readable reason for the current status (the failure, or the progress). */
  statusMessage: z.string().optional(),
});

/**
 * How far a long copy has come (a dataset ingest, a model registration in the background): present only while
 * it runs, written every few hundred milliseconds, so a long-poll wait sees it move.
 */
export const CopyProgress = z
  .object({
    bytesDone: z.number().int().nonnegative(),
    bytesTotal: z.number().int().nonnegative(),
  })
  .describe("bytes copied into the artifact store so far, of the source's total (present while the copy runs)");
export type CopyProgress = z.infer<typeof CopyProgress>;

/** The platform's error body, on every 4xx/5xx. */
export const ApiError = z.object({
  code: z.enum([
    "invalid",          // 400/422: bad input; `field` names the property path
    "unauthorized",     // 401
    "not_found",        // 404
    "method_not_allowed", // 405: the path exists, the method does not (the Allow header lists the ones it has)
    "conflict",         // 409: name taken, or still in use (message names the user)
    "precondition_failed", // 412: If-Match did not match
    "too_large",        // 413
    "uri_too_long",     // 414: a path segment (an id) longer than 100 characters
    "throttled",        // 429
    "unavailable",      // 503
    "internal",         // 500
  ]),
  message: z.string(),
  field: z.string().optional(),
  details: z.array(z.object({ field: z.string(), message: z.string() })).optional(),
});
export type ApiError = z.infer<typeof ApiError>;
export type ApiErrorCode = ApiError["code"];

/**
 * The HTTP status each error code is answered with: the one table the platform answers by and the SDK reads
 * responses by. `invalid` is also answered as 422 when the body is well-formed but names something unusable
 * (a path outside the allowed roots, a flavor or model version that does not exist).
 */
export const API_ERROR_STATUS = {
  invalid: 400,
  unauthorized: 401,
  not_found: 404,
  method_not_allowed: 405,
  conflict: 409,
  precondition_failed: 412,
  too_large: 413,
  uri_too_long: 414,
  throttled: 429,
  unavailable: 503,
  internal: 500,
} as const satisfies Record<ApiErrorCode, number>;

/** Every list endpoint answers one page and the token of the next one. */
export function Page<T extends z.ZodType>(item: T) {
  return z.object({ items: z.array(item), nextPageToken: z.string().optional() });
}

/** Local flavors; cloud flavor names are refused by the local platform with the list of these. */
export const LocalFlavor = z.object({
  name: z.string(),
  cpuShare: z.number().describe("fraction of one core a process may use"),
  maxReplicas: z.number().int(),
  maxConcurrency: z.number().int().describe("in-flight requests or parallel jobs"),
  description: z.string(),
});
export type LocalFlavor = z.infer<typeof LocalFlavor>;
