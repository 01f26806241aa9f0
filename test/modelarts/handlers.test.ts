// The vendor-neutral handlers over the ModelArts driver, against the emulator (signatures verified, seed rules
// enforced, uploads in moto): check-time refusals from the backend's kind rules (PerfJob not offered, inputs
// the vendor cannot take, the backend's own TrainingJob spec, flavors from the vendor's specification list), a model whose
// same bytes never upload or register again, OBS paths compared in one spelling, a missing project id and
// bad credentials as clear errors; training jobs (v2) end to end through the handlers: the code directory
// uploaded once, the dataset version as input, only the description in place, the output as a Model source,
// a failure with the log tail and metrics, stop through /actions.
import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from "node:fs";
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
import { openModelArts, normaliseObsPath, versionNumber, versionString } from "../../sdk/modelarts";
import type { ModelArtsPlatform } from "../../sdk/modelarts/platform";
import { UnauthorizedError } from "../../sdk";
import { startMoto, type MotoServer } from "../emulators/s3/moto";
import { ModelArtsEmulator } from "../emulators/modelarts/server";
import { located } from "../emulators/check-failures";

const AK = "HPUAHANDLERS";
const SK = "handlersSecret0123";
const PROJECT = "proj0123456789abcdef";
const BUCKET = "handlers-bucket";
let moto: MotoServer;
let emu: ModelArtsEmulator;
let dir: string;

function settings(over: Record<string, unknown> = {}) {
  return { backend: "modelarts", region: "cn-north-4", projectId: PROJECT, objectStoreBucket: BUCKET, endpoint: emu.endpoint, objectStoreEndpoint: moto.endpoint, accessKey: AK, secretKey: SK, retryBaseMs: 20, retryMaxMs: 200, waitChunkMs: 2_000, ...over };
}

