// check and diff need no platform: validation, defaults, unknown values during preview, and the
// replace/update/no-op decisions for every kind.
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import * as dataset from "../../provider/handlers/dataset";
import type { KindHandlers } from "../../provider/handlers/handlers-for";
import * as model from "../../provider/handlers/model";
import * as perfJob from "../../provider/handlers/perf-job";
import * as service from "../../provider/handlers/service";
import * as trainingJob from "../../provider/handlers/training-job";
import { UNKNOWN } from "../../provider/handlers/values";

/**
 * The engine prints a failure's property with the input's top-level value (`{<nil>}` for a nested path),
 * so the handlers put the path at the head of the reason instead: "models[0].version: …".
 */
function failed(r: { failures: { property: string; reason: string }[] }): Record<string, string> {
  for (const f of r.failures) expect(f.property).toBe("");
  return Object.fromEntries(r.failures.map((f) => [f.reason.slice(0, f.reason.indexOf(": ")), f.reason.slice(f.reason.indexOf(": ") + 2)]));
}

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), "mlp-check-"));
  // No platform is reachable: check must still work (flavors are then not checked against a list).
  dataset.configure({ endpoint: "http://127.0.0.1:9", token: "t" });
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("check", () => {
  it("reports every failure with its property path in one result", async () => {
    const r = await dataset.check({}, { name: "Bad_Name", format: "parquet", extra: 1, deadlineSeconds: -5 });
    const byProp = failed(r);
    expect(Object.keys(byProp).sort()).toEqual(["deadlineSeconds", "extra", "format", "name", "source"]);
    expect(byProp.source).toBe("is required");
    expect(byProp.extra).toMatch(/unknown property "extra"/);
  });

  it("reports nested paths in Pulumi's spelling", async () => {
    const r = await service.check({}, { name: "svc", models: [{ modelId: "md-1", version: 0, weight: 100 }] });
    expect(Object.keys(failed(r))).toEqual(["models[0].version"]);
  });

  it("runs whole-object rules (weights add up to 100)", async () => {
    const r = await service.check({}, { name: "svc", models: [{ modelId: "a", version: 1, weight: 50 }, { modelId: "b", version: 1, weight: 30 }] });
    expect(failed(r)).toEqual({ models: "model weights must add up to 100" });
  });

  it("keeps the inputs as declared: schema defaults (and the default deadline) are applied at send time, not frozen", async () => {
    const r = await trainingJob.check({}, { name: "run", command: ["python", "t.py"], datasetId: "ds-1" });
    expect(r.failures).toEqual([]);
    expect(r.inputs).toEqual({ name: "run", command: ["python", "t.py"], datasetId: "ds-1" });
    const p = await perfJob.check({}, { name: "bench", modelId: "md-1", modelVersion: 1 });
    expect(p.inputs).toEqual({ name: "bench", modelId: "md-1", modelVersion: 1 });
    // a declared value compares with its nested defaults applied: no weight declared is weight 100
    const s = await service.check({}, { name: "svc", models: [{ modelId: "md-1", version: 1 }] });
    const live = { name: "svc", models: [{ modelId: "md-1", version: 1, weight: 100 }], replicas: 1, flavor: "local.small", env: {}, tags: {}, description: "" };
    expect(service.diff("sv-1", live, s.inputs).changes).toBe(false);
    // an undeclared in-place setting goes back to its default; an undeclared one that would re-run never counts
    expect(service.diff("sv-1", { ...live, replicas: 3 }, s.inputs).changedKeys).toEqual(["replicas"]);
    expect(trainingJob.diff("tj-1", { ...r.inputs, flavor: "local.large", maxRuntimeSeconds: 10, instanceCount: 1, status: "Completed" }, r.inputs).changes).toBe(false);
  });

  it("tolerates unknown values during preview and skips only their validation", async () => {
    const r = await service.check({}, { name: "svc", models: [{ modelId: UNKNOWN, version: UNKNOWN }], replicas: 0 });
    expect(Object.keys(failed(r))).toEqual(["replicas"]);
    expect(r.inputs.models).toEqual([{ modelId: UNKNOWN, version: UNKNOWN }]);
    const m = await model.check({}, { name: "mm", source: UNKNOWN, format: "logreg-json" });
    expect(m.failures).toEqual([]);
    expect(m.inputs.sourceDigest).toBeUndefined();
  });

  it("digests a local source so new content behind the same path is an input change", async () => {
    const file = join(dir, "data.csv");
    writeFileSync(file, "a,b\n1,2\n");
    const first = await dataset.check({}, { name: "ds", format: "csv", source: file });
    writeFileSync(file, "a,b\n1,2\n3,4\n");
    const second = await dataset.check({}, { name: "ds", format: "csv", source: file });
    expect(first.inputs.sourceDigest).toMatch(/^[0-9a-f]{64}$/);
    expect(second.inputs.sourceDigest).not.toBe(first.inputs.sourceDigest);
    const d = dataset.diff("ds-1", { ...first.inputs, status: "Ready" }, second.inputs);
    expect(d).toMatchObject({ changes: true, replaces: [], changedKeys: ["sourceDigest"] });
  });
});

