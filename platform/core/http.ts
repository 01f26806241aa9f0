// The HTTP layer: one fastify app, bearer-token auth on every route, and generic routes for each kind's
// controller (create with Idempotency-Key, get, list, patch/delete with If-Match, long-poll wait, and the
// controller's extra routes). Kind logic stays in the controllers; this file only speaks HTTP.
// The contract holds both ways: request bodies are parsed with the schemas the OpenAPI document publishes,
// and every JSON response is checked against the schema published for its route and status.
import Fastify, { type FastifyInstance, type FastifyReply, type FastifyRequest } from "fastify";
import { CLIENT_HEADER, PROVIDER_CLIENT, RESERVED_TAG_PREFIX } from "../../schemas/index";
import { LOCAL_FLAVORS } from "./flavors";
import { KIND_BY_COLLECTION, KIND_REGISTRY } from "../../schemas/kinds";
import { HttpError, parseBody, refuseProblems, toApiError } from "./errors";
import { IdempotencyKeys } from "./idempotency";
import { buildOpenApi, responseSchemas } from "./openapi";
import { ConsoleSessions, sessionFromCookie } from "./sessions";
import { bearerToken, tokenMatcher } from "./token";
import { MAX_PAGE_SIZE } from "./store";
import { type KindController, type PlatformContext, type StoredObject } from "./types";

export const BODY_LIMIT_BYTES = 1024 * 1024;
export const MAX_WAIT_MS = 60_000;

export interface HttpOptions {
  ctx: PlatformContext;
  token: string;
  idempotency: IdempotencyKeys;
  version: string;
  /** Mounts GET / (the console page). */
  registerConsole?: (app: FastifyInstance, ctx: PlatformContext) => void;
  /** Console sessions (default: a fresh in-memory set). */
  sessions?: ConsoleSessions;
  /** Called after every successful DELETE (the artifact sweep). */
  onDeleted?: () => void;
  /** Serve HTTPS with this certificate and key (PEM); session cookies are then `Secure`. */
  https?: { cert: string | Buffer; key: string | Buffer };
  /**
   * A response that breaks its published schema: "log" (default) logs it and sends it anyway; "refuse"
   * answers 500 instead (tests and the API fuzzer, so a violation cannot go unnoticed).
   */
  responseViolations?: "log" | "refuse";
}

/** Longest path segment (an id) the router accepts; longer ones get 414 in the API's error format. */
export const MAX_ID_LENGTH = 100;

type Query = Record<string, string>;

/** A `<key>=<value>` query parameter (`tag`, `tagPrefix`): the key is everything before the first `=`. */
function tagParam(raw: string | undefined, name: string): { key: string; value: string } | undefined {
  if (raw === undefined) return undefined;
  const eq = raw.indexOf("=");
  if (eq <= 0) throw HttpError.invalid(`${name} must be <key>=<value>, got "${raw}"`, name);
  return { key: raw.slice(0, eq), value: raw.slice(eq + 1) };
}

