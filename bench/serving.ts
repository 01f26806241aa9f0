// Serving overhead: predictions per second and latency straight to one replica versus through the
// service's front endpoint (router) in front of it, and the router over two replicas. Closed-loop load
// with keep-alive connections, one [1, 4] FP32 row per request.
// The client runs in a worker thread; the router runs on this process's main thread, as in the platform.
// Run: npm run build && node dist/bench/serving.js [secondsPerRound]
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import * as os from "node:os";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { LoadSummary } from "../platform/perf/load";
import { driveLoadInWorker as loadInWorker } from "../platform/perf/load-thread";
import { ReplicaProcess } from "../platform/serving/replica-process";
import { ServiceRouter } from "../platform/serving/router";
import { table, type BenchResult } from "./lib";

const ARTIFACT = {
  format: "logreg-json/v1",
  features: ["f0", "f1", "f2", "f3"],
  classes: ["a", "b", "c"],
  mean: [0, 0, 0, 0],
  std: [1, 1, 1, 1],
  weights: [[1, 0, 0, 0], [0, 1, 0, 0], [0, 0, 1, 0]],
  bias: [0, 0, 0],
};
const ROUNDS = 3;
const BODY = JSON.stringify({ inputs: [{ name: "input", datatype: "FP32", shape: [1, 4], data: [0.5, 1, -0.5, 2] }] });

export async function runServingBench(durationSeconds = 2, concurrencies = [1, 8]): Promise<BenchResult> {
  const dir = mkdtempSync(join(tmpdir(), "mlp-bench-serving-"));
  const artifactPath = join(dir, "model.json");
  writeFileSync(artifactPath, JSON.stringify(ARTIFACT));
  const launch = { config: { artifactPath, format: "logreg-json", modelName: "bench", modelVersion: 1 } };
  const replicas = await Promise.all([ReplicaProcess.start(launch), ReplicaProcess.start(launch)]);
  const one = new ServiceRouter("bench");
  const two = new ServiceRouter("bench");
  try {
    const onePort = await one.listen();
    const twoPort = await two.listen();
    one.setGroups([{ key: "0", weight: 100 }]);
    two.setGroups([{ key: "0", weight: 100 }]);
    one.addBackend({ id: replicas[0].id, port: replicas[0].port, group: "0", modelName: "bench", modelVersion: 1 });
    for (const r of replicas) two.addBackend({ id: r.id, port: r.port, group: "0", modelName: "bench", modelVersion: 1 });
    const targets = [
      { name: "straight to one replica", port: replicas[0].port },
      { name: "front endpoint, 1 replica", port: onePort },
      { name: "front endpoint, 2 replicas", port: twoPort },
    ];
    // Targets are measured in alternating rounds and the median round is kept, so a burst of other work on
    // the machine hits every target alike instead of skewing one row.
    const results: { target: string; concurrency: number; summary: LoadSummary }[] = [];
    for (const concurrency of concurrencies) {
      const rounds = new Map<string, LoadSummary[]>(targets.map((t) => [t.name, []]));
      for (const t of targets) {
        await loadInWorker({ url: `http://127.0.0.1:${t.port}/v2/models/bench/infer`, body: BODY, concurrency, durationMs: 300 }); // warm-up: JIT and connections
      }
      for (let round = 0; round < ROUNDS; round++) {
        for (const t of targets) {
          const url = `http://127.0.0.1:${t.port}/v2/models/bench/infer`;
          rounds.get(t.name)!.push(await loadInWorker({ url, body: BODY, concurrency, durationMs: durationSeconds * 1000 }));
        }
      }
      for (const t of targets) {
        const sorted = rounds.get(t.name)!.sort((a, b) => a.throughput - b.throughput);
        results.push({ target: t.name, concurrency, summary: sorted[Math.floor(sorted.length / 2)] });
      }
    }
    const direct = (c: number) => results.find((r) => r.concurrency === c && r.target === targets[0].name)!.summary;
    const rows = results.map(({ target, concurrency, summary: s }) => [
      target,
      String(concurrency),
      s.throughput,
      s.p50Ms ?? NaN,
      s.p99Ms ?? NaN,
      String(s.errors),
      direct(concurrency).throughput / s.throughput,
    ]);
    const text = table(
      `Serving: predictions/s straight to a replica vs through the front endpoint (median of ${ROUNDS} alternating ${durationSeconds} s rounds, ${os.cpus().length} CPUs, load average ${os.loadavg()[0].toFixed(2)} at start)`,
      ["target", "concurrency", "req/s", "p50 ms", "p99 ms", "errors", "direct/this req/s"],
      rows,
    );
    return { text, json: results };
  } finally {
    await Promise.all([one.close(), two.close()]);
    await Promise.all(replicas.map((r) => r.stop()));
    rmSync(dir, { recursive: true, force: true });
  }
}

if (require.main === module) {
  runServingBench(Number(process.argv[2] ?? 2)).then(
    (r) => console.log(r.text),
    (err) => {
      console.error(err);
      process.exit(1);
    },
  );
}
