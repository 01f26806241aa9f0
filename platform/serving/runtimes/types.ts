// What a model runtime is: something that turns a stored artifact into a predictor over named tensors. The
// replica process asks the registry for the runtime of a model version's format; model registration loads
// the artifact through the same runtime to refuse what cannot be served and to record its signature.

/** KServe v2 tensor datatypes the local runtimes accept and return. */
export type Datatype = "BOOL" | "UINT8" | "UINT16" | "UINT32" | "UINT64" | "INT8" | "INT16" | "INT32" | "INT64" | "FP32" | "FP64" | "BYTES";

/** A KServe v2 tensor description (name, datatype, shape; -1 = a dynamic dimension). */
export interface TensorMetadata {
  name: string;
  datatype: Datatype;
  shape: number[];
}

/** Element storage per datatype: typed arrays for numbers, BigInt64/BigUint64 for 64-bit integers. */
export type TensorData = Float32Array | Float64Array | Int8Array | Int16Array | Int32Array | BigInt64Array | Uint8Array | Uint16Array | Uint32Array | BigUint64Array | string[] | boolean[];

/** One tensor of a request or a response, row-major. */
export interface Tensor {
  name: string;
  datatype: Datatype;
  shape: number[];
  data: TensorData;
}

export interface Prediction {
  /** One class label per input row. */
  labels: string[];
  /** Row-major [rows, classes] class probabilities. */
  probabilities: Float32Array;
  classCount: number;
}

export interface LoadedModel {
  /** The signature requests are checked against (inference-protocol.ts) and that registration records. */
  inputs: TensorMetadata[];
  outputs: TensorMetadata[];
  /** `inputs` are checked against the signature, one per model input; returns the outputs asked for (all by default). */
  infer(inputs: Tensor[], outputNames?: string[]): Promise<Tensor[]>;
  /** Frees native resources (ONNX Runtime sessions); the model is unusable afterwards. */
  close(): Promise<void>;
}

export interface ModelRuntime {
  /** The model format it serves (schemas/model.ts ModelFormat). */
  format: string;
  /** Loads a file or directory artifact; throws an Error saying what is wrong with it. */
  load(artifactPath: string): Promise<LoadedModel>;
}
