// The serving pieces on their own: the logreg runtime, a replica process, the router's weighting and retry.
import { createServer } from "node:net";
import { afterAll, describe, expect, it } from "vitest";
import { ReplicaProcess, liveReplicaPids } from "../../platform/serving/replica-process";
import { ServiceRouter } from "../../platform/serving/router";
import { canServe, runtimeFor } from "../../platform/serving/runtimes/index";
import { LogregModel, readLogregArtifact } from "../../platform/serving/runtimes/logreg";
import { SmoothWeightedRoundRobin } from "../../platform/serving/weighted-choice";
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

afterAll(async () => {
  await Promise.all(started.map((r) => r.stop()));
  expect(liveReplicaPids()).toEqual([]);
});

describe("logreg-json runtime", () => {
  it("predicts the softmax of the standardised linear scores", async () => {
    const model = await runtimeFor("logreg-json").load(writeLogregArtifact(2));
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

  it("splits traffic by weight across versions and retries a dead replica elsewhere", async () => {
    const [v1, v2] = await Promise.all([startReplica(1, 1), startReplica(3, 2)]);
    const router = new ServiceRouter("svc");
    const port = await router.listen();
    try {
      expect((await fetch(`http://127.0.0.1:${port}/v2/health/ready`)).status).toBe(503);
      router.setGroups([{ key: "0", weight: 75 }, { key: "1", weight: 25 }]);
      router.addBackend({ id: v1.id, port: v1.port, group: "0", modelName: "iris", modelVersion: 1 });
      router.addBackend({ id: v2.id, port: v2.port, group: "1", modelName: "iris", modelVersion: 2 });
      // A replica whose port refuses connections: requests routed to it must be retried on another.
      const dead = createServer();
      await new Promise<void>((r) => dead.listen(0, "127.0.0.1", () => r()));
      const deadPort = (dead.address() as { port: number }).port;
      await new Promise<void>((r) => dead.close(() => r()));
      router.addBackend({ id: "dead", port: deadPort, group: "0", modelName: "iris", modelVersion: 1 });

      const counts: Record<string, number> = {};
      for (let i = 0; i < 200; i++) {
        const res = await infer(port, i % 2 ? "iris" : "svc", inferBody([[1, 1, 1, 1]]));
        expect(res.status).toBe(200);
        counts[res.body.model_version] = (counts[res.body.model_version] ?? 0) + 1;
      }
      expect(counts["2"]).toBe(50);
      expect(counts["1"]).toBe(150);
      expect(router.retries).toBeGreaterThan(0);

      const pinned = await infer(port, "iris/versions/2", inferBody([[1, 1, 1, 1]]));
      expect(pinned.body.model_version).toBe("2");
      expect((await infer(port, "unknown", inferBody([[1, 1, 1, 1]]))).status).toBe(404);
    } finally {
      await router.close();
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
