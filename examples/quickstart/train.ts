// The quickstart's trainer: multinomial logistic regression by full-batch gradient descent, in plain
// TypeScript that Node runs directly (`node train.ts`; only erasable syntax, no dependencies).
//
// Input (from the platform, see platform/API.md): MLP_DATASET_FILE, a CSV with a header line, numeric
// feature columns and one label column (hyper-parameter `target`, default: the last column). Hyper-parameters:
// learning_rate (default 0.5), epochs (default 300), l2 (default 0.0001), target, read from
// MLP_HYPERPARAMETERS (JSON) or MLP_HP_<NAME>, names compared case-insensitively.
// Output: one JSON metric line per epoch on stdout ({"metric":"loss"|"accuracy","value":..,"step":epoch}),
// and $MLP_OUTPUT_DIR/model.json in the `logreg-json/v1` format: the weights apply to standardized
// features, z = (x - mean) / std, logits = weights · z + bias.
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";

interface Table {
  features: string[];
  classes: string[];
  x: number[][];
  y: number[];
}

export interface LogRegModel {
  format: "logreg-json/v1";
  features: string[];
  classes: string[];
  mean: number[];
  std: number[];
  weights: number[][];
  bias: number[];
}

function requireEnv(name: string): string {
  const v = process.env[name];
  if (!v) throw new Error(`${name} is not set (the platform sets it for training jobs)`);
  return v;
}

/** A hyper-parameter by name, case-insensitively: from MLP_HYPERPARAMETERS (JSON), else MLP_HP_<NAME>. */
function rawParam(name: string): string | undefined {
  const wanted = name.toLowerCase();
  const all = process.env.MLP_HYPERPARAMETERS ? (JSON.parse(process.env.MLP_HYPERPARAMETERS) as Record<string, unknown>) : {};
  for (const [k, v] of Object.entries(all)) if (k.toLowerCase() === wanted) return String(v);
  for (const [k, v] of Object.entries(process.env)) if (k.toLowerCase() === `mlp_hp_${wanted}`) return v;
  return undefined;
}

function numberParam(name: string, fallback: number): number {
  const raw = rawParam(name);
  if (raw === undefined || raw === "") return fallback;
  const v = Number(raw);
  if (!Number.isFinite(v)) throw new Error(`hyper-parameter ${name} must be a number, got ${JSON.stringify(raw)}`);
  return v;
}

export function readCsv(text: string, target?: string): Table {
  const lines = text.split(/\r?\n/).filter((l) => l.trim() !== "");
  if (lines.length < 2) throw new Error("the dataset has no samples (a CSV needs a header line and at least one row)");
  const header = lines[0].split(",").map((h) => h.trim());
  const targetIndex = target ? header.indexOf(target) : header.length - 1;
  if (targetIndex < 0) throw new Error(`target column ${JSON.stringify(target)} is not in the header: ${header.join(", ")}`);
  const features = header.filter((_, i) => i !== targetIndex);
  const classes: string[] = [];
  const x: number[][] = [];
  const y: number[] = [];
  lines.slice(1).forEach((line, row) => {
    const cells = line.split(",").map((c) => c.trim());
    if (cells.length !== header.length) throw new Error(`line ${row + 2}: ${cells.length} columns, the header has ${header.length}`);
    const label = cells[targetIndex];
    let cls = classes.indexOf(label);
    if (cls < 0) cls = classes.push(label) - 1;
    const values = cells.filter((_, i) => i !== targetIndex).map(Number);
    const bad = values.findIndex((v) => !Number.isFinite(v));
    if (bad >= 0) throw new Error(`line ${row + 2}: column ${features[bad]} is not a number`);
    x.push(values);
    y.push(cls);
  });
  return { features, classes, x, y };
}

function softmax(logits: number[]): number[] {
  const max = Math.max(...logits);
  const exps = logits.map((l) => Math.exp(l - max));
  const sum = exps.reduce((a, b) => a + b, 0);
  return exps.map((e) => e / sum);
}

export function predictProbabilities(model: LogRegModel, x: number[]): number[] {
  const z = x.map((v, j) => (v - model.mean[j]) / model.std[j]);
  return softmax(model.weights.map((w, k) => w.reduce((a, wj, j) => a + wj * z[j], model.bias[k])));
}

