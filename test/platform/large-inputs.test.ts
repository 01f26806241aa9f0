// Issue 18 §3, large inputs: a model whose artifact is large registers in the background (the POST answers at
// once with Registering and the bytes to copy, progress shows while it copies), a dataset ingest reads and
// hashes its source once, a create retried after a client timeout ingests once, a registration that fails in
// the background leaves a Failed object with the reason, and a platform stopped mid-ingest finishes the
// ingest after its restart. Inputs are a few tens of MiB of pseudo-random bytes (bench/ingest.ts runs 1 GiB).
import { randomBytes } from "node:crypto";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { writeSyntheticOnnx } from "../../bench/onnx-synthetic";
import { SqliteObjectStore } from "../../platform/core/store";
import { ASYNC_INGEST_BYTES } from "../../platform/datasets/controller";
import { ASYNC_REGISTRATION_BYTES } from "../../platform/models/controller";
import { LocalPlatform } from "../../sdk";
import { startTestPlatform, waitUntil, type TestPlatform } from "./helpers";
import { logregArtifact } from "./serving-fixtures";

const MiB = 1024 * 1024;

/** A logreg-json directory artifact with a large side file (weights a runtime would map, say). */
function largeModelDir(root: string, name: string, bytes: number): { dir: string; size: number } {
  const dir = join(root, name);
  mkdirSync(dir, { recursive: true });
  const json = JSON.stringify(logregArtifact(1));
  writeFileSync(join(dir, "model.json"), json);
  writeFileSync(join(dir, "weights.bin"), randomBytes(bytes));
  return { dir, size: bytes + Buffer.byteLength(json) };
}

/** A csv file of about `bytes` bytes: a header, then rows of random hex; returns the row count. */
function largeCsv(path: string, bytes: number): { rows: number; size: number } {
  const row = 64; // "<62 hex chars>,\n"
  const rows = Math.floor(bytes / row);
  const hex = randomBytes((rows * (row - 2)) / 2).toString("hex");
  const lines: string[] = ["value,"];
  for (let i = 0; i < rows; i++) lines.push(`${hex.slice(i * (row - 2), (i + 1) * (row - 2))},`);
  const text = lines.join("\n") + "\n";
  writeFileSync(path, text);
  return { rows, size: Buffer.byteLength(text) };
}

let p: TestPlatform;
beforeAll(async () => {
  p = await startTestPlatform();
});
afterAll(() => p?.close());

describe("a large model artifact registers asynchronously", () => {
  it("answers the POST at once with Registering and the bytes to copy, reports progress, then is Ready", async () => {
    const { size } = largeModelDir(p.root, "big-model", 3 * ASYNC_REGISTRATION_BYTES);
    const puts = p.ctx.artifacts.stats.puts;
    const r = await p.api("POST", "/v1/models", { name: "big", source: "big-model", format: "logreg-json" });
    expect(r.status).toBe(201);
    expect(r.body).toMatchObject({ status: "Registering", latestVersion: 1, versions: [{ version: 1, status: "Registering" }], progress: { bytesDone: 0, bytesTotal: size } });
    const seen: any[] = [];
    const done = await waitUntil(p, "models", r.body.id, (o) => (seen.push(o), o.status !== "Registering"));
    expect(done).toMatchObject({ status: "Ready", latestVersion: 1, versions: [{ version: 1, status: "Ready" }] });
    expect(done.progress).toBeUndefined();
    const v1 = (await p.api("GET", `/v1/models/${r.body.id}/versions/1`)).body;
    expect(v1).toMatchObject({ status: "Ready", sizeBytes: size, inputs: [{ name: "input" }] });
    expect(v1.artifactDigest).toMatch(/^[0-9a-f]{64}$/);
    // Every state seen on the way carried consistent progress.
    for (const o of seen.filter((o) => o.status === "Registering")) expect(o.progress.bytesDone).toBeLessThanOrEqual(o.progress.bytesTotal);
    expect(p.ctx.artifacts.stats.puts - puts).toBe(1);
  });

  it("a registration that fails in the background leaves a Failed version and object with the reason", async () => {
    largeModelDir(p.root, "big-mismatch", 2 * ASYNC_REGISTRATION_BYTES);
    const r = await p.api("POST", "/v1/models", {
      name: "big-mismatch",
      source: "big-mismatch",
      format: "logreg-json",
      inputs: [{ name: "pixels", datatype: "FP32", shape: [-1, 4] }],
    });
    expect(r.status).toBe(201);
    expect(r.body.status).toBe("Registering");
    const done = await waitUntil(p, "models", r.body.id, (o) => o.status !== "Registering");
    expect(done.status).toBe("Failed");
    expect(done.statusMessage).toMatch(/inputs do not match/);
    expect(done.versions).toEqual([{ version: 1, status: "Failed" }]);
  });

  it("a create retried after the client timed out registers once and answers the same object", async () => {
    const { size } = largeModelDir(p.root, "big-retry", 64 * MiB);
    const puts = p.ctx.artifacts.stats.puts;
    // The SDK's own retries, with a timeout far below what copying 64 MiB takes.
    const client = new LocalPlatform({ endpoint: p.endpoint, token: p.token, requestTimeoutMs: 250, retryLimit: 2, retryBaseMs: 10, retryMaxMs: 20 });
    const body = { name: "big-retry", source: "big-retry", format: "logreg-json" as const };
    const first = await client.models.create(body, { idempotencyKey: "retry-key-1" });
    const again = await client.models.create(body, { idempotencyKey: "retry-key-1" });
    expect(again.id).toBe(first.id);
    const done = await waitUntil(p, "models", first.id, (o) => o.status !== "Registering", 60_000);
    expect(done.status).toBe("Ready");
    expect((await p.api("GET", `/v1/models/${first.id}/versions/1`)).body.sizeBytes).toBe(size);
    expect(p.ctx.artifacts.stats.puts - puts).toBe(1);
  });
});

