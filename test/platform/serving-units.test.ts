// The serving pieces on their own: the logreg runtime, a replica process, the front's connection handoff,
// the replicas' per-request weighting, forwarding and retry, and a replica's drain.
import { createServer } from "node:net";
import { afterAll, describe, expect, it } from "vitest";
import { ReplicaProcess, liveReplicaPids } from "../../platform/serving/replica-process";
import { Agent, request } from "node:http";
import { createReplicaServer } from "../../platform/serving/replica-server";
import { ServiceFront } from "../../platform/serving/router";
import { canServe, runtimeFor } from "../../platform/serving/runtimes/index";
import { LogregModel, readLogregArtifact } from "../../platform/serving/runtimes/logreg";
import { SmoothWeightedRoundRobin, type RoutingTable } from "../../platform/serving/weighted-choice";
import { driveLoad, percentile } from "../../platform/perf/load";
import { CLASSES, expectedProbabilities, inferBody, logregArtifact, writeLogregArtifact } from "./serving-fixtures";
import { mkdtempSync, writeFileSync, mkdirSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

const started: ReplicaProcess[] = [];
async function startReplica(scale: number, version: number, modelName = "iris") {
  const r = await ReplicaProcess.start({ config: { artifactPath: writeLogregArtifact(scale), format: "logreg-json", modelName, modelVersion: version } });
  started.push(r);
  return r;
}

async function infer(port: number, name: string, body: unknown) {
  const res = await fetch(`http://127.0.0.1:${port}/v2/models/${name}/infer`, { method: "POST", body: JSON.stringify(body), headers: { "content-type": "application/json" } });
  return { status: res.status, body: (await res.json()) as any, version: res.headers.get("x-mlp-model-version") };
}

/** A POST over node:http (an explicit keep-alive agent: which connection a request uses is part of the test). */
function post(port: number, name: string, body: unknown, agent?: Agent): Promise<{ status: number; body: any; header?: string; connection?: string }> {
  const text = JSON.stringify(body);
  return new Promise((resolve, reject) => {
    const req = request({ host: "127.0.0.1", port, method: "POST", path: `/v2/models/${name}/infer`, agent, headers: { "content-type": "application/json", "content-length": Buffer.byteLength(text) } }, (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (c: Buffer) => chunks.push(c));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, body: JSON.parse(Buffer.concat(chunks).toString("utf8")), header: res.headers["x-mlp-model-version"] as string | undefined, connection: res.headers.connection }));
    });
    req.on("error", reject);
    req.end(text);
  });
}

afterAll(async () => {
  await Promise.all(started.map((r) => r.stop()));
  expect(liveReplicaPids()).toEqual([]);
});

describe("logreg-json runtime", () => {
  it("predicts the softmax of the standardised linear scores", async () => {
    const model = (await runtimeFor("logreg-json").load(writeLogregArtifact(2))) as LogregModel;
    const rows = [[3, 0, 0, 0], [0, 0, 1, 1], [0.2, -0.4, 0.1, 0]];
    const p = model.predict(Float32Array.from(rows.flat()), rows.length);
    expect(p.labels).toEqual(["setosa", "virginica", CLASSES[expectedProbabilities(rows[2], 2).reduce((b, v, i, a) => (v > a[b] ? i : b), 0)]]);
    rows.forEach((row, r) => {
      const want = expectedProbabilities(row, 2);
      want.forEach((w, k) => expect(p.probabilities[r * 3 + k]).toBeCloseTo(w, 5));
    });
  });

  it("reads model.json from a directory artifact and standardises with mean/std", async () => {
    const dir = mkdtempSync(join(tmpdir(), "mlp-dir-"));
    mkdirSync(join(dir, "out"));
    writeFileSync(join(dir, "out", "model.json"), JSON.stringify({ ...logregArtifact(1), mean: [10, 0, 0, 0], std: [2, 1, 1, 1] }));
    const model = (await runtimeFor("logreg-json").load(join(dir, "out"))) as LogregModel;
    // (10 - 10) / 2 = 0 for feature 0, so the row [10, 0, 0, 0] scores like zeros.
    const p = model.predict(Float32Array.from([10, 0, 0, 0]), 1);
    expect(p.labels).toEqual(["versicolor"]);
  });

  it("refuses inconsistent artifacts naming the property", async () => {
    const dir = mkdtempSync(join(tmpdir(), "mlp-bad-"));
    const file = join(dir, "m.json");
    writeFileSync(file, JSON.stringify({ ...logregArtifact(1), weights: [[1, 0, 0, 0], [1], [0, 0, 1, 0]] }));
    await expect(readLogregArtifact(file)).rejects.toThrow(/weights\.1: has 1 entries, expected 4/);
    writeFileSync(file, JSON.stringify({ ...logregArtifact(1), std: [1, 0, 1, 1] }));
    await expect(readLogregArtifact(file)).rejects.toThrow(/std\.1: must be > 0/);
  });

  it("knows which formats it serves", () => {
    expect(canServe("logreg-json")).toBe(true);
    expect(canServe("onnx")).toBe(true);
    expect(canServe("pmml")).toBe(false);
    expect(() => runtimeFor("pmml")).toThrow(/no local runtime serves model format "pmml" \(servable: logreg-json, onnx\)/);
  });
});

