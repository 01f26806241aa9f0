// The Qianfan driver under the real Pulumi engine, against the Qianfan emulator (bce-auth-v1 verified, vendor
// rules and codes, BOS uploads in moto): the example program with credentials in stack config secrets.
// In order: bad credentials (one clear error, nothing created) → up (dataset uploaded and published, run
// Done, model published, service Serving) → no-change preview → new dataset content (one upload, a new
// dataset version, a new run, the model's next version, the service switched in place) → a change made
// through the vendor API that `mlplatform drift` reports and up heals → destroy refuses to pretend the
// service is gone → with retainOnDelete it is released from state (and the vendor then refuses to delete the
// model it serves) → after the console deletion, destroy leaves nothing; no secret in state.
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type * as auto from "@pulumi/pulumi/automation";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runDrift } from "../../cli/drift";
import { program } from "../../examples/qianfan/index";
import { resolveCloudConfig } from "../../sdk/cloud/config";
import { QIANFAN, QianfanApi } from "../../sdk/qianfan";
import { startMoto, type MotoServer } from "../emulators/s3/moto";
import { QianfanEmulator } from "../emulators/qianfan/server";
import { WRONG_SECRET_KEY, expectNoSecretOnDisk, openCloudStack } from "./cloud-setup";
import { REPO_ROOT, makeProjectDir, removeDir, stepTimer } from "./harness";

const AK = "qianfan-e2e-access-key";
const SK = "qianfan-e2e-secret-key-value";
const BUCKET = "mlp-e2e-datasets";
let moto: MotoServer;
let emu: QianfanEmulator;
let projectDir: string;
let stack: auto.Stack;
let retainService = false;
const { timings, timed } = stepTimer();

const services = () => [...emu.services.values()];

beforeAll(async () => {
  moto = await startMoto();
  emu = new QianfanEmulator({ keys: { [AK]: SK }, s3Endpoint: moto.endpoint, delays: { trainMs: 400, deployMs: 300 } });
  await emu.start();
  await emu.createBucket(BUCKET);
  projectDir = makeProjectDir("qianfan");
  writeFileSync(join(projectDir, "train.jsonl"), readFileSync(join(REPO_ROOT, "examples/qianfan/train.jsonl")));
  stack = await openCloudStack({
    projectDir, projectName: "qf", program: async () => program({ dataFile: "train.jsonl", prefix: "faq", retainService }),
    backend: "qianfan", settings: { objectStoreBucket: BUCKET }, endpoint: emu.endpoint, objectStoreEndpoint: moto.endpoint, accessKey: AK,
    vendorEnv: ["QIANFAN_ACCESS_KEY", "QIANFAN_SECRET_KEY", "QIANFAN_BOS_BUCKET"],
  });
}, 15 * 60_000);

afterAll(async () => {
  console.log("qianfan e2e durations (ms):", JSON.stringify(timings));
  await emu?.stop();
  await moto?.stop();
  if (projectDir) removeDir(projectDir);
});

