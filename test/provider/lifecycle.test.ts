// Issue 10 at the handler level, against a REAL local platform: a replace never adopts the object it replaces
// (nor a leftover `adopt:`), terminal failures are repaired by the next up (failed training run, missed SLO,
// failed service), an id the platform accepted survives an outage during the wait, a model's new source keeps
// its declared metrics, and only what changes a job's result re-runs it (finished-run settings, path spelling,
// no schema defaults frozen into the inputs).
import { mkdirSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { join, relative } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import * as dataset from "../../provider/handlers/dataset";
import type { KindHandlers } from "../../provider/handlers/handlers-for";
import * as model from "../../provider/handlers/model";
import * as perfJob from "../../provider/handlers/perf-job";
import * as service from "../../provider/handlers/service";
import * as trainingJob from "../../provider/handlers/training-job";
import { ResourceInitError } from "../../provider/handlers/errors";
import { liveReplicaPids } from "../../platform/serving/controller";
import type { LocalPlatform } from "../../sdk";
import { FaultProxy } from "./fault-proxy";
import { logreg, makeFixtures, type Fixtures } from "./fixtures";
import { startPlatformForProviderTests, type TestPlatform } from "./platform";

// Any kind's handlers (a kind module also exports its definition under its own name, e.g. datasetDefinition).
type H = KindHandlers;
let fx: Fixtures;
let tp: TestPlatform;
let api: LocalPlatform;
let dsId: string;

const settings = () => ({ endpoint: tp.endpoint, token: tp.token, waitChunkMs: 5_000 });

beforeAll(async () => {
  fx = makeFixtures();
  tp = await startPlatformForProviderTests(fx.root);
  api = tp.client;
  dataset.configure(settings());
  dsId = (await dataset.create((await dataset.check({}, { name: "lc-data", format: "csv", source: fx.csv, logicalName: "t/s/Dataset/lc-data" })).inputs)).id;
});
afterAll(async () => {
  await tp?.stop();
  rmSync(fx.root, { recursive: true, force: true });
});

async function checked(h: H, news: Record<string, unknown>, kind: string, olds: Record<string, unknown> = {}) {
  const r = await h.check(olds, { logicalName: `t/s/${kind}/${news.name}`, ...news });
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

/** After an update: an immediate diff shows nothing, and neither does a refresh (read, then diff). */
async function expectConverged(h: H, id: string, outs: Record<string, any>, news: Record<string, any>) {
  expect(h.diff(id, outs, news).changedKeys).toEqual([]);
  const r = await h.read(id, outs);
  expect(h.diff(id, r.props, news).changedKeys).toEqual([]);
  expect(h.diff(id, r.props, r.inputs!).changedKeys).toEqual([]);
}

describe("1. a replace never adopts what existed before it", () => {
  it("a create-before-delete replace (same spec, old object alive) does not take over the old object", async () => {
    const inputs = await checked(dataset, { name: "lc-cbd", format: "csv", source: fx.csv }, "Dataset");
    const first = await dataset.create(inputs);
    // `--replace` without delete-before-replace: the engine calls create while the old object lives.
    const e = await errorOf(dataset.create(inputs));
    expect(e.message).toMatch(/deleteBeforeReplace/);
    expect((await api.datasets.get(first.id)).name).toBe("lc-cbd");
  });

  it("a direct handler create without a logical name (no engine: mlplatform/handlers/*) returns its object", async () => {
    const { inputs } = await dataset.check({}, { name: "lc-no-logical-name", format: "csv", source: fx.csv });
    expect(inputs.logicalName).toBeUndefined();
    const created = await dataset.create(inputs);
    expect((await api.datasets.get(created.id)).name).toBe("lc-no-logical-name");
    expect(await api.datasets.listAll({ name: "lc-no-logical-name" })).toHaveLength(1);
  });

  it("an interrupted create (never returned to the engine) is still found and taken over by its retry", async () => {
    const inputs = await checked(trainingJob, { name: "lc-interrupted", command: fx.trainCommand, datasetId: dsId, hyperParameters: { sleep: 2 } }, "TrainingJob");
    const first = trainingJob.create(inputs);
    let seen: any[] = [];
    while (seen.length === 0) seen = await api.trainingJobs.listAll({ name: "lc-interrupted" });
    const retry = await trainingJob.create(inputs);
    expect(retry.id).toBe(seen[0].id);
    expect((await first).id).toBe(seen[0].id);
    expect(await api.trainingJobs.listAll({ name: "lc-interrupted" })).toHaveLength(1);
  });

  it("a leftover adopt: does not break a delete-before-replace replace", async () => {
    const foreign = await api.datasets.create({ name: "lc-adopted", format: "csv", source: fx.csv }, { idempotencyKey: "lc-adopted" });
    const inputs = await checked(dataset, { name: "lc-adopted", format: "csv", source: fx.csv, adopt: foreign.id }, "Dataset");
    const adopted = await dataset.create(inputs);
    expect(adopted.id).toBe(foreign.id);
    // the engine deletes first, then creates with the same inputs (adopt still declared)
    await dataset.remove(adopted.id, adopted.outs);
    const replacement = await dataset.create(inputs);
    expect(replacement.id).not.toBe(foreign.id);
    expect((await api.datasets.listAll({ name: "lc-adopted" })).map((d) => d.id)).toEqual([replacement.id]);
  });
});

describe("2. terminal failures are repaired by the next up", () => {
  it("a training run that crashed runs again (a replace), then converges", async () => {
    const marker = join(fx.root, "crash-once");
    writeFileSync(marker, "");
    const inputs = await checked(trainingJob, { name: "lc-crash", command: fx.trainCommand, datasetId: dsId, hyperParameters: { failWhileExists: marker } }, "TrainingJob");
    const e = await errorOf(trainingJob.create(inputs));
    expect(e).toBeInstanceOf(ResourceInitError);
    expect(e.properties.status).toBe("Failed");
    rmSync(marker);
    // next up, nothing declared changed: the failed run is re-run
    const d = trainingJob.diff(e.id, e.properties, inputs);
    expect(d.changes).toBe(true);
    expect(d.replaces.length).toBeGreaterThan(0);
    await trainingJob.remove(e.id, e.properties);
    const again = await trainingJob.create(inputs);
    expect(again.outs.status).toBe("Completed");
    await expectConverged(trainingJob, again.id, again.outs, inputs);
  });

  it("a dataset whose ingest failed is ingested again on the next up: a replace when it has no version, in place when it has", async () => {
    const file = join(fx.root, "lc-flaky.csv");
    writeFileSync(file, "");
    const inputs = await checked(dataset, { name: "lc-flaky", format: "csv", source: file }, "Dataset");
    const e = await errorOf(dataset.create(inputs));
    expect(e).toBeInstanceOf(ResourceInitError);
    expect(e.properties.status).toBe("Failed");
    // next up, nothing declared changed: the dataset is made again
    expect(dataset.diff(e.id, e.properties, inputs)).toMatchObject({ changes: true, replaces: ["status"] });
    await dataset.remove(e.id, e.properties);
    writeFileSync(file, "x\n1\n");
    const ok = await dataset.create(await checked(dataset, { name: "lc-flaky", format: "csv", source: file }, "Dataset"));
    expect(ok.outs).toMatchObject({ status: "Ready", sampleCount: 1 });

    // A large new source (ingested after the PATCH answers) that fails: the update fails with the reason,
    // the dataset keeps its version, and the next up sends the source again in place.
    writeFileSync(file, Buffer.alloc(9 * 2 ** 20, " "));
    const news = await checked(dataset, { name: "lc-flaky", format: "csv", source: file }, "Dataset", ok.outs);
    const u = await errorOf(dataset.update(ok.id, ok.outs, news));
    expect(u).toBeInstanceOf(ResourceInitError);
    expect(String(u.message)).toMatch(/header line is required/);
    expect(u.properties).toMatchObject({ status: "Failed", latestVersion: 1 });
    writeFileSync(file, `x\n${"1\n".repeat(5 * 2 ** 20)}`);
    const fixed = await checked(dataset, { name: "lc-flaky", format: "csv", source: file }, "Dataset", u.properties);
    expect(dataset.diff(ok.id, u.properties, fixed)).toMatchObject({ changes: true, replaces: [] });
    const healed = await dataset.update(ok.id, u.properties, fixed);
    expect(healed.outs).toMatchObject({ status: "Ready", latestVersion: 2, sampleCount: 5 * 2 ** 20 });
    await expectConverged(dataset, ok.id, healed.outs, fixed);
  });

  it("a perf job whose SLO gate missed runs again on the next up, and with a relaxed SLO succeeds", async () => {
    const md = await model.create(await checked(model, { name: "lc-perf-model", source: fx.modelFile, format: "logreg-json" }, "Model"));
    const strict = await checked(perfJob, { name: "lc-slo", modelId: md.id, modelVersion: md.outs.version, concurrency: [1], durationSeconds: 0.5, slo: { p99LatencyMs: 0.0001 } }, "PerfJob");
    const e = await errorOf(perfJob.create(strict));
    expect(e).toBeInstanceOf(ResourceInitError);
    expect(perfJob.diff(e.id, e.properties, strict).replaces.length).toBeGreaterThan(0);
    const relaxed = await checked(perfJob, { ...strict, slo: { p99LatencyMs: 10_000 } }, "PerfJob");
    expect(perfJob.diff(e.id, e.properties, relaxed).replaces.length).toBeGreaterThan(0);
    await perfJob.remove(e.id, e.properties);
    const ok = await perfJob.create(relaxed);
    expect(ok.outs).toMatchObject({ status: "Succeeded", sloMet: true });
    await expectConverged(perfJob, ok.id, ok.outs, relaxed);
  });

  it("a Failed service is repaired in place: the update sends a request and the platform restarts its replicas", async () => {
    const md = await model.create(await checked(model, { name: "lc-svc-model", source: fx.modelFile, format: "logreg-json" }, "Model"));
    const inputs = await checked(service, { name: "lc-svc", models: [{ modelId: md.id, version: md.outs.version }] }, "Service");
    const svc = await service.create(inputs);
    const before = new Set(liveReplicaPids());
    // crash its replica until the platform gives up on it (a crash loop)
    for (let i = 0; i < 20; i++) {
      const live = await api.services.get(svc.id);
      if (live.status === "Failed") break;
      for (const pid of liveReplicaPids()) process.kill(pid, "SIGKILL");
      await new Promise((r) => setTimeout(r, 1300));
    }
    expect((await api.services.get(svc.id)).status).toBe("Failed");
    const r = await service.read(svc.id, svc.outs);
    expect(r.props.status).toBe("Failed");
    const d = service.diff(svc.id, r.props, inputs);
    expect(d).toMatchObject({ changes: true, replaces: [] });
    const etag = (await api.services.get(svc.id)).etag;
    const repaired = await service.update(svc.id, r.props, inputs);
    expect(repaired.outs).toMatchObject({ status: "Running", readyReplicas: 1 });
    expect((await api.services.get(svc.id)).etag).not.toBe(etag);
    expect(liveReplicaPids().some((p) => !before.has(p))).toBe(true);
    await expectConverged(service, svc.id, repaired.outs, inputs);
  }, 90_000);
});

describe("3. an accepted create keeps its id through an outage", () => {
  it("throws a partial failure carrying the id when the platform stops answering during the wait; the next up resumes", async () => {
    const proxy = await new FaultProxy({ target: tp.endpoint, rate: 0, delayMs: 0 }).start();
    try {
      dataset.configure({ endpoint: proxy.endpoint, token: tp.token, waitChunkMs: 500, retryLimit: 1, retryBaseMs: 50, retryMaxMs: 100, requestTimeoutMs: 2_000 });
      const inputs = await checked(trainingJob, { name: "lc-outage", command: fx.trainCommand, datasetId: dsId, hyperParameters: { sleep: 3 } }, "TrainingJob");
      const creating = errorOf(trainingJob.create(inputs));
      let jobs: any[] = [];
      while (jobs.length === 0) jobs = await api.trainingJobs.listAll({ name: "lc-outage" });
      await proxy.pause();
      const e = await creating;
      expect(e).toBeInstanceOf(ResourceInitError);
      expect(e.id).toBe(jobs[0].id);
      expect(e.message).toMatch(/run up again/);
      // the outputs it carries do not make the next diff replace the run
      expect(trainingJob.diff(e.id, e.properties, inputs).replaces).toEqual([]);
      await proxy.resume();
      const resumed = await trainingJob.update(e.id, e.properties, inputs);
      expect(resumed.outs.status).toBe("Completed");
      expect(await api.trainingJobs.listAll({ name: "lc-outage" })).toHaveLength(1);
    } finally {
      dataset.configure(settings());
      await proxy.stop().catch(() => undefined);
    }
  }, 60_000);
});

describe("4 and 5. updates converge; only what changes a result re-runs it", () => {
  it("a model's new source keeps its declared metrics", async () => {
    const inputs = await checked(model, { name: "lc-metrics", source: fx.modelFile, format: "logreg-json", metrics: { accuracy: 0.9 } }, "Model");
    const md = await model.create(inputs);
    const other = join(fx.root, "other-model.json");
    writeFileSync(other, JSON.stringify(logreg(5)));
    const news = await checked(model, { ...inputs, source: other }, "Model");
    const up = await model.update(md.id, md.outs, news);
    expect(up.outs).toMatchObject({ version: 2, metrics: { accuracy: 0.9 } });
    await expectConverged(model, md.id, up.outs, news);
  });

  it("max runtime, flavor and deadline of a finished run update state without a re-run", async () => {
    const inputs = await checked(trainingJob, { name: "lc-finished", command: fx.trainCommand, datasetId: dsId }, "TrainingJob");
    const job = await trainingJob.create(inputs);
    for (const change of [{ maxRuntimeSeconds: 120 }, { flavor: "local.medium" }, { instanceCount: 1 }, { deadlineSeconds: 99 }]) {
      const news = await checked(trainingJob, { ...inputs, ...change }, "TrainingJob");
      const d = trainingJob.diff(job.id, job.outs, news);
      expect({ change, replaces: d.replaces }).toEqual({ change, replaces: [] });
      const up = await trainingJob.update(job.id, job.outs, news);
      expect(up.outs).toMatchObject({ ...change, status: "Completed" });
      await expectConverged(trainingJob, job.id, up.outs, news);
      job.outs = up.outs;
      Object.assign(inputs, news);
    }
    expect(await api.trainingJobs.listAll({ name: "lc-finished" })).toHaveLength(1);
  });

  it("workingDir compares by the directory it names, not by its spelling", async () => {
    const dir = join(fx.root, "work");
    mkdirSync(dir);
    symlinkSync(dir, join(fx.root, "work-link"));
    const inputs = await checked(trainingJob, { name: "lc-workdir", command: fx.trainCommand, datasetId: dsId, workingDir: dir }, "TrainingJob");
    const job = await trainingJob.create(inputs);
    for (const spelling of [relative(process.cwd(), dir), `${dir}/`, join(fx.root, "work-link"), `${fx.root}/./work`]) {
      const news = await checked(trainingJob, { ...inputs, workingDir: spelling }, "TrainingJob");
      expect({ spelling, changed: trainingJob.diff(job.id, job.outs, news).changedKeys }).toEqual({ spelling, changed: [] });
    }
    const elsewhere = await checked(trainingJob, { ...inputs, workingDir: fx.root }, "TrainingJob");
    expect(trainingJob.diff(job.id, job.outs, elsewhere).replaces).toEqual(["workingDir"]);
  });

  it("workingDir still compares equal when the project directory (and so its relative spelling) changes", async () => {
    const home = process.cwd();
    // Both directories exist: the platform's dry run (in check) refuses a workingDir that does not.
    mkdirSync(join(fx.root, "proj", "sub", "code"), { recursive: true });
    mkdirSync(join(fx.root, "proj", "code"));
    try {
      process.chdir(join(fx.root, "proj")); // the first project directory: the path is "code"
      const inputs = await checked(trainingJob, { name: "lc-moved", command: fx.trainCommand, datasetId: dsId, workingDir: "code" }, "TrainingJob");
      const job = await trainingJob.create(inputs);
      expect(job.outs.workingDir).toBe("code");
      process.chdir(join(fx.root, "proj", "sub")); // another --work-dir: the same directory is now "../code"
      const news = await checked(trainingJob, { ...inputs, workingDir: "../code" }, "TrainingJob");
      expect(trainingJob.diff(job.id, job.outs, news).changedKeys).toEqual([]);
      const elsewhere = await checked(trainingJob, { ...inputs, workingDir: "code" }, "TrainingJob"); // sub/code: another place
      expect(trainingJob.diff(job.id, job.outs, elsewhere).replaces).toEqual(["workingDir"]);
    } finally {
      process.chdir(home);
    }
  });

  it("check does not write schema defaults (or the default deadline) into the inputs", async () => {
    const t = await trainingJob.check({}, { name: "run", command: ["node", "t.js"], datasetId: dsId });
    expect(t.failures).toEqual([]);
    expect(Object.keys(t.inputs).sort()).toEqual(["command", "datasetId", "name"]);
    const p = await perfJob.check({}, { name: "bench", modelId: "md-1", modelVersion: 1 });
    expect(Object.keys(p.inputs).sort()).toEqual(["modelId", "modelVersion", "name"]);
    const s = await service.check({}, { name: "svc", models: [{ modelId: "md-1", version: 1 }] });
    expect(s.inputs.models).toEqual([{ modelId: "md-1", version: 1 }]);
    expect(s.inputs.replicas).toBeUndefined();
  });
});
