// The vendor-neutral handlers over the Qianfan driver, against the emulator (signatures verified, vendor rules
// and codes, BOS uploads in moto): check-time refusals from the backend's kind rules (PerfJob, command/flavor
// on a run, hyper-parameter ranges, model sources, one model per service), the dataset uploaded only when its
// content changed, adoption of an existing dataset, a failed run explained, a private-pool service waiting
// for payment that stops at its deadline with that reason, and every request one the vendor SDK was proven on.
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import * as dataset from "../../provider/handlers/dataset";
import * as model from "../../provider/handlers/model";
import * as perfJob from "../../provider/handlers/perf-job";
import * as service from "../../provider/handlers/service";
import * as trainingJob from "../../provider/handlers/training-job";
import type { KindHandlers } from "../../provider/handlers/handlers-for";
import { platform } from "../../provider/handlers/context";
import type { QianfanPlatform } from "../../sdk/qianfan";
import { startMoto, type MotoServer } from "../emulators/s3/moto";
import { QianfanEmulator } from "../emulators/qianfan/server";
import { DRIVER_ACTIONS } from "./oracle-venv";
import { effectiveDefinition } from "../../provider/handlers/backend-rules";
import { platformBody, specOf, withSchemaDefaults } from "../../provider/handlers/outputs";
import { located } from "../emulators/check-failures";

const AK = "qf-handlers-ak";
const SK = "qf-handlers-sk";
const BUCKET = "handlers-bucket";
let moto: MotoServer;
let emu: QianfanEmulator;
let dir: string;

const rows = (n: number, tag = "") => Array.from({ length: n }, (_, i) => JSON.stringify({ prompt: `q${i}${tag}`, response: [[`a${i}`]] })).join("\n") + "\n";
const HP = { baseModel: "ERNIE-Speed-8K", learningRate: 0.00003 };

