// Issue 17: examples/sklearn under the real Pulumi engine against the real local platform: two Python
// training jobs in the cached scikit-learn environment → ONNX models → a perf gate at batch 1 and 32 → a
// 90/10 canary service → predictions; then a no-op preview (no perpetual diff) and destroy.
import { cpSync, mkdirSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type * as auto from "@pulumi/pulumi/automation";
import { declareManifest } from "../../provider/manifest/load";
import { stackScopedName } from "../../schemas/common";
import { sklearnPython } from "../platform/onnx-fixtures";
import { REPO_ROOT, makeProjectDir, openE2EStack, removeDir, startPlatformProcess, type E2EPlatform } from "./harness";

let projectDir: string;
let platform: E2EPlatform;
let stack: auto.Stack;
/** Platform names carry the stack (openE2EStack's "test"), so dev and prod of one manifest can share a platform. */
const scoped = (key: string) => stackScopedName(key, "test");

async function one(kind: string, name: string): Promise<any> {
  const r = await platform.api("GET", `/v1/${kind}?name=${encodeURIComponent(name)}`);
  expect(r.body.items.map((i: any) => i.name)).toEqual([name]);
  return r.body.items[0];
}

beforeAll(async () => {
  // Built (or found) once per machine in the shared cache, so the up below measures the platform, not pip.
  await sklearnPython();
  projectDir = makeProjectDir("sklearn");
  mkdirSync(join(projectDir, "examples"));
  for (const dir of ["sklearn", "quickstart/data"]) cpSync(join(REPO_ROOT, "examples", dir), join(projectDir, "examples", dir), { recursive: true });
  platform = await startPlatformProcess(join(projectDir, ".platform"), [projectDir]);
  const manifestPath = join(projectDir, "examples/sklearn/ml.yaml");
  stack = await openE2EStack({ projectDir, platform, program: async () => declareManifest(manifestPath, { workDir: projectDir }).outputs });
}, 900_000);

afterAll(async () => {
  await platform?.stop();
  if (projectDir) removeDir(projectDir);
});

describe.sequential("examples/sklearn under the real engine", () => {
  it("up: trains in Python, registers ONNX, passes the perf gate, serves 90/10, predicts", async () => {
    const result = await stack.up();
    expect(result.summary.result).toBe("succeeded");
    for (const key of ["iris-logreg-train", "iris-forest-train"]) {
      const job = await one("training-jobs", scoped(key));
      expect(job.status).toBe("Completed");
      expect(job.finalMetrics.accuracy).toBeGreaterThan(0.85);
      const log = (await platform.api("GET", `/v1/training-jobs/${job.id}/logs?tail=1000`)).body.lines as string[];
      expect(log.some((l) => l.startsWith("[platform] reusing Python environment"))).toBe(true);
    }
    const model = await one("models", scoped("iris-logreg"));
    expect(model).toMatchObject({ format: "onnx", status: "Ready", metrics: { accuracy: expect.any(Number) } });
    const v1 = (await platform.api("GET", `/v1/models/${model.id}/versions/1`)).body;
    expect(v1.inputs).toEqual([{ name: "input", datatype: "FP32", shape: [-1, 4] }]);
    expect(v1.outputs.map((o: any) => o.name)).toEqual(["label", "probabilities"]);

    const perf = await one("perf-jobs", scoped("iris-logreg-latency"));
    expect(perf).toMatchObject({ status: "Succeeded", sloMet: true });
    expect(perf.tasks.map((t: any) => [t.batchSize, t.concurrency])).toEqual([[1, 1], [1, 4], [32, 1], [32, 4]]);
    for (const t of perf.tasks) {
      expect(t.errors).toBe(0);
      expect(t.predictionsPerSecond).toBeCloseTo(t.throughput * t.batchSize, 0);
    }

    const service = await one("services", scoped("iris-sklearn"));
    expect(service).toMatchObject({ status: "Running", readyReplicas: 1 });
    const endpoint = result.outputs.endpoint.value;
    const rows = [[5.1, 3.5, 1.4, 0.2], [6.0, 2.2, 4.0, 1.0], [7.7, 3.0, 6.1, 2.3]];
    const servedBy: Record<string, number> = {};
    for (let i = 0; i < 20; i++) {
      const res = await fetch(`${endpoint}/v2/models/${scoped("iris-sklearn")}/infer`, {
        method: "POST",
        body: JSON.stringify({ inputs: [{ name: "input", datatype: "FP32", shape: [3, 4], data: rows }] }),
      });
      expect(res.status).toBe(200);
      const body = (await res.json()) as any;
      expect(body.outputs.find((o: any) => o.name === "label").data).toEqual(["setosa", "versicolor", "virginica"]);
      servedBy[body.model_name] = (servedBy[body.model_name] ?? 0) + 1;
    }
    expect(servedBy).toEqual({ [scoped("iris-logreg")]: 18, [scoped("iris-forest")]: 2 });
    const bad = await fetch(`${endpoint}/v2/models/${scoped("iris-forest")}/infer`, { method: "POST", body: JSON.stringify({ inputs: [{ name: "x", datatype: "FP32", shape: [1, 4], data: [1, 2, 3, 4] }] }) });
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as any).error).toMatch(/"x" is not an input of this model; it takes "input" FP32 \[-1, 4\]/);
  }, 900_000);

  it("preview after up shows no change; destroy removes everything", async () => {
    await stack.preview({ expectNoChanges: true });
    await stack.destroy();
    for (const kind of ["services", "models", "training-jobs", "perf-jobs", "datasets"]) {
      expect((await platform.api("GET", `/v1/${kind}`)).body.items).toEqual([]);
    }
  }, 600_000);
});
