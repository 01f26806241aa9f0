// Issue 18 §3, large inputs: a dataset (1 GiB csv; --quick 64 MiB) and a model (a logreg-json directory with a
// 500 MiB weights file; --quick 64 MiB) created through the real provider handlers, which run in a child
// process of their own (so its peak RSS is theirs alone) against a detached local platform. Measures: how
// long the create's POST takes to answer, the ingest's duration and MB/s (POST → Ready, as the handler's
// long-poll wait sees it), the peak RSS (VmHWM from /proc/<pid>/status, the kernel's own high-water mark,
// also sampled every 200 ms as VmRSS) of the platform and of the handlers' process, how many copies a
// create retried after a client timeout makes (from the platform log's "registration started" lines), and a
// preview (check + diff, as the engine calls them) of the unchanged dataset with a cold and a warm digest
// cache (the handlers' process is bench/ingest-handlers.ts). The handlers' model is logreg-json with a large
// side file; a synthetic ONNX model of the same size (bench/onnx-synthetic.ts) is then created straight through
// the API, so the platform's peak RSS covers ONNX Runtime reading a 500 MiB graph's signature (which it does in a
// process of its own, platform/serving/runtimes/signature-process.ts).
// Run: npm run build && node dist/bench/ingest.js [--quick]
import { fork } from "node:child_process";
import { randomBytes } from "node:crypto";
import { closeSync, linkSync, mkdirSync, mkdtempSync, openSync, readFileSync, rmSync, statSync, utimesSync, writeFileSync, writeSync } from "node:fs";
import * as os from "node:os";
import { join } from "node:path";
import { startPlatformDetached, stopPlatform } from "../cli/platform";
import { LocalPlatform } from "../sdk";
import { sampler, type HandlerReport } from "./ingest-handlers";
import { writeSyntheticOnnx } from "./onnx-synthetic";
import { table, type BenchResult, type Goal } from "./lib";

const MiB = 2 ** 20;

/** A csv of about `bytes`: a header, then rows of 63 pseudo-random hex digits; written 4 MiB at a time. */
function writeCsv(path: string, bytes: number): number {
  const fd = openSync(path, "w");
  let rows = 0;
  try {
    writeSync(fd, "value\n");
    const perChunk = (4 * MiB) / 64;
    for (let written = 6; written < bytes; ) {
      const n = Math.min(perChunk, Math.ceil((bytes - written) / 64));
      const hex = randomBytes(32 * n).toString("hex");
      const lines: string[] = [];
      for (let i = 0; i < n; i++) lines.push(hex.slice(i * 64, i * 64 + 63));
      const text = lines.join("\n") + "\n";
      writeSync(fd, text);
      written += text.length;
      rows += n;
    }
  } finally {
    closeSync(fd);
  }
  return rows;
}

/** A logreg-json directory: model.json and a `bytes`-long weights.bin of random bytes. */
function writeModelDir(dir: string, bytes: number): void {
  mkdirSync(dir, { recursive: true });
  const a = { format: "logreg-json/v1", features: ["a", "b", "c", "d"], classes: ["x", "y", "z"], mean: [0, 0, 0, 0], std: [1, 1, 1, 1], weights: [[1, 0, 0, 0], [0, 1, 0, 0], [0, 0, 1, 0.5]], bias: [0, 0.1, -0.1] };
  writeFileSync(join(dir, "model.json"), JSON.stringify(a));
  const fd = openSync(join(dir, "weights.bin"), "w");
  try {
    for (let left = bytes; left > 0; left -= 4 * MiB) writeSync(fd, randomBytes(Math.min(4 * MiB, left)));
  } finally {
    closeSync(fd);
  }
}

export interface IngestResult {
  datasetBytes: number;
  modelBytes: number;
  dataset: { postMs: number; ingestMs: number; mbPerSecond: number; sampleCount: number };
  model: { postMs: number; ingestMs: number; mbPerSecond: number };
  /** A synthetic ONNX model of the same size, created straight through the API (loaded in its own process). */
  onnx: { bytes: number; postMs: number; ingestMs: number; mbPerSecond: number };
  previewColdMs: number;
  previewWarmMs: number;
  retriedCreateCopies: number;
  platformPeakRssMiB: number;
  handlersPeakRssMiB: number;
  handlersLoadedRssMiB: number;
  loadAverage: number[];
}

