// ONNX models for the serving tests, built by test/fixtures/onnx/make_models.py with the Python environment
// of examples/sklearn/requirements.txt, through the platform's own environment cache (python-env.ts): the
// shared cache dir (vitest.config.mts sets MLPLATFORM_PYTHON_ENV_CACHE) means only the first run on a
// machine installs anything.
import { execFileSync } from "node:child_process";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { ensurePythonEnv, readRequirements } from "../../platform/training/python-env";

export const REPO_ROOT = resolve(__dirname, "../..");
export const SKLEARN_EXAMPLE = join(REPO_ROOT, "examples/sklearn");

/** The python of the example's cached environment (built on first use; pip's output goes to stderr). */
export async function sklearnPython(): Promise<string> {
  const cacheDir = process.env.MLPLATFORM_PYTHON_ENV_CACHE;
  if (!cacheDir) throw new Error("MLPLATFORM_PYTHON_ENV_CACHE is not set (vitest.config.mts sets it)");
  const env = await ensurePythonEnv({ cacheDir, requirements: readRequirements({ requirements: "requirements.txt" }, SKLEARN_EXAMPLE), log: (l) => process.stderr.write(l + "\n") });
  return join(env.dir, "bin", "python");
}

export interface OnnxFixtures {
  dir: string;
  irisLogreg: string;
  int64Counts: string;
  strings: string;
  zipmap: string;
  /** scikit-learn's own predictions for a few iris rows, to compare the served model with. */
  irisExpected: { rows: number[][]; labels: string[]; probabilities: number[][] };
}

export async function makeOnnxFixtures(dir = mkdtempSync(join(tmpdir(), "mlp-onnx-"))): Promise<OnnxFixtures> {
  const python = await sklearnPython();
  execFileSync(python, [join(REPO_ROOT, "test/fixtures/onnx/make_models.py"), dir], { stdio: ["ignore", "ignore", "inherit"] });
  const { readFileSync } = await import("node:fs");
  return {
    dir,
    irisLogreg: join(dir, "iris-logreg.onnx"),
    int64Counts: join(dir, "int64-counts.onnx"),
    strings: join(dir, "strings.onnx"),
    zipmap: join(dir, "zipmap.onnx"),
    irisExpected: JSON.parse(readFileSync(join(dir, "iris-expected.json"), "utf8")),
  };
}
