// The front endpoint of one service: balances requests over ready replicas, splits traffic between the
// service's model entries by weight, and retries once on another replica when a connection fails, so a
// replica going away during a rolling update costs no request.
import { Agent, createServer, request as httpRequest, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import { SmoothWeightedRoundRobin } from "./weighted-choice";

export interface RouteGroup {
  /** Stable key of a model entry of the service (e.g. its index). */
  key: string;
  weight: number;
}

export interface Backend {
  id: string;
  port: number;
  group: string;
  modelName: string;
  modelVersion: number;
}

interface LiveBackend extends Backend {
  agent: Agent;
  inFlight: number;
  drained?: () => void;
}

const MAX_BODY_BYTES = 8 * 1024 * 1024;
const modelPath = /^\/v2\/models\/([^/]+)(?:\/versions\/([^/]+))?(\/.*)?$/;

function sendJson(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { "content-type": "application/json", "content-length": Buffer.byteLength(text) });
  res.end(text);
}

export class ServiceRouter {
  private server: Server;
  private backends = new Map<string, LiveBackend>();
  private groups: RouteGroup[] = [];
  private groupChoice = new SmoothWeightedRoundRobin<string>();
  /** Round-robin position within each group. */
  private turns = new Map<string | undefined, number>();
  /** Requests that failed on one replica and were retried on another (rolling updates should show some, harmlessly). */
  retries = 0;

  constructor(private readonly serviceName: string) {
    this.server = createServer((req, res) => this.handle(req, res));
    this.server.keepAliveTimeout = 30_000;
  }

  listen(port = 0): Promise<number> {
    return new Promise((resolve, reject) => {
      this.server.once("error", reject);
      this.server.listen(port, "127.0.0.1", () => {
        this.server.off("error", reject);
        resolve(this.port);
      });
    });
  }

  get port(): number {
    const a = this.server.address();
    return typeof a === "object" && a ? a.port : 0;
  }

  setGroups(groups: RouteGroup[]): void {
    this.groups = groups.map((g) => ({ ...g }));
  }

  addBackend(backend: Backend): void {
    this.backends.set(backend.id, { ...backend, agent: new Agent({ keepAlive: true, maxSockets: 64 }), inFlight: 0 });
  }

  get backendCount(): number {
    return this.backends.size;
  }

