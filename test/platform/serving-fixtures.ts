// Small logreg-json artifacts for serving tests: 4 features, 3 classes, weights chosen so the predicted
// class is obvious from the input (class k wins when feature k is large).
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

export const FEATURES = ["f0", "f1", "f2", "f3"];
export const CLASSES = ["setosa", "versicolor", "virginica"];

export function logregArtifact(scale = 1) {
  return {
    format: "logreg-json/v1",
    features: FEATURES,
    classes: CLASSES,
    mean: [0, 0, 0, 0],
    std: [1, 1, 1, 1],
    weights: [
      [scale, 0, 0, 0],
      [0, scale, 0, 0],
      [0, 0, scale, 0.5],
    ],
    bias: [0, 0.1, -0.1],
  };
}

/** Writes an artifact file into a fresh temp dir (or `dir`) and returns its path. */
export function writeLogregArtifact(scale = 1, dir = mkdtempSync(join(tmpdir(), "mlp-serving-")), file = `model-${scale}.json`): string {
  const path = join(dir, file);
  writeFileSync(path, JSON.stringify(logregArtifact(scale)));
  return path;
}

export function inferBody(rows: number[][]) {
  return { inputs: [{ name: "input", datatype: "FP32", shape: [rows.length, rows[0]?.length ?? 0], data: rows.flat() }] };
}

/** The softmax the runtime must reproduce, computed independently here. */
export function expectedProbabilities(row: number[], scale = 1): number[] {
  const a = logregArtifact(scale);
  const logits = a.weights.map((w, k) => a.bias[k] + w.reduce((s, wj, j) => s + wj * ((row[j] - a.mean[j]) / a.std[j]), 0));
  const exps = logits.map(Math.exp);
  const sum = exps.reduce((s, e) => s + e, 0);
  return exps.map((e) => e / sum);
}
