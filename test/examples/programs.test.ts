// The examples' wiring under mocks: every example manifest passes the checks, and declares the resources
// the README promises, with relative paths and the dependencies that make a retrain roll the service.
import { resolve } from "node:path";
import { beforeAll, beforeEach, describe, expect, it } from "vitest";
import { checkManifest, declareManifest } from "../../provider/manifest/load";
import { program } from "../../examples/typescript/index";
import { installRecordingMocks, settle, value, type RecordingRuntime } from "../manifest/mock-runtime";

const REPO = resolve(__dirname, "../..");
let rt: RecordingRuntime;
beforeAll(async () => {
  rt = await installRecordingMocks();
});
beforeEach(() => rt.reset());

describe("example manifests", () => {
  it.each(["examples/quickstart/ml.yaml", "examples/canary/ml.yaml", "examples/canary/ml.promoted.yaml", "examples/sklearn/ml.yaml"])("%s passes every check", (path) => {
    const checked = checkManifest(path, { workDir: REPO });
    expect(checked.graph.order.length).toBeGreaterThanOrEqual(5);
  });

  it("quickstart: dataset → training job → model → perf job → service, paths relative to the package", async () => {
    const { resources, outputs } = declareManifest("examples/quickstart/ml.yaml", { workDir: REPO });
    await settle(resources);
    const ds = rt.byName("Dataset", "iris");
    const tj = rt.byName("TrainingJob", "iris-train");
    const model = rt.byName("Model", "iris");
    const perf = rt.byName("PerfJob", "iris-latency");
    const svc = rt.byName("Service", "iris");
    expect(ds.inputs).toMatchObject({ name: "iris-dev", format: "csv", source: "examples/quickstart/data/iris.csv" });
    expect(tj.inputs).toMatchObject({ command: ["node", "train.ts"], workingDir: "examples/quickstart", datasetId: ds.id, datasetVersion: 3 });
    // The model's source names the job that produced it, so a replaced job registers a new version.
    expect(model.inputs.source).toBe(`mlp://training-jobs/${tj.id}/output/model.json`);
    expect(model.inputs.metrics).toEqual({ accuracy: 0.97, loss: 0.1 });
    expect(perf.inputs).toMatchObject({ modelId: model.id, modelVersion: 2, durationSeconds: 2, concurrency: [1, 4], slo: { p99LatencyMs: 1000 } });
    expect(svc.inputs).toMatchObject({ replicas: 2, models: [{ modelId: model.id, version: 2, weight: 100 }] });
    expect(svc.dependencies).toEqual(expect.arrayContaining(["iris", "iris-latency"]));
    expect(await value(outputs.endpoint)).toBe("http://127.0.0.1:9999/iris");
  });

  it("quickstart: a changed hyper-parameter reaches the training job's inputs (which replace it)", async () => {
    const { readFileSync } = await import("node:fs");
    const text = readFileSync(resolve(REPO, "examples/quickstart/ml.yaml"), "utf8").replace("learning_rate: 0.5", "learning_rate: 0.25");
    await settle(declareManifest("examples/quickstart/ml.yaml", { workDir: REPO, text }).resources);
    expect(rt.byName("TrainingJob", "iris-train").inputs.hyperParameters).toEqual({ learning_rate: 0.25, epochs: 300 });
  });

  it("canary: one service, 90/10 between two models; promoted: 100 to the candidate", async () => {
    await settle(declareManifest("examples/canary/ml.yaml", { workDir: REPO }).resources);
    const baseline = rt.byName("Model", "iris-baseline").id;
    const candidate = rt.byName("Model", "iris-candidate").id;
    expect(rt.byName("Service", "iris-canary").inputs.models).toEqual([
      { modelId: baseline, version: 2, weight: 90 },
      { modelId: candidate, version: 2, weight: 10 },
    ]);
    expect(rt.byName("TrainingJob", "candidate-train").inputs.workingDir).toBe("examples/quickstart");
    expect(rt.byName("Dataset", "iris-canary").inputs.source).toBe("examples/quickstart/data/iris.csv");

    rt.reset();
    await settle(declareManifest("examples/canary/ml.promoted.yaml", { workDir: REPO }).resources);
    expect(rt.byName("Service", "iris-canary").inputs.models).toEqual([{ modelId: rt.byName("Model", "iris-candidate").id, version: 2, weight: 100 }]);
  });
});

describe("examples/typescript", () => {
  it("declares the quickstart stack with the resource classes", async () => {
    const outputs = program({ prefix: "iris-ts" });
    await value(outputs.endpoint);
    expect(rt.registered.map((r) => `${r.kind}/${r.name}`).sort()).toEqual(["Dataset/iris", "Model/model", "PerfJob/latency", "Service/service", "TrainingJob/train"]);
    const tj = rt.byName("TrainingJob", "train");
    expect(tj.inputs).toMatchObject({ name: "iris-ts-train", workingDir: "examples/quickstart", datasetId: rt.byName("Dataset", "iris").id });
    expect(rt.byName("Model", "model").inputs.source).toBe(`mlp://training-jobs/${tj.id}/output/model.json`);
    expect(rt.byName("Service", "service").dependencies).toEqual(expect.arrayContaining(["model", "latency"]));
    expect(await value(outputs.endpoint)).toBe("http://127.0.0.1:9999/service");
  });
});
