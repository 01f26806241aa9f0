// The `logreg-json` runtime: multinomial logistic regression with per-feature standardisation, in plain
// TypeScript so serving needs no Python. Artifact format: platform/API.md ("Model format logreg-json").
import { readFile, stat } from "node:fs/promises";
import { join } from "node:path";
import { z } from "zod";
import type { LoadedModel, ModelRuntime, Prediction, Tensor, TensorMetadata } from "./types";

const finite = z.number().refine(Number.isFinite, "must be a finite number");

export const LogregArtifact = z
  .object({
    format: z.literal("logreg-json/v1"),
    features: z.array(z.string()).min(1),
    classes: z.array(z.string()).min(2),
    mean: z.array(finite),
    std: z.array(finite.refine((v) => v > 0, "must be > 0")),
    weights: z.array(z.array(finite)),
    bias: z.array(finite),
  })
  .superRefine((a, issue) => {
    const f = a.features.length;
    const c = a.classes.length;
    const expect = (path: (string | number)[], actual: number, wanted: number, of: string) => {
      if (actual !== wanted) issue.addIssue({ code: "custom", path, message: `has ${actual} entries, expected ${wanted} (${of})` });
    };
    expect(["mean"], a.mean.length, f, "one per feature");
    expect(["std"], a.std.length, f, "one per feature");
    expect(["bias"], a.bias.length, c, "one per class");
    expect(["weights"], a.weights.length, c, "one row per class");
    a.weights.forEach((row, i) => expect(["weights", i], row.length, f, "one per feature"));
  });
export type LogregArtifact = z.infer<typeof LogregArtifact>;

/** The artifact file: the path itself, or model.json inside a directory artifact. */
export async function logregArtifactFile(artifactPath: string): Promise<string> {
  return (await stat(artifactPath)).isDirectory() ? join(artifactPath, "model.json") : artifactPath;
}

export async function readLogregArtifact(artifactPath: string): Promise<LogregArtifact> {
  const file = await logregArtifactFile(artifactPath);
  let raw: unknown;
  try {
    raw = JSON.parse(await readFile(file, "utf8"));
  } catch (err) {
    throw new Error(`cannot read logreg-json artifact ${file}: ${(err as Error).message}`);
  }
  const parsed = LogregArtifact.safeParse(raw);
  if (!parsed.success) {
    const first = parsed.error.issues.map((i) => `${i.path.join(".") || "(root)"}: ${i.message}`).join("; ");
    throw new Error(`invalid logreg-json artifact ${file}: ${first}`);
  }
  return parsed.data;
}

export class LogregModel implements LoadedModel {
  readonly featureCount: number;
  readonly inputs: TensorMetadata[];
  readonly outputs: TensorMetadata[];
  private readonly classCount: number;
  // Flattened once so predict() is a tight loop over typed arrays.
  private readonly weights: Float64Array;
  private readonly mean: Float64Array;
  private readonly invStd: Float64Array;
  private readonly bias: Float64Array;

  readonly artifact: LogregArtifact;

  // No parameter properties here: replicas run this file under Node's type stripping in tests.
  constructor(artifact: LogregArtifact) {
    this.artifact = artifact;
    this.featureCount = artifact.features.length;
    this.classCount = artifact.classes.length;
    this.weights = Float64Array.from(artifact.weights.flat());
    this.mean = Float64Array.from(artifact.mean);
    this.invStd = Float64Array.from(artifact.std, (s) => 1 / s);
    this.bias = Float64Array.from(artifact.bias);
    this.inputs = [{ name: "input", datatype: "FP32", shape: [-1, this.featureCount] }];
    this.outputs = [
      { name: "label", datatype: "BYTES", shape: [-1] },
      { name: "probabilities", datatype: "FP32", shape: [-1, this.classCount] },
    ];
  }

  predict(rows: Float32Array, rowCount: number): Prediction {
    const f = this.featureCount;
    const c = this.classCount;
    if (rows.length !== rowCount * f) throw new Error(`expected ${rowCount * f} values for [${rowCount}, ${f}], got ${rows.length}`);
    const probabilities = new Float32Array(rowCount * c);
    const labels: string[] = new Array(rowCount);
    const x = new Float64Array(f);
    const logits = new Float64Array(c);
    for (let r = 0; r < rowCount; r++) {
      for (let j = 0; j < f; j++) x[j] = (rows[r * f + j] - this.mean[j]) * this.invStd[j];
      let max = -Infinity;
      for (let k = 0; k < c; k++) {
        let z = this.bias[k];
        for (let j = 0; j < f; j++) z += this.weights[k * f + j] * x[j];
        logits[k] = z;
        if (z > max) max = z;
      }
      // Softmax shifted by the max logit so exp() cannot overflow.
      let sum = 0;
      for (let k = 0; k < c; k++) sum += logits[k] = Math.exp(logits[k] - max);
      let best = 0;
      for (let k = 0; k < c; k++) {
        probabilities[r * c + k] = logits[k] / sum;
        if (logits[k] > logits[best]) best = k;
      }
      labels[r] = this.artifact.classes[best];
    }
    return { labels, probabilities, classCount: c };
  }

  /** The one [n, features] FP32 (or FP64) input, already checked against the signature. */
  async infer(inputs: Tensor[], outputNames?: string[]): Promise<Tensor[]> {
    const [input] = inputs;
    const rows = input.data instanceof Float32Array ? input.data : Float32Array.from(input.data as Float64Array);
    const rowCount = input.shape[0];
    const p = this.predict(rows, rowCount);
    const all: Tensor[] = [
      { name: "label", datatype: "BYTES", shape: [rowCount], data: p.labels },
      { name: "probabilities", datatype: "FP32", shape: [rowCount, p.classCount], data: p.probabilities },
    ];
    return outputNames ? all.filter((t) => outputNames.includes(t.name)) : all;
  }

  async close(): Promise<void> {}
}

export const logregRuntime: ModelRuntime = {
  format: "logreg-json",
  async load(artifactPath) {
    return new LogregModel(await readLogregArtifact(artifactPath));
  },
};
