// examples/modelarts/ml.yaml passes the manifest checks and declares what the README promises (the
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
  it("passes every check and declares a dataset and two models → one service split 70/30", async () => {
    const checked = checkManifest("examples/modelarts/ml.yaml", { workDir: REPO });
    expect(checked.graph.order).toHaveLength(4);
    await settle(declareManifest("examples/modelarts/ml.yaml", { workDir: REPO }).resources);
    expect(rt.byName("Dataset", "iris-data").inputs).toMatchObject({ format: "csv", source: "examples/modelarts/data" });
    const a = rt.byName("Model", "iris-a");
    const b = rt.byName("Model", "iris-b");
    expect(a.inputs).toMatchObject({ format: "onnx", source: "examples/modelarts/model-a", framework: "PyTorch" });
    expect(rt.byName("Service", "iris").inputs).toMatchObject({
      flavor: "modelarts.vm.cpu.2u",
      models: [{ modelId: a.id, weight: 70 }, { modelId: b.id, weight: 30 }],
    });
  });
});