describe("replica process", () => {
  it("serves KServe v2 metadata, health and predictions, and rejects bad tensors with 400", async () => {
    const r = await startReplica(1, 7);
    const base = `http://127.0.0.1:${r.port}`;
    expect((await fetch(`${base}/v2/health/ready`)).status).toBe(200);
    const meta = (await (await fetch(`${base}/v2/models/iris`)).json()) as any;
    expect(meta).toMatchObject({ name: "iris", versions: ["7"], inputs: [{ datatype: "FP32", shape: [-1, 4] }] });

    const ok = await infer(r.port, "iris", { id: "q1", ...inferBody([[0, 5, 0, 0], [5, 0, 0, 0]]) });
    expect(ok.status).toBe(200);
    expect(ok.body).toMatchObject({ model_name: "iris", model_version: "7", id: "q1" });
    expect(ok.body.outputs[0]).toEqual({ name: "label", datatype: "BYTES", shape: [2], data: ["versicolor", "setosa"] });
    expect(ok.body.outputs[1]).toMatchObject({ name: "probabilities", datatype: "FP32", shape: [2, 3] });
    expectedProbabilities([0, 5, 0, 0]).forEach((w, k) => expect(ok.body.outputs[1].data[k]).toBeCloseTo(w, 5));

    const wrongWidth = await infer(r.port, "iris", inferBody([[1, 2, 3]]));
    expect(wrongWidth.status).toBe(400);
    expect(wrongWidth.body.error).toMatch(/shape\[1\] must be 4/);
    const wrongCount = await infer(r.port, "iris", { inputs: [{ name: "input", datatype: "FP32", shape: [2, 4], data: [1, 2, 3, 4] }] });
    expect(wrongCount.body.error).toMatch(/data has 4 values, shape \[2, 4\] needs 8/);
    const wrongType = await infer(r.port, "iris", { inputs: [{ name: "input", datatype: "BYTES", shape: [1, 4], data: ["a", "b", "c", "d"] }] });
    expect(wrongType.body.error).toMatch(/datatype must be FP32/);
    const nan = await infer(r.port, "iris", { inputs: [{ name: "input", datatype: "FP32", shape: [1, 4], data: [1, "x", 3, 4] }] });
    expect(nan.body.error).toMatch(/data\[1\] must be a finite number/);
    expect((await infer(r.port, "other", inferBody([[1, 2, 3, 4]]))).status).toBe(404);

    const pid = r.pid!;
    await r.stop();
    expect(() => process.kill(pid, 0)).toThrow();
  });

  it("exits by itself when the platform process dies (no orphans even on SIGKILL)", async () => {
    // A stand-in platform: a plain node process that spawns a replica with an IPC channel, prints its pid.
    const { spawn } = await import("node:child_process");
    const { join } = await import("node:path");
    const dir = join(__dirname, "../../platform/serving");
    const parentScript = `
      const { spawn } = require("node:child_process");
      const child = spawn(process.execPath, ["--no-warnings", "--import", ${JSON.stringify(join(dir, "ts-source-hook.mjs"))}, ${JSON.stringify(join(dir, "replica.ts"))},
        ${JSON.stringify(JSON.stringify({ artifactPath: writeLogregArtifact(1), format: "logreg-json", modelName: "iris", modelVersion: 1 }))}], { stdio: ["ignore", "ignore", "inherit", "ipc"] });
      child.on("message", (m) => { if (m.type === "ready") console.log(child.pid); });`;
    const parent = spawn(process.execPath, ["-e", parentScript], { stdio: ["ignore", "pipe", "inherit"] });
    const replicaPid = await new Promise<number>((resolve) => parent.stdout!.once("data", (d: Buffer) => resolve(Number(d.toString().trim()))));
    expect(() => process.kill(replicaPid, 0)).not.toThrow();
    parent.kill("SIGKILL");
    await expect.poll(() => { try { process.kill(replicaPid, 0); return "alive"; } catch { return "gone"; } }, { timeout: 5000 }).toBe("gone");
  });

  it("reports why a replica cannot start", async () => {
    await expect(ReplicaProcess.start({ config: { artifactPath: "/nonexistent/model.json", format: "logreg-json", modelName: "iris", modelVersion: 1 } })).rejects.toThrow(
      /replica of model "iris" version 1 did not start: .*nonexistent/,
    );
  });
});

