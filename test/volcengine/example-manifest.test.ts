// examples/volcengine/ml.yaml passes the manifest checks and declares what the README promises (the
// TypeScript program beside it is run by test/e2e/volcengine-lifecycle.test.ts).
import { resolve } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { checkManifest, declareManifest } from "../../provider/manifest/load";
import { installRecordingMocks, settle, type RecordingRuntime } from "../manifest/mock-runtime";

const REPO = resolve(__dirname, "../..");
let rt: RecordingRuntime;
beforeAll(async () => {
  rt = await installRecordingMocks();
});

describe("examples/volcengine/ml.yaml", () => {
  it("passes every check and declares model → perf job → service", async () => {
    const checked = checkManifest("examples/volcengine/ml.yaml", { workDir: REPO });
    expect(checked.graph.order).toHaveLength(3);
    await settle(declareManifest("examples/volcengine/ml.yaml", { workDir: REPO }).resources);
    const model = rt.byName("Model", "iris-onnx");
    expect(model.inputs).toMatchObject({ format: "onnx", source: "examples/volcengine/model", framework: "ONNX:1.10" });
    expect(rt.byName("PerfJob", "iris-onnx-latency").inputs).toMatchObject({ modelId: model.id, flavors: ["ml.highcpu.large", "ml.g1e.large"] });
    expect(rt.byName("Service", "iris-onnx").inputs).toMatchObject({ flavor: "ml.highcpu.large", models: [{ modelId: model.id }] });
  });
});
