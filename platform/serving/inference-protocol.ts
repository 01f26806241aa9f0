// The Open Inference Protocol (KServe v2) request/response shapes a replica speaks, and the checks that
// turn a bad request into a clear 400 message. Kept apart from the HTTP plumbing so it is unit-testable.
import type { LoadedModel } from "./runtimes/index";

export interface InferTensor {
  name: string;
  datatype: string;
  shape: number[];
  data: unknown[];
}

export interface InferResponse {
  model_name: string;
  model_version: string;
  id?: string;
  outputs: InferTensor[];
}

export class BadRequest extends Error {}

/** Flattens nested row arrays ([[1,2],[3,4]]) as the protocol allows either layout. */
function flatten(data: unknown[]): unknown[] {
  return data.some(Array.isArray) ? (data as unknown[]).flat(Infinity) : data;
}

/** Validates the one [n, features] numeric input tensor and returns it as FP32 rows. */
export function parseInferRequest(body: unknown, model: LoadedModel): { rows: Float32Array; rowCount: number; id?: string } {
  if (typeof body !== "object" || body === null || Array.isArray(body)) throw new BadRequest("request body must be a JSON object with an 'inputs' array");
  const { inputs, id } = body as { inputs?: unknown; id?: unknown };
  if (!Array.isArray(inputs) || inputs.length !== 1) {
    throw new BadRequest(`'inputs' must hold exactly one tensor of shape [n, ${model.featureCount}], got ${Array.isArray(inputs) ? inputs.length : typeof inputs}`);
  }
  const t = inputs[0] as Partial<InferTensor>;
  if (typeof t !== "object" || t === null) throw new BadRequest("inputs[0] must be a tensor object {name, datatype, shape, data}");
  if (t.datatype !== "FP32" && t.datatype !== "FP64") throw new BadRequest(`inputs[0].datatype must be FP32 (or FP64), got ${JSON.stringify(t.datatype)}`);
  const shape = t.shape;
  if (!Array.isArray(shape) || shape.length !== 2 || !shape.every((d) => Number.isInteger(d) && d >= 0)) {
    throw new BadRequest(`inputs[0].shape must be [n, ${model.featureCount}], got ${JSON.stringify(shape)}`);
  }
  const [rowCount, columns] = shape;
  if (columns !== model.featureCount) throw new BadRequest(`inputs[0].shape[1] must be ${model.featureCount} (the model's features), got ${columns}`);
  if (rowCount < 1) throw new BadRequest("inputs[0].shape[0] must be at least 1 row");
  if (!Array.isArray(t.data)) throw new BadRequest("inputs[0].data must be an array of numbers");
  const data = flatten(t.data);
  if (data.length !== rowCount * columns) {
    throw new BadRequest(`inputs[0].data has ${data.length} values, shape [${rowCount}, ${columns}] needs ${rowCount * columns}`);
  }
  const rows = new Float32Array(data.length);
  for (let i = 0; i < data.length; i++) {
    const v = data[i];
    if (typeof v !== "number" || !Number.isFinite(v)) throw new BadRequest(`inputs[0].data[${i}] must be a finite number, got ${JSON.stringify(v)}`);
    rows[i] = v;
  }
  return { rows, rowCount, id: typeof id === "string" ? id : undefined };
}

export function inferResponse(model: LoadedModel, modelName: string, modelVersion: string, rows: Float32Array, rowCount: number, id?: string): InferResponse {
  const p = model.predict(rows, rowCount);
  return {
    model_name: modelName,
    model_version: modelVersion,
    ...(id !== undefined ? { id } : {}),
    outputs: [
      { name: "label", datatype: "BYTES", shape: [rowCount], data: p.labels },
      { name: "probabilities", datatype: "FP32", shape: [rowCount, p.classCount], data: Array.from(p.probabilities) },
    ],
  };
}

/** A zero-filled [1, features] request, the default sample of perf jobs. */
export function zerosRequest(featureCount: number, inputName = "input"): { inputs: InferTensor[] } {
  return { inputs: [{ name: inputName, datatype: "FP32", shape: [1, featureCount], data: new Array(featureCount).fill(0) }] };
}