/** Issue 18 §3's goals from one run. */
export function ingestGoals(r: IngestResult): Goal[] {
  const gib = (b: number) => (b >= 2 ** 30 ? `${(b / 2 ** 30).toFixed(0)} GiB` : `${(b / MiB).toFixed(0)} MiB`);
  const postMax = Math.max(r.dataset.postMs, r.model.postMs, r.onnx.postMs);
  return [
    {
      goal: `18.3 create of a ${gib(r.datasetBytes)} dataset / ${gib(r.modelBytes)} model answers at once (< 1 s)`,
      figure: `${r.dataset.postMs.toFixed(0)} / ${r.model.postMs.toFixed(0)} ms (ONNX ${r.onnx.postMs.toFixed(0)} ms)`,
      baseline: "1000 ms",
      ratio: postMax / 1000,
      met: postMax < 1000,
    },
    { goal: "18.3 platform peak RSS < 200 MiB during the ingests (ONNX included)", figure: `${r.platformPeakRssMiB.toFixed(0)} MiB`, baseline: "200 MiB", ratio: r.platformPeakRssMiB / 200, met: r.platformPeakRssMiB < 200 },
    { goal: "18.3 provider (handlers) peak RSS < 200 MiB", figure: `${r.handlersPeakRssMiB.toFixed(0)} MiB`, baseline: "200 MiB", ratio: r.handlersPeakRssMiB / 200, met: r.handlersPeakRssMiB < 200 },
    { goal: "18.3 copies for a create retried after a client timeout = 1", figure: String(r.retriedCreateCopies), baseline: "1", ratio: r.retriedCreateCopies, met: r.retriedCreateCopies === 1 },
    {
      goal: `18.3 preview of unchanged ${gib(r.datasetBytes)} dataset < 1 s`,
      figure: `${r.previewWarmMs.toFixed(0)} ms (cold cache ${r.previewColdMs.toFixed(0)} ms)`,
      baseline: "1000 ms",
      ratio: r.previewWarmMs / 1000,
      met: r.previewWarmMs < 1000,
    },
  ];
}

