// examples/modelarts/ml.yaml passes the manifest checks for its backend and declares what the README promises (the
// TypeScript program beside it is run by test/e2e/modelarts-lifecycle.test.ts).
import { resolve } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { checkManifest, declareManifest } from "../../provider/manifest/load";
import { installRecordingMocks, settle, type RecordingRuntime } from "../manifest/mock-runtime";

const REPO = resolve(__dirname, "../..");
let rt: RecordingRuntime;
beforeAll(async () => {
  rt = await installRecordingMocks();
});

describe("examples/modelarts/ml.yaml", () => {
  it("passes every check for the modelarts backend and declares a dataset, a training job, two models (B from the job's output) → one service split 70/30", async () => {
    const checked = checkManifest("examples/modelarts/ml.yaml", { workDir: REPO, backend: "modelarts" });
    expect(checked.graph.order).toHaveLength(5);
    await settle(declareManifest("examples/modelarts/ml.yaml", { workDir: REPO, backend: "modelarts" }).resources);
    const data = rt.byName("Dataset", "iris-data");
    expect(data.inputs).toMatchObject({ format: "csv", source: "examples/modelarts/data" });
    const train = rt.byName("TrainingJob", "train");
    expect(train.inputs).toMatchObject({
      engine: { name: "PyTorch", version: "PyTorch-1.4.0-python3.6" }, workingDir: "examples/modelarts/train", bootFile: "train.py",
      datasetId: data.id, hyperParameters: { epochs: 3, lr: 0.1 }, flavor: "modelarts.vm.cpu.8u", instanceCount: 1,
    });
    const a = rt.byName("Model", "iris-a");
    const b = rt.byName("Model", "iris-b");
    expect(b.inputs.source).toBe(`mlp://training-jobs/${train.id}/output`);
    expect(a.inputs).toMatchObject({ format: "onnx", source: "examples/modelarts/model-a", framework: "PyTorch" });
    expect(rt.byName("Service", "iris").inputs).toMatchObject({
      flavor: "modelarts.vm.cpu.2u",
      models: [{ modelId: a.id, weight: 70 }, { modelId: b.id, weight: 30 }],
    });
  });
});
