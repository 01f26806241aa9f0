// The Volcengine example as a TypeScript program: the same three resources as examples/volcengine/ml.yaml.
// Nothing here names the backend: `mlplatform:backend: volcengine` (or MLPLATFORM_BACKEND) in the stack
// selects it, and the region and credentials come from stack config secrets or VOLC_* at run time.
import { Model, PerfJob, Service } from "../../provider";

export interface VolcengineProgramOptions {
  /** The model directory relative to the Pulumi project directory. */
  modelDir?: string;
  prefix?: string;
  replicas?: number;
  /** p99 latency SLO for the benchmark (ms). */
  p99LatencyMs?: number;
}

export function program(opts: VolcengineProgramOptions = {}) {
  const p = opts.prefix ?? "iris-onnx";
  const model = new Model("model", {
    name: p,
    source: opts.modelDir ?? "examples/volcengine/model",
    format: "onnx",
    framework: "ONNX:1.10",
    inputs: [{ name: "input", datatype: "FP32", shape: [-1, 4] }],
    outputs: [{ name: "probabilities", datatype: "FP32", shape: [-1, 3] }],
    description: "iris classifier exported to ONNX",
  });
  // A new model version is a new benchmark (the perf job replaces) and rolls the service.
  const latency = new PerfJob("latency", {
    name: `${p}-latency`,
    modelId: model.id,
    modelVersion: model.version,
    flavors: ["ml.highcpu.large", "ml.g1e.large"],
    slo: { p99LatencyMs: opts.p99LatencyMs ?? 50 },
  });
  const service = new Service(
    "service",
    {
      name: p,
      models: [{ modelId: model.id, version: model.version }],
      replicas: opts.replicas ?? 2,
      flavor: "ml.highcpu.large",
      env: { OMP_NUM_THREADS: "4" },
      description: "iris ONNX online inference",
    },
    { dependsOn: [latency] },
  );
  return { modelId: model.id, modelVersion: model.version, endpoint: service.endpoint, sloMet: latency.sloMet };
}