export interface TrainOptions {
  learningRate: number;
  epochs: number;
  l2: number;
  /** Called after every epoch with the loss before the update and the accuracy. */
  onEpoch?: (epoch: number, loss: number, accuracy: number) => void;
}

export function train(table: Table, opts: TrainOptions): LogRegModel {
  const n = table.x.length;
  const d = table.features.length;
  const k = table.classes.length;
  const mean = Array.from({ length: d }, (_, j) => table.x.reduce((a, r) => a + r[j], 0) / n);
  // A constant column would divide by zero; std 1 leaves it centred and harmless.
  const std = mean.map((m, j) => Math.sqrt(table.x.reduce((a, r) => a + (r[j] - m) ** 2, 0) / n) || 1);
  const z = table.x.map((r) => r.map((v, j) => (v - mean[j]) / std[j]));
  const weights = Array.from({ length: k }, () => new Array<number>(d).fill(0));
  const bias = new Array<number>(k).fill(0);
  const model: LogRegModel = { format: "logreg-json/v1", features: table.features, classes: table.classes, mean, std, weights, bias };

  for (let epoch = 1; epoch <= opts.epochs; epoch++) {
    const gradW = Array.from({ length: k }, () => new Array<number>(d).fill(0));
    const gradB = new Array<number>(k).fill(0);
    let loss = 0;
    let correct = 0;
    for (let i = 0; i < n; i++) {
      const p = softmax(weights.map((w, c) => w.reduce((a, wj, j) => a + wj * z[i][j], bias[c])));
      loss -= Math.log(Math.max(p[table.y[i]], 1e-12));
      if (p.indexOf(Math.max(...p)) === table.y[i]) correct++;
      for (let c = 0; c < k; c++) {
        const err = p[c] - (c === table.y[i] ? 1 : 0);
        gradB[c] += err;
        for (let j = 0; j < d; j++) gradW[c][j] += err * z[i][j];
      }
    }
    for (let c = 0; c < k; c++) {
      bias[c] -= (opts.learningRate * gradB[c]) / n;
      for (let j = 0; j < d; j++) weights[c][j] -= opts.learningRate * (gradW[c][j] / n + opts.l2 * weights[c][j]);
    }
    opts.onEpoch?.(epoch, loss / n, correct / n);
  }
  return model;
}

export function accuracy(model: LogRegModel, table: Table): number {
  let correct = 0;
  table.x.forEach((row, i) => {
    const p = predictProbabilities(model, row);
    if (p.indexOf(Math.max(...p)) === table.y[i]) correct++;
  });
  return correct / table.x.length;
}

function main(): void {
  const table = readCsv(readFileSync(requireEnv("MLP_DATASET_FILE"), "utf8"), rawParam("TARGET") || undefined);
  const options: TrainOptions = {
    learningRate: numberParam("LEARNING_RATE", 0.5),
    epochs: Math.max(1, Math.round(numberParam("EPOCHS", 300))),
    l2: numberParam("L2", 0.0001),
    onEpoch: (epoch, loss, acc) => {
      console.log(JSON.stringify({ metric: "loss", value: loss, step: epoch }));
      console.log(JSON.stringify({ metric: "accuracy", value: acc, step: epoch }));
    },
  };
  console.error(`training on ${table.x.length} samples, ${table.features.length} features, classes ${table.classes.join("/")}; ` +
    `learning rate ${options.learningRate}, ${options.epochs} epochs`);
  const model = train(table, options);
  const outDir = requireEnv("MLP_OUTPUT_DIR");
  mkdirSync(outDir, { recursive: true });
  writeFileSync(join(outDir, "model.json"), JSON.stringify(model, null, 2) + "\n");
  console.error(`final training accuracy ${accuracy(model, table).toFixed(4)}; wrote ${join(outDir, "model.json")}`);
}

// Run as a program (`node train.ts`), not when a test imports the functions.
if (process.argv[1] && /train\.[cm]?[tj]s$/.test(process.argv[1])) {
  try {
    main();
  } catch (err) {
    console.error(`training failed: ${(err as Error).message}`);
    process.exit(1);
  }
}
