// ONNX models on the local platform (issue 17): registration loads the file with ONNX Runtime and records
// its signature, refusing corrupt, mis-declared and unsupported files; replicas serve FP32, INT64 and BYTES
// tensors and batches over KServe v2, through the service endpoint too, and a request that does not fit the
// signature is a 400 naming the input. The models are built by scikit-learn/skl2onnx and onnx.helper in the
// cached Python environment (onnx-fixtures.ts).
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ReplicaProcess } from "../../platform/serving/replica-process";
import { startTestPlatform, waitUntil, type TestPlatform } from "./helpers";
import { makeOnnxFixtures, type OnnxFixtures } from "./onnx-fixtures";
import { logregArtifact } from "./serving-fixtures";

let p: TestPlatform;
let fx: OnnxFixtures;
const replicas: ReplicaProcess[] = [];

beforeAll(async () => {
  p = await startTestPlatform();
  fx = await makeOnnxFixtures(join(p.root, "onnx"));
}, 900_000);
afterAll(async () => {
  await Promise.all(replicas.map((r) => r.stop()));
  await p?.close();
});

const count = async () => (await p.api("GET", "/v1/models?limit=200")).body.items.length;

async function replica(artifactPath: string, modelName: string): Promise<string> {
  const r = await ReplicaProcess.start({ config: { artifactPath, format: "onnx", modelName, modelVersion: 1 } });
  replicas.push(r);
  return `http://127.0.0.1:${r.port}`;
}

async function infer(base: string, name: string, body: unknown) {
  const res = await fetch(`${base}/v2/models/${name}/infer`, { method: "POST", body: JSON.stringify(body), headers: { "content-type": "application/json" } });
  return { status: res.status, body: (await res.json()) as any };
}

describe("registering ONNX models", () => {
  it("loads a scikit-learn model and records its signature in the version", async () => {
    const r = await p.api("POST", "/v1/models", { name: "iris-onnx", source: fx.irisLogreg, format: "onnx", framework: "scikit-learn" });
    expect(r.status).toBe(201);
    expect(r.body).toMatchObject({ format: "onnx", latestVersion: 1, status: "Ready" });
    const v1 = (await p.api("GET", `/v1/models/${r.body.id}/versions/1`)).body;
    expect(v1.inputs).toEqual([{ name: "input", datatype: "FP32", shape: [-1, 4] }]);
    expect(v1.outputs).toEqual([
      { name: "label", datatype: "BYTES", shape: [-1] },
      { name: "probabilities", datatype: "FP32", shape: [-1, 3] },
    ]);
    const strings = await p.api("POST", "/v1/models", { name: "strings-onnx", source: fx.strings, format: "onnx" });
    expect(strings.status).toBe(201);
    expect((await p.api("GET", `/v1/models/${strings.body.id}/versions/1`)).body.inputs).toEqual([{ name: "words", datatype: "BYTES", shape: [-1] }]);
  });

  it("refuses a corrupt file, a wrong declared format, a non-tensor output and a wrong declared signature, writing nothing", async () => {
    const before = await count();
    writeFileSync(join(p.root, "corrupt.onnx"), Buffer.from("this is not a protobuf \x00\x01\x02"));
    const corrupt = await p.api("POST", "/v1/models", { name: "corrupt", source: "corrupt.onnx", format: "onnx" });
    expect(corrupt.status).toBe(422);
    expect(corrupt.body.field).toBe("source");
    expect(corrupt.body.message).toMatch(/source "corrupt.onnx" cannot be served as format "onnx": ONNX Runtime cannot load it/);
    expect(corrupt.body.message).not.toContain(p.dataDir);
    const bytes = readFileSync(fx.irisLogreg);
    writeFileSync(join(p.root, "truncated.onnx"), bytes.subarray(0, bytes.length >> 1));
    expect((await p.api("POST", "/v1/models", { name: "truncated", source: "truncated.onnx", format: "onnx" })).status).toBe(422);

    writeFileSync(join(p.root, "logreg.json"), JSON.stringify(logregArtifact(1)));
    const jsonAsOnnx = await p.api("POST", "/v1/models", { name: "json-as-onnx", source: "logreg.json", format: "onnx" });
    expect(jsonAsOnnx.status).toBe(422);
    expect(jsonAsOnnx.body.message).toMatch(/ONNX Runtime cannot load it.*is its format logreg-json\?/s);
    const onnxAsJson = await p.api("POST", "/v1/models", { name: "onnx-as-json", source: fx.irisLogreg, format: "logreg-json" });
    expect(onnxAsJson.status).toBe(422);
    expect(onnxAsJson.body.message).toMatch(/is not a logreg-json artifact/);

    const zipmap = await p.api("POST", "/v1/models", { name: "zipmap", source: fx.zipmap, format: "onnx" });
    expect(zipmap.status).toBe(422);
    expect(zipmap.body.message).toMatch(/output "output_probability" is not a tensor.*zipmap/);

    const declared = await p.api("POST", "/v1/models", { name: "declared", source: fx.irisLogreg, format: "onnx", inputs: [{ name: "input", datatype: "FP32", shape: [-1, 5] }] });
    expect(declared.status).toBe(422);
    expect(declared.body.field).toBe("inputs");
    expect(declared.body.message).toContain('declares "input" FP32 [-1, 5], the model has "input" FP32 [-1, 4]');
    expect(await count()).toBe(before);
  });
});

