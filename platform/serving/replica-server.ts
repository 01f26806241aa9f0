// The HTTP side of one replica: serves a loaded model over the Open Inference Protocol (KServe v2), on its
// own port and on connections the service's front endpoint hands over (accept). With a routing table
// (replica-routing.ts) it also keeps the service's weights per request, forwarding to a peer replica when
// another model entry's turn comes. drain() retires it without failing a request: every response from then
// on says `connection: close` (clients reconnect through the front, to other replicas), connections that
// stay idle for a grace period are closed, and it resolves when no connection is left.
// node:http rather than a framework: four routes, and the per-request overhead is what serving measures.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { Socket } from "node:net";
import { BadRequest, inferResponse, parseInferRequest } from "./inference-protocol";
import { HOP_HEADER, ReplicaRouting } from "./replica-routing";
import type { LoadedModel } from "./runtimes/index";

export interface ReplicaServerOptions {
  model: LoadedModel;
  modelName: string;
  modelVersion: number;
  format: string;
  maxBodyBytes?: number;
  /** In-flight inferences at once; the rest queue (the flavor's maxConcurrency). Default: unbounded. */
  maxConcurrency?: number;
}

export interface DrainOptions {
  /**
   * A connection with no request for this long is closed. Default: the server's keep-alive timeout plus its
   * buffer (6 s), i.e. just when the server would close it anyway; clients that honour the `Keep-Alive:
   * timeout=5` hint (undici/fetch) have dropped it by then, so the drain adds no race of its own.
   */
  graceMs?: number;
  /** Resolve even if connections remain (default 15 s). */
  timeoutMs?: number;
}

export interface DrainResult {
  /** Connections still open when the drain gave up (0: all closed). */
  left: number;
  /** Connections closed by the replica because they stayed idle through the grace (the rest closed on a `connection: close` answer). */
  closedIdle: number;
  ms: number;
}

export interface ReplicaServer {
  server: Server;
  routing: ReplicaRouting;
  /** Serves a connection accepted elsewhere (the front endpoint, passed over IPC). */
  accept(socket: Socket): void;
  /** Retires the server's connections gracefully; resolves when none is left or the timeout passed. */
  drain(opts?: DrainOptions): Promise<DrainResult>;
  readonly draining: boolean;
  /** Open connections (own port and handed over). */
  connections(): number;
}

/** A counting semaphore: the flavor's concurrency bound, queueing rather than refusing. */
function limiter(max: number) {
  let inFlight = 0;
  const waiting: (() => void)[] = [];
  return {
    acquire(): Promise<void> {
      if (inFlight < max) {
        inFlight++;
        return Promise.resolve();
      }
      return new Promise((resolve) => waiting.push(resolve));
    },
    release(): void {
      const next = waiting.shift();
      if (next) next();
      else inFlight--;
    },
  };
}

function readBody(req: IncomingMessage, limit: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    // Past the limit the rest is read and dropped, so the client gets its 413 on a connection still usable.
    req.on("data", (c: Buffer) => {
      size += c.length;
      if (size <= limit) chunks.push(c);
    });
    req.on("end", () => (size > limit ? reject(Object.assign(new Error(`request body exceeds ${limit} bytes`), { status: 413 })) : resolve(Buffer.concat(chunks))));
    req.on("error", reject);
  });
}

const MODEL_PATH = /^\/v2\/models\/([^/]+)(?:\/versions\/([^/]+))?(\/.*)?$/;

