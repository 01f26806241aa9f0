// A fault-injecting HTTP proxy between the provider and the platform. A seeded share of requests gets a
// 503 or 429 (never reaching the platform), a reset connection (before, or after the platform already
// handled it, so the answer is lost), or an answer held back past the client's timeout.
import { createServer, request, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";

export type Fault = "503" | "429" | "reset-before" | "reset-after" | "delay";

export interface FaultProxyOptions {
  target: string;
  /** Share of requests that get a fault (0..1). */
  rate: number;
  /** Share of POST/PATCH/DELETE requests that get a fault: these are where lost answers hurt. Default `rate`. */
  mutatingRate?: number;
  /** How long a "delay" fault holds the answer (ms): set it past the client's request timeout. */
  delayMs: number;
  seed?: number;
}

export class FaultProxy {
  readonly injected: Record<Fault, number> = { "503": 0, "429": 0, "reset-before": 0, "reset-after": 0, delay: 0 };
  requests = 0;
  /** Every request as `<method> <url>`, in arrival order. */
  readonly log: string[] = [];
  /** Mutations the platform performed whose answer the client never got (reset-after or delay). */
  lostMutationAnswers = 0;
  private server!: Server;
  private random: () => number;
  endpoint = "";

  constructor(private readonly opts: FaultProxyOptions) {
    this.random = mulberry32(opts.seed ?? 42);
  }

  get faults(): number {
    return Object.values(this.injected).reduce((a, b) => a + b, 0);
  }

  async start(): Promise<this> {
    this.server = createServer((req, res) => this.handle(req, res));
    await new Promise<void>((r) => this.server.listen(0, "127.0.0.1", r));
    this.endpoint = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
    return this;
  }

  async stop(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise((r) => this.server.close(r));
  }

  /** An outage: stop listening (new connections are refused) and drop every open one, long polls included. */
  async pause(): Promise<void> {
    await this.stop();
  }

  /** The platform answers again, on the same port as before. */
  async resume(): Promise<void> {
    if (this.server.listening) return;
    const port = Number(new URL(this.endpoint).port);
    this.server = createServer((req, res) => this.handle(req, res));
    await new Promise<void>((resolve, reject) => {
      this.server.once("error", reject);
      this.server.listen(port, "127.0.0.1", () => resolve());
    });
  }

  private pickFault(req: IncomingMessage): Fault | undefined {
    const mutating = req.method !== "GET" && req.method !== "HEAD";
    if (this.random() >= (mutating ? this.opts.mutatingRate ?? this.opts.rate : this.opts.rate)) return undefined;
    // Long-poll waits are held by the server on purpose; delaying them past the timeout would only
    // measure the wait length, so they get the other faults.
    const faults: Fault[] = req.url?.includes("/wait") ? ["503", "429", "reset-before", "reset-after"] : ["503", "429", "reset-before", "reset-after", "delay"];
    return faults[Math.floor(this.random() * faults.length)];
  }

  private handle(req: IncomingMessage, res: ServerResponse): void {
    this.requests++;
    this.log.push(`${req.method} ${req.url}`);
    const fault = this.pickFault(req);
    if (fault) this.injected[fault]++;
    if ((fault === "reset-after" || fault === "delay") && req.method !== "GET") this.lostMutationAnswers++;
    if (fault === "503" || fault === "429") {
      req.resume();
      const code = fault === "503" ? "unavailable" : "throttled";
      res.writeHead(Number(fault), { "content-type": "application/json" });
      res.end(JSON.stringify({ code, message: `injected ${fault}` }));
      return;
    }
    if (fault === "reset-before") {
      req.socket.destroy();
      return;
    }
    const upstream = request(this.opts.target + req.url, { method: req.method, headers: req.headers }, (up) => {
      const chunks: Buffer[] = [];
      up.on("data", (c) => chunks.push(c));
      up.on("end", () => {
        const send = () => {
          if (res.destroyed) return;
          res.writeHead(up.statusCode ?? 502, up.headers);
          res.end(Buffer.concat(chunks));
        };
        if (fault === "reset-after") req.socket.destroy();
        else if (fault === "delay") setTimeout(send, this.opts.delayMs);
        else send();
      });
    });
    upstream.on("error", () => req.socket.destroy());
    req.pipe(upstream);
  }
}

function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