describe("serving ONNX over KServe v2", () => {
  it("FP32 in, BYTES and FP32 out: a batch answers what scikit-learn predicts", async () => {
    const base = await replica(fx.irisLogreg, "iris");
    const meta = (await (await fetch(`${base}/v2/models/iris`)).json()) as any;
    expect(meta).toMatchObject({ platform: "mlplatform-onnx", inputs: [{ name: "input", datatype: "FP32", shape: [-1, 4] }] });
    const { rows, labels, probabilities } = fx.irisExpected;
    const r = await infer(base, "iris", { id: "b4", inputs: [{ name: "input", datatype: "FP32", shape: [rows.length, 4], data: rows }] });
    expect(r.status).toBe(200);
    expect(r.body.id).toBe("b4");
    const [label, proba] = r.body.outputs;
    expect(label).toEqual({ name: "label", datatype: "BYTES", shape: [4], data: labels });
    expect(new Set(labels).size).toBe(3);
    expect(proba).toMatchObject({ name: "probabilities", datatype: "FP32", shape: [4, 3] });
    probabilities.flat().forEach((want, i) => expect(proba.data[i]).toBeCloseTo(want, 5));
    // FP64 values are accepted for an FP32 input (both are JSON numbers).
    expect((await infer(base, "iris", { inputs: [{ name: "input", datatype: "FP64", shape: [1, 4], data: rows[0] }] })).body.outputs[0].data).toEqual([labels[0]]);
  });

  it("INT64: dynamic batch, nested rows, 64-bit values beyond 2^53 as strings, and output selection", async () => {
    const base = await replica(fx.int64Counts, "counts");
    const r = await infer(base, "counts", { inputs: [{ name: "counts", datatype: "INT64", shape: [2, 3], data: [[1, 2, 3], [4, 5, 6]] }] });
    expect(r.status).toBe(200);
    expect(r.body.outputs).toEqual([
      { name: "doubled", datatype: "INT64", shape: [2, 3], data: [2, 4, 6, 8, 10, 12] },
      { name: "total", datatype: "INT64", shape: [2], data: [6, 15] },
    ]);
    const big = await infer(base, "counts", { inputs: [{ name: "counts", datatype: "INT64", shape: [1, 3], data: ["9007199254740993", 0, -1] }], outputs: [{ name: "doubled" }] });
    expect(big.body.outputs).toEqual([{ name: "doubled", datatype: "INT64", shape: [1, 3], data: ["18014398509481986", 0, -2] }]);
  });

  it("BYTES in and out", async () => {
    const base = await replica(fx.strings, "words");
    const r = await infer(base, "words", { inputs: [{ name: "words", datatype: "BYTES", shape: [3], data: ["cat", "Dog", "emu"] }] });
    expect(r.status).toBe(200);
    expect(r.body.outputs).toEqual([
      { name: "latin", datatype: "BYTES", shape: [3], data: ["felis", "?", "?"] },
      { name: "ids", datatype: "INT64", shape: [3], data: [0, -1, -1] },
    ]);
  });

  it("a request that does not fit the signature is a 400 naming the input", async () => {
    const iris = await replica(fx.irisLogreg, "iris-bad");
    const counts = await replica(fx.int64Counts, "counts-bad");
    const words = await replica(fx.strings, "words-bad");
    const cases: [string, string, unknown, RegExp][] = [
      [iris, "iris-bad", { inputs: [{ name: "features", datatype: "FP32", shape: [1, 4], data: [1, 2, 3, 4] }] }, /"features" is not an input of this model; it takes "input" FP32 \[-1, 4\]/],
      [iris, "iris-bad", { inputs: [{ name: "input", datatype: "INT64", shape: [1, 4], data: [1, 2, 3, 4] }] }, /inputs\[0\] \("input"\): datatype must be FP32, got "INT64"/],
      [iris, "iris-bad", { inputs: [{ name: "input", datatype: "FP32", shape: [2, 5], data: new Array(10).fill(1) }] }, /\("input"\): shape\[1\] must be 4/],
      [iris, "iris-bad", { inputs: [{ name: "input", datatype: "FP32", shape: [4], data: [1, 2, 3, 4] }] }, /\("input"\): shape must have 2 dimensions/],
      [iris, "iris-bad", { inputs: [] }, /this model takes "input" FP32 \[-1, 4\]/],
      [counts, "counts-bad", { inputs: [{ name: "counts", datatype: "INT64", shape: [1, 3], data: [1, 2.5, 3] }] }, /\("counts"\)\.data\[1\] must be an integer in the INT64 range/],
      [words, "words-bad", { inputs: [{ name: "words", datatype: "BYTES", shape: [2], data: ["a", 7] }] }, /\("words"\)\.data\[1\] must be a string/],
      [words, "words-bad", { inputs: [{ name: "words", datatype: "BYTES", shape: [1], data: ["a"] }], outputs: [{ name: "nope" }] }, /outputs\[0\]: "nope" is not an output/],
    ];
    for (const [base, name, body, message] of cases) {
      const r = await infer(base, name, body);
      expect(r.status, JSON.stringify(body)).toBe(400);
      expect(r.body.error).toMatch(message);
    }
  });

  it("perf jobs measure real inference per batch size: a sample shaped from the signature, or one example repeated", async () => {
    const model = (await p.api("GET", "/v1/models?name=iris-onnx")).body.items[0];
    const shaped = await p.api("POST", "/v1/perf-jobs", { name: "onnx-shaped", modelId: model.id, modelVersion: 1, batchSize: [1, 16], concurrency: [2], durationSeconds: 0.5 });
    expect(shaped.status).toBe(201);
    const done = await waitUntil(p, "perf-jobs", shaped.body.id, (j) => !["Submitted", "Running"].includes(j.status), 60_000);
    expect(done.status).toBe("Succeeded");
    expect(done.tasks.map((t: any) => [t.batchSize, t.concurrency, t.status])).toEqual([[1, 2, "Succeeded"], [16, 2, "Succeeded"]]);
    for (const t of done.tasks) {
      expect(t.requests).toBeGreaterThan(5);
      expect(t.errors).toBe(0);
      expect(t.predictionsPerSecond).toBeCloseTo(t.throughput * t.batchSize, 0);
    }
    const words = (await p.api("GET", "/v1/models?name=strings-onnx")).body.items[0];
    const strings = await p.api("POST", "/v1/perf-jobs", { name: "onnx-strings", modelId: words.id, modelVersion: 1, batchSize: [4], concurrency: [1], durationSeconds: 0.3 });
    expect((await waitUntil(p, "perf-jobs", strings.body.id, (j) => !["Submitted", "Running"].includes(j.status), 60_000)).status).toBe("Succeeded");

    const twoRows = [{ name: "input", datatype: "FP32", shape: [2, 4], data: [fx.irisExpected.rows[0], fx.irisExpected.rows[1]] }];
    const repeated = await p.api("POST", "/v1/perf-jobs", { name: "onnx-two-rows", modelId: model.id, modelVersion: 1, batchSize: [8], sampleInput: twoRows, durationSeconds: 0.3 });
    const failed = await waitUntil(p, "perf-jobs", repeated.body.id, (j) => !["Submitted", "Running"].includes(j.status), 60_000);
    expect(failed).toMatchObject({ status: "Failed" });
    expect(failed.statusMessage).toMatch(/sampleInput\[0\] \("input"\) has 2 rows; give one example \(shape\[0\] = 1\) to repeat to batch size 8/);
    const misfit = await p.api("POST", "/v1/perf-jobs", { name: "onnx-misfit", modelId: model.id, modelVersion: 1, sampleInput: [{ name: "input", datatype: "FP32", shape: [1, 3], data: [1, 2, 3] }], durationSeconds: 0.3 });
    const misfitDone = await waitUntil(p, "perf-jobs", misfit.body.id, (j) => !["Submitted", "Running"].includes(j.status), 60_000);
    expect(misfitDone.statusMessage).toMatch(/sampleInput does not fit model "iris-onnx" version 1: inputs\[0\] \("input"\): shape\[1\] must be 4/);
  });

  it("serves a registered ONNX model through a service endpoint, batch of 32", async () => {
    const model = (await p.api("GET", "/v1/models?name=iris-onnx")).body.items[0];
    const created = await p.api("POST", "/v1/services", { name: "iris-onnx-svc", models: [{ modelId: model.id, version: 1, weight: 100 }], replicas: 1 });
    expect(created.status).toBe(201);
    const svc = await waitUntil(p, "services", created.body.id, (s) => s.status === "Running" || s.status === "Failed", 60_000);
    expect(svc.status).toBe("Running");
    const rows = Array.from({ length: 32 }, (_, i) => fx.irisExpected.rows[i % 4]);
    const r = await infer(svc.endpoint, "iris-onnx-svc", { inputs: [{ name: "input", datatype: "FP32", shape: [32, 4], data: rows }] });
    expect(r.status).toBe(200);
    expect(r.body.outputs[0].data).toEqual(rows.map((_, i) => fx.irisExpected.labels[i % 4]));
    const bad = await infer(svc.endpoint, "iris-onnx", { inputs: [{ name: "input", datatype: "FP32", shape: [1, 3], data: [1, 2, 3] }] });
    expect(bad.status).toBe(400);
    expect(bad.body.error).toMatch(/"input"/);
    expect((await p.api("DELETE", `/v1/services/${svc.id}`)).status).toBe(204);
  });
});
