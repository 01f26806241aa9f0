// The Open Inference Protocol (KServe v2) request/response shapes a replica speaks, and the checks that turn
// a request that does not fit the model's signature into a 400 naming the input and what is wrong. Kept
// apart from the HTTP plumbing so it is unit-testable, and shared by replicas and perf jobs (whose sample
// request must fit the same way).
import type { Datatype, LoadedModel, Tensor, TensorMetadata } from "./runtimes/index";

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

export interface ParsedInferRequest {
  /** One tensor per model input, in the model's input order, converted to the input's datatype. */
  inputs: Tensor[];
  /** Output names the request asked for; undefined = all. */
  outputNames?: string[];
  id?: string;
}

export class BadRequest extends Error {}

/** Flattens nested row arrays ([[1,2],[3,4]]) as the protocol allows either layout. */
function flatten(data: unknown[]): unknown[] {
  return data.some(Array.isArray) ? (data as unknown[]).flat(Infinity) : data;
}

const INT_RANGES: Partial<Record<Datatype, [number, number]>> = {
  INT8: [-128, 127],
  INT16: [-32768, 32767],
  INT32: [-2147483648, 2147483647],
  UINT8: [0, 255],
  UINT16: [0, 65535],
  UINT32: [0, 4294967295],
};

/** FP32 and FP64 are both JSON numbers: a float input takes either (the values are converted). */
function datatypeFits(sent: unknown, wanted: Datatype): boolean {
  if (sent === wanted) return true;
  return (wanted === "FP32" || wanted === "FP64") && (sent === "FP32" || sent === "FP64");
}

function describe(meta: TensorMetadata): string {
  return `${meta.datatype} [${meta.shape.join(", ")}]`;
}

/** The flat JSON values as the typed storage of `datatype`; `at` names the tensor in messages. */
function convert(values: unknown[], datatype: Datatype, at: string): Tensor["data"] {
  const bad = (i: number, what: string) => new BadRequest(`${at}.data[${i}] must be ${what}, got ${JSON.stringify(values[i])}`);
  switch (datatype) {
    case "BYTES":
      values.forEach((v, i) => {
        if (typeof v !== "string") throw bad(i, "a string");
      });
      return values as string[];
    case "BOOL":
      values.forEach((v, i) => {
        if (typeof v !== "boolean") throw bad(i, "true or false");
      });
      return values as boolean[];
    case "INT64":
    case "UINT64": {
      const out = datatype === "INT64" ? new BigInt64Array(values.length) : new BigUint64Array(values.length);
      const [lo, hi] = datatype === "INT64" ? [-(2n ** 63n), 2n ** 63n - 1n] : [0n, 2n ** 64n - 1n];
      for (let i = 0; i < values.length; i++) {
        const v = values[i];
        // Integers beyond 2^53 lose precision as JSON numbers; they may be sent as decimal strings.
        let n: bigint | undefined;
        if (typeof v === "number" && Number.isSafeInteger(v)) n = BigInt(v);
        else if (typeof v === "string" && /^-?\d+$/.test(v)) n = BigInt(v);
        if (n === undefined || n < lo || n > hi) throw bad(i, `an integer in the ${datatype} range`);
        out[i] = n;
      }
      return out;
    }
    default: {
      const range = INT_RANGES[datatype];
      const out =
        datatype === "FP32" ? new Float32Array(values.length)
        : datatype === "FP64" ? new Float64Array(values.length)
        : datatype === "INT8" ? new Int8Array(values.length)
        : datatype === "INT16" ? new Int16Array(values.length)
        : datatype === "INT32" ? new Int32Array(values.length)
        : datatype === "UINT8" ? new Uint8Array(values.length)
        : datatype === "UINT16" ? new Uint16Array(values.length)
        : new Uint32Array(values.length);
      for (let i = 0; i < values.length; i++) {
        const v = values[i];
        if (typeof v !== "number" || !Number.isFinite(v)) throw bad(i, "a finite number");
        if (range && (!Number.isInteger(v) || v < range[0] || v > range[1])) throw bad(i, `an integer in the ${datatype} range`);
        out[i] = v;
      }
      return out;
    }
  }
}

/** Checks one request tensor against the model input it names and converts it. */
function parseTensor(t: Partial<InferTensor>, meta: TensorMetadata, index: number): Tensor {
  const at = `inputs[${index}] ("${meta.name}")`;
  if (!datatypeFits(t.datatype, meta.datatype)) throw new BadRequest(`${at}: datatype must be ${meta.datatype}, got ${JSON.stringify(t.datatype)}`);
  const shape = t.shape;
  if (!Array.isArray(shape) || !shape.every((d) => Number.isInteger(d) && d >= 0)) {
    throw new BadRequest(`${at}: shape must be an array of non-negative integers like [${meta.shape.map((d) => (d < 0 ? "n" : d)).join(", ")}], got ${JSON.stringify(shape)}`);
  }
  // A model shape of [] means ONNX did not declare one: any shape goes, ONNX Runtime has the last word.
  if (meta.shape.length > 0) {
    if (shape.length !== meta.shape.length) throw new BadRequest(`${at}: shape must have ${meta.shape.length} dimensions (${describe(meta)}), got [${shape.join(", ")}]`);
    meta.shape.forEach((want, i) => {
      if (want >= 0 && shape[i] !== want) throw new BadRequest(`${at}: shape[${i}] must be ${want} (the model's ${describe(meta)}), got ${shape[i]}`);
    });
  }
  if (!Array.isArray(t.data)) throw new BadRequest(`${at}: data must be an array`);
  const values = flatten(t.data);
  const count = shape.reduce((a, b) => a * b, 1);
  if (values.length !== count) throw new BadRequest(`${at}: data has ${values.length} values, shape [${shape.join(", ")}] needs ${count}`);
  return { name: meta.name, datatype: meta.datatype, shape: [...shape], data: convert(values, meta.datatype, at) };
}