describe("a large ONNX model", () => {
  it("registers in the background and records the signature ONNX Runtime reads from it", async () => {
    const size = writeSyntheticOnnx(join(p.root, "large.onnx"), 2 * ASYNC_REGISTRATION_BYTES);
    const r = await p.api("POST", "/v1/models", { name: "large-onnx", source: "large.onnx", format: "onnx" });
    expect(r.status).toBe(201);
    expect(r.body).toMatchObject({ status: "Registering", progress: { bytesDone: 0, bytesTotal: size } });
    const done = await waitUntil(p, "models", r.body.id, (o) => o.status !== "Registering", 60_000);
    expect(done.statusMessage).toBeUndefined();
    expect(done.status).toBe("Ready");
    expect((await p.api("GET", `/v1/models/${r.body.id}/versions/1`)).body).toMatchObject({
      sizeBytes: size,
      inputs: [{ name: "x", datatype: "FP32", shape: [-1, 4] }],
      outputs: [{ name: "y", datatype: "FP32", shape: [-1, 4] }],
    });
  });

  it("a large file ONNX Runtime cannot load fails with the runtime's reason", async () => {
    writeFileSync(join(p.root, "garbage.onnx"), randomBytes(ASYNC_REGISTRATION_BYTES + 1));
    const r = await p.api("POST", "/v1/models", { name: "garbage-onnx", source: "garbage.onnx", format: "onnx" });
    expect(r.status).toBe(201);
    const done = await waitUntil(p, "models", r.body.id, (o) => o.status !== "Registering", 60_000);
    expect(done.status).toBe("Failed");
    expect(done.statusMessage).toMatch(/cannot be served as format "onnx": ONNX Runtime cannot load it/);
  });
});

describe("a large dataset ingests in one pass", () => {
  it("reports the bytes to ingest on the POST, hashes its content once, and counts the rows", async () => {
    const { rows, size } = largeCsv(join(p.root, "big.csv"), 24 * MiB);
    const hashed = p.ctx.artifacts.stats.bytesHashed;
    const r = await p.api("POST", "/v1/datasets", { name: "big-data", format: "csv", source: "big.csv" });
    expect(r.status).toBe(201);
    expect(r.body).toMatchObject({ status: "Creating", progress: { bytesDone: 0, bytesTotal: size } });
    const done = await waitUntil(p, "datasets", r.body.id, (o) => o.status !== "Creating");
    expect(done).toMatchObject({ status: "Ready", sampleCount: rows, sizeBytes: size });
    expect(done.progress).toBeUndefined();
    // Copy, hash and count are one read of the source; nothing re-hashes the stored copy.
    expect(p.ctx.artifacts.stats.bytesHashed - hashed).toBe(size);
  });

  it("a large new source (PATCH) answers Ingesting with progress, keeps version 1 usable, then adds version 2", async () => {
    writeFileSync(join(p.root, "grows.csv"), "value,\n1,\n");
    const r = await p.api("POST", "/v1/datasets", { name: "grows", format: "csv", source: "grows.csv" });
    const v1 = await waitUntil(p, "datasets", r.body.id, (o) => o.status !== "Creating");
    expect(v1).toMatchObject({ status: "Ready", latestVersion: 1 });
    const { rows, size } = largeCsv(join(p.root, "grows-big.csv"), 3 * ASYNC_INGEST_BYTES);
    const patched = await p.api("PATCH", `/v1/datasets/${r.body.id}`, { source: "grows-big.csv", description: "bigger" }, { "if-match": v1.etag });
    expect(patched.status).toBe(200);
    expect(patched.body).toMatchObject({ status: "Ingesting", latestVersion: 1, description: "bigger", progress: { bytesDone: 0, bytesTotal: size } });
    expect((await p.api("GET", `/v1/datasets/${r.body.id}/versions/1`)).body.status).toBe("Ready");
    const done = await waitUntil(p, "datasets", r.body.id, (o) => o.status !== "Ingesting");
    expect(done).toMatchObject({ status: "Ready", latestVersion: 2, sampleCount: rows, sizeBytes: size, source: "grows-big.csv" });
    expect(done.progress).toBeUndefined();
    expect(done.statusMessage).toBeUndefined();

    // A large source that fails: the object is Failed with the reason, its versions stay; a good source heals it.
    writeFileSync(join(p.root, "bad-big.csv"), Buffer.alloc(ASYNC_INGEST_BYTES, " "));
    const bad = await p.api("PATCH", `/v1/datasets/${r.body.id}`, { source: "bad-big.csv" });
    expect(bad.body.status).toBe("Ingesting");
    const failed = await waitUntil(p, "datasets", r.body.id, (o) => o.status !== "Ingesting");
    expect(failed).toMatchObject({ status: "Failed", latestVersion: 2 });
    expect(failed.statusMessage).toMatch(/header line is required/);
    expect((await p.api("GET", `/v1/datasets/${r.body.id}/versions/2`)).body.status).toBe("Ready");
    const healed = await p.api("PATCH", `/v1/datasets/${r.body.id}`, { source: "grows.csv" });
    expect(healed.body).toMatchObject({ status: "Ready", latestVersion: 3, sampleCount: 1 });
  });

  it("counts jsonl lines split by CRLF as readline does, and names the bad line", async () => {
    writeFileSync(join(p.root, "crlf.jsonl"), '{"a":1}\r\n\r\n{"a":2}\r\nnot json\r\n');
    const r = await p.api("POST", "/v1/datasets", { name: "crlf", format: "jsonl", source: "crlf.jsonl" });
    const done = await waitUntil(p, "datasets", r.body.id, (o) => o.status !== "Creating");
    expect(done.status).toBe("Failed");
    expect(done.statusMessage).toMatch(/line 4 is not JSON/);
    writeFileSync(join(p.root, "crlf-ok.jsonl"), '{"a":1}\r\n\r\n{"a":2}\r\n{"b":3}');
    const ok = await p.api("POST", "/v1/datasets", { name: "crlf-ok", format: "jsonl", source: "crlf-ok.jsonl" });
    expect(await waitUntil(p, "datasets", ok.body.id, (o) => o.status !== "Creating")).toMatchObject({ status: "Ready", sampleCount: 3 });
  });
});

