// The vendor-neutral handlers over the Volcengine driver, against the emulator (signatures verified, seed
// rules enforced, uploads in moto): check-time refusals from the backend's kind rules, the Model/PerfJob/
// Service lifecycles with what the vendor does in place, uploads only when content changed, drift from a
// change made through the vendor API, bad credentials, and 20 % throttling/5xx faults without duplicates.
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
import { UnauthorizedError } from "../../sdk";
import { VolcengineApi } from "../../sdk/volcengine";
import { resolveCloudConfig } from "../../sdk/cloud/config";
import { VOLCENGINE } from "../../sdk/volcengine";
import type { VolcenginePlatform } from "../../sdk/volcengine/platform";
import { startMoto, type MotoServer } from "../emulators/s3/moto";
import { VolcengineEmulator } from "../emulators/volcengine/server";
import { DRIVER_ACTIONS } from "./oracle-venv";
import { located } from "../emulators/check-failures";

const AK = "AKLThandlers";
const SK = "aGFuZGxlcnMtc2VjcmV0";
const REGION = "cn-beijing";
let moto: MotoServer;
let emu: VolcengineEmulator;
let dir: string;

function settings(over: Record<string, unknown> = {}) {
  return { backend: "volcengine", region: REGION, endpoint: emu.endpoint, objectStoreEndpoint: moto.endpoint, accessKey: AK, secretKey: SK, retryBaseMs: 20, retryMaxMs: 200, waitChunkMs: 2_000, ...over };
}

