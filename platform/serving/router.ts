// The front endpoint of one service, in the platform process. It owns the endpoint's port (stable across
// replica restarts and rolls) but proxies nothing: it accepts each connection paused, reads not a byte,
// and hands the socket to one replica process over that replica's IPC channel (sendmsg with the file
// descriptor); the replica serves the connection from then on and keeps the service's weights per request
// (replica-routing.ts). The replica for a connection is chosen with the same weighted choice the replicas
// use per request (weighted-choice.ts): smooth WRR over the model entries, round robin within an entry.
//
// Why not an HTTP proxy: on a small machine the client, the front and the replica share the CPU, and a Node
// proxy costs about as much per request as the replica's own HTTP handling, so even a perfect one lands
// near 1.5–2× going straight to a replica. Handing the connection over costs one accept and one sendmsg
// per connection and nothing per request on keep-alive connections. What it gives up: the front can no
// longer retry a request when a replica dies mid-request (see README.md in this directory).
//
// With no replica to hand to, the front answers itself: /v2/health/*, /v2, and 503 for model routes, each
// with `connection: close` so the client's next connection is handed to a replica once one is ready.
import { createServer as createHttpServer, type IncomingMessage, type Server as HttpServer, type ServerResponse } from "node:http";
import { createServer, type Server, type Socket } from "node:net";
import { noReplicaMessage } from "./replica-routing";
import { ServiceRoutes, type RouteBackend, type RoutingTable } from "./weighted-choice";

/** A replica that can take over a client connection (ReplicaProcess). */
export interface HandOffTarget {
  id: string;
  /** False when it cannot (gone); the socket is then still the caller's. */
  handOff(socket: Socket): boolean;
}

const modelPath = /^\/v2\/models\/([^/]+)(?:\/versions\/([^/]+))?(\/.*)?$/;

function sendJson(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { "content-type": "application/json", "content-length": Buffer.byteLength(text), connection: "close" });
  res.end(text);
}

export class ServiceFront {
  private server: Server;
  /** Answers connections no replica can take (none ready). */
  private local: HttpServer;
  private routes: ServiceRoutes;
  private targets = new Map<string, HandOffTarget>();
  private readonly usable = (b: RouteBackend) => this.targets.has(b.id);
  /** Connections handed to a replica, and answered here for want of one. */
  handedOff = 0;
  answeredHere = 0;

  constructor(private readonly serviceName: string) {
    this.routes = new ServiceRoutes({ service: serviceName, entries: [], backends: [] });
    // noDelay is a socket option, so it travels with the descriptor (the replica's http server only sets it
    // on connections it accepts itself).
    this.server = createServer({ pauseOnConnect: true, noDelay: true }, (socket) => this.onConnection(socket));
    this.local = createHttpServer((req, res) => this.answer(req, res));
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

  /** The service's routing table and the replicas connections may be handed to (backends listed in the table). */
  setRoutes(table: RoutingTable, targets: HandOffTarget[]): void {
    this.routes.set(table);
    this.targets = new Map(targets.map((t) => [t.id, t]));
  }

  /** Replicas new connections can go to. */
  get replicaCount(): number {
    return this.routes.table.backends.filter(this.usable).length;
  }

  private onConnection(socket: Socket): void {
    const tried = new Set<string>();
    for (;;) {
      const b = this.routes.pick(this.serviceName, undefined, tried, undefined, this.usable);
      if (!b) break;
      if (this.targets.get(b.id)!.handOff(socket)) {
        this.handedOff++;
        return;
      }
      tried.add(b.id);
    }
    this.answeredHere++;
    this.local.emit("connection", socket);
    socket.resume();
  }

  private answer(req: IncomingMessage, res: ServerResponse): void {
    const path = (req.url ?? "/").split("?")[0];
    const replicas = this.replicaCount;
    if (req.method === "GET" && path === "/v2/health/live") return sendJson(res, 200, { live: true });
    if (req.method === "GET" && path === "/v2/health/ready") return sendJson(res, replicas > 0 ? 200 : 503, { ready: replicas > 0, replicas });
    if (req.method === "GET" && path === "/v2") return sendJson(res, 200, { name: this.serviceName, version: "1", extensions: [] });
    const m = modelPath.exec(path);
    if (!m) return sendJson(res, 404, { error: `no route ${req.method} ${path}` });
    // Drop any body unread: the connection closes after this answer anyway.
    req.resume();
    const version = m[2];
    sendJson(res, 503, { error: noReplicaMessage(this.serviceName, decodeURIComponent(m[1]), version) });
  }

  /** Stops accepting (the port is free at once); connections already handed to replicas are theirs to close. */
  async close(): Promise<void> {
    this.targets.clear();
    this.local.closeAllConnections();
    await new Promise<void>((resolve) => {
      // Node counts handed-over sockets until the replicas report them closed; stopped replicas do at once.
      const timer = setTimeout(resolve, 2000);
      this.server.close(() => {
        clearTimeout(timer);
        resolve();
      });
    });
  }
}
