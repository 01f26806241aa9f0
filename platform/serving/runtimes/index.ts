// The runtime registry: model format → runtime. The model controller refuses formats no runtime serves and
// loads every new version through its runtime; replicas and perf jobs load artifacts through it.
import { spawn } from "node:child_process";
import { dirname } from "node:path";
import { entryPoint } from "../entry-point";
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

/**
 * readSignature in a process of its own (signature-process.ts): the artifact's weights are loaded there, not in
 * the caller's memory. Rejects with the runtime's own reason, as readSignature does.
 */
export function readSignatureIsolated(format: string, artifactPath: string): Promise<{ inputs: TensorMetadata[]; outputs: TensorMetadata[] }> {
  const { file, execArgv } = entryPoint(__dirname, "signature-process");
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [...execArgv, file, format, artifactPath], { stdio: ["ignore", "pipe", "pipe"], env: { PATH: dirname(process.execPath) } });
    let out = "";
    let err = "";
    child.stdout.on("data", (d) => (out += d));
    child.stderr.on("data", (d) => (err += d));
    child.on("error", reject);
    child.on("close", (code, signal) => {
      const line = out.trim().split("\n").at(-1) ?? "";
      let parsed: { inputs?: TensorMetadata[]; outputs?: TensorMetadata[]; error?: string } | undefined;
      try {
        parsed = JSON.parse(line);
      } catch {
        /* crashed before answering */
      }
      if (parsed?.error !== undefined) return reject(new Error(parsed.error));
      if (parsed?.inputs && parsed.outputs) return resolve({ inputs: parsed.inputs, outputs: parsed.outputs });
      const last = err.trim().split("\n").filter((l) => l && !l.trim().startsWith("at ")).at(-1);
      reject(new Error(`loading it ended without an answer (${signal ?? `exit code ${code}`})${last ? `: ${last}` : ""}`));
    });
  });
}
