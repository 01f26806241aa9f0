// A full create → read → update → delete cycle of every kind through a proxy that breaks ≥ 20% of the
// requests. It must converge with exactly one object per name while it exists and none afterwards.
import { rmSync } from "node:fs";
import { afterAll, beforeAll, expect, it } from "vitest";
import * as dataset from "../../provider/handlers/dataset";
import type { KindHandlers } from "../../provider/handlers/handlers-for";
import * as model from "../../provider/handlers/model";
import * as perfJob from "../../provider/handlers/perf-job";
import * as service from "../../provider/handlers/service";
import * as trainingJob from "../../provider/handlers/training-job";
import { platform } from "../../provider/handlers/context";
import type { LocalPlatform } from "../../sdk";
import { FaultProxy } from "./fault-proxy";
import { makeFixtures, type Fixtures } from "./fixtures";
import { startPlatformForProviderTests, type TestPlatform } from "./platform";

const REQUEST_TIMEOUT_MS = 1_000;
let fx: Fixtures;
let tp: TestPlatform;
let proxy: FaultProxy;

beforeAll(async () => {
  fx = makeFixtures();
  tp = await startPlatformForProviderTests(fx.root);
  proxy = await new FaultProxy({ target: tp.endpoint, rate: 0.25, mutatingRate: 0.6, delayMs: REQUEST_TIMEOUT_MS + 300, seed: Number(process.env.MLP_FAULT_SEED ?? 7) }).start();
  dataset.configure({ endpoint: proxy.endpoint, token: tp.token, requestTimeoutMs: REQUEST_TIMEOUT_MS, retryLimit: 12, retryBaseMs: 20, retryMaxMs: 200, waitChunkMs: 2_000 });
});
afterAll(async () => {
  await proxy?.stop();
  await tp?.stop();
  if (fx) rmSync(fx.root, { recursive: true, force: true });
});

// Any kind's handlers (a kind module also exports its definition under its own name, e.g. datasetDefinition).
type H = KindHandlers;

async function cycle(h: H, kind: string, spec: Record<string, unknown>, change: Record<string, unknown>, expectAfter: Record<string, unknown>) {
  const api = tp.client;
  const listByName = async () => (await kindClient(api, kind).list({ name: spec.name as string })).items.length;
  const checked = async (s: Record<string, unknown>) => {
    const r = await h.check({}, { ...s, logicalName: `faults/test/${kind}/${s.name}` });
    expect(r.failures).toEqual([]);
    return r.inputs;
  };
  const inputs = await checked(spec);
  const created = await h.create(inputs);
  expect(await listByName()).toBe(1);
  const read = await h.read(created.id, created.outs);
  expect(read.id).toBe(created.id);
  expect(h.diff(created.id, read.props, inputs).changes).toBe(false);
  const news = await checked({ ...spec, ...change });
  const updated = (await h.update(created.id, read.props, news)).outs;
  expect(updated).toMatchObject(expectAfter);
  expect(await listByName()).toBe(1);
  return { id: created.id, outs: updated };
}

function kindClient(api: LocalPlatform, kind: string) {
  return { Dataset: api.datasets, TrainingJob: api.trainingJobs, Model: api.models, PerfJob: api.perfJobs, Service: api.services }[kind]!;
}

it("every kind converges through injected faults with no duplicate and no orphan", async () => {
  const ds = await cycle(dataset, "Dataset", { name: "ds-faults", format: "csv", source: fx.csv }, { description: "updated" }, { description: "updated", status: "Ready" });
  const tj = await cycle(trainingJob, "TrainingJob", { name: "tj-faults", command: fx.trainCommand, datasetId: ds.id }, { tags: { run: "2" } }, { tags: { run: "2" }, status: "Completed" });
  const md = await cycle(model, "Model", { name: "md-faults", source: `${tj.outs.outputUri}/model.json`, format: "logreg-json" }, { source: fx.modelFile }, { version: 2, status: "Ready" });
  const sv = await cycle(service, "Service", { name: "sv-faults", models: [{ modelId: md.id, version: 2 }] }, { models: [{ modelId: md.id, version: 1 }] }, { status: "Running", readyReplicas: 1 });
  const pj = await cycle(perfJob, "PerfJob", { name: "pj-faults", modelId: md.id, modelVersion: 2, concurrency: [1], durationSeconds: 1 }, { description: "d" }, { description: "d", status: "Succeeded" });

  await perfJob.delete(pj.id, pj.outs);
  await service.delete(sv.id, sv.outs);
  await model.delete(md.id, md.outs);
  await trainingJob.delete(tj.id, tj.outs);
  await dataset.delete(ds.id, ds.outs);

  const api = tp.client;
  for (const kind of ["Dataset", "TrainingJob", "Model", "PerfJob", "Service"]) expect({ kind, left: await kindClient(api, kind).listAll() }).toEqual({ kind, left: [] });

  const stats = (platform() as LocalPlatform).stats;
  console.log(
    `fault proxy: ${proxy.requests} requests, ${proxy.faults} faults injected (${(100 * proxy.faults / proxy.requests).toFixed(0)}%): ` +
      `${JSON.stringify(proxy.injected)}, ${proxy.lostMutationAnswers} answers to performed mutations lost; client: ${stats.requests} attempts, ${stats.retries} retries ${JSON.stringify(stats.retriesByReason)}`,
  );
  expect(proxy.faults / proxy.requests).toBeGreaterThanOrEqual(0.2);
  expect(stats.retries).toBeGreaterThan(0);
  expect(proxy.lostMutationAnswers).toBeGreaterThan(0);
}, 180_000);