describe("diff", () => {
  const outputsOf = (inputs: Record<string, unknown>, extra: Record<string, unknown> = {}) => ({ ...inputs, ...extra });

  it("no-op when nothing declared changed, even with server-normalised values present", async () => {
    const { inputs } = await trainingJob.check({}, { name: "run", command: ["x"], datasetId: "ds-1" });
    // The platform filled datasetVersion and empty maps; the user declared neither.
    const olds = outputsOf(inputs, { datasetVersion: 3, env: {}, hyperParameters: {}, tags: { "mlplatform/urn": "p/s/TrainingJob/run" }, status: "Completed" });
    expect(trainingJob.diff("tj-1", olds, inputs)).toMatchObject({ changes: false, replaces: [] });
  });

  it("in-place vs replace per kind", async () => {
    const cases: [KindHandlers, Record<string, unknown>, Record<string, unknown>, string[], boolean][] = [
      [dataset, { name: "ds", format: "csv", source: "a.csv" }, { description: "new" }, [], false],
      [dataset, { name: "ds", format: "csv", source: "a.csv" }, { format: "jsonl" }, ["format"], true],
      [trainingJob, { name: "run", command: ["x"], datasetId: "ds-1" }, { tags: { team: "a" } }, [], false],
      [trainingJob, { name: "run", command: ["x"], datasetId: "ds-1" }, { hyperParameters: { lr: 0.1 } }, ["hyperParameters"], true],
      [model, { name: "mm", source: "mlp://training-jobs/tj-1/output", format: "logreg-json" }, { source: "mlp://training-jobs/tj-2/output" }, [], false],
      [model, { name: "mm", source: "x", format: "logreg-json" }, { name: "m2" }, ["name"], false],
      [perfJob, { name: "bench", modelId: "md-1", modelVersion: 1 }, { description: "d" }, [], false],
      [perfJob, { name: "bench", modelId: "md-1", modelVersion: 1 }, { modelVersion: 2 }, ["modelVersion"], true],
      [service, { name: "svc", models: [{ modelId: "md-1", version: 1 }] }, { replicas: 2 }, [], false],
      [service, { name: "svc", models: [{ modelId: "md-1", version: 1 }] }, { models: [{ modelId: "md-1", version: 2 }] }, [], false],
    ];
    for (const [h, base, change, replaces, dbr] of cases) {
      const checkedOld = await h.check({}, base);
      const checkedNew = await h.check({}, { ...base, ...change });
      expect([...checkedOld.failures, ...checkedNew.failures]).toEqual([]);
      const olds = checkedOld.inputs;
      const news = checkedNew.inputs;
      const d = h.diff("x-1", olds, news);
      expect({ kind: h.definition.kind, change, ...d }).toMatchObject({ changes: true, replaces, deleteBeforeReplace: dbr });
    }
  });

  it("removing an optional property the user had set is a change", async () => {
    const { inputs } = await dataset.check({}, { name: "ds", format: "csv", source: "a.csv", description: "d", tags: { a: "1" } });
    const news = (await dataset.check({}, { name: "ds", format: "csv", source: "a.csv" })).inputs;
    expect(dataset.diff("ds-1", inputs, news)).toMatchObject({ changes: true, changedKeys: ["description", "tags"] });
  });

  it("an unknown value in news is a change (and a replace for immutable properties)", async () => {
    const olds = (await perfJob.check({}, { name: "bench", modelId: "md-1", modelVersion: 1 })).inputs;
    const news = (await perfJob.check({}, { name: "bench", modelId: "md-1", modelVersion: UNKNOWN })).inputs;
    expect(perfJob.diff("pj-1", olds, news)).toMatchObject({ changes: true, replaces: ["modelVersion"] });
  });

  it("a model whose registered version was deleted out of band needs an update", async () => {
    const { inputs } = await model.check({}, { name: "mm", source: "mlp://training-jobs/tj-1/output", format: "logreg-json" });
    expect(model.diff("md-1", { ...inputs, version: 2 }, inputs).changes).toBe(false);
    expect(model.diff("md-1", { ...inputs, version: 0 }, inputs)).toMatchObject({ changes: true, replaces: [], changedKeys: ["version"] });
  });

  it("a dataset whose ingest failed, or a model whose background registration failed, is made again on the next up", async () => {
    const m = (await model.check({}, { name: "mm", source: "mlp://training-jobs/tj-1/output", format: "logreg-json" })).inputs;
    expect(model.diff("md-1", { ...m, version: 1, status: "Ready" }, m).changes).toBe(false);
    expect(model.diff("md-1", { ...m, version: 1, status: "Failed" }, m)).toMatchObject({ changes: true, replaces: ["status"], changedKeys: ["status"] });
    const d = { name: "dd", format: "csv", source: "mlp://not-a-local-path" };
    expect(dataset.diff("ds-1", { ...d, status: "Ready" }, d).changes).toBe(false);
    expect(dataset.diff("ds-1", { ...d, status: "Failed", digest: "" }, d)).toMatchObject({ changes: true, replaces: ["status"], changedKeys: ["status"] });
    // A new source that failed to ingest: the dataset keeps its versions and is repaired in place.
    expect(dataset.diff("ds-1", { ...d, status: "Failed", digest: "a".repeat(64) }, d)).toMatchObject({ changes: true, replaces: [], changedKeys: ["status"] });
  });

  it("a failed service is an in-place repair (up restarts its replicas and says why), a running one is not", async () => {
    const { inputs } = await service.check({}, { name: "svc", models: [{ modelId: "md-1", version: 1 }] });
    const outs = { ...inputs, models: [{ modelId: "md-1", version: 1, weight: 100 }], replicas: 1, flavor: "local.small" };
    expect(service.diff("sv-1", { ...outs, status: "Running" }, inputs).changes).toBe(false);
    expect(service.diff("sv-1", { ...outs, status: "Failed" }, inputs)).toMatchObject({ changes: true, replaces: [], changedKeys: ["status"] });
  });
});
