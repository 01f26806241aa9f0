// The ModelArts driver under the real Pulumi engine, against the ModelArts emulator (signatures verified like
// the API gateway, seed rules enforced, OBS uploads in moto): the example program (a dataset, a v2 training job
// on it, model A from a directory and model B from the job's OBS output, one service split 70/30) with
// credentials in stack config secrets. In order: bad credentials (one clear error, nothing created) → up →
// no-change preview → new bytes for model A: version 1.0.1 registered, the service rolls to it with its weights
// and 1.0.0 is deleted once unserved → the training job's description changes in place → a hyper-parameter
// change is a new run, whose output is model B's next version, rolled → a failing run surfaces its log tail,
// the next up runs it again → new data imported as the dataset's version 2 in place → a change made outside Pulumi reported by `mlplatform drift`, healed by up → 20 %
// faults incl. applied-then-5xx during a new run (no duplicates, no orphans) → destroy with faults leaves
// nothing (service first, then the models it deployed, the job) → no secret in state.
import { cpSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type * as auto from "@pulumi/pulumi/automation";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runDrift } from "../../cli/drift";
import { program, type ModelArtsProgramOptions } from "../../examples/modelarts/index";
import { startMoto, type MotoServer } from "../emulators/s3/moto";
import { ModelArtsEmulator } from "../emulators/modelarts/server";
import { WRONG_SECRET_KEY, countFaults, expectNoSecretOnDisk, openCloudStack, underFaults } from "./cloud-setup";
import { REPO_ROOT, makeProjectDir, removeDir, stepTimer } from "./harness";

const AK = "HPUAE2EACCESSKEY";
const SK = "e2eSecretKeyValue0123456789";
const PROJECT = "5f0c1d2e3a4b45c6d7e8f90a1b2c3d4e";
const BUCKET = "mlp-e2e-models";
let moto: MotoServer;
let emu: ModelArtsEmulator;
let projectDir: string;
let stack: auto.Stack;
const { timings, timed } = stepTimer();

const services = () => emu.liveServices();
/** "name phase" of every vendor training job. */
const jobs = () => emu.liveTrainingJobs().map((j) => `${j.name} ${j.phase}`).sort();
/** What the stack's program declares; steps change it between ups. */
const opts: ModelArtsProgramOptions = { modelDirA: "model-a", dataDir: "data", codeDir: "train", prefix: "iris-ma", epochs: 3 };
/** "name@version" of every vendor model, sorted. */
const models = () => [...emu.models.values()].map((m) => `${m.model_name}@${m.model_version}`).sort();

beforeAll(async () => {
  moto = await startMoto();
  emu = new ModelArtsEmulator({ projectId: PROJECT, keys: { [AK]: SK }, s3Endpoint: moto.endpoint, bucket: BUCKET, delays: { modelPublishMs: 200, serviceDeployMs: 300, serviceDeleteMs: 300, trainingPhaseMs: 300 } });
  await emu.start();
  projectDir = makeProjectDir("modelarts");
  for (const d of ["model-a", "train", "data"]) cpSync(join(REPO_ROOT, "examples/modelarts", d), join(projectDir, d), { recursive: true });
  stack = await openCloudStack({
    projectDir, projectName: "ma", program: async () => program({ ...opts }),
    backend: "modelarts", settings: { region: "cn-north-4", projectId: PROJECT, objectStoreBucket: BUCKET }, endpoint: emu.endpoint, objectStoreEndpoint: moto.endpoint, accessKey: AK,
    vendorEnv: ["HUAWEICLOUD_SDK_AK", "HUAWEICLOUD_SDK_SK", "HUAWEICLOUD_SDK_PROJECT_ID"],
  });
}, 15 * 60_000);

afterAll(async () => {
  console.log("modelarts e2e durations (ms):", JSON.stringify(timings));
  await emu?.stop();
  await moto?.stop();
  if (projectDir) removeDir(projectDir);
});

