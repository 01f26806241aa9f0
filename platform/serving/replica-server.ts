// The HTTP side of one replica: serves a loaded model over the Open Inference Protocol (KServe v2).
// node:http rather than a framework: four routes, and the per-request overhead is what serving measures.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import { BadRequest, inferResponse, parseInferRequest } from "./inference-protocol";
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

function send(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { "content-type": "application/json", "content-length": Buffer.byteLength(text) });
  res.end(text);
}

function readBody(req: IncomingMessage, limit: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on("data", (c: Buffer) => {
      size += c.length;
      if (size > limit) {
        reject(Object.assign(new Error(`request body exceeds ${limit} bytes`), { status: 413 }));
        req.destroy();
        return;
      }
      chunks.push(c);
    });
    req.on("end", () => resolve(Buffer.concat(chunks).toString("utf8")));
    req.on("error", reject);
  });
}

export function createReplicaServer(opts: ReplicaServerOptions): Server {
  const { model, modelName } = opts;
  const version = String(opts.modelVersion);
  const limit = opts.maxBodyBytes ?? 8 * 1024 * 1024;
  const slots = limiter(opts.maxConcurrency ?? Infinity);
  const metadata = { name: modelName, versions: [version], platform: `mlplatform-${opts.format}`, inputs: model.inputs, outputs: model.outputs };
  // /v2/models/{name}[/versions/{v}][/ready|/infer]
  const modelPath = /^\/v2\/models\/([^/]+)(?:\/versions\/([^/]+))?(\/ready|\/infer)?$/;

  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    const path = (req.url ?? "/").split("?")[0];
    if (req.method === "GET" && (path === "/v2/health/live" || path === "/v2/health/ready")) return send(res, 200, { live: true, ready: true });
    if (req.method === "GET" && path === "/v2") return send(res, 200, { name: "mlplatform-replica", version: "1", extensions: [] });
    const m = modelPath.exec(path);
    if (!m) return send(res, 404, { error: `no route ${req.method} ${path}` });
    const [, name, wantedVersion, action] = m;
    if (decodeURIComponent(name) !== modelName) return send(res, 404, { error: `model "${decodeURIComponent(name)}" is not served here (this replica serves "${modelName}")` });
    if (wantedVersion !== undefined && wantedVersion !== version) return send(res, 404, { error: `model "${modelName}" version ${wantedVersion} is not served here (this replica serves version ${version})` });
    if (req.method === "GET" && action === undefined) return send(res, 200, metadata);
    if (req.method === "GET" && action === "/ready") return send(res, 200, { name: modelName, ready: true });
    if (req.method !== "POST" || action !== "/infer") return send(res, 405, { error: `${req.method} is not allowed on ${path}` });
    let body: unknown;
    try {
      body = JSON.parse(await readBody(req, limit));
    } catch (err) {
      const status = (err as { status?: number }).status ?? 400;
      return send(res, status, { error: status === 413 ? (err as Error).message : `request body is not valid JSON: ${(err as Error).message}` });
    }
    await slots.acquire();
    try {
      return send(res, 200, await inferResponse(model, modelName, version, parseInferRequest(body, model)));
    } catch (err) {
      if (err instanceof BadRequest) return send(res, 400, { error: err.message });
      throw err;
    } finally {
      slots.release();
    }
  };

  const server = createServer((req, res) => {
    handle(req, res).catch((err: Error) => {
      if (!res.headersSent) send(res, 500, { error: `inference failed: ${err.message}` });
      else res.destroy();
    });
  });
  server.keepAliveTimeout = 30_000;
  return server;
}
