// The ModelArts example as a TypeScript program: the same resources as examples/modelarts/ml.yaml - a dataset
// over the iris CSV, and two models served by one real-time service with a 70/30 traffic split. Nothing here names the backend:
// `mlplatform:backend: modelarts` (or MLPLATFORM_BACKEND) in the stack selects it; region, project id, OBS
// bucket and credentials come from stack config (secrets) or HUAWEICLOUD_SDK_* at run time.
import { Dataset, Model, Service } from "../../provider";

export interface ModelArtsProgramOptions {
  /** Model directories relative to the Pulumi project directory. */
  modelDirA?: string;
  modelDirB?: string;
  /** Dataset directory relative to the Pulumi project directory. */
  dataDir?: string;
  prefix?: string;
  replicas?: number;
  /** Share of traffic for model A (B gets the rest). */
  weightA?: number;
}

export function program(opts: ModelArtsProgramOptions = {}) {
  const p = opts.prefix ?? "iris";
  // Uploaded to OBS only when its bytes change; the name and description change in place.
  const data = new Dataset("data", { name: `${p}-data`, format: "csv", source: opts.dataDir ?? "examples/modelarts/data", description: "iris measurements" });
  // A new source registers the next version of the same name (ModelArts models are immutable).
  const a = new Model("model-a", { name: `${p}-a`, source: opts.modelDirA ?? "examples/modelarts/model-a", format: "onnx", framework: "PyTorch", description: "iris classifier A" });
  const b = new Model("model-b", { name: `${p}-b`, source: opts.modelDirB ?? "examples/modelarts/model-b", format: "onnx", framework: "PyTorch", description: "iris classifier B" });
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
  return { datasetId: data.id, datasetStatus: data.status, modelA: a.id, versionA: a.version, modelB: b.id, versionB: b.version, endpoint: service.endpoint, status: service.status };
}