describe.sequential("ModelArts backend under the real engine", () => {
  it("1. bad credentials: up fails with one clear error and creates nothing", async () => {
    let output = "";
    await expect(timed("1-bad-credentials", () => stack.up({ onOutput: (o) => (output += o) }))).rejects.toThrow();
    expect(output).toMatch(/ModelArts \w+: .*check the credentials from stack config .*\(code APIGW\.0301, request id [0-9a-f]{32}\)/);
    expect(output).not.toContain(WRONG_SECRET_KEY);
    expect(models()).toEqual([]);
    expect(services()).toEqual([]);
    await stack.setConfig("mlplatform:secretKey", { value: SK, secret: true });
  }, 300_000);

  it("2. up: the dataset published over OBS, both models registered from OBS as 1.0.0, the service runs them 70/30", async () => {
    const result = await timed("2-up", () => stack.up());
    expect(result.summary.result).toBe("succeeded");
    expect(result.outputs.versionA.value).toBe(10000);
    expect(result.outputs.status.value).toBe("Running");
    expect(result.outputs.datasetStatus.value).toBe("Ready");
    expect(emu.liveDatasets().map((d) => [d.dataset_name, d.versions.length])).toEqual([["iris-ma-data", 1]]);
    expect(models()).toEqual(["iris-ma-a@1.0.0", "iris-ma-b@1.0.0"]);
    // Model B came from the training job's OBS output.
    expect(jobs()).toEqual(["iris-ma-train Completed"]);
    expect(result.outputs.trainStatus.value).toBe("Completed");
    const b = [...emu.models.values()].find((m) => m.model_name === "iris-ma-b")!;
    expect(b.source_location).toBe(result.outputs.trainOutput.value);
    const [svc] = services();
    expect(services()).toHaveLength(1);
    expect(svc.status).toBe("running");
    expect(svc.config.map((c) => [c.model_name, c.model_version, c.weight, c.instance_count, c.specification])).toEqual([
      ["iris-ma-a", "1.0.0", 70, 2, "modelarts.vm.cpu.2u"],
      ["iris-ma-b", "1.0.0", 30, 2, "modelarts.vm.cpu.2u"],
    ]);
  }, 600_000);

  it("3. preview right after up shows no change", async () => {
    await timed("3-preview", () => stack.preview({ expectNoChanges: true }));
  }, 300_000);

  it("4. new bytes for model A: 1.0.1 registered, the service rolls to it keeping 70/30, 1.0.0 deleted once unserved", async () => {
    writeFileSync(join(projectDir, "model-a/model.onnx"), "retrained A\n");
    const before = services()[0].service_id;
    const result = await timed("4-up", () => stack.up());
    expect(result.summary.resourceChanges).toMatchObject({ update: 2 });
    expect(result.outputs.versionA.value).toBe(10001);
    const [svc] = services();
    expect(svc.service_id).toBe(before);
    expect(svc.config.map((c) => [c.model_name, c.model_version, c.weight])).toEqual([["iris-ma-a", "1.0.1", 70], ["iris-ma-b", "1.0.0", 30]]);
    // The model update found 1.0.0 still deployed (3009) and kept it; the service update deleted it after moving off.
    expect(emu.count("DeleteModel", (r) => r.code === "ModelArts.3009")).toBeGreaterThanOrEqual(1);
    expect(models()).toEqual(["iris-ma-a@1.0.1", "iris-ma-b@1.0.0"]);
    expect(emu.count("UpdateService", (r) => r.status === 200)).toBe(1);
    await stack.preview({ expectNoChanges: true });
  }, 600_000);

  it("4b. the training job's description changes in place: same job, one ChangeTrainingJobDescription, nothing else moves", async () => {
    const before = emu.liveTrainingJobs().map((j) => j.id);
    opts.trainDescription = "iris classifier B, described again";
    const result = await timed("4b-up-description", () => stack.up());
    expect(result.summary.resourceChanges).toMatchObject({ update: 1 });
    expect(emu.liveTrainingJobs().map((j) => [j.id, j.description])).toEqual([[before[0], "iris classifier B, described again"]]);
    expect(emu.count("ChangeTrainingJobDescription", (r) => r.status === 200)).toBe(1);
    expect(emu.count("CreateTrainingJob")).toBe(1);
    await stack.preview({ expectNoChanges: true });
  }, 600_000);

  it("4c. a hyper-parameter change is a new run; its output registers model B 1.0.1 and the service rolls to it", async () => {
    const before = emu.liveTrainingJobs().map((j) => j.id);
    opts.epochs = 4;
    const result = await timed("4c-up-hyperparameter", () => stack.up());
    expect(result.summary.resourceChanges).toMatchObject({ replace: 1, update: 2 });
    const live = emu.liveTrainingJobs();
    expect(live.map((j) => `${j.name} ${j.phase}`)).toEqual(["iris-ma-train Completed"]);
    expect(live[0].id).not.toBe(before[0]);
    expect(live[0].parameters).toEqual([{ name: "epochs", value: "4" }, { name: "lr", value: "0.1" }]);
    expect(result.outputs.versionB.value).toBe(10001);
    expect(services()[0].config.map((c) => [c.model_name, c.model_version, c.weight])).toEqual([["iris-ma-a", "1.0.1", 70], ["iris-ma-b", "1.0.1", 30]]);
    expect(models()).toEqual(["iris-ma-a@1.0.1", "iris-ma-b@1.0.1"]);
    await timed("4c-preview", () => stack.preview({ expectNoChanges: true }));
  }, 600_000);

  it("4d. a failing run fails the up with its exit code and log tail; the next up runs it again", async () => {
    emu.trainingOutcome = () => ({ log: ["epoch 1 loss 1.0986", "Traceback (most recent call last):", '  File "train.py", line 27, in <module>', "RuntimeError: CUDA out of memory"], fail: { exitCode: 1, message: "worker-0 exited with code 1" } });
    let output = "";
    opts.epochs = 5;
    try {
      await expect(timed("4d-up-failing", () => stack.up({ onOutput: (o) => (output += o) }))).rejects.toThrow();
    } finally {
      emu.trainingOutcome = (job) => ({ log: [`job ${job.metadata.name}`, "training finished"] });
    }
    expect(output).toMatch(/Failed \(exit code 1\): ModelArts phase Failed: worker-0 exited with code 1; last metrics cpuUsage=/);
    expect(output).toContain("| RuntimeError: CUDA out of memory");
    expect(jobs()).toEqual(["iris-ma-train Failed"]);
    // The service kept serving B 1.0.1: the failed run registered nothing.
    expect(models()).toEqual(["iris-ma-a@1.0.1", "iris-ma-b@1.0.1"]);
    const result = await timed("4d-up-rerun", () => stack.up());
    expect(result.summary.result).toBe("succeeded");
    expect(jobs()).toEqual(["iris-ma-train Completed"]);
    expect(result.outputs.versionB.value).toBe(10002);
    await stack.preview({ expectNoChanges: true });
  }, 600_000);

  it("4e. new data: the dataset imports it as version 2 in place (same dataset), nothing else moves", async () => {
    const [before] = emu.liveDatasets();
    writeFileSync(join(projectDir, "data/iris.csv"), readFileSync(join(projectDir, "data/iris.csv"), "utf8") + "5.9,3.0,5.1,1.8,virginica\n");
    const result = await timed("4e-up-new-data", () => stack.up());
    expect(result.summary.resourceChanges).toMatchObject({ update: 1 });
    const [after] = emu.liveDatasets();
    expect(after.dataset_id).toBe(before.dataset_id);
    expect(after.versions.map((v) => v.version_name)).toEqual(["V001", "V002"]);
    expect(jobs()).toEqual(["iris-ma-train Completed"]);
    await timed("4e-preview", () => stack.preview({ expectNoChanges: true }));
  }, 600_000);

  it("5. a change made outside Pulumi is reported by mlplatform drift, and up heals it", async () => {
    emu.scale(services()[0].service_id, 3);
    const drift = await timed("5-drift", () => runDrift({ json: true, openStack: async () => stack }));
    console.log(drift.output);
    expect(drift.exitCode).toBe(2);
    expect(JSON.stringify(JSON.parse(drift.output))).toContain("replicas");
    await timed("5-refresh-up", () => stack.up({ refresh: true }));
    expect(services()[0].config.map((c) => c.instance_count)).toEqual([2, 2]);
    expect((await runDrift({ json: true, openStack: async () => stack })).exitCode).toBe(0);
  }, 600_000);

  it("6. 20 % throttling/5xx faults (some applied-then-failed): each change lands once, nothing duplicated or orphaned", async () => {
    await underFaults(emu, { rate: 0.2, kinds: ["throttle", "unavailable", "lostResponse"], next: { CreateModel: "lostResponse", UpdateService: "lostResponse", CreateTrainingJob: "lostResponse" } }, async () => {
      writeFileSync(join(projectDir, "model-a/model.onnx"), "retrained A again\n");
      opts.epochs = 6;
      const result = await timed("6-up-faults", () => stack.up());
      expect(result.summary.result).toBe("succeeded");
      expect(result.outputs.versionA.value).toBe(10002);
      expect(result.outputs.versionB.value).toBe(10003);
      expect(models()).toEqual(["iris-ma-a@1.0.2", "iris-ma-b@1.0.3"]);
      expect(emu.liveDatasets()).toHaveLength(1);
      // The create answered 500 after it was applied: found by name, never sent twice; the old run deleted.
      expect(jobs()).toEqual(["iris-ma-train Completed"]);
      expect(emu.liveTrainingJobs()[0].parameters[0]).toEqual({ name: "epochs", value: "6" });
      expect(services()).toHaveLength(1);
      expect(services()[0].config.map((c) => c.model_version)).toEqual(["1.0.2", "1.0.3"]);
      expect(countFaults(emu.requests)).toBeGreaterThan(2);
    });
    await stack.preview({ expectNoChanges: true });
  }, 600_000);

  it("7. destroy (with faults) leaves nothing: the service goes first, then the models it deployed, the training job; state holds no secret", async () => {
    await underFaults(emu, { rate: 0.2, kinds: ["throttle", "unavailable"] }, () => timed("7-destroy", () => stack.destroy()));
    expect(services()).toEqual([]);
    expect(models()).toEqual([]);
    expect(jobs()).toEqual([]);
    await new Promise((r) => setTimeout(r, 500));
    expect(emu.liveDatasets()).toEqual([]);
    expectNoSecretOnDisk(projectDir, "ma", SK);
  }, 600_000);
});