beforeAll(async () => {
  moto = await startMoto();
  emu = new QianfanEmulator({ keys: { [AK]: SK }, s3Endpoint: moto.endpoint, delays: { trainMs: 200, deployMs: 100 }, failRuns: ["doomed"] });
  await emu.start();
  await emu.createBucket(BUCKET);
  dataset.configure({
    backend: "qianfan", endpoint: emu.endpoint, objectStoreEndpoint: moto.endpoint, objectStoreBucket: BUCKET, accessKey: AK, secretKey: SK,
    retryBaseMs: 20, retryMaxMs: 200, waitChunkMs: 1_000,
  } as any);
  dir = mkdtempSync(join(tmpdir(), "mlp-qf-"));
  writeFileSync(join(dir, "train.jsonl"), rows(40));
}, 15 * 60_000);
afterAll(async () => {
  await emu?.stop();
  await moto?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

async function checked(h: KindHandlers, news: Record<string, unknown>) {
  const r = await h.check({}, { logicalName: `p/s/${String(news.name)}`, ...news });
  expect(located(r.failures)).toEqual([]);
  return r.inputs;
}

describe("check on the Qianfan backend", () => {
  it("refuses PerfJob, naming what the backend offers", async () => {
    const r = await perfJob.check({}, { name: "bench", modelId: "am-1", modelVersion: 1, flavors: ["public"] });
    expect(located(r.failures).map((f) => f.reason).join("\n")).toMatch(/Baidu Qianfan backend \(mlplatform:backend=qianfan\) does not offer PerfJob: Qianfan has no performance-benchmark API.*It offers Dataset, TrainingJob, Model, Service/);
  });

  it("takes a run without a command, and refuses a command, a flavor and out-of-range hyper-parameters by property", async () => {
    const ok = await trainingJob.check({}, { name: "run", datasetId: "ds-1", hyperParameters: HP });
    expect(located(ok.failures)).toEqual([]);
    // Declared values only: the vendor's defaults are applied when the request is sent, never frozen into inputs.
    expect(ok.inputs.hyperParameters).toEqual(HP);
    expect(withSchemaDefaults(effectiveDefinition(trainingJob.definition), "hyperParameters", HP)).toEqual({ ...HP, trainMode: "SFT", parameterScale: "LoRA", epoch: 1, maxSeqLen: 4096, splitRatio: 20 });
    expect(ok.inputs.flavor).toBeUndefined();
    const bad = await trainingJob.check({}, {
      name: "run", datasetId: "ds-1", command: ["python", "train.py"], flavor: "local.small", python: { requirements: ["numpy"] },
      hyperParameters: { baseModel: "ERNIE-Speed-8K", learningRate: 0.001, epoch: 80, maxSeqLen: 2048, batch: 4 },
    });
    const byProperty = Object.fromEntries(located(bad.failures).map((f) => [f.property, f.reason]));
    expect(Object.keys(byProperty).sort()).toEqual(["command", "flavor", "hyperParameters", "hyperParameters.epoch", "hyperParameters.maxSeqLen", "python"].sort());
    expect(byProperty.command).toMatch(/not supported by the Baidu Qianfan backend: a Qianfan fine-tuning run trains a vendor base model/);
    expect(byProperty.hyperParameters).toMatch(/batch/);
    // Ranges that depend on the base model are checked once the rest is valid.
    const lr = await trainingJob.check({}, { name: "run", datasetId: "ds-1", hyperParameters: { baseModel: "ERNIE-Speed-8K", learningRate: 0.001 } });
    expect(located(lr.failures)).toEqual([{ property: "hyperParameters.learningRate", reason: expect.stringContaining("outside the range Qianfan accepts for ERNIE-Speed-8K (0.00001–0.00004)") }]);
  });

  it("refuses model sources that are not Qianfan runs, declared formats, and services with more than one model", async () => {
    const m = await model.check({}, { name: "m1", source: "./model.onnx", format: "onnx" });
    expect(located(m.failures).map((f) => f.property).sort()).toEqual(["format"]);
    const src = await model.check({}, { name: "m1", source: "./model.onnx" });
    expect(located(src.failures)).toEqual([{ property: "source", reason: expect.stringContaining("publishes models only from its own fine-tuning runs") }]);
    const s = await service.check({}, { name: "svc", models: [{ modelId: "am-1", version: 1, weight: 50 }, { modelId: "am-2", version: 1, weight: 50 }] });
    expect(located(s.failures)).toEqual([{ property: "models", reason: expect.stringContaining("exactly one model version") }]);
    const pool = await service.check({}, { name: "svc", models: [{ modelId: "am-1", version: 1 }], flavor: "ml.large" });
    expect(located(pool.failures).map((f) => f.property)).toEqual(["flavor"]);
  });
});

describe("lifecycle against the emulator", () => {
  let dsOuts: Record<string, any>;
  let datasetId: string;

  it("creates a dataset from a local file (uploaded once), adds a version only for new content, and adopts an existing one", async () => {
    const p = platform() as QianfanPlatform;
    const inputs = await checked(dataset, { name: "faq", format: "jsonl", source: join(dir, "train.jsonl") });
    const created = await dataset.create(inputs);
    dsOuts = created.outs;
    datasetId = created.id;
    expect(dsOuts).toMatchObject({ status: "Ready", latestVersion: 1, source: join(dir, "train.jsonl") });
    expect(p.store.uploadedFiles).toBe(1);
    const read = await dataset.read(created.id, dsOuts);
    expect(dataset.diff(created.id, read.props, inputs).changes).toBe(false);
    writeFileSync(join(dir, "train.jsonl"), rows(40, "-v2"));
    const next = await checked(dataset, { name: "faq", format: "jsonl", source: join(dir, "train.jsonl") });
    expect(dataset.diff(created.id, dsOuts, next)).toMatchObject({ changes: true, replaces: [] });
    dsOuts = (await dataset.update(created.id, dsOuts, next)).outs;
    expect(dsOuts.latestVersion).toBe(2);
    expect(p.store.uploadedFiles).toBe(2);
    // The same bytes again (a forced re-send): no upload, no version.
    dsOuts = (await dataset.update(created.id, { ...dsOuts, sourceDigest: "sha256:old" }, next)).outs;
    expect(dsOuts.latestVersion).toBe(2);
    expect(p.store.uploadedFiles).toBe(2);
    // Adoption: a second resource takes over the same dataset without creating one.
    const adopted = await dataset.create({ ...next, adopt: created.id });
    expect(adopted.id).toBe(created.id);
    expect(emu.datasets.size).toBe(1);
  });

  it("a failed run says so with the vendor's message", async () => {
    const inputs = await checked(trainingJob, { name: "doomed", datasetId, hyperParameters: HP, deadlineSeconds: 30 });
    const e = await trainingJob.create(inputs).catch((x) => x);
    expect(String(e.message)).toMatch(/training job doomed \(task-\w+\) failed: Failed: training failed: loss diverged/);
  });

  it("destroying a run that is still training stops it first, then deletes the run and its job", async () => {
    emu.delays.trainMs = 60_000;
    try {
      const p = platform();
      const inputs = await checked(trainingJob, { name: "long", datasetId, hyperParameters: HP });
      const eff = effectiveDefinition(trainingJob.definition);
      const live = await p.trainingJobs.create(platformBody(eff, specOf(eff, inputs), undefined) as any, { idempotencyKey: "k" });
      expect(["Pending", "Running"]).toContain(live.status);
      await trainingJob.delete(live.id, { ...inputs, id: live.id });
      expect(emu.count("StopFineTuningTask", (r) => r.status === 200)).toBe(1);
      expect(emu.tasks.has(live.id)).toBe(false);
      expect([...emu.jobs.values()].some((j) => j.name === "long")).toBe(false);
    } finally {
      emu.delays.trainMs = 200;
    }
  });

  it("a private-pool service waiting for payment is not deployed: the wait says so and stops at its deadline", async () => {
    const run = await trainingJob.create(await checked(trainingJob, { name: "good", datasetId, datasetVersion: 2, hyperParameters: HP }));
    expect(run.outs).toMatchObject({ status: "Completed", datasetVersion: 2, outputUri: expect.stringMatching(/^qianfan:\/\/finetuning\/job-\w+\/task-\w+$/) });
    const m = await model.create(await checked(model, { name: "faq-model", source: run.outs.outputUri }));
    expect(m.outs).toMatchObject({ status: "Ready", version: 1 });
    const logs: string[] = [];
    const log = console.log;
    console.log = (...a: unknown[]) => void logs.push(a.join(" "));
    let e: any;
    const declared = await checked(service, { name: "paid", models: [{ modelId: m.id, version: 1 }], flavor: "private", deadlineSeconds: 2 });
    try {
      e = await service.create(declared).catch((x) => x);
    } finally {
      console.log = log;
    }
    expect(logs.join("\n")).toMatch(/Deploying \(New: waiting for the resource payment in the Qianfan console; not deployed until it is paid\)/);
    expect(String(e.message)).toMatch(/did not become Running with every replica ready within its deadline .*waiting for the resource payment/);
    const [svc] = [...emu.services.values()];
    expect(svc.body.billing).toEqual({ paymentTiming: "Prepaid" });
    // Paid in the console: the next up (an update of the half-created service) waits until it runs.
    emu.pay(svc.serviceId);
    const next = await service.update(svc.serviceId, e.properties, { ...declared, deadlineSeconds: 30 });
    expect(next.outs).toMatchObject({ status: "Running", readyReplicas: 1 });
    expect(emu.services.size).toBe(1);
  });

  it("20 % throttling/5xx and lost answers on every create: each object made once, the chain completes", async () => {
    writeFileSync(join(dir, "faults.jsonl"), rows(36, "-faults"));
    const counts = () => [emu.datasets.size, emu.jobs.size, emu.tasks.size, emu.modelSets.size, emu.models.size, emu.services.size];
    const before = counts();
    emu.faults = {
      rate: 0.2, kinds: ["throttle", "unavailable", "lostResponse"],
      next: { CreateDataset: "lostResponse", CreateDatasetVersion: "lostResponse", CreateImportTask: "lostResponse", CreateFineTuningJob: "lostResponse", CreateFineTuningTask: "lostResponse", CreateCustomModelSet: "lostResponse", CreateCustomModel: "lostResponse", CreateService: "lostResponse" },
    };
    try {
      const d = await dataset.create(await checked(dataset, { name: "faults", format: "jsonl", source: join(dir, "faults.jsonl") }));
      const run = await trainingJob.create(await checked(trainingJob, { name: "faults-run", datasetId: d.id, hyperParameters: HP }));
      const m = await model.create(await checked(model, { name: "faults-model", source: run.outs.outputUri }));
      const s = await service.create(await checked(service, { name: "faults-svc", models: [{ modelId: m.id, version: 1 }] }));
      expect(s.outs).toMatchObject({ status: "Running", servedModels: [{ modelId: m.id, version: 1 }] });
    } finally {
      emu.faults = { rate: 0, kinds: [] };
    }
    expect(counts().map((n, i) => n - before[i])).toEqual([1, 1, 1, 1, 1, 1]);
    expect(emu.requests.filter((r) => r.fault === "lostResponse").length).toBeGreaterThanOrEqual(8);
  });

  it("sends only actions the vendor's SDK was proven to be answered for, every one signed", () => {
    const sent = new Set(emu.requests.map((r) => r.action));
    expect([...sent].filter((a) => !DRIVER_ACTIONS.includes(a))).toEqual([]);
    expect(emu.requests.filter((r) => r.code === 500002)).toEqual([]);
  });
});