beforeAll(async () => {
  moto = await startMoto();
  emu = new VolcengineEmulator({ region: REGION, keys: { [AK]: SK }, s3Endpoint: moto.endpoint, delays: { serviceDeployMs: 200, serviceUpdateMs: 200, perfTaskMs: 200 } });
  await emu.start();
  model.configure(settings());
  dir = mkdtempSync(join(tmpdir(), "mlp-volc-"));
  mkdirSync(join(dir, "iris"));
  writeFileSync(join(dir, "iris", "model.onnx"), "onnx-v1");
  writeFileSync(join(dir, "iris", "labels.txt"), "a\nb\nc\n");
}, 15 * 60_000);
afterAll(async () => {
  await emu?.stop();
  await moto?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

const inputs = [{ name: "x", datatype: "FP32", shape: [-1, 4] }];
const vendorApi = () => new VolcengineApi(resolveCloudConfig(VOLCENGINE, { region: REGION, endpoint: emu.endpoint, accessKey: AK, secretKey: SK }));

async function checked(h: KindHandlers, news: Record<string, unknown>) {
  const r = await h.check({}, { logicalName: `p/s/${String(news.name)}`, ...news });
  expect(located(r.failures)).toEqual([]);
  return r.inputs;
}

describe("check on the Volcengine backend", () => {
  it("refuses kinds the backend does not offer, naming it and what it offers", async () => {
    const specs: [KindHandlers, Record<string, unknown>][] = [[dataset, { name: "d", format: "csv", source: "x.csv" }], [trainingJob, { name: "t", command: ["true"] }]];
    for (const [h, spec] of specs) {
      const r = await h.check({}, spec);
      expect(located(r.failures).map((f) => f.reason).join("\n")).toMatch(/Volcengine ML Platform backend \(mlplatform:backend=volcengine\) does not offer (Dataset|TrainingJob).*It offers Model, PerfJob, Service/);
    }
  });

  it("refuses inputs the vendor cannot take, with the property and the reason", async () => {
    const m = await model.check({}, { name: "mm", source: join(dir, "iris"), format: "logreg-json", tags: { team: "a" } });
    expect(located(m.failures).map((f) => f.property).sort()).toEqual(["format", "tags"]);
    const s = await service.check({}, { name: "ss", models: [{ modelId: "m-1", version: 1, weight: 50 }, { modelId: "m-2", version: 1, weight: 50 }], flavor: "ml.highcpu.large" });
    expect(located(s.failures)).toEqual([{ property: "models", reason: expect.stringContaining("exactly one model version") }]);
    const p = await perfJob.check({}, { name: "pp", modelId: "m-1", modelVersion: 1, flavors: ["ml.g1e.large"], concurrency: [1, 8] });
    expect(located(p.failures)).toEqual([{ property: "concurrency", reason: expect.stringContaining("not supported by the Volcengine ML Platform backend") }]);
    // The schema's defaults for what the vendor lacks are dropped, not refused.
    const ok = await perfJob.check({}, { name: "pp", modelId: "m-1", modelVersion: 1, flavors: ["ml.g1e.large"] });
    expect(located(ok.failures)).toEqual([]);
    expect(ok.inputs.concurrency).toBeUndefined();
  });

  it("checks flavors against ListResource", async () => {
    const r = await service.check({}, { name: "ss", models: [{ modelId: "m-1", version: 1 }] });
    expect(located(r.failures)).toEqual([{ property: "flavor", reason: expect.stringMatching(/"local.small" is not offered .*ml.highcpu.large/) }]);
  });
});

describe("lifecycle against the emulator", () => {
  let modelOuts: Record<string, any>;
  let modelInputs: Record<string, any>;
  let serviceOuts: Record<string, any>;
  let modelId: string;
  let serviceId: string;

  it("registers a model, uploading its files once; same content never uploads again", async () => {
    const p = platform() as VolcenginePlatform;
    modelInputs = await checked(model, { name: "iris", source: join(dir, "iris"), format: "onnx", inputs, description: "first" });
    const created = await model.create(modelInputs);
    modelOuts = created.outs;
    modelId = created.id;
    expect(modelOuts).toMatchObject({ name: "iris", version: 1, status: "Ready", source: join(dir, "iris"), description: "first" });
    expect(p.store.uploadedFiles).toBe(2);
    expect(model.diff(created.id, modelOuts, modelInputs)).toMatchObject({ changes: false });
    const r = await model.read(created.id, modelOuts);
    expect(model.diff(created.id, r.props, modelInputs).changes).toBe(false);
    // New content behind the same path: a new version (CreateModel with ModelID), uploaded once.
    writeFileSync(join(dir, "iris", "model.onnx"), "onnx-v2");
    const next = await checked(model, { name: "iris", source: join(dir, "iris"), format: "onnx", inputs, description: "first" });
    expect(model.diff(created.id, modelOuts, next)).toMatchObject({ changes: true, replaces: [] });
    modelOuts = (await model.update(created.id, modelOuts, next)).outs;
    modelInputs = next;
    expect(modelOuts).toMatchObject({ version: 2, latestVersion: 2, versions: [1, 2] });
    expect(p.store.uploadedFiles).toBe(4);
    // A rename and a description change happen in place on Volcengine (UpdateModel / UpdateModelVersion).
    const renamed = await checked(model, { ...next, name: "iris-renamed", description: "second" });
    expect(model.diff(created.id, modelOuts, renamed)).toMatchObject({ changes: true, replaces: [] });
    modelOuts = (await model.update(created.id, modelOuts, renamed)).outs;
    modelInputs = renamed;
    expect(modelOuts).toMatchObject({ name: "iris-renamed", description: "second", version: 2 });
    expect(emu.count("UpdateModel", (r) => r.status === 200)).toBe(1);
    expect(emu.count("UpdateModelVersion", (r) => r.status === 200)).toBe(1);
    expect(emu.models.size).toBe(1);
    expect(p.store.uploadedFiles).toBe(4);
  });

  it("benchmarks a version and gates on the SLO with the vendor's figures", async () => {
    const ok = await perfJob.create(await checked(perfJob, { name: "bench", modelId, modelVersion: 2, flavors: ["ml.highcpu.large", "ml.g1e.large"], slo: { p99LatencyMs: 50 } }));
    expect(ok.outs).toMatchObject({ name: "bench", status: "Succeeded", sloMet: true, slo: { p99LatencyMs: 50 } });
    expect(ok.outs.tasks).toHaveLength(2);
    const read = await perfJob.read(ok.id, ok.outs);
    expect(perfJob.diff(ok.id, read.props, await checked(perfJob, { name: "bench", modelId, modelVersion: 2, flavors: ["ml.highcpu.large", "ml.g1e.large"], slo: { p99LatencyMs: 50 } })).changes).toBe(false);
    const strict = await perfJob.create(await checked(perfJob, { name: "strict", modelId, modelVersion: 2, flavors: ["ml.highcpu.large"], slo: { p99LatencyMs: 1 } })).catch((e) => e);
    expect(String(strict.message)).toMatch(/SLO not met: ml.highcpu.large × concurrency 1: p99 20 ms > 1 ms/);
    // destroy: no delete API; the finished job is left in the list (CancelPerfJob only for a running one).
    await perfJob.delete(ok.id, ok.outs);
    expect(emu.perfJobs.has(ok.id)).toBe(true);
    expect(emu.count("CancelPerfJob")).toBe(0);
  });

  it("deploys a service, scales it with ScalingService, rolls a new version, and reports a vendor-side change as drift", async () => {
    const declared = await checked(service, { name: "iris-svc", models: [{ modelId, version: 1 }], flavor: "ml.highcpu.large", replicas: 1, env: { MODE: "a" } });
    const created = await service.create(declared);
    serviceOuts = created.outs;
    serviceId = created.id;
    expect(serviceOuts).toMatchObject({ status: "Running", readyReplicas: 1, servedModels: [{ modelId, version: 1, modelName: "iris-renamed" }] });
    const scaled = await checked(service, { ...declared, replicas: 2 });
    expect(service.diff(created.id, serviceOuts, scaled)).toMatchObject({ changes: true, replaces: [] });
    serviceOuts = (await service.update(created.id, serviceOuts, scaled)).outs;
    expect(emu.requests.filter((r) => r.action === "UpdateService").length).toBe(1);
    const bumped = await checked(service, { ...scaled, models: [{ modelId, version: 2 }] });
    expect(service.diff(created.id, serviceOuts, bumped).changedKeys).toEqual(["models"]);
    serviceOuts = (await service.update(created.id, serviceOuts, bumped)).outs;
    expect(serviceOuts).toMatchObject({ status: "Running", replicas: 2, servedModels: [{ version: 2 }] });
    // Out of band, through the vendor API: scale to 3.
    await vendorApi().call("UpdateService", { ServiceID: created.id, Replicas: 3, ChangeType: "ScalingService" });
    const r = await service.read(created.id, serviceOuts);
    expect(r.props.replicas).toBe(3);
    expect(service.diff(created.id, r.props, bumped).changedKeys).toEqual(["replicas"]);
    serviceOuts = (await service.update(created.id, r.props, bumped)).outs;
    expect(serviceOuts.replicas).toBe(2);
  });

  it("destroy leaves nothing: service, then model", async () => {
    await service.delete(serviceId, serviceOuts);
    expect(emu.services.size).toBe(0);
    await model.delete(modelId, modelOuts);
    expect(emu.models.size).toBe(0);
    expect((await service.read(serviceId, serviceOuts)).id).toBe("");
  });

  it("sends only actions the vendor's SDK was proven to be answered for, every one signed", () => {
    const sent = new Set(emu.requests.map((r) => r.action));
    expect([...sent].filter((a) => !DRIVER_ACTIONS.includes(a))).toEqual([]);
    expect(emu.requests.filter((r) => r.code === "SignatureDoesNotMatch" || r.code === "InvalidAccessKey")).toEqual([]);
  });
});

describe("failures", () => {
  it("bad credentials: one clear error naming the vendor code and request id, nothing created", async () => {
    model.configure(settings({ secretKey: "wrong" }));
    try {
      const before = emu.models.size;
      const e = await model.create(await checked(model, { name: "nope", source: join(dir, "iris"), format: "onnx" })).catch((x) => x);
      expect(e).toBeInstanceOf(UnauthorizedError);
      expect(e.message).toMatch(/^Volcengine ListModels: .*check the credentials from stack config.* \(code SignatureDoesNotMatch, request id \w{34}\)$/);
      expect(e.message).not.toContain("wrong");
      expect(emu.models.size).toBe(before);
    } finally {
      model.configure(settings());
    }
  });

  it("missing credentials fail before any request", async () => {
    model.configure({ backend: "volcengine", endpoint: emu.endpoint, region: REGION });
    const saved = { ...process.env };
    for (const k of [...VOLCENGINE.accessKeyEnv, ...VOLCENGINE.secretKeyEnv]) delete process.env[k];
    try {
      const n = emu.requests.length;
      const e = await model.create(await checked(model, { name: "nope", source: join(dir, "iris"), format: "onnx" })).catch((x) => x);
      expect(e.message).toMatch(/Volcengine credentials are missing: set mlplatform:accessKey and mlplatform:secretKey .* VOLC_ACCESSKEY and VOLC_SECRETKEY/);
      expect(emu.requests.length).toBe(n);
    } finally {
      process.env = saved;
      model.configure(settings());
    }
  });

  it("20 % throttling and 5xx (some after the call was applied): no duplicates, no orphans", async () => {
    // Every create is applied and then answered with a 5xx at least once: a blind re-send would duplicate.
    emu.faults = { rate: 0.2, kinds: ["throttle", "unavailable", "lostResponse"], next: { CreateModel: "lostResponse", CreatePerfJob: "lostResponse", CreateService: "lostResponse" } };
    try {
      const m = await model.create(await checked(model, { name: "faulty", source: join(dir, "iris"), format: "onnx", inputs }));
      const pj = await perfJob.create(await checked(perfJob, { name: "faulty-bench", modelId: m.id, modelVersion: 1, flavors: ["ml.highcpu.large"] }));
      const s: { id: string; outs: Record<string, any> } = await service.create(await checked(service, { name: "faulty-svc", models: [{ modelId: m.id, version: 1 }], flavor: "ml.highcpu.large" }));
      // An update whose answer is lost has landed: re-sending it would be refused while the service rolls.
      emu.faults.next = { UpdateService: "lostResponse" };
      const declared = await checked(service, { name: "faulty-svc", models: [{ modelId: m.id, version: 1 }], flavor: "ml.highcpu.large", replicas: 2 });
      s.outs = (await service.update(s.id, s.outs, declared)).outs;
      expect(s.outs).toMatchObject({ replicas: 2, status: "Running" });
      expect(emu.count("UpdateService", (r) => r.fault === "lostResponse")).toBe(1);
      const faults = emu.requests.filter((r) => r.fault);
      expect(faults.length).toBeGreaterThan(3);
      for (const a of ["CreateModel", "CreatePerfJob", "CreateService"]) expect(emu.count(a, (r) => r.fault === "lostResponse")).toBeGreaterThanOrEqual(1);
      expect([...emu.models.values()].filter((x) => x.ModelName === "faulty")).toHaveLength(1);
      expect([...emu.perfJobs.values()].filter((j) => j.body.ModelVersionID === `${m.id}-1`)).toHaveLength(1);
      expect([...emu.services.values()].filter((x) => x.ServiceName === "faulty-svc")).toHaveLength(1);
      await service.delete(s.id, s.outs);
      await perfJob.delete(pj.id, pj.outs);
      await model.delete(m.id, m.outs);
      expect(emu.services.size).toBe(0);
      expect(emu.models.size).toBe(0);
      console.log(`faults injected: ${faults.length} of ${emu.requests.length} requests (${["throttle", "unavailable", "lostResponse"].map((k) => `${k} ${faults.filter((f) => f.fault === k).length}`).join(", ")})`);
    } finally {
      emu.faults = { rate: 0, kinds: [] };
    }
  }, 120_000);
});
