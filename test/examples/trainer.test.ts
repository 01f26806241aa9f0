// The quickstart's real trainer, run the way the platform runs it: `node train.ts` in its directory, with
// the dataset and output locations and hyper-parameters in the environment.
import { execFile } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, existsSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { promisify } from "node:util";
import { afterAll, describe, expect, it } from "vitest";

const QUICKSTART = resolve(__dirname, "../../examples/quickstart");
const DATASET = join(QUICKSTART, "data/iris.csv");
const scratch = mkdtempSync(join(tmpdir(), "mlp-trainer-"));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

async function runTrainer(outDir: string, hp: Record<string, string> = {}) {
  const env: NodeJS.ProcessEnv = { PATH: process.env.PATH, MLP_DATASET_FILE: DATASET, MLP_DATASET_DIR: join(QUICKSTART, "data"), MLP_OUTPUT_DIR: outDir };
  for (const [k, v] of Object.entries(hp)) env[`MLP_HP_${k}`] = v;
  return promisify(execFile)(process.execPath, ["train.ts"], { cwd: QUICKSTART, env });
}

/** Independent of the trainer's own code: the logreg-json/v1 inference rule from platform/API.md. */
function predict(model: any, x: number[]): number {
  const z = x.map((v, j) => (v - model.mean[j]) / model.std[j]);
  const logits = model.weights.map((w: number[], k: number) => w.reduce((a, wj, j) => a + wj * z[j], model.bias[k]));
  return logits.indexOf(Math.max(...logits));
}

function loadCsv() {
  const [header, ...rows] = readFileSync(DATASET, "utf8").trim().split("\n");
  return { header: header.split(","), rows: rows.map((r) => r.split(",")) };
}

describe("examples/quickstart/train.ts", () => {
  it("ships the iris data: 150 samples, 4 features, 3 classes of 50", () => {
    const { header, rows } = loadCsv();
    expect(header).toEqual(["sepal_length", "sepal_width", "petal_length", "petal_width", "species"]);
    expect(rows).toHaveLength(150);
    const counts: Record<string, number> = {};
    for (const r of rows) counts[r[4]] = (counts[r[4]] ?? 0) + 1;
    expect(counts).toEqual({ setosa: 50, versicolor: 50, virginica: 50 });
  });

  it("trains to >= 90% training accuracy and writes a logreg-json model with the expected shapes", async () => {
    const out = join(scratch, "default");
    const { stdout } = await runTrainer(out);
    const model = JSON.parse(readFileSync(join(out, "model.json"), "utf8"));
    expect(model.format).toBe("logreg-json/v1");
    expect(model.features).toEqual(["sepal_length", "sepal_width", "petal_length", "petal_width"]);
    expect(model.classes).toEqual(["setosa", "versicolor", "virginica"]);
    expect(model.mean).toHaveLength(4);
    expect(model.std).toHaveLength(4);
    expect(model.weights).toHaveLength(3);
    for (const w of model.weights) expect(w).toHaveLength(4);
    expect(model.bias).toHaveLength(3);
    expect(model.mean[0]).toBeCloseTo(5.8433, 3);

    const { rows } = loadCsv();
    const correct = rows.filter((r) => model.classes[predict(model, r.slice(0, 4).map(Number))] === r[4]).length;
    expect(correct / rows.length).toBeGreaterThanOrEqual(0.9);

    // One loss and one accuracy line per epoch (default 300), loss decreasing overall.
    const points = stdout.trim().split("\n").map((l) => JSON.parse(l));
    const loss = points.filter((p) => p.metric === "loss");
    const acc = points.filter((p) => p.metric === "accuracy");
    expect(loss).toHaveLength(300);
    expect(acc).toHaveLength(300);
    expect(loss.map((p) => p.step)).toEqual(Array.from({ length: 300 }, (_, i) => i + 1));
    expect(loss[299].value).toBeLessThan(loss[0].value / 2);
    expect(acc[299].value).toBeCloseTo(correct / rows.length, 1);
  });

  it("takes its hyper-parameters from MLP_HP_*: fewer epochs, other weights", async () => {
    const a = join(scratch, "a");
    const b = join(scratch, "b");
    const [ra] = await Promise.all([runTrainer(a, { EPOCHS: "5", LEARNING_RATE: "0.1" }), runTrainer(b, { EPOCHS: "5", LEARNING_RATE: "1" })]);
    expect(ra.stdout.trim().split("\n").filter((l) => l.includes('"loss"'))).toHaveLength(5);
    const wa = JSON.parse(readFileSync(join(a, "model.json"), "utf8")).weights;
    const wb = JSON.parse(readFileSync(join(b, "model.json"), "utf8")).weights;
    expect(wa).not.toEqual(wb);
  });

  it("reads hyper-parameters from MLP_HYPERPARAMETERS, whatever their case", async () => {
    const out = join(scratch, "json");
    const env: NodeJS.ProcessEnv = { PATH: process.env.PATH, MLP_DATASET_FILE: DATASET, MLP_OUTPUT_DIR: out, MLP_HYPERPARAMETERS: JSON.stringify({ epochs: 7, learning_rate: 0.2 }) };
    const { stdout } = await promisify(execFile)(process.execPath, ["train.ts"], { cwd: QUICKSTART, env });
    expect(stdout.trim().split("\n").filter((l) => l.includes('"accuracy"'))).toHaveLength(7);
  });

  it("fails with a message naming the bad hyper-parameter, writing nothing", async () => {
    const out = join(scratch, "bad");
    await expect(runTrainer(out, { EPOCHS: "many" })).rejects.toMatchObject({ stderr: expect.stringContaining("hyper-parameter EPOCHS must be a number") });
    expect(existsSync(join(out, "model.json"))).toBe(false);
  });
});
