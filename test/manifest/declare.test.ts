// The manifest loader's Pulumi wiring under pulumi.runtime.setMocks (no engine, no platform): which
// resources are declared, with which inputs, references resolved to outputs and dependencies recorded.
import { resolve } from "node:path";
import { beforeAll, beforeEach, describe, expect, it } from "vitest";
import { declareManifest, ManifestError } from "../../provider/manifest/load";
import { installRecordingMocks, settle as settleAll, value, type RecordingRuntime } from "./mock-runtime";

const REPO = resolve(__dirname, "../..");
let rt: RecordingRuntime;
beforeAll(async () => {
  rt = await installRecordingMocks();
});
beforeEach(() => rt.reset());

const byName = (kind: string, name: string) => rt.byName(kind, name);
async function settle(declared: ReturnType<typeof declareManifest>) {
  await settleAll(declared.resources);
  return declared;
}

describe("declareManifest under mocks", () => {
  it("declares each object once with its kind's type token and the key as resource name", async () => {
    await settle(declareManifest("test/manifest/fixtures/good.yaml", { workDir: REPO }));
    expect(rt.registered.map((r) => `${r.kind}/${r.name}`).sort()).toEqual(
      ["Dataset/tiny", "TrainingJob/train", "Model/model", "Model/adopted", "PerfJob/bench", "Service/web"].sort(),
    );
  });

  it("passes specs through, names defaulting to <key>-<stack>, explicit names kept, local paths relative to the project directory", async () => {
    await settle(declareManifest("test/manifest/fixtures/good.yaml", { workDir: REPO }));
    const ds = byName("Dataset", "tiny").inputs;
    expect(ds).toMatchObject({ name: "tiny-dev", format: "csv", source: "test/manifest/fixtures/data/tiny.csv", tags: { team: "ml" } });
    const tj = byName("TrainingJob", "train").inputs;
    expect(tj).toMatchObject({ name: "tiny-train", command: ["node", "train.js"], workingDir: "test/manifest/fixtures", deadlineSeconds: 120 });
    expect(tj.hyperParameters).toEqual({ learning_rate: 0.5, epochs: 10 });
    const adopted = byName("Model", "adopted").inputs;
    expect(adopted).toMatchObject({ name: "adopted", adopt: "md-existing", source: "test/manifest/fixtures/models/existing.json" });
    // Manifest-only keys never reach the resource.
    expect(byName("Service", "web").inputs).not.toHaveProperty("dependsOn");
    // No absolute path anywhere in the inputs (they are stored in state).
    expect(JSON.stringify(rt.registered.map((r) => ({ ...r.inputs, __provider: undefined })))).not.toContain(REPO);
  });

  it("resolves references to outputs: whole references keep their type, embedded ones interpolate", async () => {
    await settle(declareManifest("test/manifest/fixtures/good.yaml", { workDir: REPO }));
    const tj = byName("TrainingJob", "train").inputs;
    expect(tj.datasetId).toBe(byName("Dataset", "tiny").id);
    expect(tj.datasetVersion).toBe(3);
    const model = byName("Model", "model").inputs;
    expect(model.source).toBe(`mlp://training-jobs/${byName("TrainingJob", "train").id}/output/model.json`);
    expect(model.metrics).toEqual({ accuracy: 0.97, loss: 0.1 });
    expect(model.description).toBe("from ${literal} and tiny-train");
    const modelId = byName("Model", "model").id;
    expect(byName("PerfJob", "bench").inputs).toMatchObject({ modelId, modelVersion: 2, slo: { p99LatencyMs: 200 } });
    expect(byName("Service", "web").inputs).toMatchObject({ replicas: 2, models: [{ modelId, version: 2, weight: 100 }] });
  });

  it("records dependencies: from references and from dependsOn", async () => {
    await settle(declareManifest("test/manifest/fixtures/good.yaml", { workDir: REPO }));
    expect(byName("TrainingJob", "train").dependencies).toContain("tiny");
    expect(byName("Model", "model").dependencies).toContain("train");
    expect(byName("PerfJob", "bench").dependencies).toContain("model");
    expect(byName("Service", "web").dependencies).toEqual(expect.arrayContaining(["model", "bench"]));
    expect(byName("Dataset", "tiny").dependencies).toEqual([]);
  });

  it("returns stack outputs: services, models and the manifest's own outputs", async () => {
    const { outputs } = await settle(declareManifest("test/manifest/fixtures/good.yaml", { workDir: REPO }));
    expect(await value(outputs.endpoint)).toBe("http://127.0.0.1:9999/web");
    expect(await value(outputs.banner)).toBe("served at http://127.0.0.1:9999/web");
    const modelId = byName("Model", "model").id;
    expect(await value(outputs.services)).toEqual({
      web: { name: "web-dev", endpoint: "http://127.0.0.1:9999/web", models: [{ modelId, version: 2, weight: 100, modelName: "model" }] },
    });
    expect(await value(outputs.models)).toMatchObject({ model: { id: modelId, name: "model-dev", version: 2, latestVersion: 2 } });
  });

  it("declares nothing when the manifest is invalid", async () => {
    expect(() => declareManifest("test/manifest/fixtures/many-errors.yaml", { workDir: REPO })).toThrow(ManifestError);
    expect(() => declareManifest("test/manifest/fixtures/cycle.yaml", { workDir: REPO })).toThrow(/reference cycle/);
    await new Promise((r) => setTimeout(r, 50));
    expect(rt.registered).toEqual([]);
  });
});
