// Issue 10 under the real Pulumi engine (Automation API) against a real local platform process behind a
// fault proxy: a missed SLO fails the up and a relaxed SLO converges it; `up --replace` of each kind ends
// with exactly one live object, the one the state points to; an outage while create waits keeps the id in
// state and the next up resumes; a platform restart during training fails the run and the next up re-runs it;
// destroy leaves nothing behind. Small durations and few resources: CI has two cores.
import { rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type * as auto from "@pulumi/pulumi/automation";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { FaultProxy } from "../provider/fault-proxy";
import { makeFixtures, type Fixtures } from "../provider/fixtures";
import { exportState, makeProjectDir, openE2EStack, removeDir, startPlatformProcess, type E2EPlatform } from "./harness";

let fx: Fixtures;
let platform: E2EPlatform;
let proxy: FaultProxy;
let projectDir: string;
let dataDir: string;
let stack: auto.Stack;

/** What the program declares; tests change it between ups. */
const declared = { sleep: 0, run: 1, p99LatencyMs: 10_000 };

const KINDS = { Dataset: "datasets", TrainingJob: "training-jobs", Model: "models", PerfJob: "perf-jobs", Service: "services" } as const;
const NAMES = { Dataset: "lc-data", TrainingJob: "lc-train", Model: "lc-model", PerfJob: "lc-perf", Service: "lc-svc" } as const;
type Kind = keyof typeof KINDS;

beforeAll(async () => {
  fx = makeFixtures();
  dataDir = join(fx.root, "platform-data");
  platform = await startPlatformProcess(dataDir, [fx.root]);
  proxy = await new FaultProxy({ target: platform.endpoint, rate: 0, delayMs: 0 }).start();
  projectDir = makeProjectDir("lifecycle");
  const program = async () => {
    const ml = require(join(projectDir, "node_modules/mlplatform")) as typeof import("../../provider");
    const ds = new ml.Dataset(NAMES.Dataset, { name: NAMES.Dataset, format: "csv", source: fx.csv });
    const job = new ml.TrainingJob(NAMES.TrainingJob, { name: NAMES.TrainingJob, command: fx.trainCommand, datasetId: ds.id, hyperParameters: { sleep: declared.sleep, run: declared.run } });
    const model = new ml.Model(NAMES.Model, { name: NAMES.Model, source: job.outputUri.apply((u) => `${u}/model.json`), format: "logreg-json", metrics: { accuracy: 0.9 } });
    const perf = new ml.PerfJob(NAMES.PerfJob, { name: NAMES.PerfJob, modelId: model.id, modelVersion: model.version, concurrency: [1], durationSeconds: 0.3, slo: { p99LatencyMs: declared.p99LatencyMs } });
    const svc = new ml.Service(NAMES.Service, { name: NAMES.Service, models: [{ modelId: model.id, version: model.version }] }, { dependsOn: [perf] });
    return { endpoint: svc.endpoint };
  };
  stack = await openE2EStack({ projectDir, program, platform: { ...platform, endpoint: proxy.endpoint } });
}, 120_000);

afterAll(async () => {
  await proxy?.resume().catch(() => undefined);
  await stack?.destroy().catch(() => undefined);
  await proxy?.stop().catch(() => undefined);
  await platform?.stop();
  if (projectDir) removeDir(projectDir);
  if (fx) rmSync(fx.root, { recursive: true, force: true });
});

async function live(kind: Kind): Promise<any[]> {
  const r = await platform.api("GET", `/v1/${KINDS[kind]}?name=${NAMES[kind]}`);
  expect(r.status).toBe(200);
  return r.body.items;
}

async function stateOf(kind: Kind): Promise<any> {
  return (await exportState(stack)).resources.find((r: any) => r.type === `pulumi-nodejs:dynamic/mlplatform:${kind}`);
}

/** Exactly one live object of the kind, and it is the one the state points to. */
async function expectOneLiveInState(kind: Kind): Promise<string> {
  const objects = await live(kind);
  const inState = await stateOf(kind);
  expect({ kind, live: objects.map((o) => o.id) }).toEqual({ kind, live: [inState.id] });
  return inState.id;
}

async function expectConverged(after: string): Promise<void> {
  for (const [what, run] of [["preview", () => stack.preview({ expectNoChanges: true })], ["refresh", () => stack.previewRefresh({ expectNoChanges: true })]] as const) {
    try {
      await run();
    } catch (e) {
      throw new Error(`${what} after ${after} proposes changes: ${String(e).slice(0, 2000)}`);
    }
  }
}

async function predict(endpoint: string): Promise<number> {
  const res = await fetch(`${endpoint}/v2/models/${NAMES.Service}/infer`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ inputs: [{ name: "input", datatype: "FP32", shape: [1, 2], data: [1, 0] }] }),
  });
  return res.status;
}

async function failedUp(): Promise<string> {
  return stack.up().then(
    () => expect.fail("up should have failed"),
    (e) => String(e),
  );
}