export function createReplicaServer(opts: ReplicaServerOptions): ReplicaServer {
  const { model, modelName } = opts;
  const version = String(opts.modelVersion);
  const limit = opts.maxBodyBytes ?? 8 * 1024 * 1024;
  const slots = limiter(opts.maxConcurrency ?? Infinity);
  const routing = new ReplicaRouting({ modelName, modelVersion: opts.modelVersion });
  const metadata = { name: modelName, versions: [version], platform: `mlplatform-${opts.format}`, inputs: model.inputs, outputs: model.outputs };
  let draining = false;

  /** Headers of every answer from this hop: a draining replica asks the client to reconnect (through the front). */
  const hopHeaders = (h: Record<string, string | number>) => {
    if (draining) h.connection = "close";
    return h;
  };
  const send = (res: ServerResponse, status: number, body: unknown, local = true) => {
    const text = JSON.stringify(body);
    const headers: Record<string, string | number> = { "content-type": "application/json", "content-length": Buffer.byteLength(text) };
    if (local) headers["x-mlp-model-version"] = version;
    res.writeHead(status, hopHeaders(headers));
    res.end(text);
  };

  /** The model's own routes; `body` is given when it was read already (a forward retried here). */
  const serveLocal = async (req: IncomingMessage, res: ServerResponse, path: string, action: string | undefined, body?: Buffer) => {
    if (req.method === "GET" && action === undefined) return send(res, 200, metadata);
    if (req.method === "GET" && action === "/ready") return send(res, 200, { name: modelName, ready: true });
    if (req.method !== "POST" || action !== "/infer") {
      if (action !== undefined && action !== "/ready" && action !== "/infer") return send(res, 404, { error: `no route ${req.method} ${path}` });
      return send(res, 405, { error: `${req.method} is not allowed on ${path}` });
    }
    let parsed: unknown;
    try {
      parsed = JSON.parse(body ? body.toString("utf8") : (await readBody(req, limit)).toString("utf8"));
    } catch (err) {
      const status = (err as { status?: number }).status ?? 400;
      return send(res, status, { error: status === 413 ? (err as Error).message : `request body is not valid JSON: ${(err as Error).message}` });
    }
    await slots.acquire();
    try {
      return send(res, 200, await inferResponse(model, modelName, version, parseInferRequest(parsed, model)));
    } catch (err) {
      if (err instanceof BadRequest) return send(res, 400, { error: err.message });
      throw err;
    } finally {
      slots.release();
    }
  };

  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    const url = req.url ?? "/";
    const q = url.indexOf("?");
    const path = q < 0 ? url : url.slice(0, q);
    if (req.method === "GET" && path === "/v2/health/live") return send(res, 200, { live: true }, false);
    if (req.method === "GET" && path === "/v2/health/ready") return send(res, 200, { live: true, ready: true, replicas: routing.table?.backends.length ?? 1 }, false);
    if (req.method === "GET" && path === "/v2") return send(res, 200, { name: routing.table?.service ?? "mlplatform-replica", version: "1", extensions: [] }, false);
    const m = MODEL_PATH.exec(path);
    if (!m) return send(res, 404, { error: `no route ${req.method} ${path}` }, false);
    const name = decodeURIComponent(m[1]);
    const wantedVersion = m[2];
    const action = m[3];
    const decision = routing.decide(name, wantedVersion, req.headers[HOP_HEADER] !== undefined);
    if (decision.kind === "local") return serveLocal(req, res, path, action);
    if (decision.kind === "refuse") return send(res, decision.status, { error: decision.error }, false);
    let body: Buffer;
    try {
      body = await readBody(req, limit);
    } catch (err) {
      return send(res, (err as { status?: number }).status ?? 400, { error: (err as Error).message }, false);
    }
    routing.forward(req, res, body, { modelName: name, version: wantedVersion, rest: action ?? "", query: q < 0 ? "" : url.slice(q) }, decision.backend, {
      local: () => void serveLocal(req, res, path, action, body).catch((err: Error) => fail(res, err)),
      error: (status, message) => send(res, status, { error: message }, false),
      headers: (h) => hopHeaders(h) as Record<string, string>,
    });
  };

  const fail = (res: ServerResponse, err: Error) => {
    if (!res.headersSent) send(res, 500, { error: `inference failed: ${err.message}` });
    else res.destroy();
  };

  // Open connections and answers in progress: what a drain waits for.
  const sockets = new Set<Socket>();
  const inFlight = new Set<ServerResponse>();
  let onSocketClosed: (() => void) | undefined;
  const server = createServer((req, res) => {
    inFlight.add(res);
    res.once("close", () => inFlight.delete(res));
    handle(req, res).catch((err: Error) => fail(res, err));
  });
  // Idle keep-alive connections close after 5 s (+1 s buffer), announced to clients as `Keep-Alive: timeout=5`:
  // a drain waits that long for idle connections, so it is kept short.
  server.keepAliveTimeout = 5_000;
  server.on("connection", (socket: Socket) => {
    sockets.add(socket);
    socket.once("close", () => {
      sockets.delete(socket);
      onSocketClosed?.();
    });
  });

  const drain = ({ graceMs = server.keepAliveTimeout + server.keepAliveTimeoutBuffer, timeoutMs = 15_000 }: DrainOptions = {}): Promise<DrainResult> => {
    draining = true;
    let closedIdle = 0;
    return new Promise((resolve) => {
      // Per connection: bytes read at the last look and when it was last seen busy or reading.
      const seen = new Map<Socket, { bytes: number; at: number }>();
      const start = Date.now();
      const finish = () => {
        clearInterval(tick);
        onSocketClosed = undefined;
        resolve({ left: sockets.size, closedIdle, ms: Date.now() - start });
      };
      const look = () => {
        const now = Date.now();
        if (sockets.size === 0 || now - start >= timeoutMs) return finish();
        const busy = new Set<Socket>();
        for (const r of inFlight) if (r.socket) busy.add(r.socket);
        for (const s of sockets) {
          const last = seen.get(s);
          if (!last || busy.has(s) || s.bytesRead !== last.bytes) {
            seen.set(s, { bytes: s.bytesRead, at: now });
          } else if (now - last.at >= graceMs) {
            // Idle through the whole grace: the client is not sending; closing now risks only the usual
            // keep-alive race with a client that starts a request at this very moment.
            closedIdle++;
            s.end();
            s.destroySoon?.();
          }
        }
      };
      const tick = setInterval(look, Math.max(10, Math.min(100, graceMs / 4)));
      onSocketClosed = () => {
        if (sockets.size === 0) finish();
      };
      look();
    });
  };

  return {
    server,
    routing,
    accept(socket: Socket) {
      server.emit("connection", socket);
      socket.resume();
    },
    drain,
    get draining() {
      return draining;
    },
    connections: () => sockets.size,
  };
}
