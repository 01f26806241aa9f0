// Issue 17 figures: ONNX serving and Python environments. (1) The example's scikit-learn model
// (examples/sklearn/train.py, StandardScaler + LogisticRegression exported with skl2onnx) served by an ONNX
// Runtime replica: predictions/s and p50/p99 latency straight to the replica and through the service's
// front endpoint as the platform runs it (a ServiceFleet: the front hands connections to the replica), at
// batch 1 and 32 rows per request and 1, 8, 32 clients, closed-loop load from a worker thread; issue 18 §1's
// goals (front ≤ 1.25× straight at batch 1, and 0 failed requests in a rolling update under 8 clients). (2) The Python environment of examples/sklearn/requirements.txt: reusing the cached one, and
// building it from nothing in a scratch cache dir (pip's own download cache stays as it is: say which).
// Run: npm run build && node dist/bench/onnx.js [secondsPerRound] [--fresh-venv]
import { execFileSync } from "node:child_process";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import * as os from "node:os";
import { homedir, tmpdir } from "node:os";
import { join } from "node:path";
import type { LoadSummary } from "../platform/perf/load";
import { ensurePythonEnv, helperModuleDir, readRequirements } from "../platform/training/python-env";
import { REPO_ROOT, table, type BenchResult, type Goal } from "./lib";
import { alternatingRounds, benchFleetSpec, CONTROL, frontGoal, goalsText, medianRound, rollGoal, rollUnderLoad, startBenchFleet } from "./serving";

const ROUNDS = 5;
const EXAMPLE = join(REPO_ROOT, "examples/sklearn");
const ROW = [5.1, 3.5, 1.4, 0.2];

function sharedCacheDir(): string {
  return process.env.MLPLATFORM_PYTHON_ENV_CACHE ?? join(process.env.XDG_CACHE_HOME ?? join(homedir(), ".cache"), "mlplatform", "venvs");
}

async function exampleEnv(cacheDir: string) {
  return ensurePythonEnv({ cacheDir, requirements: readRequirements({ requirements: "requirements.txt" }, EXAMPLE), log: () => {} });
}

/** Trains the example's logistic regression into a scratch dir and returns the model file. */
function trainExampleModel(python: string, dir: string): string {
  execFileSync(python, [join(EXAMPLE, "train.py")], {
    cwd: EXAMPLE,
    stdio: ["ignore", "ignore", "inherit"],
    env: { PATH: process.env.PATH, PYTHONPATH: helperModuleDir(), MLP_DATASET_FILE: join(REPO_ROOT, "examples/quickstart/data/iris.csv"), MLP_OUTPUT_DIR: dir, MLP_HYPERPARAMETERS: JSON.stringify({ estimator: "logreg" }) },
  });
  return join(dir, "model.onnx");
}

