// The `onnx` runtime: ONNX models run by ONNX Runtime's CPU build (onnxruntime-node, whose native binaries
// ship inside the npm package). The graph's inputs and outputs become the KServe v2 signature; element
// types without a KServe v2 datatype, and non-tensor values (sequences and maps, e.g. skl2onnx's ZipMap),
// are refused at load, so registration says what is wrong instead of a replica failing later.
import { readdir, readFile, stat } from "node:fs/promises";
import { join } from "node:path";
import type { InferenceSession as Session, Tensor as OrtTensor } from "onnxruntime-node";
import type { Datatype, LoadedModel, ModelRuntime, Tensor, TensorMetadata } from "./types";

/** ONNX Runtime element type ↔ KServe v2 datatype, for the types JSON requests can carry. */
const FROM_ORT: Record<string, Datatype> = {
  bool: "BOOL",
  uint8: "UINT8",
  uint16: "UINT16",
  uint32: "UINT32",
  uint64: "UINT64",
  int8: "INT8",
  int16: "INT16",
  int32: "INT32",
  int64: "INT64",
  float32: "FP32",
  float64: "FP64",
  string: "BYTES",
};
const TO_ORT = Object.fromEntries(Object.entries(FROM_ORT).map(([ort, kserve]) => [kserve, ort])) as Record<Datatype, OrtTensor.Type>;

type Ort = typeof import("onnxruntime-node");
// Loaded on first use: the platform process only pays for the native library when it meets an ONNX model.
// A dynamic import works both compiled (CommonJS) and from the TypeScript sources (tests run them as ESM).
let ortModule: Ort | undefined;
async function loadOrt(): Promise<Ort> {
  if (!ortModule) {
    const m = (await import("onnxruntime-node")) as Ort & { default?: Ort };
    ortModule = m.default ?? m;
  }
  return ortModule;
}
function ort(): Ort {
  if (!ortModule) throw new Error("onnxruntime-node is not loaded yet");
  return ortModule;
}

/** The model file: the path itself, or the one *.onnx file (model.onnx first) of a directory artifact. */
export async function onnxArtifactFile(artifactPath: string): Promise<string> {
  if (!(await stat(artifactPath)).isDirectory()) return artifactPath;
  const names = (await readdir(artifactPath)).filter((n) => n.endsWith(".onnx"));
  if (names.includes("model.onnx")) return join(artifactPath, "model.onnx");
  if (names.length === 1) return join(artifactPath, names[0]);
  throw new Error(names.length === 0 ? "the directory holds no .onnx file" : `the directory holds several .onnx files (${names.join(", ")}); name one in source, or call it model.onnx`);
}

function signatureOf(metadata: readonly Session.ValueMetadata[], what: "input" | "output"): TensorMetadata[] {
  return metadata.map((m) => {
    if (!m.isTensor) {
      const hint = what === "output" ? " (skl2onnx classifiers: convert with options={id(model): {'zipmap': False}} for a probability tensor)" : "";
      throw new Error(`${what} "${m.name}" is not a tensor (a sequence or map), which KServe v2 cannot carry${hint}`);
    }
    const datatype = FROM_ORT[m.type];
    if (!datatype) throw new Error(`${what} "${m.name}" has element type ${m.type}, which the local runtime does not serve (supported: ${Object.keys(FROM_ORT).join(", ")})`);
    // Symbolic dimensions ("N", "batch") and unknown ones are dynamic: -1, as KServe v2 writes them.
    return { name: m.name, datatype, shape: m.shape.map((d) => (typeof d === "number" && d >= 0 ? d : -1)) };
  });
}

function toOrt(t: Tensor): OrtTensor {
  const { Tensor } = ort();
  if (t.datatype === "BOOL") return new Tensor("bool", Uint8Array.from(t.data as boolean[], (b) => (b ? 1 : 0)), t.shape);
  if (t.datatype === "BYTES") return new Tensor("string", t.data as string[], t.shape);
  return new Tensor(TO_ORT[t.datatype] as "float32", t.data as Float32Array, t.shape);
}

function fromOrt(name: string, value: OrtTensor): Tensor {
  const datatype = FROM_ORT[value.type];
  if (!datatype) throw new Error(`output "${name}" came back as ${value.type}, which has no KServe v2 datatype`);
  const data = datatype === "BOOL" ? Array.from(value.data as Uint8Array, (b) => b !== 0) : (value.data as Tensor["data"]);
  return { name, datatype, shape: value.dims.map(Number), data };
}

export class OnnxModel implements LoadedModel {
  readonly inputs: TensorMetadata[];
  readonly outputs: TensorMetadata[];
  private readonly session: Session;

  private constructor(session: Session) {
    this.session = session;
    this.inputs = signatureOf(session.inputMetadata, "input");
    this.outputs = signatureOf(session.outputMetadata, "output");
  }

  /** Loads from bytes, so ONNX Runtime's messages never carry the artifact store's path. */
  static async load(artifactPath: string): Promise<OnnxModel> {
    let bytes: Buffer;
    try {
      bytes = await readFile(await onnxArtifactFile(artifactPath));
    } catch (err) {
      throw new Error(`cannot read the ONNX model: ${(err as Error).message}`);
    }
    let session: Session;
    try {
      // One thread per replica: replicas scale out as processes, and small tabular models lose more to
      // thread hand-offs than they gain from intra-op parallelism.
      session = await (await loadOrt()).InferenceSession.create(bytes, { executionProviders: ["cpu"], intraOpNumThreads: 1, interOpNumThreads: 1, graphOptimizationLevel: "all" });
    } catch (err) {
      const looksLikeJson = bytes.subarray(0, 64).toString("utf8").trimStart().startsWith("{");
      // ONNX Runtime's messages carry the source location of its build; the reason is the rest.
      const reason = (err as Error).message.trim().replace(/\/onnxruntime_src\/\S+ /g, "");
      throw new Error(`ONNX Runtime cannot load it: ${reason}${looksLikeJson ? " (the file is JSON: is its format logreg-json?)" : ""}`);
    }
    try {
      return new OnnxModel(session);
    } catch (err) {
      await session.release();
      throw err;
    }
  }

  async infer(inputs: Tensor[], outputNames?: string[]): Promise<Tensor[]> {
    const feeds: Record<string, OrtTensor> = {};
    for (const t of inputs) feeds[t.name] = toOrt(t);
    const names = outputNames ?? this.outputs.map((o) => o.name);
    const results = await this.session.run(feeds, names);
    return names.map((n) => fromOrt(n, results[n] as OrtTensor));
  }

  close(): Promise<void> {
    return this.session.release();
  }
}

export const onnxRuntime: ModelRuntime = {
  format: "onnx",
  load: (artifactPath) => OnnxModel.load(artifactPath),
};
