// GET /v1/openapi.json: an OpenAPI 3.1 document assembled here, whose component schemas are generated
// from the zod schemas in schemas/ (z.toJSONSchema, draft 2020-12, which OpenAPI 3.1 uses as is). The same
// route/status → schema table (responseSchemas) is what the HTTP layer checks every response against, so
// the document and the checks cannot disagree.
import { z } from "zod";
import * as S from "../../schemas/index";
import type { KindController, KindName } from "./types";

/** The schemas of each stored kind and its component name (the kind's name, schemas/kinds.ts). */
function kindComponent(collection: KindName): { title: string; object: z.ZodType; spec: z.ZodType; patch: z.ZodType } {
  const kind = S.KIND_BY_COLLECTION[collection];
  const { object, spec, patch } = S.KIND_REGISTRY[kind];
  return { title: kind, object, spec, patch };
}

function schemaOf(schema: z.ZodType, io: "input" | "output"): Record<string, unknown> {
  const json = z.toJSONSchema(schema, { io, unrepresentable: "any", target: "draft-2020-12" }) as Record<string, unknown>;
  delete json.$schema;
  return json;
}

/** Response schemas per route and status, shared by the document and the HTTP layer's response check. */
export function responseSchemas(controllers: KindController[]) {
  const table = new Map<string, Map<number, z.ZodType>>();
  const set = (method: string, url: string, status: number, schema: z.ZodType) => {
    const key = `${method} ${url}`;
    if (!table.has(key)) table.set(key, new Map());
    table.get(key)!.set(status, schema);
  };
  set("GET", "/v1/flavors", 200, z.array(S.LocalFlavor));
  for (const c of controllers) {
    const { object } = kindComponent(c.kind);
    const base = `/v1/${c.kind}`;
    set("POST", base, 201, object);
    set("POST", base, 200, z.union([object, S.DryRunResult]));
    set("GET", base, 200, S.Page(object));
    set("GET", `${base}/:id`, 200, object);
    set("PATCH", `${base}/:id`, 200, z.union([object, S.DryRunResult]));
    set("GET", `${base}/:id/wait`, 200, object);
    for (const r of c.extraRoutes ?? []) if (r.response) set(r.method, `${base}/:id${r.path}`, 200, r.response);
  }
  return {
    table,
    /** The schema for a route (fastify's url pattern) and status; errors (4xx/5xx) are ApiError everywhere. */
    lookup(method: string, url: string | undefined, status: number): z.ZodType | undefined {
      if (status >= 400) return S.ApiError;
      return url === undefined ? undefined : table.get(`${method} ${url}`)?.get(status);
    },
  };
}

const ref = (name: string) => ({ $ref: `#/components/schemas/${name}` });
const json = (schema: unknown) => ({ content: { "application/json": { schema } } });
const errors = (...statuses: number[]) =>
  Object.fromEntries(statuses.map((s) => [String(s), { description: `error (${s})`, ...json(ref("ApiError")) }]));

