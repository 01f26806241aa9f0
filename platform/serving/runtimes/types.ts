// What a model runtime is: something that turns a stored artifact into a predictor. The replica process
// asks the registry for the runtime of a model version's format; the model controller asks whether a
// format can be served at all before it accepts a registration.

/** A KServe v2 tensor description (name, datatype, shape; -1 = any size). */
export interface TensorMetadata {
  name: string;
  datatype: string;
  shape: number[];
}

export interface Prediction {
  /** One class label per input row. */
  labels: string[];
  /** Row-major [rows, classes] class probabilities. */
  probabilities: Float32Array;
  classCount: number;
}

export interface LoadedModel {
  inputs: TensorMetadata[];
  outputs: TensorMetadata[];
  /** Number of input features (columns of the one FP32 input tensor). */
  featureCount: number;
  /** `rows` is row-major [rowCount, featureCount]. */
  predict(rows: Float32Array, rowCount: number): Prediction;
}

export interface ModelRuntime {
  /** The model format it serves (schemas/model.ts ModelFormat). */
  format: string;
  /** Loads a file or directory artifact; throws an Error saying what is wrong with it. */
  load(artifactPath: string): Promise<LoadedModel>;
}
