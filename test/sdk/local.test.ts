// The local driver against a scripted HTTP server: retries (status, reset, timeout), Retry-After, the
// headers that make retries safe, and the mapping of ApiError bodies to typed errors.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { ConflictError, InvalidError, LocalPlatform, NotFoundError, PreconditionFailedError, UnavailableError } from "../../sdk";

type Step = (req: IncomingMessage, res: ServerResponse, body: string) => void;
let server: Server | undefined;
const seen: { method: string; url: string; headers: IncomingMessage["headers"]; body: string; at: number }[] = [];

async function serve(steps: Step[]): Promise<LocalPlatform> {
  seen.length = 0;
  let i = 0;
  server = createServer((req, res) => {
    let body = "";
    req.on("data", (d) => (body += d));
    req.on("end", () => {
      seen.push({ method: req.method!, url: req.url!, headers: req.headers, body, at: Date.now() });
      const step = steps[Math.min(i++, steps.length - 1)];
      step(req, res, body);
    });
  });
  await new Promise<void>((r) => server!.listen(0, "127.0.0.1", r));
  const port = (server.address() as AddressInfo).port;
  return new LocalPlatform({ endpoint: `http://127.0.0.1:${port}`, token: "secret-token", requestTimeoutMs: 500, retryBaseMs: 20, retryMaxMs: 100 });
}

const json = (status: number, body: unknown, headers: Record<string, string> = {}): Step => (_req, res) => {
  res.writeHead(status, { "content-type": "application/json", ...headers });
  res.end(JSON.stringify(body));
};
const reset: Step = (req) => req.socket.destroy();
/** An answer that promises 100 bytes and stops after 10: the connection drops mid-body. */
const cutMidBody: Step = (req, res) => {
  res.writeHead(200, { "content-type": "application/json", "content-length": "100" });
  res.write(JSON.stringify(obj).slice(0, 10));
  setTimeout(() => req.socket.destroy(), 20);
};
const hang: Step = () => {};

afterEach(async () => {
  if (!server) return;
  server.closeAllConnections();
  await new Promise((r) => server!.close(r));
  server = undefined;
});

const obj = { id: "ds-1", name: "ds", etag: "e1", status: "Ready" };

describe("LocalPlatform", () => {
  it("retries a POST through 503, 429 and a reset with the same Idempotency-Key and bearer token", async () => {
    const p = await serve([json(503, { code: "unavailable", message: "busy" }), json(429, { code: "throttled", message: "slow down" }), reset, json(201, obj)]);
    const created = await p.datasets.create({ name: "ds", format: "csv", source: "a.csv" }, { idempotencyKey: "k-123" });
    expect(created).toEqual(obj);
    expect(seen.map((s) => s.method)).toEqual(["POST", "POST", "POST", "POST"]);
    expect(new Set(seen.map((s) => s.headers["idempotency-key"]))).toEqual(new Set(["k-123"]));
    expect(seen.every((s) => s.headers.authorization === "Bearer secret-token")).toBe(true);
    expect(p.stats.retries).toBe(3);
  });

  it("honours Retry-After", async () => {
    const p = await serve([json(429, { code: "throttled", message: "wait" }, { "retry-after": "1" }), json(200, obj)]);
    await p.datasets.get("ds-1");
    expect(seen[1].at - seen[0].at).toBeGreaterThanOrEqual(950);
  });

  it("retries a request that outlives its timeout", async () => {
    const p = await serve([hang, json(200, obj)]);
    expect(await p.datasets.get("ds-1")).toEqual(obj);
    expect(p.stats.retriesByReason.ETIMEDOUT).toBe(1);
  });

  it("retries a 408 and an answer cut off mid-body, and counts each by its reason", async () => {
    const p = await serve([json(408, { code: "internal", message: "request timeout" }), cutMidBody, json(200, obj)]);
    expect(await p.datasets.get("ds-1")).toEqual(obj);
    expect(seen.length).toBe(3);
    expect(p.stats.retriesByReason).toEqual({ "408": 1, ECONNRESET: 1 });
    expect(p.stats.requests).toBe(3);
  });

  it("honours a Retry-After given as an HTTP date", async () => {
    const at = new Date(Date.now() + 2000).toUTCString(); // whole seconds: 1–2 s from now
    const p = await serve([json(503, { code: "unavailable", message: "restarting" }, { "retry-after": at }), json(200, obj)]);
    await p.datasets.get("ds-1");
    expect(seen[1].at - seen[0].at).toBeGreaterThanOrEqual(900);
  });

  it("sends If-Match on PATCH and maps 412", async () => {
    const p = await serve([json(412, { code: "precondition_failed", message: "etag mismatch" })]);
    await expect(p.datasets.update("ds-1", { description: "x" }, { ifMatch: "e0" })).rejects.toBeInstanceOf(PreconditionFailedError);
    expect(seen[0].headers["if-match"]).toBe("e0");
    expect(JSON.parse(seen[0].body)).toEqual({ description: "x" });
  });

  it("maps ApiError bodies to typed errors with the field path", async () => {
    const p = await serve([
      json(422, { code: "invalid", message: "source is outside the allowed roots", field: "source" }),
      json(404, { code: "not_found", message: "no such dataset" }),
      json(409, { code: "conflict", message: "name taken" }),
    ]);
    const invalid = await p.datasets.create({ name: "ds", format: "csv", source: "/etc" }, { idempotencyKey: "k" }).catch((e) => e);
    expect(invalid).toBeInstanceOf(InvalidError);
    expect(invalid.field).toBe("source");
    expect(invalid.message).toMatch(/allowed roots/);
    await expect(p.datasets.get("ds-x")).rejects.toBeInstanceOf(NotFoundError);
    await expect(p.datasets.create({ name: "ds", format: "csv", source: "a" }, { idempotencyKey: "k2" })).rejects.toBeInstanceOf(ConflictError);
  });

  it("gives up with UnavailableError after the retry limit", async () => {
    const p = await serve([json(503, { code: "unavailable", message: "down" })]);
    await expect(p.datasets.get("ds-1")).rejects.toBeInstanceOf(UnavailableError);
    expect(seen.length).toBe(7);
  });

  it("passes list filters and the wait long-poll parameters", async () => {
    const p = await serve([json(200, { items: [obj], nextPageToken: "n" }), json(200, { items: [] }), json(200, obj)]);
    const all = await p.datasets.listAll({ tag: { key: "mlplatform/urn", value: "p/s/Dataset/ds" } });
    expect(all).toEqual([obj]);
    expect(seen[0].url).toContain("tag=mlplatform%2Furn%3Dp%2Fs%2FDataset%2Fds");
    expect(seen[1].url).toContain("pageToken=n");
    await p.datasets.wait("ds-1", "e1", 250);
    expect(seen[2].url).toBe("/v1/datasets/ds-1/wait?etag=e1&timeoutMs=250");
  });
});

describe("LocalPlatform without a server", () => {
  it("retries a refused connection, then reports the platform unavailable", async () => {
    const probe = createServer();
    await new Promise<void>((r) => probe.listen(0, "127.0.0.1", r));
    const port = (probe.address() as AddressInfo).port;
    await new Promise((r) => probe.close(r));
    const p = new LocalPlatform({ endpoint: `http://127.0.0.1:${port}`, token: "t", retryLimit: 3, retryBaseMs: 10, retryMaxMs: 20 });
    const e = await p.flavors().catch((err) => err);
    expect(e).toBeInstanceOf(UnavailableError);
    expect(e.message).toMatch(/ECONNREFUSED/);
    expect(p.stats.retriesByReason.ECONNREFUSED).toBe(3);
  });
});
