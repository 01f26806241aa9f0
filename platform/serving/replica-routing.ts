// The per-request half of a service's routing, inside each replica. The front endpoint hands whole
// connections to replicas (router.ts), so the weights between a service's model entries are kept here:
// for every request the replica runs the service's smooth weighted round robin (weighted-choice.ts, the
// same code the front uses) over its copy of the routing table; when the chosen entry is its own it
// serves locally, otherwise it forwards to a peer replica of that entry over keep-alive (one hop), and a
// forward whose connection fails is retried once on another replica (inference is pure, so that is safe).
// A single-entry service (the common case) never forwards.
import { Agent, request as httpRequest, type IncomingMessage, type ServerResponse } from "node:http";
import { ServiceRoutes, type RouteBackend, type RoutingTable } from "./weighted-choice";

/** Marks a request forwarded by a peer: serve it here if it fits, the weights were applied already. */
export const HOP_HEADER = "x-mlp-hop";

export type Decision = { kind: "local" } | { kind: "forward"; backend: RouteBackend } | { kind: "refuse"; status: number; error: string };

const LOCAL: Decision = { kind: "local" };

/** The 503 a request gets when no replica can answer it: from a replica, or from the front before any is ready. */
export function noReplicaMessage(service: string, modelName: string, version: string | undefined): string {
  return `service "${service}" has no ready replica${version ? ` of version ${version}` : ""} for model "${modelName}"`;
}

function noReplica(service: string, modelName: string, version: string | undefined): Decision {
  return { kind: "refuse", status: 503, error: noReplicaMessage(service, modelName, version) };
}

interface Peer {
  agent: Agent;
  inFlight: number;
  retired: boolean;
}

export class ReplicaRouting {
  private routes?: ServiceRoutes;
  private self?: string;
  private ownEntry?: string;
  private peers = new Map<string, Peer>();
  /** Requests forwarded to a peer replica, and forwards retried on another after a connection failure. */
  forwarded = 0;
  retries = 0;

  private readonly own: { modelName: string; modelVersion: number };

  constructor(own: { modelName: string; modelVersion: number }) {
    this.own = own;
  }

  /** A new table from the fleet; `self` is this replica's id in it. Peers no longer listed are let go. */
  setTable(table: RoutingTable, self: string): void {
    if (this.routes) this.routes.set(table);
    else this.routes = new ServiceRoutes(table);
    this.self = self;
    this.ownEntry = table.backends.find((b) => b.id === self)?.entry ?? this.ownEntry;
    const listed = new Set(table.backends.map((b) => b.id));
    for (const [id, peer] of this.peers) {
      if (listed.has(id)) continue;
      this.peers.delete(id);
      peer.retired = true;
      if (peer.inFlight === 0) peer.agent.destroy();
    }
  }

  get table(): RoutingTable | undefined {
    return this.routes?.table;
  }

  private fitsHere(modelName: string, version: string | undefined): boolean {
    return (modelName === this.own.modelName || modelName === this.routes?.service) && (version === undefined || version === String(this.own.modelVersion));
  }

  /** Where a request on `modelName` (optionally pinned to `version`) goes. */
  decide(modelName: string, version: string | undefined, hop: boolean): Decision {
    const routes = this.routes;
    const fits = this.fitsHere(modelName, version);
    if (!routes) {
      // A replica on its own (perf jobs, tests): it answers for its model only.
      if (modelName !== this.own.modelName) return { kind: "refuse", status: 404, error: `model "${modelName}" is not served here (this replica serves "${this.own.modelName}")` };
      if (!fits) return { kind: "refuse", status: 404, error: `model "${modelName}" version ${version} is not served here (this replica serves version ${this.own.modelVersion})` };
      return LOCAL;
    }
    if (fits && (hop || routes.table.entries.length === 1)) return LOCAL;
    if (!routes.knows(modelName)) {
      const names = routes.modelNames();
      return { kind: "refuse", status: 404, error: `service "${routes.service}" does not serve model "${modelName}" (it serves ${names.map((n) => `"${n}"`).join(", ")})` };
    }
    const eligible = routes.eligible(modelName, version);
    if (eligible.length === 0) {
      return fits ? LOCAL : noReplica(routes.service, modelName, version);
    }
    const entry = routes.pickEntry(eligible);
    if (fits && entry !== undefined && entry === this.ownEntry) return LOCAL;
    const backend = routes.pickIn(entry, eligible.filter((b) => b.id !== this.self));
    if (!backend) return fits ? LOCAL : noReplica(routes.service, modelName, version);
    return { kind: "forward", backend };
  }

  private peer(id: string): Peer {
    let p = this.peers.get(id);
    if (!p) {
      // A timeout makes node's agent honour the peer's `Keep-Alive: timeout` hint (it drops idle sockets 1 s
      // before the peer would), so forwards do not race the peer closing an idle connection.
      p = { agent: new Agent({ keepAlive: true, maxSockets: 64, timeout: 30_000 }), inFlight: 0, retired: false };
      this.peers.set(id, p);
    }
    return p;
  }

  /**
   * Sends `body` to `backend` and pipes its answer into `res`. `respond` writes a local answer (a retry
   * that lands on this replica, or an error); `finishHeaders` adds this hop's headers (connection: close
   * while draining).
   */
  forward(
    req: IncomingMessage,
    res: ServerResponse,
    body: Buffer,
    target: { modelName: string; version: string | undefined; rest: string; query: string },
    backend: RouteBackend,
    respond: { local(): void; error(status: number, message: string): void; headers(h: Record<string, string>): Record<string, string> },
    tried = new Set<string>(),
  ): void {
    tried.add(backend.id);
    this.forwarded++;
    const peer = this.peer(backend.id);
    peer.inFlight++;
    let finished = false;
    const done = () => {
      if (finished) return;
      finished = true;
      peer.inFlight--;
      if (peer.retired && peer.inFlight === 0) peer.agent.destroy();
    };
    const versionPart = target.version === undefined ? "" : `/versions/${target.version}`;
    const upstream = httpRequest(
      {
        host: "127.0.0.1",
        port: backend.port,
        method: req.method,
        path: `/v2/models/${encodeURIComponent(backend.modelName)}${versionPart}${target.rest}${target.query}`,
        agent: peer.agent,
        headers: { "content-type": req.headers["content-type"] ?? "application/json", "content-length": body.length, [HOP_HEADER]: "1" },
        timeout: 30_000,
      },
      (upstreamRes) => {
        // Only end-to-end headers: connection handling is per hop.
        const headers: Record<string, string> = {};
        for (const h of ["content-type", "content-length", "x-mlp-model-version"] as const) {
          const v = upstreamRes.headers[h];
          if (typeof v === "string") headers[h] = v;
        }
        res.writeHead(upstreamRes.statusCode ?? 502, respond.headers(headers));
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
      if (tried.size === 1 && this.routes) {
        this.retries++;
        const next = this.routes.pick(target.modelName, target.version, tried, backend.entry);
        if (next && next.id !== this.self) return this.forward(req, res, body, target, next, respond, tried);
        if (this.fitsHere(target.modelName, target.version)) return respond.local();
      }
      respond.error(502, `replica failed: ${err.message}`);
    });
    upstream.end(body);
  }

  close(): void {
    for (const p of this.peers.values()) p.agent.destroy();
    this.peers.clear();
  }
}
