// The provider under the real Pulumi engine (Automation API, file backend), configured ONLY through stack
// config (mlplatform:endpoint, mlplatform:token as a secret): up, the no-op gates, drift through refresh,
// a partial failure kept in state, out-of-band deletion, destroy; and the state holds no token.
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type * as auto from "@pulumi/pulumi/automation";
import { afterAll, beforeAll, expect, it } from "vitest";
import { makeProjectDir, openE2EStack } from "../e2e/harness";
import { ensureBuilt } from "../build";
import { makeFixtures, type Fixtures } from "./fixtures";
import { startPlatformForProviderTests, type TestPlatform } from "./platform";

let fx: Fixtures;
let tp: TestPlatform;
let projectDir: string;
let noDataDir: string;
let stack: auto.Stack;
let failJob = false;

beforeAll(async () => {
  ensureBuilt();
  fx = makeFixtures();
  tp = await startPlatformForProviderTests(fx.root);
  projectDir = makeProjectDir("provider-engine");
  noDataDir = mkdtempSync(join(tmpdir(), "mlp-engine-nodata-"));
  const program = async () => {
    // Loaded inside the program so the classes come from the package, as in a user's project.
    const ml = require(join(projectDir, "node_modules/mlplatform")) as typeof import("../../provider");
    const ds = new ml.Dataset("train-data", { format: "csv", source: fx.csv, description: "engine" });
    const out: Record<string, unknown> = { datasetId: ds.id, samples: ds.sampleCount };
    if (failJob) new ml.TrainingJob("bad-run", { command: fx.trainCommand, datasetId: ds.id, hyperParameters: { fail: 1 } });
    return out;
  };
  stack = await openE2EStack({
    projectDir,
    program,
    platform: { endpoint: "", token: "" } as any,
    // Nothing in the environment points at the platform: only stack config can.
    env: { MLPLATFORM_ENDPOINT: "", MLPLATFORM_TOKEN: "", MLPLATFORM_DATA_DIR: noDataDir },
  });
  await stack.setConfig("mlplatform:endpoint", { value: tp.endpoint });
  await stack.setConfig("mlplatform:token", { value: tp.token, secret: true });
}, 120_000);

afterAll(async () => {
  await stack?.destroy().catch(() => undefined);
  await tp?.stop();
  for (const d of [fx?.root, projectDir, noDataDir]) if (d) rmSync(d, { recursive: true, force: true });
});

it("up, no-op preview and refresh, drift, partial failure, out-of-band delete, destroy", async () => {
  const up = await stack.up();
  expect(up.summary.resourceChanges).toMatchObject({ create: 2 });
  expect(up.outputs.samples.value).toBe(3);
  const dsId = up.outputs.datasetId.value as string;

  await stack.preview({ expectNoChanges: true });
  await stack.previewRefresh({ expectNoChanges: true });

  // Drift: someone edits the description; refresh sees it, up puts it back.
  const live = await tp.client.datasets.get(dsId);
  await tp.client.datasets.update(dsId, { description: "edited by hand" }, { ifMatch: live.etag });
  const drift = await stack.previewRefresh();
  expect(drift.changeSummary.update).toBe(1);
  await stack.refresh();
  const fix = await stack.up();
  expect(fix.summary.resourceChanges).toMatchObject({ update: 1 });
  expect((await tp.client.datasets.get(dsId)).description).toBe("engine");

  // A failing training job: up fails with the job's own error, and the job stays in state with its id.
  failJob = true;
  const failed = await stack.up().then(() => undefined, (e) => e as Error);
  expect(String(failed)).toMatch(/boom: the data has no label column/);
  const state = (await stack.exportStack()).deployment;
  const job = state.resources.find((r: any) => r.type === "pulumi-nodejs:dynamic/mlplatform:TrainingJob");
  expect(job?.id).toMatch(/^tj-/);
  expect(job.outputs.status).toBe("Failed");
  // The token is stack config: the engine keeps it (encrypted, as a secret) on the default pulumi-nodejs
  // provider; it must not appear in clear anywhere in the state file, nor in any resource.
  const stateFile = readFileSync(join(projectDir, ".state/.pulumi/stacks/e2e/test.json"), "utf8");
  expect(stateFile).not.toContain(tp.token);
  for (const r of state.resources.filter((r: any) => r.type.startsWith("pulumi-nodejs:dynamic/")))
    expect(JSON.stringify(r)).not.toContain(tp.token);
  failJob = false;
  await stack.up();

  // Deleted out of band: refresh drops it from state, up creates it again.
  await tp.client.datasets.delete(dsId);
  await stack.refresh();
  const recreated = await stack.up();
  expect(recreated.summary.resourceChanges).toMatchObject({ create: 1 });
  expect(recreated.outputs.datasetId.value).not.toBe(dsId);

  await stack.destroy();
  expect(await tp.client.datasets.listAll()).toEqual([]);
  expect(await tp.client.trainingJobs.listAll()).toEqual([]);
}, 300_000);
