// Files the provider tests feed the platform: a small CSV dataset, a training script (node, so it runs
// anywhere the tests do) that prints metrics and writes a logreg-json model, and a ready-made model file.
import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

export interface Fixtures {
  root: string;
  csv: string;
  trainScript: string;
  /** A logreg-json model that differs from the one the training script writes. */
  modelFile: string;
  /**
   * `node <trainScript>` with hyper-parameters: epochs, fail (exit 3 with an error), failWhileExists (exit 4
   * while that file exists: a crash that a later run does not repeat), sleep (seconds).
   */
  trainCommand: string[];
}

const TRAIN_JS = `
const fs = require("node:fs");
const path = require("node:path");
const hp = JSON.parse(process.env.MLP_HYPERPARAMETERS || "{}");
const rows = fs.readFileSync(process.env.MLP_DATASET_FILE, "utf8").trim().split("\\n").slice(1);
console.log("training on " + rows.length + " rows");
if (hp.fail) { console.error("boom: the data has no label column"); process.exit(3); }
if (hp.failWhileExists && fs.existsSync(hp.failWhileExists)) { console.error("crashed: " + hp.failWhileExists + " exists"); process.exit(4); }
const epochs = Number(hp.epochs || 2);
for (let e = 1; e <= epochs; e++) console.log(JSON.stringify({ metric: "loss", value: 1 / (e + 1), step: e }));
const finish = () => {
  fs.writeFileSync(path.join(process.env.MLP_OUTPUT_DIR, "model.json"), JSON.stringify(${JSON.stringify(logreg())}));
  console.log(JSON.stringify({ metric: "accuracy", value: 0.9, step: epochs }));
};
if (hp.sleep) setTimeout(finish, Number(hp.sleep) * 1000); else finish();
`;

/** `scale` changes the weights, so two artifacts differ in content (the platform numbers versions by content). */
export function logreg(scale = 1) {
  return {
    format: "logreg-json/v1",
    features: ["f0", "f1"],
    classes: ["a", "b"],
    mean: [0, 0],
    std: [1, 1],
    weights: [[scale, -scale], [-scale, scale]],
    bias: [0, 0],
  };
}

export function makeFixtures(): Fixtures {
  const root = mkdtempSync(join(tmpdir(), "mlp-provider-"));
  mkdirSync(join(root, "data"));
  const csv = join(root, "data", "train.csv");
  writeFileSync(csv, "f0,f1,label\n1,0,a\n0,1,b\n2,0,a\n");
  const trainScript = join(root, "train.js");
  writeFileSync(trainScript, TRAIN_JS);
  const modelFile = join(root, "model.json");
  writeFileSync(modelFile, JSON.stringify(logreg(2)));
  return { root, csv, trainScript, modelFile, trainCommand: [process.execPath, trainScript] };
}