describe("a platform stopped mid-ingest", () => {
  it("leaves the objects ingesting, then finishes every ingest after its restart (create, PATCH, model)", async () => {
    const dataDir = mkdtempSync(join(tmpdir(), "mlp-ingest-restart-"));
    const root = mkdtempSync(join(tmpdir(), "mlp-ingest-restart-root-"));
    try {
      const { rows, size: csvSize } = largeCsv(join(root, "data.csv"), 48 * MiB);
      const { size: modelSize } = largeModelDir(root, "model", 48 * MiB);
      writeFileSync(join(root, "small.csv"), "value,\n1,\n");
      let q = await startTestPlatform({ dataDir, root });
      const grown = await q.api("POST", "/v1/datasets", { name: "restart-grown", format: "csv", source: "small.csv" });
      await waitUntil(q, "datasets", grown.body.id, (o) => o.status === "Ready");
      expect((await q.api("PATCH", `/v1/datasets/${grown.body.id}`, { source: "data.csv" })).body.status).toBe("Ingesting");
      const ds = await q.api("POST", "/v1/datasets", { name: "restart-data", format: "csv", source: "data.csv" });
      const m = await q.api("POST", "/v1/models", { name: "restart-model", source: "model", format: "logreg-json" });
      expect(m.body.status).toBe("Registering");
      await q.close(); // at once: the ingests are cut short, not waited for
      const store = new SqliteObjectStore(dataDir);
      try {
        expect((store.get("datasets", ds.body.id) as any).status).toBe("Creating");
        expect((store.get("models", m.body.id) as any).status).toBe("Registering");
        expect((store.get("datasets", grown.body.id) as any).status).toBe("Ingesting");
      } finally {
        store.close();
      }
      q = await startTestPlatform({ dataDir, root });
      try {
        const d = await waitUntil(q, "datasets", ds.body.id, (o) => o.status !== "Creating", 60_000);
        expect(d).toMatchObject({ status: "Ready", latestVersion: 1, sampleCount: rows, sizeBytes: csvSize });
        const g = await waitUntil(q, "datasets", grown.body.id, (o) => o.status !== "Ingesting", 60_000);
        expect(g).toMatchObject({ status: "Ready", latestVersion: 2, sampleCount: rows, source: "data.csv" });
        const model = await waitUntil(q, "models", m.body.id, (o) => o.status !== "Registering", 60_000);
        expect(model).toMatchObject({ status: "Ready", latestVersion: 1, versions: [{ version: 1, status: "Ready" }] });
        expect((await q.api("GET", `/v1/models/${m.body.id}/versions/1`)).body.sizeBytes).toBe(modelSize);
      } finally {
        await q.close();
      }
    } finally {
      rmSync(dataDir, { recursive: true, force: true });
      rmSync(root, { recursive: true, force: true });
    }
  });
});