export async function runIngestBench(datasetBytes = 2 ** 30, modelBytes = 500 * MiB): Promise<BenchResult<IngestResult>> {
  const dir = mkdtempSync(join(os.tmpdir(), "mlp-bench-ingest-"));
  let dataDir: string | undefined;
  try {
    const csv = join(dir, "big.csv");
    const rows = writeCsv(csv, datasetBytes);
    const modelDir = join(dir, "model");
    writeModelDir(modelDir, modelBytes);
    // The retried create names another directory holding the same bytes (hard links: no second 500 MiB on disk),
    // so the platform log's lines for it are its own.
    const retryDir = join(dir, "model-retry");
    mkdirSync(retryDir);
    for (const f of ["model.json", "weights.bin"]) linkSync(join(modelDir, f), join(retryDir, f));
    // Written a minute ago, as a dataset previewed days after it was written would be: a file modified within
    // 2 s of its hash is not cached (sdk/digest.ts, "racily clean").
    const past = Date.now() / 1000 - 60;
    for (const f of [csv, join(modelDir, "model.json"), join(modelDir, "weights.bin")]) utimesSync(f, past, past);
    const onnxPath = join(dir, "big.onnx");
    const onnxBytes = writeSyntheticOnnx(onnxPath, modelBytes);
    utimesSync(onnxPath, past, past);
    const realDatasetBytes = statSync(csv).size;
    const realModelBytes = statSync(join(modelDir, "weights.bin")).size + statSync(join(modelDir, "model.json")).size;

    dataDir = join(dir, "data");
    const p = await startPlatformDetached({ dataDir, allowedRoots: [dir] });
    const platformMem = sampler(p.pid);
    let handlers: HandlerReport;
    try {
      const child = fork(join(__dirname, "ingest-handlers.js"), [], { env: { ...process.env, MLPLATFORM_DIGEST_CACHE_DIR: join(dir, "digest-cache") }, stdio: ["ignore", "inherit", "inherit", "ipc"] });
      handlers = await new Promise<HandlerReport>((resolve, reject) => {
        child.once("message", (m: any) => (m.error ? reject(new Error(m.error)) : resolve(m.report)));
        child.once("exit", (code) => reject(new Error(`the handlers' process exited with code ${code}`)));
        child.send({ endpoint: p.endpoint, token: p.token, csv, modelDir });
      });
      child.kill();

      // The platform's own record of each ingest: the object created (POST) → its version recorded Ready.
      const api = new LocalPlatform({ endpoint: p.endpoint, token: p.token });
      const ds = (await api.datasets.list({ name: "big-data" })).items[0];
      const md = (await api.models.list({ name: "big-model" })).items[0];
      const dsIngestMs = Date.parse((await api.datasets.versions(ds.id))[0].createdAt) - Date.parse(ds.createdAt);
      const mdIngestMs = Date.parse((await api.models.version(md.id, 1)).createdAt) - Date.parse(md.createdAt);

      // A create retried after the client gave up on its first POST: the first is cut off at 1 ms (after it
      // was sent), the retry carries the same Idempotency-Key, as the SDK's retry would.
      const body = JSON.stringify({ name: "retried-model", source: retryDir, format: "logreg-json" });
      const headers = { authorization: `Bearer ${p.token}`, "content-type": "application/json", "idempotency-key": "bench-retry-1" };
      await fetch(`${p.endpoint}/v1/models`, { method: "POST", headers, body, signal: AbortSignal.timeout(1) }).catch(() => undefined);
      await new Promise((r) => setTimeout(r, 200));
      const retried = (await (await fetch(`${p.endpoint}/v1/models`, { method: "POST", headers, body })).json()) as { id: string; etag: string; status: string };
      let obj: any = retried;
      while (obj.status === "Registering") obj = await api.models.wait(retried.id, obj.etag, 30_000);
      const copies = readFileSync(join(dataDir, "platform.log"), "utf8")
        .split("\n")
        .filter((l) => l.includes("model version registration started") && l.includes(retryDir)).length;
      // A 500 MiB ONNX model: ONNX Runtime reads its signature in a process of its own, not the platform's.
      const t0 = performance.now();
      const onnxCreated = await api.models.create({ name: "big-onnx", source: onnxPath, format: "onnx" }, { idempotencyKey: "bench-onnx-1" });
      const onnxPostMs = performance.now() - t0;
      let onnxObj: any = onnxCreated;
      while (onnxObj.status === "Registering") onnxObj = await api.models.wait(onnxCreated.id, onnxObj.etag, 30_000);
      if (onnxObj.status !== "Ready") throw new Error(`the ONNX model ended ${onnxObj.status}: ${onnxObj.statusMessage}`);
      const onnxIngestMs = Date.parse((await api.models.version(onnxCreated.id, 1)).createdAt) - Date.parse(onnxCreated.createdAt);
      const platformPeak = platformMem.peak();

      const json: IngestResult = {
        datasetBytes: realDatasetBytes,
        modelBytes: realModelBytes,
        dataset: { postMs: handlers.dataset.postMs, ingestMs: dsIngestMs, mbPerSecond: realDatasetBytes / MiB / (dsIngestMs / 1000), sampleCount: ds.sampleCount ?? 0 },
        model: { postMs: handlers.model.postMs, ingestMs: mdIngestMs, mbPerSecond: realModelBytes / MiB / (mdIngestMs / 1000) },
        onnx: { bytes: onnxBytes, postMs: onnxPostMs, ingestMs: onnxIngestMs, mbPerSecond: onnxBytes / MiB / (onnxIngestMs / 1000) },
        previewColdMs: handlers.dataset.previewColdMs,
        previewWarmMs: handlers.dataset.previewWarmMs,
        retriedCreateCopies: copies,
        platformPeakRssMiB: platformPeak,
        handlersPeakRssMiB: handlers.peakRssMiB,
        handlersLoadedRssMiB: handlers.loadedRssMiB,
        loadAverage: os.loadavg().map((l) => +l.toFixed(2)),
      };
      if (json.dataset.sampleCount !== rows) throw new Error(`the dataset counted ${json.dataset.sampleCount} rows, ${rows} were written`);
      if (handlers.dataset.previewChanges) throw new Error("the preview of the unchanged dataset reported a change");
      const text = [
        table(
          `Large inputs (issue 18 §3): ${(realDatasetBytes / MiB).toFixed(0)} MiB dataset, ${(realModelBytes / MiB).toFixed(0)} MiB model, load ${json.loadAverage.join(" ")}`,
          ["what", "POST answers (ms)", "POST → Ready (ms)", "MB/s", "handler create (ms)"],
          [
            ["dataset (csv, rows counted)", json.dataset.postMs, dsIngestMs, json.dataset.mbPerSecond, handlers.dataset.createMs],
            ["model (logreg-json dir)", json.model.postMs, mdIngestMs, json.model.mbPerSecond, handlers.model.createMs],
            [`model (ONNX, ${(onnxBytes / MiB).toFixed(0)} MiB, straight through the API)`, json.onnx.postMs, onnxIngestMs, json.onnx.mbPerSecond, "-"],
          ],
        ),
        table("Memory and retries", ["what", "value"], [
          ["platform peak RSS (MiB)", json.platformPeakRssMiB],
          ["handlers' process peak RSS (MiB)", json.handlersPeakRssMiB],
          ["handlers' process RSS once the handlers are loaded, before any work (MiB)", json.handlersLoadedRssMiB],
          ["copies for a create retried after a client timeout", json.retriedCreateCopies],
          ["preview of the unchanged dataset, cold digest cache (ms)", json.previewColdMs],
          [`preview of the unchanged dataset, warm cache (ms; ${handlers.dataset.cacheHits} hit, ${handlers.dataset.cacheMisses} missed)`, json.previewWarmMs],
        ]),
      ].join("\n");
      return { text, json, goals: ingestGoals(json) };
    } finally {
      platformMem.stop();
      await stopPlatform(dataDir);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

if (require.main === module) {
  const quick = process.argv.includes("--quick");
  (quick ? runIngestBench(64 * MiB, 64 * MiB) : runIngestBench()).then(
    (r) => {
      console.log(r.text);
      for (const g of r.goals ?? []) console.log(`${g.met ? "met" : "MISSED"}: ${g.goal}: ${g.figure}`);
    },
    (err) => {
      console.error(err);
      process.exit(1);
    },
  );
}
