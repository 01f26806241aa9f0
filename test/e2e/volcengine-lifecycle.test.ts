// The Volcengine driver under the real Pulumi engine, against the Volcengine emulator (signatures verified,
// seed rules enforced, TOS uploads in moto): the example program with credentials in stack config secrets.
// In order: bad credentials (one clear error, nothing created) → up → no-change preview → a model version
// bump that rolls the service → a change made through the vendor API that `mlplatform drift` reports →
// 20 % throttling/5xx faults (no duplicates) → destroy leaves nothing → no secret in state.
import { cpSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type * as auto from "@pulumi/pulumi/automation";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runDrift } from "../../cli/drift";
import { program } from "../../examples/volcengine/index";
import { resolveCloudConfig } from "../../sdk/cloud/config";
import { VOLCENGINE, VolcengineApi } from "../../sdk/volcengine";
import { startMoto, type MotoServer } from "../emulators/s3/moto";
import { VolcengineEmulator } from "../emulators/volcengine/server";
import { WRONG_SECRET_KEY, countFaults, expectNoSecretOnDisk, openCloudStack, underFaults } from "./cloud-setup";
import { REPO_ROOT, makeProjectDir, removeDir, stepTimer } from "./harness";

const AK = "AKLTe2eAccessKey";
const SK = "ZTJlLXNlY3JldC1rZXktdmFsdWU=";
const REGION = "cn-beijing";
let moto: MotoServer;
let emu: VolcengineEmulator;
let projectDir: string;
let stack: auto.Stack;
const { timings, timed } = stepTimer();

const services = () => [...emu.services.values()];
const models = () => [...emu.models.values()];

beforeAll(async () => {
  moto = await startMoto();
  emu = new VolcengineEmulator({ region: REGION, keys: { [AK]: SK }, s3Endpoint: moto.endpoint, delays: { serviceDeployMs: 300, serviceUpdateMs: 300, perfTaskMs: 300 } });
  await emu.start();
  projectDir = makeProjectDir("volcengine");
  cpSync(join(REPO_ROOT, "examples/volcengine/model"), join(projectDir, "model"), { recursive: true });
  stack = await openCloudStack({
    projectDir, projectName: "volc", program: async () => program({ modelDir: "model", prefix: "iris-volc" }),
    backend: "volcengine", settings: { region: REGION }, endpoint: emu.endpoint, objectStoreEndpoint: moto.endpoint, accessKey: AK,
    vendorEnv: ["VOLC_ACCESSKEY", "VOLC_SECRETKEY"],
  });
}, 15 * 60_000);

afterAll(async () => {
  console.log("volcengine e2e durations (ms):", JSON.stringify(timings));
  await emu?.stop();
  await moto?.stop();
  if (projectDir) removeDir(projectDir);
});

describe.sequential("Volcengine backend under the real engine", () => {
  it("1. bad credentials: up fails with one clear error and creates nothing", async () => {
    let output = "";
    await expect(timed("1-bad-credentials", () => stack.up({ onOutput: (o) => (output += o) }))).rejects.toThrow();
    expect(output).toMatch(/Volcengine \w+: .*check the credentials from stack config .*\(code SignatureDoesNotMatch, request id \w{34}\)/);
    expect(output).not.toContain(WRONG_SECRET_KEY);
    expect(models()).toEqual([]);
    expect(services()).toEqual([]);
    expect(emu.perfJobs.size).toBe(0);
    await stack.setConfig("mlplatform:secretKey", { value: SK, secret: true });
  }, 300_000);

  it("2. up: model registered from TOS, benchmarked within its SLO, service Running", async () => {
    const result = await timed("2-up", () => stack.up());
    expect(result.summary.result).toBe("succeeded");
    expect(result.outputs.modelVersion.value).toBe(1);
    expect(result.outputs.sloMet.value).toBe(true);
    expect(result.outputs.endpoint.value).toMatch(/^http:\/\/s-\d{14}-\w{5}\.ml-platform-cn-beijing\.volces\.com$/);
    expect(models().map((m) => m.ModelName)).toEqual(["iris-volc"]);
    expect(services()).toHaveLength(1);
    expect(services()[0]).toMatchObject({ status: "Running", d: { Replicas: 2, FlavorID: "ml.highcpu.large" } });
    expect(emu.perfJobs.size).toBe(1);
  }, 600_000);

  it("3. preview right after up shows no change", async () => {
    await timed("3-preview", () => stack.preview({ expectNoChanges: true }));
  }, 300_000);

  it("4. new model bytes: version 2 is registered (uploaded once), the benchmark reruns, the service rolls", async () => {
    writeFileSync(join(projectDir, "model/model.onnx"), "retrained ONNX bytes\n");
    const before = services()[0].ServiceID;
    const result = await timed("4-up", () => stack.up());
    expect(result.summary.resourceChanges).toMatchObject({ update: 2, replace: 1 });
    expect(result.outputs.modelVersion.value).toBe(2);
    const [svc] = services();
    expect(svc.ServiceID).toBe(before);
    expect(svc.d.Model.ModelVersionID).toMatch(/-2$/);
    expect(emu.count("UpdateService", (r) => r.status === 200)).toBe(1);
    expect(emu.perfJobs.size).toBe(2);
    await stack.preview({ expectNoChanges: true });
  }, 600_000);

  it("5. a change made through the vendor API is reported by mlplatform drift, and up heals it", async () => {
    const api = new VolcengineApi(resolveCloudConfig(VOLCENGINE, { region: REGION, endpoint: emu.endpoint, accessKey: AK, secretKey: SK }));
    const id = services()[0].ServiceID;
    await api.call("UpdateService", { ServiceID: id, Replicas: 3, ChangeType: "ScalingService" });
    const drift = await timed("5-drift", () => runDrift({ json: true, openStack: async () => stack }));
    console.log(drift.output);
    expect(drift.exitCode).toBe(2);
    const report = JSON.parse(drift.output);
    expect(JSON.stringify(report)).toContain("replicas");
    await timed("5-refresh-up", () => stack.up({ refresh: true }));
    expect(services()[0].d.Replicas).toBe(2);
    expect((await runDrift({ json: true, openStack: async () => stack })).exitCode).toBe(0);
  }, 600_000);

  it("6. 20 % throttling/5xx faults (some applied-then-failed): the update lands once, nothing duplicated", async () => {
    await underFaults(emu, { rate: 0.2, kinds: ["throttle", "unavailable", "lostResponse"], next: { CreateModel: "lostResponse", UpdateService: "lostResponse" } }, async () => {
      writeFileSync(join(projectDir, "model/model.onnx"), "retrained again\n");
      const result = await timed("6-up-faults", () => stack.up());
      expect(result.summary.result).toBe("succeeded");
      expect(result.outputs.modelVersion.value).toBe(3);
      expect(models()).toHaveLength(1);
      expect([...models()[0].versions.keys()]).toEqual([1, 2, 3]);
      expect(services()).toHaveLength(1);
      expect(emu.perfJobs.size).toBe(3);
      expect(countFaults(emu.requests)).toBeGreaterThan(2);
    });
    await stack.preview({ expectNoChanges: true });
  }, 600_000);

  it("7. destroy leaves nothing (perf jobs: cancelled if running, they have no delete) and state holds no secret", async () => {
    await underFaults(emu, { rate: 0.2, kinds: ["throttle", "unavailable"] }, () => timed("7-destroy", () => stack.destroy()));
    expect(services()).toEqual([]);
    expect(models()).toEqual([]);
    expectNoSecretOnDisk(projectDir, "volc", SK);
  }, 600_000);
});