beforeAll(async () => {
  moto = await startMoto();
  emu = new ModelArtsEmulator({ projectId: PROJECT, keys: { [AK]: SK }, s3Endpoint: moto.endpoint, bucket: BUCKET, delays: { modelPublishMs: 100, serviceDeployMs: 100 } });
  await emu.start();
  model.configure(settings());
  dir = mkdtempSync(join(tmpdir(), "mlp-ma-"));
  mkdirSync(join(dir, "iris"));
  writeFileSync(join(dir, "iris", "model.onnx"), "onnx-v1");
}, 15 * 60_000);
afterAll(async () => {
  await emu?.stop();
  await moto?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe("ModelArts mapping helpers", () => {
  it("spells OBS paths one way and maps version strings both ways", () => {
    expect(normaliseObsPath("/b/p/")).toBe("obs://b/p/");
    expect(normaliseObsPath("obs://b/p/")).toBe("obs://b/p/");
    expect([versionNumber("1.0.0"), versionNumber("1.0.12"), versionNumber("2.3.4")]).toEqual([10000, 10012, 20304]);
    expect(versionString(10012)).toBe("1.0.12");
  });
});

describe("check on the ModelArts backend", () => {
  it("refuses kinds the backend does not offer, naming it and what it offers", async () => {
    const specs: [KindHandlers, Record<string, unknown>, string][] = [
      [perfJob, { name: "p", modelId: "m", modelVersion: 1, flavors: ["modelarts.vm.cpu.2u"] }, "PerfJob"],
    ];
    for (const [h, spec, kind] of specs) {
      const r = await h.check({}, spec);
      expect(located(r.failures).map((f) => f.reason).join("\n")).toMatch(new RegExp(`Huawei ModelArts backend \\(mlplatform:backend=modelarts\\) does not offer ${kind}.*It offers Dataset, TrainingJob, Model, Service`));
    }
  });

  it("refuses inputs the vendor cannot take, with the property and the reason", async () => {
    const m = await model.check({}, { name: "mm", source: join(dir, "iris"), format: "logreg-json", tags: { team: "a" }, inputs: [{ name: "x", datatype: "FP32", shape: [1] }] });

    expect(located(m.failures).map((f) => f.property).sort()).toEqual(["format", "inputs", "tags"]);
    const fw = await model.check({}, { name: "mm", source: join(dir, "iris"), format: "onnx", framework: "ONNX:1.10" });
    expect(located(fw.failures)).toEqual([{ property: "framework", reason: expect.stringContaining("ModelArts model_type is one of") }]);
    const s = await service.check({}, { name: "ss", models: [{ modelId: "m", version: 1, weight: 50 }, { modelId: "m", version: 1, weight: 50 }], flavor: "modelarts.vm.cpu.2u", replicas: 6 });
    expect(located(s.failures).map((f) => f.property).sort()).toEqual(["models", "replicas"]);
  });

  it("checks flavors against the vendor's specification list", async () => {
    const r = await service.check({}, { name: "ss", models: [{ modelId: "m", version: 1 }] });
    expect(located(r.failures)).toEqual([{ property: "flavor", reason: expect.stringMatching(/"local.small" is not offered .*modelarts.vm.cpu.2u/) }]);
  });
});

describe("model against the emulator", () => {
  it("registers once; read shows no diff; the same bytes never upload or register again; /b/p/ answers read as obs://b/p/", async () => {
    const p = platform() as ModelArtsPlatform;
    const r = await model.check({}, { logicalName: "p/s/iris", name: "iris", source: join(dir, "iris"), format: "onnx", description: "first" });
    expect(located(r.failures)).toEqual([]);
    const created = await model.create(r.inputs);
    expect(created.outs).toMatchObject({ name: "iris", version: 10000, status: "Ready", format: "onnx", framework: "Custom" });
    expect(p.store.uploadedFiles).toBe(1);
    // A read right after create (the vendor answers source_location as /bucket/path/) shows no change.
    const read = await model.read(created.id, created.outs);
    expect(model.diff(created.id, read.props, r.inputs).changes).toBe(false);
    // Same bytes under another path: no upload, no new version.
    mkdirSync(join(dir, "copy"));
    writeFileSync(join(dir, "copy", "model.onnx"), "onnx-v1");
    const copy = await model.check({}, { logicalName: "p/s/iris", name: "iris", source: join(dir, "copy"), format: "onnx", description: "first" });
    const updated = await model.update(created.id, created.outs, copy.inputs);
    expect(updated.outs.version).toBe(10000);
    expect(p.store.uploadedFiles).toBe(1);
    expect([...emu.models.values()].map((m) => m.model_version)).toEqual(["1.0.0"]);
    // An obs:// source: the vendor echoes it as /bucket/path/, the driver reads it back in the declared spelling.
    const obsPath = (await p.models.get("iris")).source;
    expect(obsPath).toMatch(new RegExp(`^obs://${BUCKET}/mlplatform/models/sha256-[0-9a-f]{64}/iris/$`));
    expect([...emu.models.values()][0].source_location).toBe(obsPath);
    const fromObs = await model.check({}, { logicalName: "p/s/iris-obs", name: "iris-obs", source: obsPath, format: "onnx" });
    const obsModel = await model.create(fromObs.inputs);
    expect((await p.models.get("iris-obs")).source).toBe(obsPath);
    const same = await model.update(obsModel.id, obsModel.outs, fromObs.inputs);
    expect(same.outs.version).toBe(10000);
    await model.delete(obsModel.id, same.outs);
    await model.delete(created.id, updated.outs);
    expect(emu.models.size).toBe(0);
  });

  it("a missing project id and a wrong secret are clear errors naming what to set / check", async () => {
    expect(() => openModelArts({ region: "cn-north-4", accessKey: AK, secretKey: SK }, {}, {})).toThrow(/no project id: set mlplatform:projectId or HUAWEICLOUD_SDK_PROJECT_ID/);
    const bad = openModelArts({ region: "cn-north-4", projectId: PROJECT, endpoint: emu.endpoint, accessKey: AK, secretKey: "wrong" }, { retry: { retries: 0 } }, {});
    const err = await bad.models.get("iris").catch((e) => e);
    expect(err).toBeInstanceOf(UnauthorizedError);
    expect(String(err.message)).toMatch(/check the credentials from stack config.*code APIGW\.0301, request id [0-9a-f]{32}/);
    expect(String(err.message)).not.toContain("wrong");
  });
});

describe("model metrics against the emulator", () => {
  it("metrics go out as model_metrics and read back without a diff; new metrics register the next version; other keys are refused", async () => {
    mkdirSync(join(dir, "scored"));
    writeFileSync(join(dir, "scored", "model.onnx"), "scored-v1");
    const bad = await model.check({}, { name: "scored", source: join(dir, "scored"), format: "onnx", metrics: { accuracy: 0.9, loss: 0.3 } });
    expect(located(bad.failures)).toEqual([{ property: "metrics.loss", reason: expect.stringContaining("f1, recall, precision, accuracy") }]);
    const spec = { logicalName: "p/s/scored", name: "scored", source: join(dir, "scored"), format: "onnx", metrics: { accuracy: 0.97, f1: 0.96 } };
    const r = await model.check({}, spec);
    expect(located(r.failures)).toEqual([]);
    const created = await model.create(r.inputs);
    expect(JSON.parse([...emu.models.values()].find((m) => m.model_name === "scored")!.model_metrics)).toEqual({ accuracy: 0.97, f1: 0.96 });
    const read = await model.read(created.id, created.outs);
    expect(read.props.metrics).toEqual({ accuracy: 0.97, f1: 0.96 });
    expect(model.diff(created.id, read.props, r.inputs).changes).toBe(false);
    const next = await model.check({}, { ...spec, metrics: { accuracy: 0.98, f1: 0.96 } });
    expect(model.diff(created.id, read.props, next.inputs)).toMatchObject({ changes: true, replaces: [] });
    const updated = await model.update(created.id, read.props, next.inputs);
    expect(updated.outs).toMatchObject({ version: 10001, metrics: { accuracy: 0.98, f1: 0.96 } });
    expect([...emu.models.values()].filter((m) => m.model_name === "scored").map((m) => m.model_version)).toEqual(["1.0.1"]);
    expect(model.diff(created.id, (await model.read(created.id, updated.outs)).props, next.inputs).changes).toBe(false);
    await model.delete(created.id, updated.outs);
  });
});

describe("dataset against the emulator", () => {
  it("uploads once, publishes one immutable version, renames and re-describes in place, new data is imported as the next version", async () => {
    const p = platform() as ModelArtsPlatform;
    mkdirSync(join(dir, "data"));
    writeFileSync(join(dir, "data", "iris.csv"), "a,b,label\n1,2,x\n");
    const before = p.store.uploadedFiles;
    const spec = { logicalName: "p/s/iris-data", name: "iris-data", format: "csv", source: join(dir, "data"), description: "first" };
    const r = await dataset.check({}, spec);
    expect(located(r.failures)).toEqual([]);
    const created = await dataset.create(r.inputs);
    expect(created.outs).toMatchObject({ name: "iris-data", status: "Ready", latestVersion: 1, format: "csv" });
    expect(p.store.uploadedFiles).toBe(before + 1);
    const [vendor] = emu.liveDatasets();
    expect(vendor).toMatchObject({ dataset_type: 900, work_path: `/${BUCKET}/mlplatform/dataset-work/iris-data/` });
    expect(vendor.data_sources[0].data_path).toMatch(new RegExp(`^/${BUCKET}/mlplatform/datasets/sha256-[0-9a-f]{64}/data/$`));
    expect(vendor.versions.map((v) => v.version_name)).toEqual(["V001"]);
    const read = await dataset.read(created.id, created.outs);
    expect(dataset.diff(created.id, read.props, r.inputs).changes).toBe(false);
    // Name and description: in place (PUT), same dataset id.
    const renamed = await dataset.check({}, { ...spec, name: "iris-data-2", description: "second" });
    expect(dataset.diff(created.id, created.outs, renamed.inputs)).toMatchObject({ changes: true, replaces: [] });
    const updated = await dataset.update(created.id, created.outs, renamed.inputs);
    expect(updated.outs).toMatchObject({ name: "iris-data-2", description: "second" });
    expect(emu.liveDatasets().map((d) => [d.dataset_id, d.dataset_name, d.description])).toEqual([[created.id, "iris-data-2", "second"]]);
    // New bytes behind the same path: uploaded, imported into the same dataset and published as V002, in place.
    writeFileSync(join(dir, "data", "iris.csv"), "a,b,label\n3,4,y\n");
    const newData = await dataset.check({}, { ...spec, name: "iris-data-2", description: "second" });
    expect(dataset.diff(created.id, updated.outs, newData.inputs)).toMatchObject({ changes: true, replaces: [] });
    const uploads = p.store.uploadedFiles;
    const grown = await dataset.update(created.id, updated.outs, newData.inputs);
    expect(grown.outs).toMatchObject({ latestVersion: 2, status: "Ready", source: join(dir, "data") });
    expect(p.store.uploadedFiles).toBe(uploads + 1);
    const [after, ...others] = emu.liveDatasets();
    expect([after.dataset_id, others.length]).toEqual([created.id, 0]);
    expect(after.versions.map((v) => v.version_name)).toEqual(["V001", "V002"]);
    expect(after.imports.map((t) => t.import_path)).toEqual([expect.stringMatching(new RegExp(`^obs://${BUCKET}/mlplatform/datasets/sha256-[0-9a-f]{64}/data/$`))]);
    expect(emu.count("CreateImportTask", (x) => x.status === 200)).toBe(1);
    // Read right after shows no change; a rename afterwards imports nothing again.
    const reread = await dataset.read(created.id, grown.outs);
    expect(dataset.diff(created.id, reread.props, newData.inputs).changes).toBe(false);
    const renamedAgain = await dataset.update(created.id, reread.props, (await dataset.check({}, { ...spec, name: "iris-data-3", description: "second" })).inputs);
    expect(renamedAgain.outs).toMatchObject({ name: "iris-data-3", latestVersion: 2 });
    expect(emu.count("CreateImportTask")).toBe(1);
    expect(p.store.uploadedFiles).toBe(uploads + 1);
    await dataset.delete(created.id, renamedAgain.outs);
    await new Promise((r) => setTimeout(r, 400));
    expect(emu.liveDatasets()).toEqual([]);
  });
});

describe("service against the emulator", () => {
  it("a config change and a start are separate updates; a stopped service is started after its new config lands", async () => {
    const p = platform() as ModelArtsPlatform;
    mkdirSync(join(dir, "svc-model"));
    writeFileSync(join(dir, "svc-model", "model.onnx"), "svc-v1");
    const m = await model.check({}, { logicalName: "p/s/svc-model", name: "svc-model", source: join(dir, "svc-model"), format: "onnx" });
    const mc = await model.create(m.inputs);
    const spec = { logicalName: "p/s/svc", name: "svc", models: [{ modelId: mc.id, version: 10000 }], flavor: "modelarts.vm.cpu.2u", replicas: 1, env: { A: "1" } };
    const s = await service.check({}, spec);
    expect(located(s.failures)).toEqual([]);
    const sc = await service.create(s.inputs);
    expect(sc.outs).toMatchObject({ status: "Running", replicas: 1, flavor: "modelarts.vm.cpu.2u", env: { A: "1" } });
    // Stopped behind Pulumi's back (the console), then the program asks for 2 replicas.
    await p.setServiceRunning(sc.id, false);
    await new Promise((r) => setTimeout(r, 300));
    const from = emu.requests.length;
    const next = await service.check({}, { ...spec, replicas: 2 });
    const updated = await service.update(sc.id, sc.outs, next.inputs);
    expect(updated.outs).toMatchObject({ status: "Running", replicas: 2 });
    const puts = emu.requests.slice(from).filter((r) => r.action === "UpdateService" && r.status === 200);
    expect(puts).toHaveLength(2);
    const live = emu.liveServices().find((x) => x.service_id === sc.id)!;
    expect(live.config.map((c) => c.instance_count)).toEqual([2]);
    // Service first (deleted and waited until gone), then the model it deployed is released and goes (no 3009 left).
    await service.delete(sc.id, updated.outs);
    await model.delete(mc.id, mc.outs);
    expect([...emu.models.values()].filter((x) => x.model_name === "svc-model")).toEqual([]);
  });
});

describe("training job against the emulator", () => {
  const spec = (datasetId: string, over: Record<string, unknown> = {}) => ({
    logicalName: "p/s/train", name: "train-iris", engine: { name: "PyTorch", version: "PyTorch-1.4.0-python3.6" }, workingDir: join(dir, "code"), bootFile: "train.py",
    datasetId, hyperParameters: { epochs: 3, lr: 0.1, mode: "fast", shuffle: true }, flavor: "modelarts.vm.cpu.8u", instanceCount: 2, env: { SEED: "1" }, description: "first", ...over,
  });
  let datasetId: string;
  beforeAll(async () => {
    mkdirSync(join(dir, "code"));
    writeFileSync(join(dir, "code", "train.py"), "print('train')\n");
    mkdirSync(join(dir, "tdata"));
    writeFileSync(join(dir, "tdata", "iris.csv"), "a,b\n1,2\n");
    const d = await dataset.check({}, { logicalName: "p/s/tdata", name: "tdata", format: "csv", source: join(dir, "tdata") });
    datasetId = (await dataset.create(d.inputs)).id;
  });

  it("check refuses what the backend's TrainingJob spec refuses, by property", async () => {
    const fail = async (over: Record<string, unknown>) => located((await trainingJob.check({}, spec("d", over))).failures);
    expect((await fail({ image: "org/img:1" })).map((f) => f.property)).toEqual(["image"]);
    expect((await fail({ bootFile: undefined })).map((f) => f.property)).toEqual(["bootFile"]);
    expect((await fail({ bootFile: "../escape.py" })).map((f) => f.property)).toEqual(["bootFile"]);
    expect((await fail({ engine: undefined, image: "org/img:1" })).map((f) => f.property)).toEqual(["command"]);
    expect((await fail({ python: { requirements: ["x==1"] }, maxRuntimeSeconds: 60, tags: { a: "b" } })).map((f) => f.property).sort()).toEqual(["maxRuntimeSeconds", "python", "tags"]);
    expect(await fail({ flavor: "local.small" })).toEqual([{ property: "flavor", reason: expect.stringMatching(/"local.small" is not offered .*modelarts.vm.cpu.8u/) }]);
    expect(await fail({ flavor: undefined })).toEqual([{ property: "flavor", reason: "is required" }]);
    expect(await fail({ engine: { name: "PyTorch" } })).toEqual([{ property: "engine.version", reason: "is required" }]);
  });

  it("runs to Completed with the code uploaded once; read shows no diff; description in place; a new hyper-parameter or new code replaces; the output registers as a Model", async () => {
    const p = platform() as ModelArtsPlatform;
    const r = await trainingJob.check({}, spec(datasetId));
    expect(located(r.failures)).toEqual([]);
    const uploads = p.store.uploadedFiles;
    const created = await trainingJob.create(r.inputs);
    expect(p.store.uploadedFiles).toBe(uploads + 1);
    expect(created.outs).toMatchObject({ status: "Completed", outputUri: expect.stringMatching(new RegExp(`^obs://${BUCKET}/mlplatform/training-output/train-iris/[0-9a-f]{12}/$`)), datasetVersion: 1, instanceCount: 2, exitCode: 0 });
    expect(created.outs.metrics).toMatchObject({ cpuUsage: expect.any(Number), memUsage: expect.any(Number) });
    const vendor = emu.trainingJobs.get(created.id)!.body;
    expect(vendor.algorithm).toMatchObject({
      engine: { engine_name: "PyTorch", engine_version: "PyTorch-1.4.0-python3.6" },
      parameters: [{ name: "epochs", value: "3" }, { name: "lr", value: "0.1" }, { name: "mode", value: "fast" }, { name: "shuffle", value: "true" }],
      inputs: [{ name: "data_url", remote: { dataset: { id: datasetId, version_id: emu.datasets.get(datasetId)!.versions[0].version_id } } }],
      environments: { SEED: "1" },
    });
    expect(vendor.algorithm.code_dir).toMatch(new RegExp(`^obs://${BUCKET}/mlplatform/code/sha256-[0-9a-f]{64}/code/$`));
    expect(vendor.algorithm.boot_file).toBe(vendor.algorithm.code_dir + "train.py");
    expect(vendor.spec.resource).toEqual({ flavor_id: "modelarts.vm.cpu.8u", node_count: 2 });
    // No perpetual diff: parameters come back as strings, paths as /bucket/path/, the code dir as its OBS copy.
    const read = await trainingJob.read(created.id, created.outs);
    expect(trainingJob.diff(created.id, read.props, r.inputs)).toMatchObject({ changes: false });
    expect(read.inputs).toMatchObject({ hyperParameters: { epochs: 3, lr: 0.1, mode: "fast", shuffle: true }, workingDir: join(dir, "code") });
    // Only the description changes in place.
    const described = await trainingJob.check({}, spec(datasetId, { description: "second" }));
    expect(trainingJob.diff(created.id, read.props, described.inputs)).toMatchObject({ changes: true, replaces: [] });
    const updated = await trainingJob.update(created.id, read.props, described.inputs);
    expect(updated.outs).toMatchObject({ description: "second", status: "Completed" });
    expect(emu.liveTrainingJobs().map((j) => [j.id, j.description])).toEqual([[created.id, "second"]]);
    expect(emu.count("ChangeTrainingJobDescription", (x) => x.status === 200)).toBe(1);
    const bumped = await trainingJob.check({}, spec(datasetId, { description: "second", hyperParameters: { epochs: 4, lr: 0.1, mode: "fast", shuffle: true } }));
    expect(trainingJob.diff(created.id, updated.outs, bumped.inputs).replaces).toEqual(["hyperParameters"]);
    writeFileSync(join(dir, "code", "train.py"), "print('train v2')\n");
    const newCode = await trainingJob.check({}, spec(datasetId, { description: "second" }));
    expect(trainingJob.diff(created.id, updated.outs, newCode.inputs).replaces).toEqual(["sourceDigest"]);
    writeFileSync(join(dir, "code", "train.py"), "print('train')\n");
    // The job's output directory is a Model source (ModelArts registers models from OBS).
    const m = await model.check({}, { logicalName: "p/s/trained", name: "trained", source: created.outs.outputUri, format: "onnx", framework: "PyTorch" });
    expect(located(m.failures)).toEqual([]);
    const mc = await model.create(m.inputs);
    expect([...emu.models.values()].find((x) => x.model_name === "trained")?.source_location).toBe(created.outs.outputUri);
    expect(model.diff(mc.id, (await model.read(mc.id, mc.outs)).props, m.inputs).changes).toBe(false);
    await model.delete(mc.id, mc.outs);
    await trainingJob.delete(created.id, updated.outs);
    expect(emu.liveTrainingJobs()).toEqual([]);
  });

  it("a failed run reports its exit code, message, metrics and log tail; the next check repairs it by a new run", async () => {
    emu.trainingOutcome = () => ({ log: ["epoch 1 loss 0.9", "Traceback (most recent call last):", 'ValueError: could not convert string to float: "setosa"'], fail: { exitCode: 1, message: "worker-0 exited with code 1" } });
    try {
      const r = await trainingJob.check({}, spec(datasetId, { name: "train-bad", logicalName: "p/s/train-bad" }));
      const err = await trainingJob.create(r.inputs).catch((e) => e);
      expect(String(err.message)).toMatch(/Failed \(exit code 1\): ModelArts phase Failed: worker-0 exited with code 1; last metrics cpuUsage=/);
      expect(String(err.message)).toContain('| ValueError: could not convert string to float: "setosa"');
      expect(err.id).toBeTruthy();
      expect(trainingJob.diff(err.id, { ...err.properties, status: "Failed" }, r.inputs)).toMatchObject({ changes: true, replaces: ["status"] });
      await trainingJob.delete(err.id, err.properties);
    } finally {
      emu.trainingOutcome = (job) => ({ log: [`job ${job.metadata.name}`] });
    }
  });

  it("stop goes through /actions (terminate); delete stops a running job first", async () => {
    const p = platform() as ModelArtsPlatform;
    const r = await trainingJob.check({}, spec(datasetId, { name: "train-stop", logicalName: "p/s/train-stop" }));
    const { logicalName: _l, ...body } = r.inputs as Record<string, any>;
    const job = await p.trainingJobs.create({ ...body, workingDir: join(dir, "code") } as any, { idempotencyKey: "k" });
    expect(["Pending", "Running"]).toContain(job.status);
    const stopped = await p.trainingJobs.stop(job.id);
    expect(stopped.status).toBe("Running"); // Terminating
    await new Promise((res) => setTimeout(res, 400));
    expect((await p.trainingJobs.get(job.id)).status).toBe("Stopped");
    expect(emu.count("StopTrainingJob", (x) => x.status === 202)).toBe(1);
    // A second job, deleted while it runs: the handler terminates it first.
    const r2 = await trainingJob.check({}, spec(datasetId, { name: "train-stop2", logicalName: "p/s/train-stop2" }));
    const { logicalName: _l2, ...body2 } = r2.inputs as Record<string, any>;
    const job2 = await p.trainingJobs.create(body2 as any, { idempotencyKey: "k2" });
    await trainingJob.delete(job2.id, {});
    expect(emu.count("StopTrainingJob", (x) => x.status === 202)).toBe(2);
    await trainingJob.delete(job.id, {});
    expect(emu.liveTrainingJobs()).toEqual([]);
  });
});