describe.sequential("Qianfan backend under the real engine", () => {
  it("1. bad credentials: up fails with one clear error and creates nothing", async () => {
    let output = "";
    await expect(timed("1-bad-credentials", () => stack.up({ onOutput: (o) => (output += o) }))).rejects.toThrow();
    expect(output).toMatch(/Qianfan \w+: auth failed, no access: signature does not match; check the IAM access key \/ secret key from stack config .*\(code 500002, request id \w+\)/);
    expect(output).not.toContain(WRONG_SECRET_KEY);
    expect(emu.datasets.size + emu.jobs.size + emu.modelSets.size + emu.services.size).toBe(0);
    await stack.setConfig("mlplatform:secretKey", { value: SK, secret: true });
  }, 300_000);

  it("2. up: dataset in BOS and published, run Done, model published, service Serving", async () => {
    const result = await timed("2-up", () => stack.up());
    expect(result.summary.result).toBe("succeeded");
    expect(result.outputs.datasetVersion.value).toBe(1);
    expect(result.outputs.runStatus.value).toBe("Completed");
    expect(result.outputs.modelVersion.value).toBe(1);
    expect(result.outputs.serviceStatus.value).toBe("Running");
    expect([...emu.versions.values()].map((v) => v.importFiles[0])).toEqual([expect.stringMatching(new RegExp(`^bos://${BUCKET}/mlplatform/datasets/sha256-[0-9a-f]{64}/train\\.jsonl$`))]);
    expect(services()).toHaveLength(1);
    expect(services()[0].body).toMatchObject({ name: "faq-svc", resourceConfig: { type: "PublicResource", replicasCount: 1 }, billing: { paymentTiming: "Postpaid" } });
  }, 600_000);

  it("3. preview right after up shows no change", async () => {
    await timed("3-preview", () => stack.preview({ expectNoChanges: true }));
  }, 300_000);

  it("4. new dataset content: a new dataset version, a new run, the model's next version, the service switched in place", async () => {
    const more = Array.from({ length: 8 }, (_, i) => JSON.stringify({ prompt: `Extra question ${i}?`, response: [[`Extra answer ${i}.`]] })).join("\n") + "\n";
    writeFileSync(join(projectDir, "train.jsonl"), readFileSync(join(projectDir, "train.jsonl"), "utf8") + more);
    const svc = services()[0];
    const result = await timed("4-up", () => stack.up());
    expect(result.summary.resourceChanges).toMatchObject({ update: 3, replace: 1 });
    expect(result.outputs.datasetVersion.value).toBe(2);
    expect(result.outputs.modelVersion.value).toBe(2);
    expect(emu.datasets.size).toBe(1);
    expect(emu.tasks.size).toBe(1); // the first run was replaced (deleted), one run remains
    expect(emu.modelSets.size).toBe(1);
    expect([...emu.modelSets.values()][0].modelIds).toHaveLength(2);
    expect(services()).toHaveLength(1);
    expect(services()[0].serviceId).toBe(svc.serviceId);
    expect(services()[0].modelId).toBe([...emu.modelSets.values()][0].modelIds[1]);
    expect(emu.count("ModifyService", (r) => r.status === 200)).toBe(1);
    await stack.preview({ expectNoChanges: true });
  }, 600_000);

  it("5. a change made through the vendor API is reported by mlplatform drift, and up heals it", async () => {
    const api = new QianfanApi(resolveCloudConfig(QIANFAN, { endpoint: emu.endpoint, accessKey: AK, secretKey: SK }));
    const [svc] = services();
    const set = [...emu.modelSets.values()][0];
    await api.call("service", "ModifyService", { serviceId: svc.serviceId, modelSetId: set.modelSetId, modelId: set.modelIds[0] });
    await new Promise((r) => setTimeout(r, 400));
    const drift = await timed("5-drift", () => runDrift({ json: true, openStack: async () => stack }));
    expect(drift.exitCode).toBe(2);
    expect(JSON.stringify(JSON.parse(drift.output))).toContain("models");
    await timed("5-refresh-up", () => stack.up({ refresh: true }));
    expect(services()[0].modelId).toBe(set.modelIds[1]);
    expect((await runDrift({ json: true, openStack: async () => stack })).exitCode).toBe(0);
  }, 600_000);

  it("6. destroy never pretends: the service has no delete API, so destroy fails and says what to do", async () => {
    let output = "";
    await expect(timed("6-destroy-refused", () => stack.destroy({ onOutput: (o) => (output += o) }))).rejects.toThrow();
    expect(output).toMatch(/Qianfan has no API to delete a service, so service faq-svc \(svco-\w+\) was NOT deleted\. Delete it in the Qianfan console/);
    expect(output).toContain("retainOnDelete: true");
    expect(services()).toHaveLength(1);
    expect(emu.modelSets.size).toBe(1);
  }, 600_000);

  it("7. with retainOnDelete the service is released from state (still running), and the vendor then refuses to delete the model it serves", async () => {
    retainService = true;
    await timed("7-up-retain", () => stack.up());
    let output = "";
    await expect(timed("7-destroy-retained", () => stack.destroy({ onOutput: (o) => (output += o) }))).rejects.toThrow();
    expect(services()).toHaveLength(1);
    expect(output).toMatch(/is deployed in a service \(code 21002/);
    const urns = (await stack.exportStack()).deployment.resources.map((r: { urn: string }) => r.urn);
    expect(urns.some((u: string) => u.endsWith("::service"))).toBe(false);
  }, 600_000);

  it("8. after the service is deleted in the console, destroy leaves nothing, and state holds no secret", async () => {
    emu.services.clear(); // what the user does in the Qianfan console
    await timed("8-destroy", () => stack.destroy());
    expect(emu.datasets.size + emu.jobs.size + emu.tasks.size + emu.modelSets.size + emu.models.size).toBe(0);
    expectNoSecretOnDisk(projectDir, "qf", SK);
  }, 600_000);
});
