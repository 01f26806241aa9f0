// Every kind's handler against a REAL local platform: create, read, no-op diff, in-place update, replace
// decision, drift per mutable property, out-of-band delete, adoption, idempotent re-create, deadlines and
// failures that carry the job's own error.
import { rmSync, writeFileSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import * as dataset from "../../provider/handlers/dataset";
import * as model from "../../provider/handlers/model";
import * as perfJob from "../../provider/handlers/perf-job";
import * as service from "../../provider/handlers/service";
import * as trainingJob from "../../provider/handlers/training-job";
import { ResourceInitError } from "../../provider/handlers/common";
import type { LocalPlatform } from "../../sdk";
import { makeFixtures, type Fixtures } from "./fixtures";
import { startPlatformForProviderTests, type TestPlatform } from "./platform";

type H = typeof dataset;
let fx: Fixtures;
let tp: TestPlatform;
let api: LocalPlatform;

beforeAll(async () => {
  fx = makeFixtures();
  tp = await startPlatformForProviderTests(fx.root);
  api = tp.client;
  dataset.configure({ endpoint: tp.endpoint, token: tp.token, waitChunkMs: 5_000 });
});
afterAll(async () => {
  await tp?.stop();
  rmSync(fx.root, { recursive: true, force: true });
});

/** check, failing the test on any failure, as the engine would refuse to continue. */
async function checked(h: H, news: Record<string, unknown>, kind: string) {
  const r = await h.check({}, { logicalName: `test/stack/${kind}/${news.name}`, ...news });
  expect(r.failures).toEqual([]);
  return r.inputs;
}

async function errorOf(p: Promise<unknown>): Promise<any> {
  try {
    await p;
  } catch (e) {
    return e;
  }
  throw new Error("expected a failure");
}

describe("Dataset", () => {
  let id: string;
  let inputs: Record<string, any>;
  let outs: Record<string, any>;

  it("creates, reads back, and diffs as a no-op", async () => {
    inputs = await checked(dataset, { name: "ds-main", format: "csv", source: fx.csv, description: "first" }, "Dataset");
    ({ id, outs } = await dataset.create(inputs));
    expect(id).toMatch(/^ds-/);
    expect(outs).toMatchObject({ name: "ds-main", status: "Ready", latestVersion: 1, sampleCount: 3, source: fx.csv, description: "first", tags: {} });
    expect(outs.digest).toMatch(/^[0-9a-f]{64}$/);
    const r = await dataset.read(id, outs);
    expect(r.id).toBe(id);
    expect(r.props).toMatchObject({ status: "Ready", latestVersion: 1 });
    expect(r.inputs).toMatchObject({ name: "ds-main", format: "csv", source: fx.csv, description: "first" });
    expect(dataset.diff(id, r.props, inputs)).toMatchObject({ changes: false });
  });

  it("updates in place: description, then new content behind the same path as version 2", async () => {
    const news = await checked(dataset, { name: "ds-main", format: "csv", source: fx.csv, description: "second" }, "Dataset");
    expect(dataset.diff(id, outs, news)).toMatchObject({ changes: true, replaces: [] });
    outs = (await dataset.update(id, outs, news)).outs;
    expect(outs).toMatchObject({ description: "second", latestVersion: 1 });

    writeFileSync(fx.csv, "f0,f1,label\n1,0,a\n0,1,b\n2,0,a\n0,2,b\n");
    const grown = await checked(dataset, { name: "ds-main", format: "csv", source: fx.csv, description: "second" }, "Dataset");
    expect(dataset.diff(id, outs, grown)).toMatchObject({ changes: true, replaces: [], changedKeys: ["sourceDigest"] });
    outs = (await dataset.update(id, outs, grown)).outs;
    expect(outs).toMatchObject({ latestVersion: 2, sampleCount: 4, status: "Ready" });
    expect(dataset.diff(id, outs, grown).changes).toBe(false);
    inputs = grown;
  });

  it("decides replace (delete first, same name) for a new format", async () => {
    const news = await checked(dataset, { ...pickSpec(inputs), format: "jsonl" }, "Dataset");
    expect(dataset.diff(id, outs, news)).toMatchObject({ changes: true, replaces: ["format"], deleteBeforeReplace: true });
  });

  it("shows drift of each mutable property on read", async () => {
    const live = await api.datasets.get(id);
    await api.datasets.update(id, { description: "changed by hand", tags: { ...live.tags, owner: "someone" } }, { ifMatch: live.etag });
    const r = await dataset.read(id, outs);
    expect(r.props).toMatchObject({ description: "changed by hand", tags: { owner: "someone" } });
    expect(r.inputs).toMatchObject({ description: "changed by hand", tags: { owner: "someone" } });
    expect(dataset.diff(id, r.props, inputs)).toMatchObject({ changes: true, replaces: [], changedKeys: ["description", "tags"] });
    // up puts it back
    outs = (await dataset.update(id, r.props, inputs)).outs;
    expect(outs).toMatchObject({ description: "second", tags: {} });
    expect((await api.datasets.get(id)).tags).toEqual({ "mlplatform/urn": "test/stack/Dataset/ds-main" });
  });

  it("re-creating the same logical resource finds the first object (interrupted up)", async () => {
    const again = await dataset.create(inputs);
    expect(again.id).toBe(id);
    expect((await api.datasets.list({ name: "ds-main" })).items).toHaveLength(1);
  });

  it("adopts an existing object and brings it to the declared spec", async () => {
    const foreign = await api.datasets.create({ name: "ds-foreign", format: "csv", source: fx.csv, description: "made by hand" }, { idempotencyKey: "hand-1" });
    const declared = await checked(dataset, { name: "ds-foreign", format: "csv", source: fx.csv, description: "managed", adopt: foreign.id }, "Dataset");
    const r = await dataset.create(declared);
    expect(r.id).toBe(foreign.id);
    expect(r.outs.description).toBe("managed");
    const wrongName = await checked(dataset, { name: "ds-other", format: "csv", source: fx.csv, adopt: foreign.id }, "Dataset");
    expect((await errorOf(dataset.create(wrongName))).message).toMatch(/named "ds-foreign" but this resource declares name "ds-other"/);
    const taken = await checked(dataset, { name: "ds-foreign", format: "csv", source: fx.csv }, "Dataset");
    expect((await errorOf(dataset.create({ ...taken, logicalName: "test/stack/Dataset/other" }))).message).toMatch(new RegExp(`adopt: "${foreign.id}"`));
    await dataset.delete(foreign.id, r.outs);
  });

  it("reads an object deleted out of band as gone, and delete of a gone object succeeds", async () => {
    await api.datasets.delete(id);
    expect(await dataset.read(id, outs)).toEqual({ id: "", props: {} });
    await dataset.delete(id, outs);
  });
});

describe("TrainingJob, Model, PerfJob, Service", () => {
  let dsId: string;
  let job: { id: string; outs: Record<string, any> };
  let jobInputs: Record<string, any>;

  beforeAll(async () => {
    const ds = await dataset.create(await checked(dataset, { name: "ds-train", format: "csv", source: fx.csv }, "Dataset"));
    dsId = ds.id;
  });

  it("runs a training job to completion and reports its metrics", async () => {
    jobInputs = await checked(trainingJob, { name: "tj-ok", command: fx.trainCommand, datasetId: dsId, hyperParameters: { epochs: 3 } }, "TrainingJob");
    job = await trainingJob.create(jobInputs);
    expect(job.outs).toMatchObject({ status: "Completed", outputUri: `mlp://training-jobs/${job.id}/output`, datasetVersion: 1 });
    expect(job.outs.metrics.loss).toBeCloseTo(0.25);
    expect(trainingJob.diff(job.id, job.outs, jobInputs).changes).toBe(false);
    // description/tags in place; anything defining the run replaces
    const tagged = await checked(trainingJob, { ...pickSpec(jobInputs), tags: { team: "ml" } }, "TrainingJob");
    expect(trainingJob.diff(job.id, job.outs, tagged)).toMatchObject({ changes: true, replaces: [] });
    job.outs = (await trainingJob.update(job.id, job.outs, tagged)).outs;
    expect(job.outs.tags).toEqual({ team: "ml" });
    const lr = await checked(trainingJob, { ...pickSpec(tagged), hyperParameters: { epochs: 4 } }, "TrainingJob");
    expect(trainingJob.diff(job.id, job.outs, lr)).toMatchObject({ replaces: ["hyperParameters"], deleteBeforeReplace: true });
    const r = await trainingJob.read(job.id, job.outs);
    expect(r.inputs).toMatchObject({ tags: { team: "ml" }, hyperParameters: { epochs: 3 } });
    jobInputs = tagged;
  });

  it("a failing job fails create with its own error and log tail, keeping the id", async () => {
    const inputs = await checked(trainingJob, { name: "tj-fail", command: fx.trainCommand, datasetId: dsId, hyperParameters: { fail: 1 } }, "TrainingJob");
    const e = await errorOf(trainingJob.create(inputs));
    expect(e).toBeInstanceOf(ResourceInitError);
    expect(e.id).toMatch(/^tj-/);
    expect(e.properties).toMatchObject({ status: "Failed", name: "tj-fail" });
    expect(e.message).toMatch(/exit code 3/);
    expect(e.message).toMatch(/boom: the data has no label column/);
    await trainingJob.delete(e.id, e.properties);
  });

  it("deadline exceeded: says what it waited for and keeps the id; delete stops the job", async () => {
    const inputs = await checked(trainingJob, { name: "tj-slow", command: fx.trainCommand, datasetId: dsId, hyperParameters: { sleep: 30 }, deadlineSeconds: 1 }, "TrainingJob");
    const started = Date.now();
    const e = await errorOf(trainingJob.create(inputs));
    expect(Date.now() - started).toBeLessThan(10_000);
    expect(e).toBeInstanceOf(ResourceInitError);
    expect(e.message).toMatch(/did not become Completed within its deadline \(deadlineSeconds=1/);
    await trainingJob.delete(e.id, e.properties);
    await expect(api.trainingJobs.get(e.id)).rejects.toThrow(/not.found|404|no /i);
  });

  let md: { id: string; outs: Record<string, any> };
  let modelInputs: Record<string, any>;

  it("registers a model from the job's output; a new source is a new version, in place", async () => {
    modelInputs = await checked(model, { name: "md-main", source: `${job.outs.outputUri}/model.json`, format: "logreg-json", description: "v1" }, "Model");
    md = await model.create(modelInputs);
    expect(md.outs).toMatchObject({ status: "Ready", version: 1, latestVersion: 1 });
    expect(model.diff(md.id, md.outs, modelInputs).changes).toBe(false);
    const local = await checked(model, { ...pickSpec(modelInputs), source: fx.modelFile }, "Model");
    expect(model.diff(md.id, md.outs, local)).toMatchObject({ changes: true, replaces: [] });
    md.outs = (await model.update(md.id, md.outs, local)).outs;
    expect(md.outs).toMatchObject({ version: 2, latestVersion: 2, source: fx.modelFile });
    modelInputs = local;
  });

  it("a model version deleted out of band shows as drift and up registers it again", async () => {
    await api.models.deleteVersion(md.id, 2);
    const r = await model.read(md.id, md.outs);
    expect(r.props.version).toBe(0);
    expect(model.diff(md.id, r.props, modelInputs)).toMatchObject({ changes: true, replaces: [] });
    md.outs = (await model.update(md.id, r.props, modelInputs)).outs;
    expect(md.outs.version).toBeGreaterThan(0);
    expect(md.outs.versions).toContain(md.outs.version);
  });

  let svc: { id: string; outs: Record<string, any> };
  let svcInputs: Record<string, any>;

  it("deploys a service, scales it in place, and shows replicas drift", async () => {
    svcInputs = await checked(service, { name: "svc-main", models: [{ modelId: md.id, version: md.outs.version }] }, "Service");
    svc = await service.create(svcInputs);
    expect(svc.outs).toMatchObject({ status: "Running", replicas: 1, readyReplicas: 1 });
    expect(svc.outs.endpoint).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(service.diff(svc.id, svc.outs, svcInputs).changes).toBe(false);
    const two = await checked(service, { ...pickSpec(svcInputs), replicas: 2 }, "Service");
    expect(service.diff(svc.id, svc.outs, two)).toMatchObject({ changes: true, replaces: [] });
    svc.outs = (await service.update(svc.id, svc.outs, two)).outs;
    expect(svc.outs).toMatchObject({ status: "Running", replicas: 2, readyReplicas: 2 });
    const live = await api.services.get(svc.id);
    await api.services.update(svc.id, { replicas: 1 }, { ifMatch: live.etag });
    const r = await service.read(svc.id, svc.outs);
    expect(r.inputs).toMatchObject({ replicas: 1 });
    expect(service.diff(svc.id, r.props, two)).toMatchObject({ changes: true, changedKeys: ["replicas"] });
    svcInputs = two;
  });

  it("benchmarks the model version; only description changes in place", async () => {
    const inputs = await checked(perfJob, { name: "pj-main", modelId: md.id, modelVersion: md.outs.version, concurrency: [1], durationSeconds: 1 }, "PerfJob");
    const pj = await perfJob.create(inputs);
    expect(pj.outs.status).toBe("Succeeded");
    expect(pj.outs.tasks).toHaveLength(1);
    expect(pj.outs.tasks[0].requests).toBeGreaterThan(0);
    const described = await checked(perfJob, { ...pickSpec(inputs), description: "nightly" }, "PerfJob");
    expect(perfJob.diff(pj.id, pj.outs, described)).toMatchObject({ changes: true, replaces: [] });
    const updated = (await perfJob.update(pj.id, pj.outs, described)).outs;
    expect(updated.description).toBe("nightly");
    const moreLoad = await checked(perfJob, { ...pickSpec(described), concurrency: [2] }, "PerfJob");
    expect(perfJob.diff(pj.id, updated, moreLoad)).toMatchObject({ replaces: ["concurrency"], deleteBeforeReplace: true });
    await perfJob.delete(pj.id, updated);
    expect(await perfJob.read(pj.id, updated)).toEqual({ id: "", props: {} });
  });

  it("deletes in dependency order and everything is gone", async () => {
    await service.delete(svc.id, svc.outs);
    expect(await service.read(svc.id, svc.outs)).toEqual({ id: "", props: {} });
    await model.delete(md.id, md.outs);
    await trainingJob.delete(job.id, job.outs);
    await dataset.delete(dsId, {});
    for (const [h, id] of [[model, md.id], [trainingJob, job.id], [dataset, dsId]] as const) expect((await h.read(id, {})).id).toBe("");
  });
});

/** The spec part of checked inputs (without what check computed), to derive a changed declaration. */
function pickSpec(inputs: Record<string, any>): Record<string, any> {
  const { sourceDigest: _d, ...rest } = inputs;
  return rest;
}