export function buildOpenApi(controllers: KindController[], version: string): Record<string, unknown> {
  const schemas: Record<string, unknown> = {
    ApiError: schemaOf(S.ApiError, "output"),
    LocalFlavor: schemaOf(S.LocalFlavor, "output"),
    DatasetVersion: schemaOf(S.DatasetVersion, "output"),
    ModelVersion: schemaOf(S.ModelVersion, "output"),
    MetricPoint: schemaOf(S.MetricPoint, "output"),
    DryRunResult: schemaOf(S.DryRunResult, "output"),
  };
  const named: [z.ZodType, string][] = [[S.DatasetVersion, "DatasetVersion"], [S.ModelVersion, "ModelVersion"]];
  for (const c of controllers) {
    const { title, object } = kindComponent(c.kind);
    named.push([object, title]);
  }
  const extraSchema = (schema: z.ZodType): unknown => {
    const known = named.find(([k]) => k === schema);
    return known ? ref(known[1]) : schemaOf(schema, "output");
  };
  const paths: Record<string, Record<string, unknown>> = {
    "/v1/flavors": { get: { summary: "local flavors", responses: { 200: { description: "flavors", ...json({ type: "array", items: ref("LocalFlavor") }) }, ...errors(401) } } },
    "/v1/openapi.json": { get: { summary: "this document", responses: { 200: { description: "OpenAPI 3.1 document" }, ...errors(401) } } },
  };
  const idParam = { name: "id", in: "path", required: true, schema: { type: "string", maxLength: 100 } };
  const dryRun = { name: "dryRun", in: "query", schema: { type: "boolean", default: false }, description: "validate with every rule the request would meet, change nothing: 200 DryRunResult, or the error it would get" };
  const clientHeader = { name: "Mlplatform-Client", in: "header", schema: { type: "string" }, description: "\"provider\" from the mlplatform provider only: lets it set tag keys under mlplatform/" };
  for (const c of controllers) {
    const { title, object, spec, patch } = kindComponent(c.kind);
    schemas[title] = schemaOf(object, "output");
    schemas[`${title}Spec`] = schemaOf(spec, "input");
    schemas[`${title}Patch`] = schemaOf(patch, "input");
    const base = `/v1/${c.kind}`;
    paths[base] = {
      post: {
        summary: `create a ${title}`,
        parameters: [{ name: "Idempotency-Key", in: "header", schema: { type: "string", maxLength: 256 } }, dryRun, clientHeader],
        requestBody: { required: true, ...json(ref(`${title}Spec`)) },
        responses: {
          201: { description: "created", ...json(ref(title)) },
          200: { description: "idempotent replay, or a dry run that found nothing to refuse", ...json({ anyOf: [ref(title), ref("DryRunResult")] }) },
          ...errors(400, 401, 405, 409, 413, 422),
        },
      },
      get: {
        summary: `list ${title} objects, ordered by creation`,
        parameters: [
          { name: "name", in: "query", schema: { type: "string" } },
          { name: "tag", in: "query", schema: { type: "string" }, description: "<key>=<value>" },
          { name: "tagPrefix", in: "query", schema: { type: "string" }, description: "<key>=<prefix>: the tag's value starts with <prefix>" },
          { name: "ids", in: "query", schema: { type: "string" }, description: "comma-separated ids, at most 200; the limit then defaults to 200" },
          { name: "limit", in: "query", schema: { type: "integer", minimum: 1, maximum: 200, default: 50 } },
          { name: "pageToken", in: "query", schema: { type: "string" } },
        ],
        responses: { 200: { description: "one page", ...json({ type: "object", properties: { items: { type: "array", items: ref(title) }, nextPageToken: { type: "string" } }, required: ["items"] }) }, ...errors(400, 401, 405) },
      },
    };
    const ifMatch = { name: "If-Match", in: "header", schema: { type: "string" } };
    paths[`${base}/{id}`] = {
      get: { parameters: [idParam], responses: { 200: { description: title, ...json(ref(title)) }, ...errors(401, 404, 405, 414) } },
      patch: {
        parameters: [idParam, ifMatch, dryRun, clientHeader],
        requestBody: { required: true, ...json(ref(`${title}Patch`)) },
        responses: { 200: { description: "updated, or a dry run that found nothing to refuse", ...json({ anyOf: [ref(title), ref("DryRunResult")] }) }, ...errors(400, 401, 404, 405, 409, 412, 413, 414, 422) },
      },
      delete: { parameters: [idParam, ifMatch], responses: { 204: { description: "deleted" }, ...errors(401, 404, 405, 409, 412, 414) } },
    };
    paths[`${base}/{id}/wait`] = {
      get: {
        summary: "answers when the etag differs from `etag`, or after timeoutMs",
        parameters: [idParam, { name: "etag", in: "query", schema: { type: "string" } }, { name: "timeoutMs", in: "query", schema: { type: "integer", minimum: 0, maximum: 60000 } }],
        responses: { 200: { description: title, ...json(ref(title)) }, ...errors(400, 401, 404, 405, 414) },
      },
    };
    for (const r of c.extraRoutes ?? []) {
      const path = `${base}/{id}${r.path.replace(/:([A-Za-z]+)/g, "{$1}")}`;
      const extraParams = [...r.path.matchAll(/:([A-Za-z]+)/g)].map((m) => ({ name: m[1], in: "path", required: true, schema: { type: "string" } }));
      const ok = r.response ? { 200: { description: "ok", ...json(extraSchema(r.response)) } } : { 204: { description: "done" } };
      const query = (r.query ?? []).map((q) => ({ name: q.name, in: "query", schema: q.schema }));
      paths[path] = { ...paths[path], [r.method.toLowerCase()]: { parameters: [idParam, ...extraParams, ...query], responses: { ...ok, ...errors(400, 401, 404, 405, 409, 414) } } };
    }
  }
  return {
    openapi: "3.1.0",
    info: { title: "mlplatform local platform", version },
    security: [{ bearer: [] }],
    paths,
    components: { schemas, securitySchemes: { bearer: { type: "http", scheme: "bearer" } } },
  };
}
