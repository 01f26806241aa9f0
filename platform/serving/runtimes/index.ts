// The runtime registry: model format → runtime. The model controller refuses formats no runtime serves and
// loads every new version through its runtime; replicas and perf jobs load artifacts through it.
import { logregRuntime } from "./logreg";
import { onnxRuntime } from "./onnx";
import type { ModelRuntime, TensorMetadata } from "./types";

export type { Datatype, LoadedModel, ModelRuntime, Prediction, Tensor, TensorData, TensorMetadata } from "./types";
export { LogregArtifact, LogregModel, readLogregArtifact } from "./logreg";

const runtimes = new Map<string, ModelRuntime>([logregRuntime, onnxRuntime].map((r) => [r.format, r]));

export function canServe(format: string): boolean {
  return runtimes.has(format);
}

/** Formats the local platform can serve, for error messages. */
export function servableFormats(): string[] {
  return [...runtimes.keys()];
}

export function runtimeFor(format: string): ModelRuntime {
  const runtime = runtimes.get(format);
  if (!runtime) throw new Error(`no local runtime serves model format "${format}" (servable: ${servableFormats().join(", ")})`);
  return runtime;
}

/** Loads an artifact as a replica would and returns its signature (the inputs and outputs requests use). */
export async function readSignature(format: string, artifactPath: string): Promise<{ inputs: TensorMetadata[]; outputs: TensorMetadata[] }> {
  const model = await runtimeFor(format).load(artifactPath);
  try {
    return { inputs: model.inputs, outputs: model.outputs };
  } finally {
    await model.close();
  }
}