export async function runOnnxBench(durationSeconds = 2, opts: { freshVenv?: boolean; concurrencies?: number[]; batches?: number[] } = {}): Promise<BenchResult> {
  const concurrencies = opts.concurrencies ?? [1, 8, 32];
  const batches = opts.batches ?? [1, 32];
  const dir = mkdtempSync(join(tmpdir(), "mlp-bench-onnx-"));
  const venvRows: (string | number)[][] = [];
  const venv: Record<string, number> = {};
  // The first call of this process pays what a job after a platform restart pays: probing the interpreter
  // (a python start) and finding the environment's marker.
  const cached = await exampleEnv(sharedCacheDir());
  venvRows.push([cached.reused ? "reuse the cached environment (first job after a start: interpreter probe + lookup)" : "build (the shared cache had none)", cached.seconds]);
  venv[cached.reused ? "reuseSeconds" : "firstBuildSharedCacheSeconds"] = cached.seconds;
  if (opts.freshVenv) {
    const scratch = join(dir, "venvs");
    const fresh = await exampleEnv(scratch);
    venv.buildScratchCacheSeconds = fresh.seconds;
    const pipCache = existsSync(join(process.env.XDG_CACHE_HOME ?? join(homedir(), ".cache"), "pip")) ? "pip download cache present" : "empty pip download cache";
    venvRows.push([`build in an empty environment cache (${pipCache})`, fresh.seconds]);
  }
  const model = trainExampleModel(join(cached.dir, "bin", "python"), dir);
  const loadAtStart = os.loadavg()[0].toFixed(2);
  const spec = (version: number, replicas: number) => benchFleetSpec("iris", "onnx", model, version, replicas);
  const fleet = await startBenchFleet("iris", spec(1, 1));
  try {
    const targets = [
      { name: "straight to the replica", port: fleet.replicaPorts()[0] },
      { name: "through the service endpoint", port: fleet.port },
      { name: CONTROL, port: fleet.replicaPorts()[0] },
    ];
    const results: { target: string; batch: number; concurrency: number; predictionsPerSecond: number; summary: LoadSummary; rounds: LoadSummary[] }[] = [];
    const bodyOf = (batch: number) => JSON.stringify({ inputs: [{ name: "input", datatype: "FP32", shape: [batch, 4], data: Array.from({ length: batch }, () => ROW).flat() }] });
    for (const batch of batches) {
      const body = bodyOf(batch);
      for (const concurrency of concurrencies) {
        const runs = await alternatingRounds(targets, "/v2/models/iris/infer", body, concurrency, durationSeconds, ROUNDS);
        for (const t of targets) {
          const s = medianRound(runs.get(t.name)!);
          results.push({ target: t.name, batch, concurrency, predictionsPerSecond: Math.round(s.throughput * batch), summary: s, rounds: runs.get(t.name)! });
        }
      }
    }
    await fleet.stop();
    // The same artifact as "version 2": the roll starts new replica processes all the same.
    const roll = await rollUnderLoad("iris", "/v2/models/iris/infer", bodyOf(1), { from: spec(1, 2), to: spec(2, 2), toFewer: spec(2, 1) });
    const load = `load average ${loadAtStart} at start, ${os.loadavg()[0].toFixed(2)} at end`;
    const find = (batch: number, c: number, target: string) => results.find((r) => r.batch === batch && r.concurrency === c && r.target === target)!.rounds;
    const goals: Goal[] = batches.includes(1)
      ? concurrencies.map((c) => frontGoal(`18.1 ONNX front ≤ 1.25× straight, ${c} client${c === 1 ? "" : "s"} (batch 1)`, find(1, c, targets[0].name), find(1, c, targets[1].name), load, find(1, c, CONTROL)))
      : [];
    goals.push(rollGoal("18.1 ONNX rolling update under 8 clients: 0 failed requests", roll, "2"));
    const serving = table(
      `ONNX serving (examples/sklearn logistic regression, ONNX Runtime CPU, 1 replica, 1 intra-op thread): median of ${ROUNDS} alternating ${durationSeconds} s rounds, ${os.cpus().length} CPUs, ${load}`,
      ["target", "batch", "concurrency", "predictions/s", "req/s", "p50 ms", "p99 ms", "errors"],
      results.map((r) => [r.target, String(r.batch), String(r.concurrency), r.predictionsPerSecond, r.summary.throughput, r.summary.p50Ms ?? NaN, r.summary.p99Ms ?? NaN, String(r.summary.errors)]),
    );
    const rollText = table("ONNX rolling update under 8 keep-alive clients (v1 × 2 → v2 × 2 → v2 × 1, batch 1)", ["requests", "failed", "roll s", "version after"], [[roll.requests, String(roll.errors), roll.rollSeconds, String(roll.versionAfter)]]);
    const envText = table("Python environment of examples/sklearn/requirements.txt (4 pinned packages + dependencies)", ["what", "seconds"], venvRows);
    return { text: `${serving}\n${rollText}\n${envText}`, json: { serving: results.map(({ rounds: _, ...r }) => r), roll, venv }, goals };
  } finally {
    await fleet.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

if (require.main === module) {
  const args = process.argv.slice(2);
  runOnnxBench(Number(args.find((a) => /^\d/.test(a)) ?? 2), { freshVenv: args.includes("--fresh-venv") }).then(
    (r) => console.log(r.text + goalsText(r.goals)),
    (err) => {
      console.error(err);
      process.exit(1);
    },
  );
}