  /** Stops sending new requests to the backend and resolves once its in-flight requests have finished. */
  async removeBackend(id: string, drainTimeoutMs = 10_000): Promise<void> {
    const b = this.backends.get(id);
    if (!b) return;
    this.backends.delete(id);
    if (b.inFlight > 0) {
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, drainTimeoutMs);
        b.drained = () => {
          clearTimeout(timer);
          resolve();
        };
      });
    }
    b.agent.destroy();
  }

  async close(): Promise<void> {
    for (const b of this.backends.values()) b.agent.destroy();
    this.backends.clear();
    await new Promise<void>((resolve) => {
      this.server.close(() => resolve());
      this.server.closeAllConnections();
    });
  }

  /**
   * The backend for a request on `modelName` (or the service's own name), optionally a pinned version.
   * A retry passes the group of the first attempt so a failed connection does not skew the weights.
   */
  private choose(modelName: string, version: string | undefined, exclude: Set<string>, retryGroup?: string): LiveBackend | undefined {
    const eligible = [...this.backends.values()].filter(
      (b) =>
        !exclude.has(b.id) &&
        (modelName === this.serviceName || b.modelName === modelName) &&
        (version === undefined || String(b.modelVersion) === version),
    );
    if (eligible.length === 0) return undefined;
    let group = retryGroup !== undefined && eligible.some((b) => b.group === retryGroup) ? retryGroup : undefined;
    if (group === undefined) {
      const present = new Set(eligible.map((b) => b.group));
      // Weight only among groups that can answer; if none with weight can, any replica beats a 503.
      group = this.groupChoice.pick(this.groups.filter((g) => present.has(g.key)));
    }
    const inGroup = group === undefined ? eligible : eligible.filter((b) => b.group === group);
    const turn = this.turns.get(group) ?? 0;
    this.turns.set(group, turn + 1);
    return inGroup[turn % inGroup.length];
  }

  private handle(req: IncomingMessage, res: ServerResponse): void {
    const url = req.url ?? "/";
    const path = url.split("?")[0];
    if (req.method === "GET" && path === "/v2/health/live") return sendJson(res, 200, { live: true });
    if (req.method === "GET" && path === "/v2/health/ready") {
      const ready = this.backends.size > 0;
      return sendJson(res, ready ? 200 : 503, { ready, replicas: this.backends.size });
    }
    if (req.method === "GET" && path === "/v2") return sendJson(res, 200, { name: this.serviceName, version: "1", extensions: [] });
    const m = modelPath.exec(path);
    if (!m) return sendJson(res, 404, { error: `no route ${req.method} ${path}` });
    const modelName = decodeURIComponent(m[1]);
    const version = m[2];
    const known = modelName === this.serviceName || [...this.backends.values()].some((b) => b.modelName === modelName);
    if (!known && this.backends.size > 0) {
      const names = [...new Set([...this.backends.values()].map((b) => b.modelName))];
      return sendJson(res, 404, { error: `service "${this.serviceName}" does not serve model "${modelName}" (it serves ${names.map((n) => `"${n}"`).join(", ")})` });
    }
    const chunks: Buffer[] = [];
    let size = 0;
    req.on("data", (c: Buffer) => {
      size += c.length;
      if (size <= MAX_BODY_BYTES) chunks.push(c);
    });
    req.on("end", () => {
      if (size > MAX_BODY_BYTES) return sendJson(res, 413, { error: `request body exceeds ${MAX_BODY_BYTES} bytes` });
      this.forward(req, res, Buffer.concat(chunks), modelName, version, m[3] ?? "", new Set(), 0);
    });
  }

  private forward(req: IncomingMessage, res: ServerResponse, body: Buffer, modelName: string, version: string | undefined, rest: string, tried: Set<string>, attempt: number, retryGroup?: string): void {
    const backend = this.choose(modelName, version, tried, retryGroup);
    if (!backend) {
      return sendJson(res, 503, { error: `service "${this.serviceName}" has no ready replica${version ? ` of version ${version}` : ""} for model "${modelName}"` });
    }
    tried.add(backend.id);
    backend.inFlight++;
    let finished = false;
    const done = () => {
      if (finished) return;
      finished = true;
      backend.inFlight--;
      if (backend.inFlight === 0) backend.drained?.();
    };
    const query = (req.url ?? "").includes("?") ? (req.url ?? "").slice((req.url ?? "").indexOf("?")) : "";
    const versionPart = version === undefined ? "" : `/versions/${version}`;
    const upstream = httpRequest(
      {
        host: "127.0.0.1",
        port: backend.port,
        method: req.method,
        path: `/v2/models/${encodeURIComponent(backend.modelName)}${versionPart}${rest}${query}`,
        agent: backend.agent,
        headers: { "content-type": req.headers["content-type"] ?? "application/json", "content-length": body.length },
        timeout: 30_000,
      },
      (upstreamRes) => {
        // Only end-to-end headers: connection handling is per hop.
        const headers: Record<string, string> = { "x-mlp-model-version": String(backend.modelVersion) };
        for (const h of ["content-type", "content-length"] as const) {
          const v = upstreamRes.headers[h];
          if (typeof v === "string") headers[h] = v;
        }
        res.writeHead(upstreamRes.statusCode ?? 502, headers);
        upstreamRes.pipe(res);
        upstreamRes.on("end", done);
        upstreamRes.on("error", () => {
          done();
          res.destroy();
        });
      },
    );
    upstream.on("timeout", () => upstream.destroy(new Error("replica did not answer within 30 s")));
    upstream.on("error", (err) => {
      done();
      if (res.headersSent) return void res.destroy();
      // The request never reached a replica that answered: one more try elsewhere is safe (inference is pure).
      if (attempt === 0) {
        this.retries++;
        return this.forward(req, res, body, modelName, version, rest, tried, 1, backend.group);
      }
      sendJson(res, 502, { error: `replica failed: ${err.message}` });
    });
    upstream.end(body);
  }
}
