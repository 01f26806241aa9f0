// GET /v1/openapi.json: an OpenAPI 3.1 document assembled here, whose component schemas are generated
// from the zod schemas in schemas/ (z.toJSONSchema, draft 2020-12, which OpenAPI 3.1 uses as is).
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
  };
  const paths: Record<string, Record<string, unknown>> = {
    "/v1/flavors": { get: { summary: "local flavors", responses: { 200: { description: "flavors", ...json({ type: "array", items: ref("LocalFlavor") }) }, ...errors(401) } } },
    "/v1/openapi.json": { get: { summary: "this document", responses: { 200: { description: "OpenAPI 3.1 document" }, ...errors(401) } } },
  };
  const idParam = { name: "id", in: "path", required: true, schema: { type: "string" } };
  for (const c of controllers) {
    const { title, object, spec, patch } = kindComponent(c.kind);
    schemas[title] = schemaOf(object, "output");
    schemas[`${title}Spec`] = schemaOf(spec, "input");
    schemas[`${title}Patch`] = schemaOf(patch, "input");
    const base = `/v1/${c.kind}`;
    paths[base] = {
      post: {
        summary: `create a ${title}`,
        parameters: [{ name: "Idempotency-Key", in: "header", schema: { type: "string" } }],
        requestBody: { required: true, ...json(ref(`${title}Spec`)) },
        responses: { 201: { description: "created", ...json(ref(title)) }, 200: { description: "idempotent replay", ...json(ref(title)) }, ...errors(400, 401, 409, 413, 422) },
      },
      get: {
        summary: `list ${title} objects, ordered by creation`,
        parameters: [
          { name: "name", in: "query", schema: { type: "string" } },
          { name: "tag", in: "query", schema: { type: "string" }, description: "<key>=<value>" },
          { name: "limit", in: "query", schema: { type: "integer", minimum: 1, maximum: 200, default: 50 } },
          { name: "pageToken", in: "query", schema: { type: "string" } },
        ],
        responses: { 200: { description: "one page", ...json({ type: "object", properties: { items: { type: "array", items: ref(title) }, nextPageToken: { type: "string" } }, required: ["items"] }) }, ...errors(400, 401) },
      },
    };
    const ifMatch = { name: "If-Match", in: "header", schema: { type: "string" } };
    paths[`${base}/{id}`] = {
      get: { parameters: [idParam], responses: { 200: { description: title, ...json(ref(title)) }, ...errors(401, 404) } },
      patch: {
        parameters: [idParam, ifMatch],
        requestBody: { required: true, ...json(ref(`${title}Patch`)) },
        responses: { 200: { description: "updated", ...json(ref(title)) }, ...errors(400, 401, 404, 409, 412, 422) },
      },
      delete: { parameters: [idParam, ifMatch], responses: { 204: { description: "deleted" }, ...errors(401, 404, 409, 412) } },
    };
    paths[`${base}/{id}/wait`] = {
      get: {
        summary: "answers when the etag differs from `etag`, or after timeoutMs",
        parameters: [idParam, { name: "etag", in: "query", schema: { type: "string" } }, { name: "timeoutMs", in: "query", schema: { type: "integer", minimum: 0, maximum: 60000 } }],
        responses: { 200: { description: title, ...json(ref(title)) }, ...errors(401, 404) },
      },
    };
    for (const r of c.extraRoutes ?? []) {
      const path = `${base}/{id}${r.path.replace(/:([A-Za-z]+)/g, "{$1}")}`;
      const extraParams = [...r.path.matchAll(/:([A-Za-z]+)/g)].map((m) => ({ name: m[1], in: "path", required: true, schema: { type: "string" } }));
      paths[path] = { ...paths[path], [r.method.toLowerCase()]: { parameters: [idParam, ...extraParams], responses: { 200: { description: "ok" }, ...errors(401, 404, 409) } } };
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