/** `"abc"`, `W/"abc"` and `abc` all name etag abc (clients send the header or the body's field back). */
function etagOf(header: string | undefined): string | undefined {
  if (header === undefined) return undefined;
  return header.trim().replace(/^W\//, "").replace(/^"(.*)"$/, "$1");
}

function sendObject(reply: FastifyReply, status: number, obj: StoredObject): FastifyReply {
  return reply.code(status).header("etag", `"${obj.etag}"`).send(obj);
}

/** `?dryRun=true|false`; anything else is 400. */
function dryRunParam(value: string | undefined): boolean {
  if (value === undefined || value === "" || value === "false") return false;
  if (value === "true") return true;
  throw HttpError.invalid(`dryRun must be true or false, got "${value}"`, "dryRun");
}

/**
 * Tag keys under mlplatform/ are the provider's (it finds its objects by them). Another client may send
 * them back unchanged (a PATCH of the tags it read), never add or change one.
 */
function refuseReservedTags(request: FastifyRequest, tags: Record<string, string> | undefined, current: Record<string, string> = {}): void {
  if (!tags || request.headers[CLIENT_HEADER] === PROVIDER_CLIENT) return;
  for (const [key, value] of Object.entries(tags)) {
    if (key.startsWith(RESERVED_TAG_PREFIX) && current[key] !== value)
      throw HttpError.unprocessable(`tag keys under "${RESERVED_TAG_PREFIX}" are reserved for the mlplatform provider; "${key}" cannot be set by other clients`, `tags.${key}`);
  }
}

function intParam(value: string | undefined, field: string, min: number, max: number, fallback: number): number {
  if (value === undefined || value === "") return fallback;
  const n = Number(value);
  if (!Number.isInteger(n) || n < min || n > max) throw HttpError.invalid(`${field} must be an integer from ${min} to ${max}, got "${value}"`, field);
  return n;
}

export function buildApp(opts: HttpOptions): FastifyInstance {
  const { ctx, token, idempotency } = opts;
  const app = Fastify({
    bodyLimit: BODY_LIMIT_BYTES,
    logger: false,
    return503OnClosing: true,
    forceCloseConnections: true,
    routerOptions: { maxParamLength: MAX_ID_LENGTH },
    // The router's own refusals (an over-long id, a malformed URL) in the API's error format too.
    frameworkErrors: (err, _request, anyReply) => {
      const reply = anyReply as FastifyReply;
      if (err.code === "FST_ERR_MAX_PARAM_LENGTH")
        return reply.code(414).send({ code: "uri_too_long", message: `a path segment is longer than ${MAX_ID_LENGTH} characters (no id is that long)` });
      return reply.code(400).send({ code: "invalid", message: `malformed request: ${err.message}` });
    },
    ...(opts.https ? { https: opts.https } : {}),
  }) as unknown as FastifyInstance;

  // Every route's path and method, so a known path with an unknown method answers 405 (not 404).
  const routes: { pattern: RegExp; method: string }[] = [];
  app.addHook("onRoute", (route) => {
    const pattern = new RegExp(`^${route.url.replace(/[.*+?^${}()|[\]\\]/g, "\\$&").replace(/:[A-Za-z]+/g, "[^/]+")}$`);
    for (const method of [route.method].flat()) routes.push({ pattern, method });
  });

  const schemas = responseSchemas(Object.values(ctx.controllers));
  // Hooks on every request take fastify's callback form: an async hook costs a promise and a microtask hop
  // per request (issue 18 §4).
  app.addHook("preSerialization", (request, reply, payload, done) => {
    const schema = schemas.lookup(request.method, request.routeOptions.url, reply.statusCode);
    if (!schema) return done(null, payload);
    const r = schema.safeParse(payload);
    if (r.success) return done(null, payload);
    const where = `${request.method} ${request.routeOptions.url ?? request.url} → ${reply.statusCode}`;
    const issues = r.error.issues.slice(0, 5).map((i) => `${i.path.join(".") || "(root)"}: ${i.message}`).join("; ");
    ctx.log("response violates its published schema", { route: where, issues });
    if (opts.responseViolations !== "refuse" || reply.statusCode >= 500) return done(null, payload);
    reply.code(500);
    done(null, { code: "internal", message: `internal error: the response of ${where} violates its published schema (${issues})` });
  });

  // Group commit (core/store.ts): no response leaves before every write made so far is committed — the
  // request's own writes and any uncommitted write a read saw — so nothing acknowledged can be lost to a
  // crash of the platform. With nothing waiting to commit the response goes on without even yielding.
  app.addHook("onSend", (_request, _reply, payload, done) => {
    const pending = ctx.store.committed();
    if (!pending) return done(null, payload);
    pending.then(
      () => done(null, payload),
      (err) => done(err as Error),
    );
  });

  const sessions = opts.sessions ?? new ConsoleSessions();
  const secure = Boolean(opts.https);
  const tokenMatches = tokenMatcher(token);
  app.addHook("onRequest", (request, reply, done) => {
    if (tokenMatches(bearerToken(request.headers.authorization))) return done();
    // Answered early (401, the console's redirect): fastify's callback form then wants no done().
    void refuseUnlessConsole(request, reply).then(() => (reply.sent ? undefined : done()), done);
  });
  /** A request without the bearer token: the console's own ways in, else 401. */
  const refuseUnlessConsole = async (request: FastifyRequest, reply: FastifyReply): Promise<unknown> => {
    // Parsed by hand: `new URL("//", base)` and friends throw on paths a client may send as it likes.
    const [path, query = ""] = splitUrl(request.url);
    // A browser cannot send a bearer header: the console page alone takes the token once as `/?token=…`,
    // trades it for a session cookie (never the token itself) and redirects, so the token leaves the
    // address bar. Logout needs nothing: it only forgets the session it is given.
    if (request.method === "POST" && path === "/logout") return;
    if (request.method === "GET" && path === "/") {
      const presented = new URLSearchParams(query).get("token");
      if (presented && tokenMatches(presented)) {
        return reply.code(303).header("set-cookie", sessions.cookie(sessions.open(), secure)).header("location", "/").send();
      }
      if (!presented && sessions.valid(sessionFromCookie(request.headers.cookie))) return;
    }
    ctx.log("unauthorized request", { method: request.method, url: request.url, ip: request.ip });
    return reply
      .code(401)
      .header("www-authenticate", 'Bearer realm="mlplatform"')
      .send({ code: "unauthorized", message: "missing or wrong bearer token (see <dataDir>/token)" });
  };

  app.addHook("onResponse", (request, reply, done) => {
    if (request.method === "DELETE" && reply.statusCode < 300) opts.onDeleted?.();
    done();
  });

  app.post("/logout", async (request, reply) => {
    sessions.close(sessionFromCookie(request.headers.cookie));
    return reply.code(303).header("set-cookie", sessions.clearedCookie(secure)).header("location", "/").send();
  });

  app.setErrorHandler((err, request, reply) => {
    const { status, body, internal } = toApiError(err);
    // One line: the message and the frame that threw, not the whole stack.
    if (internal) ctx.log("request failed", { method: request.method, url: request.url, error: String((err as Error).message ?? err), at: topFrame(err) });
    return reply.code(status).send(body);
  });

  app.setNotFoundHandler((request, reply) => {
    const path = request.url.split("?")[0];
    const allowed = [...new Set(routes.filter((r) => r.pattern.test(path)).map((r) => r.method))];
    if (allowed.length)
      return reply
        .code(405)
        .header("allow", allowed.join(", "))
        .send({ code: "method_not_allowed", message: `${path} does not take ${request.method}; it takes ${allowed.join(", ")}` });
    return reply.code(404).send({ code: "not_found", message: `no route ${request.method} ${path}` });
  });

  app.get("/v1/flavors", async () => LOCAL_FLAVORS);

  const openapi = buildOpenApi(Object.values(ctx.controllers), opts.version);
  app.get("/v1/openapi.json", async () => openapi);

  for (const controller of Object.values(ctx.controllers)) registerKind(app, controller, ctx, idempotency);

  if (opts.registerConsole) opts.registerConsole(app, ctx);
  return app;
}

function registerKind(app: FastifyInstance, c: KindController, ctx: PlatformContext, idempotency: IdempotencyKeys): void {
  const base = `/v1/${c.kind}`;
  const { noun, spec: specSchema, patch: patchSchema } = KIND_REGISTRY[KIND_BY_COLLECTION[c.kind]];

  const load = (id: string): StoredObject => {
    const obj = ctx.store.get(c.kind, id);
    if (!obj) throw HttpError.notFound(`${noun} ${id} does not exist`);
    return obj;
  };

  const checkIfMatch = (request: FastifyRequest, current: StoredObject) => {
    const want = etagOf(request.headers["if-match"] as string | undefined);
    if (want !== undefined && want !== "*" && want !== current.etag) {
      throw HttpError.preconditionFailed(`${noun} ${current.id} changed: its etag is ${current.etag}, If-Match said ${want}`);
    }
  };

  app.post(base, async (request, reply) => {
    const key = request.headers["idempotency-key"] as string | undefined;
    const dryRun = dryRunParam((request.query as Query).dryRun);
    const parse = () => {
      const spec = parseBody(specSchema, request.body, `${noun} spec`) as { tags?: Record<string, string> };
      refuseReservedTags(request, spec.tags);
      return spec;
    };
    // create (and patch) run the controller's validate themselves; a dry run runs only that.
    const create = async () => c.create(parse(), ctx);
    if (dryRun) {
      refuseProblems(await c.validate(parse(), ctx, { dryRun: true }), `${noun} spec`);
      return reply.code(200).send({ dryRun: true, valid: true });
    }
    if (!key) return sendObject(reply, 201, await create());
    if (key.length > 256) throw HttpError.invalid("Idempotency-Key is longer than 256 characters", "Idempotency-Key");
    const bodyHash = IdempotencyKeys.hashBody(request.body);
    return idempotency.serialize(c.kind, key, async () => {
      const seen = idempotency.find(c.kind, key);
      if (seen) {
        if (seen.bodyHash !== bodyHash) {
          throw HttpError.conflict(`Idempotency-Key "${key}" was used for a different ${noun} body (object ${seen.objectId})`, "Idempotency-Key");
        }
        const current = ctx.store.get(c.kind, seen.objectId) ?? (seen.response as StoredObject);
        reply.header("idempotent-replayed", "true");
        return sendObject(reply, 200, current);
      }
      const created = await create();
      idempotency.record(c.kind, key, { bodyHash, objectId: created.id, response: created });
      return sendObject(reply, 201, created);
    });
  });

  app.get(base, async (request) => {
    const q = request.query as Query;
    const tag = tagParam(q.tag, "tag");
    const tagPrefix = tagParam(q.tagPrefix, "tagPrefix");
    const ids = q.ids === undefined ? undefined : q.ids.split(",").filter(Boolean);
    if (ids && ids.length > MAX_PAGE_SIZE) throw HttpError.invalid(`ids: at most ${MAX_PAGE_SIZE} ids per request, got ${ids.length}`, "ids");
    const limit = intParam(q.limit, "limit", 1, MAX_PAGE_SIZE, ids ? MAX_PAGE_SIZE : 50);
    return ctx.store.list(c.kind, { name: q.name, tag, tagPrefix, ids, limit, pageToken: q.pageToken || undefined });
  });

  app.get(`${base}/:id`, async (request, reply) => sendObject(reply, 200, load((request.params as Query).id)));

  app.patch(`${base}/:id`, async (request, reply) => {
    const dryRun = dryRunParam((request.query as Query).dryRun);
    const current = load((request.params as Query).id);
    checkIfMatch(request, current);
    const patch = parseBody(patchSchema, request.body, `${noun} patch`) as { tags?: Record<string, string> };
    refuseReservedTags(request, patch.tags, current.tags);
    if (dryRun) {
      refuseProblems(await c.validatePatch(current, patch, ctx), `${noun} patch`);
      return reply.code(200).send({ dryRun: true, valid: true });
    }
    return sendObject(reply, 200, await c.patch(current, patch, ctx));
  });

  app.delete(`${base}/:id`, async (request, reply) => {
    const current = load((request.params as Query).id);
    checkIfMatch(request, current);
    await c.remove(current, ctx);
    return reply.code(204).send();
  });

  app.get(`${base}/:id/wait`, async (request, reply) => {
    const { id } = request.params as Query;
    const q = request.query as Query;
    load(id);
    const timeoutMs = intParam(q.timeoutMs, "timeoutMs", 0, MAX_WAIT_MS, 30_000);
    // A client that disconnects stops mattering; its waiter times out on its own.
    const obj = await ctx.store.waitForChange(c.kind, id, etagOf(q.etag), timeoutMs);
    if (!obj) throw HttpError.notFound(`${noun} ${id} was deleted`);
    return sendObject(reply, 200, obj);
  });

  for (const route of c.extraRoutes ?? []) {
    app.route({
      method: route.method,
      url: `${base}/:id${route.path}`,
      handler: async (request, reply) => {
        const params = request.params as Query;
        const result = await route.handler(load(params.id), params, request.query as Query, ctx);
        if (result === undefined) return reply.code(204).send();
        return result;
      },
    });
  }
}

/** A request target's path and query, without parsing it as a URL (which throws on `//` and the like). */
function splitUrl(url: string): [string, string?] {
  const q = url.indexOf("?");
  return q < 0 ? [url] : [url.slice(0, q), url.slice(q + 1)];
}

/** The first stack frame of an error, for a one-line log entry. */
function topFrame(err: unknown): string | undefined {
  return String((err as Error)?.stack ?? "").split("\n").find((l) => l.trim().startsWith("at "))?.trim();
}