describe("router", () => {
  it("smooth weighted round robin spreads 80/20 evenly", () => {
    const wrr = new SmoothWeightedRoundRobin<string>();
    const picks = Array.from({ length: 50 }, () => wrr.pick([{ key: "a", weight: 80 }, { key: "b", weight: 20 }]));
    expect(picks.filter((p) => p === "b")).toHaveLength(10);
    // never two "b" in a row at 80/20
    expect(picks.join("")).not.toMatch(/bb/);
  });

  it("the front hands each connection to a replica: the replicas keep the 75/25 weights per request", async () => {
    const [v1, v2] = await Promise.all([startReplica(1, 1), startReplica(3, 2)]);
    const front = new ServiceFront("svc");
    const port = await front.listen();
    try {
      const table: RoutingTable = {
        service: "svc",
        entries: [{ key: "0", weight: 75 }, { key: "1", weight: 25 }],
        backends: [
          { id: v1.id, port: v1.port, entry: "0", modelName: "iris", modelVersion: 1 },
          { id: v2.id, port: v2.port, entry: "1", modelName: "iris", modelVersion: 2 },
        ],
      };
      for (const r of [v1, v2]) r.setRoutes(table);
      front.setRoutes(table, [v1, v2]);
      // One keep-alive connection: the front sees it once, every request after that is the replica's.
      const agent = new Agent({ keepAlive: true, maxSockets: 1 });
      const counts: Record<string, number> = {};
      for (let i = 0; i < 200; i++) {
        const res = await post(port, i % 2 ? "iris" : "svc", inferBody([[1, 1, 1, 1]]), agent);
        expect(res.status).toBe(200);
        expect(res.header).toBe(res.body.model_version);
        counts[res.body.model_version] = (counts[res.body.model_version] ?? 0) + 1;
      }
      expect(front.handedOff).toBe(1);
      expect(counts).toEqual({ "1": 150, "2": 50 });
      expect((await post(port, "iris/versions/2", inferBody([[1, 1, 1, 1]]), agent)).body.model_version).toBe("2");
      const unknown = await post(port, "unknown", inferBody([[1, 1, 1, 1]]), agent);
      expect(unknown.status).toBe(404);
      expect(unknown.body.error).toMatch(/does not serve model "unknown" \(it serves "iris"\)/);
      expect((await post(port, "iris/versions/9", inferBody([[1, 1, 1, 1]]), agent)).status).toBe(503);
      const big = await post(port, "iris", { inputs: [{ name: "input", datatype: "FP32", shape: [1, 4], data: [1, 2, 3, 4] }], pad: "x".repeat(9 * 1024 * 1024) }, agent);
      expect(big.status).toBe(413);
      expect(front.handedOff).toBe(1);
      agent.destroy();
    } finally {
      await front.close();
    }
  });

  it("a replica forwards the other entry's turns and retries a dead peer on another replica", async () => {
    const v2 = await startReplica(3, 2);
    const dead = createServer();
    await new Promise<void>((r) => dead.listen(0, "127.0.0.1", () => r()));
    const deadPort = (dead.address() as { port: number }).port;
    await new Promise<void>((r) => dead.close(() => r()));
    const here = createReplicaServer({ model: await runtimeFor("logreg-json").load(writeLogregArtifact(1)), modelName: "iris", modelVersion: 1, format: "logreg-json" });
    here.routing.setTable(
      {
        service: "svc",
        entries: [{ key: "0", weight: 80 }, { key: "1", weight: 20 }],
        backends: [
          { id: "here", port: 0, entry: "0", modelName: "iris", modelVersion: 1 },
          { id: "dead", port: deadPort, entry: "1", modelName: "iris", modelVersion: 2 },
          { id: v2.id, port: v2.port, entry: "1", modelName: "iris", modelVersion: 2 },
        ],
      },
      "here",
    );
    await new Promise<void>((r) => here.server.listen(0, "127.0.0.1", () => r()));
    const port = (here.server.address() as { port: number }).port;
    try {
      const versions: string[] = [];
      for (let i = 0; i < 100; i++) {
        const res = await post(port, "iris", inferBody([[1, 1, 1, 1]]));
        expect(res.status).toBe(200);
        versions.push(res.body.model_version);
      }
      // Smooth WRR: 80/20 holds in every window of ten, never two forwards in a row.
      for (let i = 0; i < 100; i += 10) expect(versions.slice(i, i + 10).filter((v) => v === "2")).toHaveLength(2);
      expect(here.routing.forwarded).toBeGreaterThanOrEqual(20);
      expect(here.routing.retries).toBeGreaterThan(0);
      // A forwarded request (hop header) is served where it lands, not weighed again.
      const hop = await fetch(`http://127.0.0.1:${port}/v2/models/iris/infer`, { method: "POST", body: JSON.stringify(inferBody([[1, 1, 1, 1]])), headers: { "x-mlp-hop": "1" } });
      expect(hop.headers.get("x-mlp-model-version")).toBe("1");
    } finally {
      here.routing.close();
      here.server.closeAllConnections();
      await new Promise<void>((r) => here.server.close(() => r()));
    }
  });

  it("with no replica the front answers health and 503 itself and closes the connection; the next one is handed over", async () => {
    const front = new ServiceFront("svc");
    const port = await front.listen();
    try {
      const ready = await fetch(`http://127.0.0.1:${port}/v2/health/ready`);
      expect(ready.status).toBe(503);
      expect(await ready.json()).toEqual({ ready: false, replicas: 0 });
      const agent = new Agent({ keepAlive: true, maxSockets: 1 });
      const none = await post(port, "iris", inferBody([[1, 1, 1, 1]]), agent);
      expect(none.status).toBe(503);
      expect(none.body.error).toMatch(/service "svc" has no ready replica for model "iris"/);
      expect(none.connection).toBe("close");
      const r = await startReplica(1, 1);
      const table: RoutingTable = { service: "svc", entries: [{ key: "0", weight: 100 }], backends: [{ id: r.id, port: r.port, entry: "0", modelName: "iris", modelVersion: 1 }] };
      r.setRoutes(table);
      front.setRoutes(table, [r]);
      expect((await post(port, "iris", inferBody([[1, 1, 1, 1]]), agent)).status).toBe(200);
      expect(front.answeredHere).toBe(2);
      expect(front.handedOff).toBe(1);
      expect((await (await fetch(`http://127.0.0.1:${port}/v2/health/ready`)).json())).toMatchObject({ ready: true, replicas: 1 });
      agent.destroy();
    } finally {
      await front.close();
    }
  });

  it("a draining replica says connection: close on its next answers, closes idle connections after the grace, then reports none left", async () => {
    const here = createReplicaServer({ model: await runtimeFor("logreg-json").load(writeLogregArtifact(1)), modelName: "iris", modelVersion: 1, format: "logreg-json" });
    await new Promise<void>((r) => here.server.listen(0, "127.0.0.1", () => r()));
    const port = (here.server.address() as { port: number }).port;
    const busy = new Agent({ keepAlive: true, maxSockets: 1 });
    const idle = new Agent({ keepAlive: true, maxSockets: 1 });
    try {
      expect((await post(port, "iris", inferBody([[1, 1, 1, 1]]), busy)).connection).not.toBe("close");
      expect((await post(port, "iris", inferBody([[1, 1, 1, 1]]), idle)).status).toBe(200);
      expect(here.connections()).toBe(2);
      const t0 = Date.now();
      const drained = here.drain({ graceMs: 300 });
      const last = await post(port, "iris", inferBody([[1, 1, 1, 1]]), busy);
      expect(last.status).toBe(200);
      expect(last.connection).toBe("close");
      expect(await drained).toMatchObject({ left: 0, closedIdle: 1 });
      expect(Date.now() - t0).toBeGreaterThanOrEqual(250);
      expect(here.connections()).toBe(0);
    } finally {
      busy.destroy();
      idle.destroy();
      await new Promise<void>((r) => here.server.close(() => r()));
    }
  });

  it("a drain sent while handed-over connections still await their IPC ack reaches the replica: it resolves only once they are gone", async () => {
    const r = await startReplica(1, 1);
    r.setRoutes({ service: "svc", entries: [{ key: "0", weight: 100 }], backends: [{ id: r.id, port: r.port, entry: "0", modelName: "iris", modelVersion: 1 }] });
    const accepted: import("node:net").Socket[] = [];
    const front = createServer({ pauseOnConnect: true }, (s) => {
      accepted.push(s);
      if (accepted.length === 1) r.handOff(s);
    });
    await new Promise<void>((res) => front.listen(0, "127.0.0.1", () => res()));
    const port = (front.address() as { port: number }).port;
    const idle = new Agent({ keepAlive: true, maxSockets: 1 });
    const busy = new Agent({ keepAlive: true, maxSockets: 4 });
    try {
      // One connection answered and left idle, then four with a request waiting in the accept queue.
      expect((await post(port, "iris", inferBody([[1, 1, 1, 1]]), idle)).status).toBe(200);
      const answers = Array.from({ length: 4 }, () => post(port, "iris", inferBody([[1, 1, 1, 1]]), busy));
      await expect.poll(() => accepted.length).toBe(5);
      // Handles go one at a time (each waits for the replica's ack): the drain message queues behind them,
      // and child.send reports that backpressure as `false`, which must not read as "replica gone".
      for (const s of accepted.slice(1)) expect(r.handOff(s)).toBe(true);
      const t0 = Date.now();
      const d = await r.drain({ graceMs: 300 });
      expect(Date.now() - t0).toBeGreaterThanOrEqual(250);
      expect(d).toMatchObject({ left: 0 });
      expect(d.closedIdle).toBeGreaterThanOrEqual(1);
      expect((await Promise.all(answers)).map((a) => a.status)).toEqual([200, 200, 200, 200]);
    } finally {
      idle.destroy();
      busy.destroy();
      await new Promise<void>((res) => front.close(() => res()));
    }
  });

  it("drives closed-loop load and reports percentiles", async () => {
    const r = await startReplica(1, 1);
    const summary = await driveLoad({ url: `http://127.0.0.1:${r.port}/v2/models/iris/infer`, body: JSON.stringify(inferBody([[0, 0, 0, 0]])), concurrency: 2, durationMs: 500 });
    expect(summary.requests).toBeGreaterThan(20);
    expect(summary.errors).toBe(0);
    expect(summary.p50Ms!).toBeLessThanOrEqual(summary.p90Ms!);
    expect(summary.p90Ms!).toBeLessThanOrEqual(summary.p99Ms!);
    expect(Math.abs(summary.throughput - summary.requests / summary.elapsedSeconds)).toBeLessThan(summary.throughput * 0.01);
    expect(percentile([1, 2, 3, 4, 5, 6, 7, 8, 9, 10], 90)).toBe(9);
  });
});
