// Issue 17 figures: ONNX serving and Python environments. (1) The example's scikit-learn model
// (examples/sklearn/train.py, StandardScaler + LogisticRegression exported with skl2onnx) served by an ONNX
// Runtime replica: predictions/s and p50/p99 latency straight to the replica and through a service front
// endpoint (router) in front of it, at batch 1 and 32 rows per request, closed-loop load from a worker
// thread. (2) The Python environment of examples/sklearn/requirements.txt: reusing the cached one, and
// building it from nothing in a scratch cache dir (pip's own download cache stays as it is: say which).
// Run: npm run build && node dist/bench/onnx.js [secondsPerRound] [--fresh-venv]
import { execFileSync } from "node:child_process";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import * as os from "node:os";
import { homedir, tmpdir } from "node:os";
import { join } from "node:path";
import type { LoadSummary } from "../platform/perf/load";
import { driveLoadInWorker } from "../platform/perf/load-thread";
import { ReplicaProcess } from "../platform/serving/replica-process";
import { ServiceRouter } from "../platform/serving/router";
import { ensurePythonEnv, helperModuleDir, readRequirements } from "../platform/training/python-env";
import { REPO_ROOT, table, type BenchResult } from "./lib";

const ROUNDS = 3;
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
  const concurrencies = opts.concurrencies ?? [1, 8];
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
  const replica = await ReplicaProcess.start({ config: { artifactPath: model, format: "onnx", modelName: "iris", modelVersion: 1 } });
  const router = new ServiceRouter("iris");
  try {
    const routerPort = await router.listen();
    router.setGroups([{ key: "0", weight: 100 }]);
    router.addBackend({ id: replica.id, port: replica.port, group: "0", modelName: "iris", modelVersion: 1 });
    const targets = [
      { name: "straight to the replica", port: replica.port },
      { name: "through the service endpoint", port: routerPort },
    ];
    const results: { target: string; batch: number; concurrency: number; predictionsPerSecond: number; summary: LoadSummary }[] = [];
    for (const batch of batches) {
      const body = JSON.stringify({ inputs: [{ name: "input", datatype: "FP32", shape: [batch, 4], data: Array.from({ length: batch }, () => ROW).flat() }] });
      for (const concurrency of concurrencies) {
        const rounds = new Map<string, LoadSummary[]>(targets.map((t) => [t.name, []]));
        for (const t of targets) await driveLoadInWorker({ url: `http://127.0.0.1:${t.port}/v2/models/iris/infer`, body, concurrency, durationMs: 300 });
        // Alternating rounds, median kept: a burst of other work on the machine hits both targets alike.
        for (let round = 0; round < ROUNDS; round++) {
          for (const t of targets) rounds.get(t.name)!.push(await driveLoadInWorker({ url: `http://127.0.0.1:${t.port}/v2/models/iris/infer`, body, concurrency, durationMs: durationSeconds * 1000 }));
        }
        for (const t of targets) {
          const sorted = rounds.get(t.name)!.sort((a, b) => a.throughput - b.throughput);
          const s = sorted[Math.floor(sorted.length / 2)];
          results.push({ target: t.name, batch, concurrency, predictionsPerSecond: Math.round(s.throughput * batch), summary: s });
        }
      }
    }
    const serving = table(
      `ONNX serving (examples/sklearn logistic regression, ONNX Runtime CPU, 1 replica, 1 intra-op thread): median of ${ROUNDS} alternating ${durationSeconds} s rounds, ${os.cpus().length} CPUs, load average ${os.loadavg()[0].toFixed(2)} at end`,
      ["target", "batch", "concurrency", "predictions/s", "req/s", "p50 ms", "p99 ms", "errors"],
      results.map((r) => [r.target, String(r.batch), String(r.concurrency), r.predictionsPerSecond, r.summary.throughput, r.summary.p50Ms ?? NaN, r.summary.p99Ms ?? NaN, String(r.summary.errors)]),
    );
    const envText = table("Python environment of examples/sklearn/requirements.txt (4 pinned packages + dependencies)", ["what", "seconds"], venvRows);
    return { text: `${serving}\n${envText}`, json: { serving: results, venv } };
  } finally {
    await router.close();
    await replica.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

if (require.main === module) {
  const args = process.argv.slice(2);
  runOnnxBench(Number(args.find((a) => /^\d/.test(a)) ?? 2), { freshVenv: args.includes("--fresh-venv") }).then(
    (r) => console.log(r.text),
    (err) => {
      console.error(err);
      process.exit(1);
    },
  );
}
