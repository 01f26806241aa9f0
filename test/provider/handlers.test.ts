// Every kind's handler against a REAL local platform: create, read, no-op diff, in-place update, replace
// decision, drift per mutable property, out-of-band delete, adoption, idempotent re-create, deadlines and
// failures that carry the job's own error.
import { copyFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import * as dataset from "../../provider/handlers/dataset";
import type { KindHandlers } from "../../provider/handlers/handlers-for";
import * as model from "../../provider/handlers/model";
import * as perfJob from "../../provider/handlers/perf-job";
import * as service from "../../provider/handlers/service";
import * as trainingJob from "../../provider/handlers/training-job";
import { ProviderError, ResourceInitError } from "../../provider/handlers/errors";
import { stackPrefix, stackReader } from "../../provider/handlers/read";
import { NOTES_KEY, notesOf, packNotes } from "../../provider/handlers/state-notes";
import { UNKNOWN } from "../../provider/handlers/values";
import { NotFoundError, requestStats, type LocalPlatform } from "../../sdk";
import { makeFixtures, type Fixtures } from "./fixtures";
import { startPlatformForProviderTests, type TestPlatform } from "./platform";

// Any kind's handlers (a kind module also exports its definition under its own name, e.g. datasetDefinition).
type H = KindHandlers;
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

/**
 * Changes `patch` on the live object through the API (out of band), then checks that read reports every
 * changed property with its live value and that diff against the declaration shows exactly those keys.
 */
async function expectDrift(h: H, client: { get(id: string): Promise<any>; update(id: string, p: any, o: any): Promise<any> }, id: string, outs: Record<string, any>, declared: Record<string, any>, patch: Record<string, any>) {
  const live = await client.get(id);
  const sent = { ...patch };
  if (sent.tags) sent.tags = { ...live.tags, ...sent.tags }; // keep the provider's own tag, as a person editing tags would
  await client.update(id, sent, { ifMatch: live.etag });
  const r = await h.read(id, outs);
  expect(r.id).toBe(id);
  for (const [k, v] of Object.entries(patch)) expect({ [k]: r.props[k] }).toEqual({ [k]: v });
  for (const k of Object.keys(patch)) if (k in declared) expect({ [k]: r.inputs![k] }).toEqual({ [k]: patch[k] });
  // Drift shows for what the user declared (or whose absence means empty); undeclared values are the platform's to pick.
  const expected = Object.keys(patch).filter((k) => k in declared || k in h.definition.emptyDefaults);
  expect(h.diff(id, r.props, declared).changedKeys.sort()).toEqual(expected.sort());
  return r.props;
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

  it("keeps its bookkeeping in one internal output, and reads state written in the older layout alike", async () => {
    // Issue 18 §2: the engine pays for every property of state on every refresh; our notes are one string.
    expect(Object.keys(outs).filter((k) => ["id", "inputKeys", "pathTargets", "logicalName"].includes(k))).toEqual([]);
    const notes = notesOf(outs);
    expect(notes).toEqual({ inputKeys: expect.any(Array), pathTargets: { source: expect.stringMatching(/^[0-9a-f]{32}$/) }, logicalName: "test/stack/Dataset/ds-main" });
    expect([...notes.inputKeys!].sort()).toEqual(["description", "format", "name", "source"]);
    // Before 2026-12-03 the notes were top-level outputs, next to a copy of the id.
    const { [NOTES_KEY]: _packed, ...rest } = outs;
    const legacy = { ...rest, ...notes, id };
    const fromLegacy = await dataset.read(id, legacy);
    const fromNew = await dataset.read(id, outs);
    expect(fromLegacy).toEqual(fromNew);
    // The declared keys came from the notes: without them every spec key would count as declared (tags too).
    expect(Object.keys(fromNew.inputs!).sort()).toEqual(["description", "format", "logicalName", "name", "source", "sourceDigest"]);
    expect(fromNew.props[NOTES_KEY]).toBe(outs[NOTES_KEY]);
    // A declared key state has no value for stays declared.
    const { description: _d, ...withoutDescription } = outs;
    expect([...notesOf((await dataset.read(id, withoutDescription)).props).inputKeys!].sort()).toEqual(["description", "format", "name", "source"]);
    // A path compares by the target recorded in the notes, in either layout: a wrong record is a change.
    expect(dataset.diff(id, legacy, inputs).changes).toBe(false);
    const wrong = { source: "0".repeat(32) };
    expect(dataset.diff(id, { ...legacy, pathTargets: wrong }, inputs).changedKeys).toEqual(["source"]);
    expect(dataset.diff(id, { ...outs, [NOTES_KEY]: packNotes({ ...notes, pathTargets: wrong }) }, inputs).changedKeys).toEqual(["source"]);
  });

  it("check of an unchanged resource asks the platform nothing; a changed one still gets the dry run", async () => {
    // Issue 18 §2: every preview and up checks every resource; a stack at rest must not cost a request each.
    const olds = { ...inputs, __provider: "shim" };
    const before = requestStats.requests;
    const same = await dataset.check(olds, { ...pickSpec(inputs), logicalName: inputs.logicalName });
    expect(same.failures).toEqual([]);
    expect(requestStats.requests - before).toBe(0);
    const edited = await dataset.check(olds, { ...pickSpec(inputs), description: "edited", logicalName: inputs.logicalName });
    expect(edited.failures).toEqual([]);
    expect(requestStats.requests - before).toBe(1);
  });

  it("reads that arrive together share one request; a missing one is still read as gone", async () => {
    // Issue 18 §2: a refresh read every resource with its own GET; the engine reads up to --parallel at once.
    const before = requestStats.requests;
    const [a, b, gone] = await Promise.all([dataset.read(id, outs), dataset.read(id, outs), dataset.read("ds-does-not-exist", outs)]);
    expect([a.id, b.id, gone.id]).toEqual([id, id, ""]);
    expect(a.props).toEqual((await dataset.read(id, outs)).props);
    // One batch for the three, the missing id once more on its own (it answers 404), and the read above.
    expect(requestStats.requests - before).toBe(3);
  });

  it("past a few reads, a stack's objects of a kind come from one listing, each listed object for one read", async () => {
    // Issue 18 §2: a refresh of 1,000 made ~330 batched requests; the dynamic-provider process lists instead.
    const prefix = "test/listing/Dataset/";
    const made: string[] = [];
    for (let i = 0; i < 5; i++) {
      const c = await dataset.create(await checked(dataset, { name: `ls-${i}`, format: "csv", source: fx.csv, logicalName: `${prefix}ls-${i}` }, "Dataset"));
      made.push(c.id);
    }
    const readOf = () => stackReader(api.datasets, prefix, { enabled: true, listAfter: 2 });
    const before = requestStats.requests;
    // The first two share one batched request; the third starts the listing, which answers it and the rest
    // (read one after the other, each would be a request of its own without it).
    const first = await Promise.all(made.slice(0, 2).map((i) => readOf()(i)));
    const rest = [];
    for (const i of made.slice(2)) rest.push(await readOf()(i));
    expect([...first, ...rest].map((o) => o.id)).toEqual(made);
    expect(requestStats.requests - before).toBe(2);
    // A listed object answers one read: read again, it comes from the platform, with what changed since.
    await api.datasets.update(made[2], { description: "after the listing" });
    expect((await readOf()(made[2])).description).toBe("after the listing");
    expect(requestStats.requests - before).toBe(4); // the update and the read
    // Not in the listing (another stack's, or gone): read on its own, as before.
    const other = await dataset.create(await checked(dataset, { name: "ls-other", format: "csv", source: fx.csv, logicalName: "test/other/Dataset/ls-other" }, "Dataset"));
    expect((await readOf()(other.id)).id).toBe(other.id);
    await expect(readOf()("ds-does-not-exist")).rejects.toBeInstanceOf(NotFoundError);
    // Outside Pulumi's dynamic-provider process (here), or without a stack prefix, reads are batched gets.
    const plain = stackReader(api.datasets, prefix);
    expect(plain).toBe(stackReader(api.datasets, undefined));
    expect(stackPrefix("proj/stack/Dataset/a/b")).toBe("proj/stack/Dataset/");
    expect(stackPrefix("no-stack")).toBeUndefined();
    for (const i of [...made, other.id]) await dataset.delete(i, {});
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
    // inputs reproduce what the user declared, with live values, plus what was set out of band where the
    // declaration means empty (tags were not declared, so tags added by hand are drift too)
    expect(r.inputs).toMatchObject({ description: "changed by hand" });
    expect(r.inputs!.tags).toEqual({ owner: "someone" });
    expect(dataset.diff(id, r.props, inputs)).toMatchObject({ changes: true, replaces: [], changedKeys: ["description", "tags"] });
    // up puts it back
    outs = (await dataset.update(id, r.props, inputs)).outs;
    expect(outs).toMatchObject({ description: "second", tags: {} });
    expect((await api.datasets.get(id)).tags).toEqual({ "mlplatform/urn": "test/stack/Dataset/ds-main" });
  });

  it("shows drift of the source (a new version made out of band) and up restores the declared one", async () => {
    const other = join(fx.root, "data", "other.csv");
    writeFileSync(other, "f0,f1,label\n9,9,b\n");
    const drifted = await expectDrift(dataset, api.datasets, id, outs, inputs, { source: other });
    expect(drifted).toMatchObject({ latestVersion: 3, sampleCount: 1 });
    outs = (await dataset.update(id, drifted, inputs)).outs;
    expect(outs).toMatchObject({ source: fx.csv, latestVersion: 4, sampleCount: 4 });
    expect(dataset.diff(id, outs, inputs).changes).toBe(false);
  });

  it("re-creating the same logical resource while its completed object lives is refused, never a takeover", async () => {
    // (an interrupted create, whose object never reached the engine, is taken over: test/provider/lifecycle.test.ts)
    await expect(dataset.create(inputs)).rejects.toThrow(/deleteBeforeReplace/);
    expect((await api.datasets.list({ name: "ds-main" })).items.map((d) => d.id)).toEqual([id]);
  });

  it("adopts an existing object and brings it to the declared spec", async () => {
    const foreign = await api.datasets.create({ name: "ds-foreign", format: "csv", source: fx.csv, description: "made by hand" }, { idempotencyKey: "hand-1" });
    const declared = await checked(dataset, { name: "ds-foreign", format: "csv", source: fx.csv, description: "managed", adopt: foreign.id }, "Dataset");
    const r = await dataset.create(declared);
    expect(r.id).toBe(foreign.id);
    expect(r.outs.description).toBe("managed");
    const wrongName = await checked(dataset, { name: "ds-other", format: "csv", source: fx.csv, adopt: foreign.id }, "Dataset");
    const wrongNameError = await errorOf(dataset.create(wrongName));
    expect(wrongNameError).toMatchObject({ name: "ProviderError", reason: "adopt" });
    expect(wrongNameError.message).toMatch(/named "ds-foreign" but this resource declares name "ds-other"/);
    const taken = await checked(dataset, { name: "ds-foreign", format: "csv", source: fx.csv }, "Dataset");
    const takenError = await errorOf(dataset.create({ ...taken, logicalName: "test/stack/Dataset/other" }));
    expect(takenError).toBeInstanceOf(ProviderError);
    expect(takenError).toMatchObject({ reason: "name-taken", message: expect.stringMatching(new RegExp(`adopt: "${foreign.id}"`)) });
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

  it("check refuses a flavor the platform does not offer, listing the ones it does", async () => {
    const r = await trainingJob.check({}, { name: "tj-flavor", command: ["x"], datasetId: dsId, flavor: "ecs.g1.large" });
    // The platform's dry run says it (with the flavors it offers); the engine gets the path in the reason.
    expect(r.failures).toEqual([{ property: "", reason: expect.stringMatching(/^flavor: unknown flavor "ecs.g1.large"; the local platform offers: local.small, local.medium, local.large$/) }]);
    const p = await perfJob.check({}, { name: "pj-flavor", modelId: "md-1", modelVersion: 1, flavors: ["local.small", "gpu.a100"] });
    expect(p.failures.map((f) => f.reason.split(":")[0]).sort()).toEqual(["flavors[1]", "modelId"]);
  });

  it("check refuses what apply would refuse (the platform's dry run), skipping values unknown in preview", async () => {
    const reasons = (r: { failures: { reason: string }[] }) => r.failures.map((f) => f.reason);
    const outside = await dataset.check({}, { name: "ds-passwd", format: "csv", source: "/etc/passwd" });
    expect(reasons(outside)).toEqual([expect.stringMatching(/^source: source "\/etc\/passwd" is outside the platform's allowed roots/)]);
    const uri = await dataset.check({}, { name: "ds-s3", format: "csv", source: "s3://bucket/x.csv" });
    expect(reasons(uri)).toEqual([expect.stringMatching(/^source: .*s3:\/\/ URI/)]);
    const wide = await service.check({}, { name: "svc-wide", models: [{ modelId: UNKNOWN, version: UNKNOWN }], replicas: 8 });
    expect(reasons(wide)).toEqual(["replicas: flavor local.small allows at most 4 replicas per model, got 8"]);
    // A path only known after apply (a training job's output) is not resolved into a path that does not exist.
    expect(reasons(await model.check({}, { name: "md-later", source: UNKNOWN, format: "logreg-json" }))).toEqual([]);
    expect(reasons(await dataset.check({}, { name: "ds-later", source: UNKNOWN, format: "csv" }))).toEqual([]);
    // A name another object holds is refused (apply would get 409 for it).
    const other = await api.datasets.create({ name: "ds-by-hand", format: "csv", source: fx.csv }, { idempotencyKey: "by-hand" });
    const taken = await dataset.check({}, { name: "ds-by-hand", format: "csv", source: fx.csv, logicalName: "test/stack/Dataset/ds-by-hand" });
    expect(reasons(taken)).toEqual(['name: a dataset named "ds-by-hand" already exists']);
    await api.datasets.delete(other.id);
  });

  it("shows drift of a training job's description and tags", async () => {
    job.outs = await expectDrift(trainingJob, api.trainingJobs, job.id, job.outs, jobInputs, { description: "edited", tags: { team: "other" } });
    job.outs = (await trainingJob.update(job.id, job.outs, jobInputs)).outs;
    expect(job.outs).toMatchObject({ tags: { team: "ml" } });
    expect(job.outs.description ?? "").toBe("");
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
    await expect(api.trainingJobs.get(e.id)).rejects.toBeInstanceOf(NotFoundError);
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

  it("the same bytes under another source keep the version and never diff again", async () => {
    const copy = join(fx.root, "model-copy.json");
    copyFileSync(fx.modelFile, copy);
    const moved = await checked(model, { ...pickSpec(modelInputs), source: copy }, "Model");
    expect(model.diff(md.id, md.outs, moved).changes).toBe(true);
    const outs = (await model.update(md.id, md.outs, moved)).outs;
    expect(outs).toMatchObject({ version: 2, latestVersion: 2, source: copy });
    expect(model.diff(md.id, outs, moved).changes).toBe(false);
    const r = await model.read(md.id, outs);
    expect(model.diff(md.id, r.props, moved).changes).toBe(false);
    md.outs = (await model.update(md.id, r.props, modelInputs)).outs;
    expect(md.outs).toMatchObject({ version: 2, source: fx.modelFile });
  });

  it("shows drift of a model's description, tags and metrics", async () => {
    // metrics were not declared: they show in the outputs but are not drift
    md.outs = await expectDrift(model, api.models, md.id, md.outs, modelInputs, { description: "edited", tags: { stage: "prod" }, metrics: { accuracy: 0.5 } });
    const declaredMetrics = await checked(model, { ...pickSpec(modelInputs), metrics: { accuracy: 0.9 } }, "Model");
    expect(model.diff(md.id, md.outs, declaredMetrics).changedKeys.sort()).toEqual(["description", "metrics", "tags"]);
    md.outs = (await model.update(md.id, md.outs, modelInputs)).outs;
    expect(md.outs).toMatchObject({ description: "v1", tags: {} });
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
    svcInputs = two;
  });

  it("shows drift of a service's replicas, env, description and tags", async () => {
    svc.outs = await expectDrift(service, api.services, svc.id, svc.outs, svcInputs, { replicas: 1, env: { LOG_LEVEL: "debug" }, description: "edited", tags: { owner: "ops" } });
    svc.outs = (await service.update(svc.id, svc.outs, svcInputs)).outs;
    expect(svc.outs).toMatchObject({ replicas: 2, readyReplicas: 2, env: {}, tags: {} });
  });

  it("benchmarks the model version; only description changes in place", async () => {
    const inputs = await checked(perfJob, { name: "pj-main", modelId: md.id, modelVersion: md.outs.version, concurrency: [1], durationSeconds: 1 }, "PerfJob");
    const pj = await perfJob.create(inputs);
    expect(pj.outs.status).toBe("Succeeded");
    expect(pj.outs.tasks).toHaveLength(1);
    expect(pj.outs.tasks[0].requests).toBeGreaterThan(0);
    const described = await checked(perfJob, { ...pickSpec(inputs), description: "nightly" }, "PerfJob");
    expect(perfJob.diff(pj.id, pj.outs, described)).toMatchObject({ changes: true, replaces: [] });
    let updated = (await perfJob.update(pj.id, pj.outs, described)).outs;
    expect(updated.description).toBe("nightly");
    updated = await expectDrift(perfJob, api.perfJobs, pj.id, updated, described, { description: "edited" });
    const moreLoad = await checked(perfJob, { ...pickSpec(described), concurrency: [2] }, "PerfJob");
    expect(perfJob.diff(pj.id, updated, moreLoad)).toMatchObject({ replaces: ["concurrency"], deleteBeforeReplace: true });
    await perfJob.delete(pj.id, updated);
    expect(await perfJob.read(pj.id, updated)).toEqual({ id: "", props: {} });
    await api.perfJobs.get(pj.id).then(() => expect.fail("still exists"), (e) => expect(e).toBeInstanceOf(NotFoundError));
  });

  it("a perf job that misses its SLO fails with the measured figures; a slow one hits its deadline", async () => {
    const strict = await checked(perfJob, { name: "pj-slo", modelId: md.id, modelVersion: md.outs.version, concurrency: [1], durationSeconds: 1, slo: { p99LatencyMs: 0.0001 } }, "PerfJob");
    const e = await errorOf(perfJob.create(strict));
    expect(e).toBeInstanceOf(ResourceInitError);
    expect(e.message).toMatch(/perf job pj-slo \(pj-[0-9a-f]+\) failed: Failed \(SLO not met\)/);
    expect(e.message).toMatch(/local.small x1: \w+, \d+ requests/);
    await perfJob.delete(e.id, e.properties);
    const slow = await checked(perfJob, { name: "pj-slow", modelId: md.id, modelVersion: md.outs.version, concurrency: [1], durationSeconds: 30, deadlineSeconds: 1 }, "PerfJob");
    const d = await errorOf(perfJob.create(slow));
    expect(d.message).toMatch(/did not become Succeeded within its deadline \(deadlineSeconds=1/);
    await perfJob.delete(d.id, d.properties); // cancels the running benchmark
    await expect(api.perfJobs.get(d.id)).rejects.toBeInstanceOf(NotFoundError);
  });

  it("adopts an existing object of every kind and brings it to the declared spec", async () => {
    const key = (k: string) => ({ idempotencyKey: `adopt-${k}` });
    const specs: [H, { create(spec: any, o: any): Promise<any> }, string, Record<string, any>][] = [
      [trainingJob, api.trainingJobs, "TrainingJob", { name: "tj-adopt", command: fx.trainCommand, datasetId: dsId }],
      [model, api.models, "Model", { name: "md-adopt", source: fx.modelFile, format: "logreg-json" }],
      [service, api.services, "Service", { name: "svc-adopt", models: [{ modelId: md.id, version: md.outs.version, weight: 100 }] }],
      [perfJob, api.perfJobs, "PerfJob", { name: "pj-adopt", modelId: md.id, modelVersion: md.outs.version, concurrency: [1], durationSeconds: 1 }],
    ];
    for (const [h, client, kind, spec] of specs) {
      const foreign = await client.create(spec, key(kind));
      const declared = await checked(h, { ...spec, description: "now managed", adopt: foreign.id }, kind);
      const r = await h.create(declared);
      expect({ kind, id: r.id, description: r.outs.description }).toEqual({ kind, id: foreign.id, description: "now managed" });
      expect(h.diff(r.id, r.outs, declared).changes).toBe(false);
      await h.delete(r.id, r.outs);
    }
    // adopting an id of another kind fails clearly
    const wrongKind = await checked(service, { name: "svc-x", models: [{ modelId: md.id, version: 1 }], adopt: md.id }, "Service");
    expect((await errorOf(service.create(wrongKind))).message).toMatch(new RegExp(`no service with id "${md.id}"|is not a service id`));
  });

  it("deleted out of band: read says gone, delete still succeeds, for every kind", async () => {
    await api.services.delete(svc.id);
    await api.models.delete(md.id);
    await api.trainingJobs.delete(job.id);
    await api.datasets.delete(dsId);
    for (const [h, id, outs] of [[service, svc.id, svc.outs], [model, md.id, md.outs], [trainingJob, job.id, job.outs], [dataset, dsId, {}]] as const) {
      expect(await h.read(id, outs)).toEqual({ id: "", props: {} });
      await h.delete(id, outs);
    }
  });
});

/** The spec part of checked inputs (without what check computed), to derive a changed declaration. */
function pickSpec(inputs: Record<string, any>): Record<string, any> {
  const { sourceDigest: _d, ...rest } = inputs;
  return rest;
}