describe("lifecycle under the real engine", () => {
  it("a missed SLO fails the up and keeps the perf job in state; relaxing the SLO converges", async () => {
    declared.p99LatencyMs = 0.0001;
    expect(await failedUp()).toMatch(/SLO not met/);
    const missed = await stateOf("PerfJob");
    expect(missed.outputs.status).toBe("Failed");
    expect(await live("Service")).toEqual([]); // the service waits for its gate
    // Nothing changed: the next up benchmarks again (a new run), instead of failing on the old result.
    expect(await failedUp()).toMatch(/running it again[\s\S]*SLO not met|SLO not met[\s\S]*running it again/);
    const again = await expectOneLiveInState("PerfJob");
    expect(again).not.toBe(missed.id);
    declared.p99LatencyMs = 10_000;
    const up = await stack.up();
    expect(up.summary.result).toBe("succeeded");
    expect((await stateOf("PerfJob")).outputs).toMatchObject({ status: "Succeeded", sloMet: true });
    for (const kind of Object.keys(KINDS) as Kind[]) await expectOneLiveInState(kind);
    expect(await predict(up.outputs.endpoint.value)).toBe(200);
    await expectConverged("the relaxed SLO");
  }, 300_000);

  it("`up --replace` of each kind ends with exactly one live object, the one in state", async () => {
    const urn = async (kind: Kind) => (await stateOf(kind)).urn as string;
    for (const kind of ["Service", "PerfJob", "TrainingJob", "Dataset"] as Kind[]) {
      const before = await stateOf(kind);
      const up = await stack.up({ replace: [await urn(kind)] });
      expect(up.summary.result).toBe("succeeded");
      const after = await expectOneLiveInState(kind);
      expect({ kind, replaced: after !== before.id }).toEqual({ kind, replaced: true });
      for (const other of Object.keys(KINDS) as Kind[]) await expectOneLiveInState(other);
      expect(await predict(up.outputs.endpoint.value)).toBe(200);
    }
    await expectConverged("replacing each kind");
    // A model that a service serves cannot be deleted, and names are unique, so it cannot be replaced while
    // served: the up says so and what to do, and changes nothing (the next preview is clean).
    const model = await stateOf("Model");
    const refused = await stack.up({ replace: [model.urn] }).then(() => "", (e) => String(e));
    expect(refused).toMatch(/is used by service "lc-svc".*replace deletes first/s);
    expect(await expectOneLiveInState("Model")).toBe(model.id);
    // The engine deleted the model's benchmark first (it would have been replaced along): the next up
    // brings it back, and then nothing is left to do.
    expect((await stack.up()).summary.result).toBe("succeeded");
    for (const kind of Object.keys(KINDS) as Kind[]) await expectOneLiveInState(kind);
    await expectConverged("the refused model replace");
  }, 600_000);

  it("an outage while create waits keeps the accepted id in state; the next up resumes; nothing runs twice", async () => {
    declared.sleep = 12;
    declared.run = 2;
    const oldJob = (await stateOf("TrainingJob")).id;
    const up = failedUp();
    // as soon as the platform accepted the new run, it stops answering (longer than the client's retries)
    for (const deadline = Date.now() + 120_000; ; ) {
      const jobs = await live("TrainingJob");
      if (jobs.some((j) => j.id !== oldJob)) break;
      if (Date.now() > deadline) throw new Error("the new training run never appeared on the platform");
      await new Promise((r) => setTimeout(r, 100));
    }
    await proxy.pause();
    const message = await up;
    await proxy.resume();
    expect(message).toMatch(/was created, but waiting for it .* failed/);
    const newJob = (await live("TrainingJob"))[0];
    expect(newJob.id).not.toBe(oldJob);
    expect((await stateOf("TrainingJob")).id).toBe(newJob.id);
    const resumed = await stack.up();
    expect(resumed.summary.result).toBe("succeeded");
    expect(await expectOneLiveInState("TrainingJob")).toBe(newJob.id);
    expect((await live("TrainingJob"))[0].status).toBe("Completed");
    await expectConverged("the resumed wait");
  }, 300_000);

  it("a platform restart during training fails the run; the next up runs it again and converges", async () => {
    declared.sleep = 4;
    declared.run = 3;
    const oldJob = (await stateOf("TrainingJob")).id;
    const up = failedUp();
    for (const deadline = Date.now() + 120_000; ; ) {
      const jobs = await live("TrainingJob");
      if (jobs.some((j) => j.id !== oldJob && j.status === "Running")) break;
      if (Date.now() > deadline) throw new Error("the new training run never ran on the platform");
      await new Promise((r) => setTimeout(r, 100));
    }
    const port = Number(new URL(platform.endpoint).port);
    platform.process.kill("SIGKILL");
    await new Promise((r) => platform.process.once("exit", r));
    platform = await startPlatformProcess(dataDir, [fx.root], port);
    expect(await up).toMatch(/platform restarted while the job was running/);
    const failed = (await live("TrainingJob"))[0];
    expect(failed.status).toBe("Failed");
    const again = await stack.up();
    expect(again.summary.result).toBe("succeeded");
    expect(again.summary.resourceChanges?.replace).toBeGreaterThanOrEqual(1); // the run (and the benchmark, if its model version moved)
    const rerun = await expectOneLiveInState("TrainingJob");
    expect(rerun).not.toBe(failed.id);
    expect((await live("TrainingJob"))[0].status).toBe("Completed");
    await expectConverged("the re-run");
  }, 300_000);

  it("destroy deletes everything, the runs it recovered included", async () => {
    await stack.destroy();
    for (const kind of Object.values(KINDS)) expect((await platform.api("GET", `/v1/${kind}`)).body.items).toEqual([]);
    writeFileSync(join(fx.root, "done"), "");
  }, 300_000);
});
