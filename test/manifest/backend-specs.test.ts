// A backend whose kinds take specs of their own (KindRule.specSchema: a ModelArts training job's engine and
// boot file, a Qianfan fine-tuning run's base model) has its manifest sections validated against them, with
// file:line:column and the property path; its kind rules (kinds not offered, keys it cannot take, whole-spec
// rules) are reported the same way. The same text for the local backend still meets the kinds' own schema.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { checkManifest } from "../../provider/manifest/check";
import { ManifestError } from "../../provider/manifest/problems";

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), "mlp-backend-specs-"));
  mkdirSync(join(dir, "code"));
  writeFileSync(join(dir, "code", "train.py"), "print(1)\n");
  mkdirSync(join(dir, "data"));
  writeFileSync(join(dir, "data", "iris.csv"), "a\n1\n");
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function problemsOf(text: string, backend: string): string[] {
  try {
    checkManifest("ml.yaml", { workDir: dir, text, backend });
  } catch (err) {
    expect(err).toBeInstanceOf(ManifestError);
    return (err as ManifestError).message.split("\n").slice(1).map((l) => l.trim());
  }
  return [];
}

const modelarts = (train: string) => `apiVersion: mlplatform/v1
datasets:
  iris: { format: csv, source: ./data }
trainingJobs:
  train:
${train}
models:
  iris:
    source: \${trainingJobs.train.outputUri}
    format: onnx
`;

const GOOD_TRAIN = `    engine: { name: PyTorch, version: PyTorch-1.4.0-python3.6 }
    workingDir: ./code
    bootFile: train.py
    datasetId: \${datasets.iris.id}
    hyperParameters: { epochs: 3 }
    flavor: modelarts.vm.cpu.8u
    instanceCount: 2`;

describe("manifest sections against a backend's own spec", () => {
  it("a ModelArts training job (engine, bootFile, no command) passes for modelarts, and is refused by the local kinds' schema", () => {
    expect(problemsOf(modelarts(GOOD_TRAIN), "modelarts")).toEqual([]);
    const local = problemsOf(modelarts(GOOD_TRAIN), "local");
    expect(local).toContain('ml.yaml:6:5: trainingJobs.train.engine: unknown property "engine"');
    expect(local.some((l) => /trainingJobs\.train\.command: required property is missing/.test(l))).toBe(true);
  });

  it("reports the ModelArts spec's and kind rules' refusals with file:line:column and the property", () => {
    const bad = `    engine: { name: PyTorch }
    image: org/trainer:1
    workingDir: ./code
    bootFile: train.py
    datasetId: \${datasets.iris.id}
    flavor: modelarts.vm.cpu.8u
    instanceCount: 40
    python: { requirements: [scikit-learn] }`;
    expect(problemsOf(modelarts(bad), "modelarts")).toEqual([
      "ml.yaml:6:13: trainingJobs.train.engine.version: required property is missing (string)",
      "ml.yaml:12:20: trainingJobs.train.instanceCount: Too big: expected number to be <=16",
      "ml.yaml:13:5: trainingJobs.train.python: not supported by the Huawei ModelArts backend: ModelArts engines bring their own packages (put a pip requirements file in the code directory, or use a custom image)",
    ]);
    // Well-formed, but both an engine and an image: the whole-spec rule, at its property.
    const both = GOOD_TRAIN.replace("    workingDir", "    image: org/trainer:1\n    workingDir").replace("datasetId: ${datasets.iris.id}", "datasetId: ds-1");
    expect(problemsOf(modelarts(both), "modelarts")).toEqual([
      "ml.yaml:7:12: trainingJobs.train.image: a ModelArts training job runs on exactly one of engine (a preset AI engine with bootFile) or image (a custom image with command)",
    ]);
  });

  it("lifts Qianfan's limit: a fine-tuning run (no command) is declarable in ml.yaml, its hyper-parameter ranges checked with the line", () => {
    const qianfan = (lr: number) => `apiVersion: mlplatform/v1
datasets:
  chat: { format: jsonl, source: ./data/iris.csv }
trainingJobs:
  tune:
    datasetId: \${datasets.chat.id}
    hyperParameters: { baseModel: ERNIE-Speed-8K, learningRate: ${lr} }
`;
    expect(problemsOf(qianfan(0.00003), "qianfan")).toEqual([]);
    expect(problemsOf(qianfan(0.5), "qianfan")).toEqual([
      "ml.yaml:7:65: trainingJobs.tune.hyperParameters.learningRate: 0.5 is outside the range Qianfan accepts for ERNIE-Speed-8K (0.00001–0.00004)",
    ]);
    expect(problemsOf(qianfan(0.00003), "local").some((l) => /trainingJobs\.tune\.command: required property is missing/.test(l))).toBe(true);
  });

  it("a kind the backend does not offer is refused at its key", () => {
    const text = `apiVersion: mlplatform/v1
perfJobs:
  bench: { modelId: m, modelVersion: 1, flavors: [modelarts.vm.cpu.2u] }
`;
    expect(problemsOf(text, "modelarts")).toEqual([
      expect.stringMatching(/^ml\.yaml:3:3: perfJobs\.bench: the Huawei ModelArts backend \(mlplatform:backend=modelarts\) does not offer PerfJob: .*It offers Dataset, TrainingJob, Model, Service$/),
    ]);
  });
});