/** Validates a request body against the model's inputs; every problem is a BadRequest naming the input. */
export function parseInferRequest(body: unknown, model: Pick<LoadedModel, "inputs" | "outputs">): ParsedInferRequest {
  if (typeof body !== "object" || body === null || Array.isArray(body)) throw new BadRequest("request body must be a JSON object with an 'inputs' array");
  const { inputs, outputs, id } = body as { inputs?: unknown; outputs?: unknown; id?: unknown };
  const expected = model.inputs.map((m) => `"${m.name}" ${describe(m)}`).join(", ");
  if (!Array.isArray(inputs) || inputs.length === 0) throw new BadRequest(`'inputs' must be an array of tensors; this model takes ${expected}`);
  const byName = new Map<string, { tensor: Partial<InferTensor>; index: number }>();
  inputs.forEach((t, index) => {
    if (typeof t !== "object" || t === null || Array.isArray(t)) throw new BadRequest(`inputs[${index}] must be a tensor object {name, datatype, shape, data}`);
    const name = (t as { name?: unknown }).name;
    if (typeof name !== "string") throw new BadRequest(`inputs[${index}].name must be a string; this model takes ${expected}`);
    if (!model.inputs.some((m) => m.name === name)) throw new BadRequest(`inputs[${index}]: "${name}" is not an input of this model; it takes ${expected}`);
    if (byName.has(name)) throw new BadRequest(`inputs[${index}]: input "${name}" is given twice`);
    byName.set(name, { tensor: t as Partial<InferTensor>, index });
  });
  const parsed = model.inputs.map((meta) => {
    const given = byName.get(meta.name);
    if (!given) throw new BadRequest(`input "${meta.name}" (${describe(meta)}) is missing; this model takes ${expected}`);
    return parseTensor(given.tensor, meta, given.index);
  });
  let outputNames: string[] | undefined;
  if (outputs !== undefined) {
    if (!Array.isArray(outputs)) throw new BadRequest("'outputs' must be an array of {name}");
    outputNames = outputs.map((o, i) => {
      const name = (o as { name?: unknown } | null)?.name;
      if (typeof name !== "string" || !model.outputs.some((m) => m.name === name)) {
        throw new BadRequest(`outputs[${i}]: ${JSON.stringify(name)} is not an output of this model (outputs: ${model.outputs.map((m) => `"${m.name}"`).join(", ")})`);
      }
      return name;
    });
  }
  return { inputs: parsed, outputNames, id: typeof id === "string" ? id : undefined };
}

/** A tensor's values as JSON: 64-bit integers as numbers while exact, else as decimal strings. */
function jsonData(t: Tensor): unknown[] {
  if (t.data instanceof BigInt64Array || t.data instanceof BigUint64Array) {
    return Array.from(t.data as ArrayLike<bigint>, (v) => (v >= BigInt(Number.MIN_SAFE_INTEGER) && v <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(v) : v.toString()));
  }
  return Array.isArray(t.data) ? t.data : Array.from(t.data as ArrayLike<number>);
}

export async function inferResponse(model: LoadedModel, modelName: string, modelVersion: string, request: ParsedInferRequest): Promise<InferResponse> {
  const outputs = await model.infer(request.inputs, request.outputNames);
  return {
    model_name: modelName,
    model_version: modelVersion,
    ...(request.id !== undefined ? { id: request.id } : {}),
    outputs: outputs.map((t) => ({ name: t.name, datatype: t.datatype, shape: t.shape, data: jsonData(t) })),
  };
}

/**
 * A request shaped from the model's inputs: `batchSize` rows (the first dynamic dimension), 1 for any other
 * dynamic dimension, zeros (empty strings, false) as values. The default sample of perf jobs.
 */
export function sampleRequest(inputs: TensorMetadata[], batchSize = 1): { inputs: InferTensor[] } {
  return {
    inputs: inputs.map((m) => {
      const shape = m.shape.length === 0 ? [batchSize] : m.shape.map((d, i) => (d >= 0 ? d : i === 0 ? batchSize : 1));
      const count = shape.reduce((a, b) => a * b, 1);
      const zero = m.datatype === "BYTES" ? "" : m.datatype === "BOOL" ? false : 0;
      return { name: m.name, datatype: m.datatype, shape, data: new Array(count).fill(zero) };
    }),
  };
}

/**
 * The sample request repeated along its first dimension to `batchSize` rows (a perf job's request shape):
 * each tensor's first dimension must be 1 (one example) or already `batchSize`.
 */
export function batchRequest(sample: InferTensor[], batchSize: number): InferTensor[] {
  if (batchSize === 1) return sample;
  return sample.map((t, i) => {
    const rows = t.shape[0];
    if (rows === batchSize) return t;
    if (rows !== 1) throw new BadRequest(`sampleInput[${i}] ("${t.name}") has ${rows} rows; give one example (shape[0] = 1) to repeat to batch size ${batchSize}`);
    const flat = flatten(t.data);
    return { ...t, shape: [batchSize, ...t.shape.slice(1)], data: Array.from({ length: batchSize }, () => flat).flat() };
  });
}
