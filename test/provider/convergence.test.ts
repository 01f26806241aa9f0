// The convergence invariant, table-driven over the kinds' zod schemas, against a REAL local platform: for
// every kind and every property that can change, change it → apply it as the engine would (update, or
// delete then create for a replace) → an immediate diff shows no change, and neither does a refresh (read,
// then diff against the declaration and against read's own inputs). Every key of every spec schema must be
// in CHANGES or in CANNOT_CHANGE (with the reason), so a new property fails this test until it is covered.
import { mkdirSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import * as dataset from "../../provider/handlers/dataset";
import type { KindHandlers } from "../../provider/handlers/handlers-for";
import * as model from "../../provider/handlers/model";
import * as perfJob from "../../provider/handlers/perf-job";
import * as service from "../../provider/handlers/service";
import * as trainingJob from "../../provider/handlers/training-job";
import { logreg, makeFixtures, type Fixtures } from "./fixtures";
import { startPlatformForProviderTests, type TestPlatform } from "./platform";

// Any kind's handlers (a kind module also exports its definition under its own name, e.g. datasetDefinition).
type H = KindHandlers;
type Spec = Record<string, unknown>;

// Made at load time: the tables are built while vitest collects the tests.
const fx: Fixtures = makeFixtures();
let tp: TestPlatform;
/** Objects the tables refer to, made in beforeAll. */
const ref: Record<string, any> = {};

beforeAll(async () => {
  tp = await startPlatformForProviderTests(fx.root);
  dataset.configure({ endpoint: tp.endpoint, token: tp.token, waitChunkMs: 5_000 });
  mkdirSync(join(fx.root, "other-dir"));
  mkdirSync(join(fx.root, "samples"));
  writeFileSync(join(fx.root, "samples", "a.txt"), "one sample");
  writeFileSync(join(fx.root, "other.csv"), "f0,f1,label\n1,0,a\n0,1,b\n");
  writeFileSync(join(fx.root, "model-b.json"), JSON.stringify(logreg(3)));
  // a second dataset with two versions, a second model with two versions
  const other = join(fx.root, "grows.csv");
  writeFileSync(other, "f0,f1,label\n1,0,a\n");
  const dsIn = (await dataset.check({}, { name: "cv-ref-data", format: "csv", source: other, logicalName: "t/s/Dataset/cv-ref-data" })).inputs;
  const ds = await dataset.create(dsIn);
  writeFileSync(other, "f0,f1,label\n1,0,a\n0,1,b\n");
  const grown = (await dataset.check({}, { name: "cv-ref-data", format: "csv", source: other, logicalName: "t/s/Dataset/cv-ref-data" })).inputs;
  await dataset.update(ds.id, ds.outs, grown);
  ref.dataset = ds.id;
  const mdIn = (await model.check({}, { name: "cv-ref-model", source: fx.modelFile, format: "logreg-json", logicalName: "t/s/Model/cv-ref-model" })).inputs;
  const md = await model.create(mdIn);
  const md2 = (await model.check({}, { ...mdIn, source: join(fx.root, "model-b.json") })).inputs;
  await model.update(md.id, md.outs, md2);
  ref.model = md.id;
}, 120_000);
afterAll(async () => {
  await tp?.stop();
  rmSync(fx.root, { recursive: true, force: true });
});

interface KindTable {
  handlers: H;
  base: () => Spec;
  /** Per property: one or more changes (a partial spec: the property, plus what it needs alongside). */
  changes: Record<string, Spec[]>;
  /** Properties that cannot change on this platform, and why. */
  cannotChange: Record<string, string>;
}

const sample = [{ name: "input", datatype: "FP32", shape: [1, 2], data: [1, 0] }];
const tensor = (name: string) => [{ name, datatype: "FP32" as const, shape: [1, 2] }];

/** Built when used, so the values can name the objects beforeAll made. */
const tables = (): Record<string, KindTable> => ({
  Dataset: {
    handlers: dataset,
    base: () => ({ name: "cv-data", format: "csv", source: fx.csv }),
    changes: {
      name: [{ name: "cv-data-2" }],
      format: [{ format: "files", source: join(fx.root, "samples") }],
      source: [{ source: join(fx.root, "other.csv"), format: "csv" }],
      description: [{ description: "described" }, { description: "" }],
      tags: [{ tags: { team: "ml" } }, { tags: {} }],
    },
    cannotChange: {},
  },
  TrainingJob: {
    handlers: trainingJob,
    base: () => ({ name: "cv-train", command: fx.trainCommand, datasetId: ref.dataset }),
    changes: {
      name: [{ name: "cv-train-2" }],
      command: [{ command: [...fx.trainCommand, "--again"] }],
      workingDir: [{ workingDir: join(fx.root, "other-dir") }],
      env: [{ env: { SEED: "7" } }, { env: {} }],
      datasetVersion: [{ datasetVersion: 1 }],
      datasetId: [{ datasetId: "$fixture-dataset", datasetVersion: 1 }],
      hyperParameters: [{ hyperParameters: { epochs: 3 } }],
      flavor: [{ flavor: "local.medium" }],
      maxRuntimeSeconds: [{ maxRuntimeSeconds: 120 }],
      description: [{ description: "described" }],
      tags: [{ tags: { team: "ml" } }],
    },
    cannotChange: {
      instanceCount: "the local platform runs one process per job: 1 is the only value",
      python: "not exercised here: a change builds a virtualenv from PyPI (minutes); the Python job tests cover it",
    },
  },
  Model: {
    handlers: model,
    base: () => ({ name: "cv-model", source: fx.modelFile, format: "logreg-json", metrics: { accuracy: 0.9 } }),
    changes: {
      name: [{ name: "cv-model-2" }],
      source: [{ source: join(fx.root, "model-b.json") }],
      framework: [{ framework: "numpy" }],
      inputs: [{ inputs: tensor("x") }],
      outputs: [{ outputs: tensor("y") }],
      metrics: [{ metrics: { accuracy: 0.95, f1: 0.9 } }],
      description: [{ description: "described" }],
      tags: [{ tags: { stage: "prod" } }],
    },
    cannotChange: { format: "the fixtures hold logreg-json artifacts only (an onnx one needs the onnx runtime)" },
  },
  PerfJob: {
    handlers: perfJob,
    base: () => ({ name: "cv-perf", modelId: ref.model, modelVersion: 1, concurrency: [1], durationSeconds: 0.2 }),
    changes: {
      name: [{ name: "cv-perf-2" }],
      modelId: [{ modelId: "$fixture-model", modelVersion: 1 }],
      modelVersion: [{ modelId: ref.model, modelVersion: 2 }],
      flavors: [{ flavors: ["local.medium"] }],
      concurrency: [{ concurrency: [2] }],
      batchSize: [{ batchSize: [2] }],
      durationSeconds: [{ durationSeconds: 0.3 }],
      sampleInput: [{ sampleInput: sample }],
      slo: [{ slo: { p99LatencyMs: 10_000 } }],
      description: [{ description: "described" }],
      tags: [{ tags: { team: "ml" } }],
    },
    cannotChange: { jobType: "benchmark is the only job type" },
  },
  Service: {
    handlers: service,
    base: () => ({ name: "cv-svc", models: [{ modelId: ref.model, version: 1 }] }),
    changes: {
      name: [{ name: "cv-svc-2" }],
      models: [{ models: [{ modelId: ref.model, version: 1, weight: 50 }, { modelId: ref.model, version: 2, weight: 50 }] }],
      replicas: [{ replicas: 2 }],
      flavor: [{ flavor: "local.medium" }],
      env: [{ env: { LOG_LEVEL: "debug" } }],
      description: [{ description: "described" }],
      tags: [{ tags: { team: "ml" } }],
    },
    cannotChange: {},
  },
});

describe("every property of every kind's schema is in the convergence table", () => {
  for (const [kind, table] of Object.entries(tables())) {
    it(kind, () => {
      const keys = Object.keys(table.handlers.definition.specSchema.shape).sort();
      const covered = [...Object.keys(table.changes), ...Object.keys(table.cannotChange)].sort();
      expect(covered).toEqual(keys);
    });
  }
});

describe("change a property → apply → no diff, no drift", () => {
  for (const kind of Object.keys(tables())) {
    it(kind, async () => {
      const table = tables()[kind];
      const h = table.handlers;
      const resolve = (spec: Spec): Spec =>
        Object.fromEntries(Object.entries(spec).map(([k, v]) => [k, v === "$fixture-dataset" ? ref.fixtureDataset : v === "$fixture-model" ? ref.fixtureModel : v]));
      const checked = async (spec: Spec) => {
        const r = await h.check({}, { ...resolve(spec), logicalName: `t/s/${kind}/cv` });
        expect(r.failures).toEqual([]);
        return r.inputs;
      };
      // The dataset and model the tables point to for "another one" (made here: other kinds' tests use them).
      ref.fixtureDataset ??= (await dataset.create((await dataset.check({}, { name: "cv-fixture-data", format: "csv", source: fx.csv, logicalName: "t/s/Dataset/cv-fx" })).inputs)).id;
      ref.fixtureModel ??= (await model.create((await model.check({}, { name: "cv-fixture-model", source: fx.modelFile, format: "logreg-json", logicalName: "t/s/Model/cv-fx" })).inputs)).id;

      let spec = table.base();
      let inputs = await checked(spec);
      let { id, outs } = await h.create(inputs);
      for (const [key, changes] of Object.entries(table.changes)) {
        for (const change of changes) {
          const label = `${kind}.${key} = ${JSON.stringify(change)}`;
          const next = { ...spec, ...change };
          const news = await checked(next);
          const d = h.diff(id, outs, news);
          expect({ label, sees: d.changedKeys.includes(key) || d.changedKeys.includes("sourceDigest") }).toEqual({ label, sees: true });
          if (d.replaces.length > 0) {
            await h.delete(id, outs);
            ({ id, outs } = await h.create(news));
          } else {
            ({ outs } = await h.update(id, outs, news));
          }
          expect({ label, after: "update", changed: h.diff(id, outs, news).changedKeys }).toEqual({ label, after: "update", changed: [] });
          const r = await h.read(id, outs);
          expect({ label, after: "refresh", changed: h.diff(id, r.props, news).changedKeys }).toEqual({ label, after: "refresh", changed: [] });
          expect({ label, after: "refresh inputs", changed: h.diff(id, r.props, r.inputs!).changedKeys }).toEqual({ label, after: "refresh inputs", changed: [] });
          spec = next;
          inputs = news;
          outs = r.props;
        }
      }
      await h.delete(id, outs);
    }, 180_000);
  }
});
