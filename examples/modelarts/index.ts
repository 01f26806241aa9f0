// The ModelArts example as a TypeScript program: the same resources as examples/modelarts/ml.yaml - a dataset
// over the iris CSV, a training job on it (PyTorch engine, train/train.py), model A from a local directory and
// model B from the job's OBS output, both served by one real-time service with a 70/30 traffic split.
// Nothing here names the backend:
// `mlplatform:backend: modelarts` (or MLPLATFORM_BACKEND) in the stack selects it; region, project id, OBS
// bucket and credentials come from stack config (secrets) or HUAWEICLOUD_SDK_* at run time.
import { Dataset, Model, Service, TrainingJob } from "../../provider";

export interface ModelArtsProgramOptions {
  /** Model A's directory relative to the Pulumi project directory (model B comes from the training job). */
  modelDirA?: string;
  /** Dataset directory relative to the Pulumi project directory. */
  dataDir?: string;
  prefix?: string;
  replicas?: number;
  /** Share of traffic for model A (B gets the rest). */
  weightA?: number;
  /** The training code directory relative to the Pulumi project directory. */
  codeDir?: string;
  /** Hyper-parameters of the training job (a change is a new run, and model B's next version). */
  epochs?: number;
  /** The training job's description (changes in place). */
  trainDescription?: string;
}

export function program(opts: ModelArtsProgramOptions = {}) {
  const p = opts.prefix ?? "iris";
  // Uploaded to OBS only when its bytes change; the name and description change in place.
  const data = new Dataset("data", { name: `${p}-data`, format: "csv", source: opts.dataDir ?? "examples/modelarts/data", description: "iris measurements" });
  // A new source registers the next version of the same name (ModelArts models are immutable).
  // A ModelArts training job (the backend's own TrainingJob spec): train.py on a preset PyTorch engine, the
  // code directory uploaded to OBS when it changes, the dataset's version as input, its output in OBS.
  // Only the description changes in place; anything else is a new run.
  const train = new TrainingJob("train", {
    name: `${p}-train`,
    engine: { name: "PyTorch", version: "PyTorch-1.4.0-python3.6" },
    workingDir: opts.codeDir ?? "examples/modelarts/train",
    bootFile: "train.py",
    datasetId: data.id,
    hyperParameters: { epochs: opts.epochs ?? 3, lr: 0.1 },
    flavor: "modelarts.vm.cpu.8u",
    instanceCount: 1,
    description: opts.trainDescription ?? "iris classifier B, trained on ModelArts",
  });
  const a = new Model("model-a", { name: `${p}-a`, source: opts.modelDirA ?? "examples/modelarts/model-a", format: "onnx", framework: "PyTorch", description: "iris classifier A" });
  // Registered from the training job's OBS output: a new run (new output) registers the next version.
  const b = new Model("model-b", { name: `${p}-b`, source: train.outputUri, format: "onnx", framework: "PyTorch", description: "iris classifier B" });
  const weightA = opts.weightA ?? 70;
  const service = new Service("service", {
    name: p,
    models: [
      { modelId: a.id, version: a.version, weight: weightA },
      { modelId: b.id, version: b.version, weight: 100 - weightA },
    ],
    replicas: opts.replicas ?? 2,
    flavor: "modelarts.vm.cpu.2u",
    env: { OMP_NUM_THREADS: "2" },
    description: "iris online inference, A/B split",
  });
  return { datasetId: data.id, datasetStatus: data.status, trainId: train.id, trainStatus: train.status, trainOutput: train.outputUri, modelA: a.id, versionA: a.version, modelB: b.id, versionB: b.version, endpoint: service.endpoint, status: service.status };
}
