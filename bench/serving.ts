// Serving overhead (issue 18 §1): requests/s and latency straight to one replica versus through the
// service's front endpoint, as the platform runs it (ServiceFleet: the front accepts the connection and
// hands it to a replica process), with one replica and with two, at 1, 8 and 32 clients, plus the same replica
// measured again as an A/A control (how far two identical paths drift apart on this machine); and a rolling
// update (new model version, then fewer replicas) under 8 keep-alive clients, counting failed requests.
// Closed-loop load with keep-alive connections, one [1, 4] FP32 row per request; the client runs in a
// worker thread, the front on this process's main thread, as in the platform.
// Run: npm run build && node dist/bench/serving.js [secondsPerRound]
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import * as os from "node:os";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { LoadSummary } from "../platform/perf/load";
import { driveLoadInWorker as loadInWorker } from "../platform/perf/load-thread";
import { ServiceFleet, type DesiredFleet } from "../platform/serving/fleet";
import { table, type BenchResult, type Goal } from "./lib";

const ARTIFACT = {
  format: "logreg-json/v1",
  features: ["f0", "f1", "f2", "f3"],
  classes: ["a", "b", "c"],
  mean: [0, 0, 0, 0],
  std: [1, 1, 1, 1],
  weights: [[1, 0, 0, 0], [0, 1, 0, 0], [0, 0, 1, 0]],
  bias: [0, 0, 0],
};
const ROUNDS = 5;
const BODY = JSON.stringify({ inputs: [{ name: "input", datatype: "FP32", shape: [1, 4], data: [0.5, 1, -0.5, 2] }] });
/** Issue 18 §1: the front may cost at most this much over going straight to a replica. */
export const FRONT_GOAL = 1.25;

/** One model entry (weight 100) of `versions`' artifacts, `replicas` replicas: what a single-model service runs. */
export function benchFleetSpec(modelName: string, format: string, artifactPath: string, version: number, replicas: number): DesiredFleet {
  return { replicas, groups: [{ weight: 100, modelName, modelVersion: version, configKey: `v${version}:${artifactPath}`, launch: { config: { artifactPath, format, modelName, modelVersion: version } } }] };
}

export async function startBenchFleet(name: string, spec: DesiredFleet): Promise<ServiceFleet> {
  const fleet = new ServiceFleet(name, { onReadyChange: () => {}, onReplicaCrash: () => {} });
  await fleet.listen();
  await fleet.apply(spec);
  return fleet;
}

export interface Target {
  name: string;
  port: number;
}

/**
 * Alternating rounds over `targets`, every round of every target in order, so a burst of other work on the
 * machine hits every target alike; ratios are then taken per round between neighbours (paired).
 */
export async function alternatingRounds(targets: Target[], path: string, body: string, concurrency: number, durationSeconds: number, rounds = ROUNDS): Promise<Map<string, LoadSummary[]>> {
  const byTarget = new Map<string, LoadSummary[]>(targets.map((t) => [t.name, []]));
  for (const t of targets) await loadInWorker({ url: `http://127.0.0.1:${t.port}${path}`, body, concurrency, durationMs: 300 }); // warm-up: JIT and connections
  for (let round = 0; round < rounds; round++) {
    for (const t of targets) byTarget.get(t.name)!.push(await loadInWorker({ url: `http://127.0.0.1:${t.port}${path}`, body, concurrency, durationMs: durationSeconds * 1000 }));
  }
  return byTarget;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

/** The median round by throughput, for tables. */
export function medianRound(runs: LoadSummary[]): LoadSummary {
  return [...runs].sort((a, b) => a.throughput - b.throughput)[Math.floor(runs.length / 2)];
}

/** Median over rounds of direct/front req/s and front/direct p50, each round against its neighbour. */
export function pairedRatios(direct: LoadSummary[], front: LoadSummary[]): { throughput: number; p50: number } {
  return {
    throughput: median(direct.map((d, i) => d.throughput / front[i].throughput)),
    p50: median(direct.map((d, i) => (front[i].p50Ms ?? NaN) / (d.p50Ms ?? NaN))),
  };
}

/** The name of the A/A control target: the same replica port measured twice, to show the noise floor of a run. */
export const CONTROL = "straight again (A/A control)";

/**
 * The goal "front ≤ 1.25× straight": the worse of the paired throughput ratio and the paired p50 latency
 * ratio. `controlRuns` (straight again, same port) says how far two identical paths drift apart in this run.
 */
export function frontGoal(goal: string, directRuns: LoadSummary[], frontRuns: LoadSummary[], load: string, controlRuns?: LoadSummary[]): Goal {
  const direct = medianRound(directRuns);
  const front = medianRound(frontRuns);
  const { throughput: tput, p50 } = pairedRatios(directRuns, frontRuns);
  const ratio = Math.max(tput, p50);
  const met = ratio <= FRONT_GOAL;
  const control = controlRuns ? pairedRatios(directRuns, controlRuns) : undefined;
  return {
    goal,
    figure: `${Math.round(front.throughput)} req/s, p50 ${front.p50Ms} ms through the front (median of ${frontRuns.length} paired rounds: ×${tput.toFixed(2)} req/s, ×${p50.toFixed(2)} p50${control ? `; A/A control ×${control.throughput.toFixed(2)} req/s, ×${control.p50.toFixed(2)} p50` : ""})`,
    baseline: `${Math.round(direct.throughput)} req/s, p50 ${direct.p50Ms} ms straight to the replica`,
    ratio,
    met,
    ...(met
      ? {}
      : { tried: `the front hands each connection to a replica (no proxy hop; its thread spends ~1 µs per keep-alive request, serving-profile.ts), so both paths run the same replica code per request; this run's rounds were taken at ${load}` }),
  };
}

export interface RollFigures {
  requests: number;
  errors: number;
  errorSamples: string[];
  rollSeconds: number;
  versionAfter: string | null;
}

/**
 * A rolling update under `concurrency` keep-alive clients: version `from` × 2 replicas → `to` × 2 (a roll,
 * one slot at a time) → `to` × 1 (a replica drained away). Counts failed requests over the whole time.
 */
export async function rollUnderLoad(name: string, path: string, body: string, specs: { from: DesiredFleet; to: DesiredFleet; toFewer: DesiredFleet }, concurrency = 8): Promise<RollFigures> {
  const fleet = await startBenchFleet(name, specs.from);
  try {
    const abort = new AbortController();
    const url = `http://127.0.0.1:${fleet.port}${path}`;
    const load = loadInWorker({ url, body, concurrency, durationMs: 120_000, signal: abort.signal });
    await new Promise((r) => setTimeout(r, 1000));
    const t0 = performance.now();
    await fleet.apply(specs.to);
    await fleet.apply(specs.toFewer);
    const rollSeconds = (performance.now() - t0) / 1000;
    await new Promise((r) => setTimeout(r, 1000));
    abort.abort();
    const summary = await load;
    const res = await fetch(url, { method: "POST", body, headers: { "content-type": "application/json" } });
    await res.arrayBuffer();
    return { requests: summary.requests, errors: summary.errors, errorSamples: summary.errorSamples, rollSeconds, versionAfter: res.headers.get("x-mlp-model-version") };
  } finally {
    await fleet.stop();
  }
}

export function rollGoal(goal: string, roll: RollFigures, expectVersion: string): Goal {
  const met = roll.errors === 0 && roll.versionAfter === expectVersion;
  return {
    goal,
    figure: `${roll.errors} failed of ${roll.requests} requests (roll + scale-down ${roll.rollSeconds.toFixed(1)} s; then version ${roll.versionAfter})`,
    baseline: "0 failed",
    ratio: undefined,
    met,
    ...(met ? {} : { tried: `draining replicas answer with connection: close and close idle connections after a grace; failures: ${roll.errorSamples.join("; ")}` }),
  };
}

/** The goals of one benchmark run on its own (`npm run bench` prints all of them together). */
export function goalsText(goals: Goal[] = []): string {
  return table("Goals", ["goal", "measured", "baseline", "ratio", "met"], goals.map((g) => [g.goal, g.figure, g.baseline, g.ratio ?? NaN, g.met ? "yes" : `NO (tried: ${g.tried ?? ""})`]));
}

export async function runServingBench(durationSeconds = 2, concurrencies = [1, 8, 32]): Promise<BenchResult> {
  const dir = mkdtempSync(join(tmpdir(), "mlp-bench-serving-"));
  const v1 = join(dir, "model-1.json");
  const v2 = join(dir, "model-2.json");
  writeFileSync(v1, JSON.stringify(ARTIFACT));
  writeFileSync(v2, JSON.stringify({ ...ARTIFACT, bias: [0, 0.1, 0] }));
  const spec = (path: string, version: number, replicas: number) => benchFleetSpec("bench", "logreg-json", path, version, replicas);
  const loadAtStart = os.loadavg()[0].toFixed(2);
  const one = await startBenchFleet("bench", spec(v1, 1, 1));
  const two = await startBenchFleet("bench", spec(v1, 1, 2));
  const results: { target: string; concurrency: number; summary: LoadSummary; rounds: LoadSummary[] }[] = [];
  try {
    const targets = [
      { name: "straight to one replica", port: one.replicaPorts()[0] },
      { name: "front endpoint, 1 replica", port: one.port },
      { name: "front endpoint, 2 replicas", port: two.port },
      { name: CONTROL, port: one.replicaPorts()[0] },
    ];
    for (const concurrency of concurrencies) {
      const runs = await alternatingRounds(targets, "/v2/models/bench/infer", BODY, concurrency, durationSeconds);
      for (const t of targets) results.push({ target: t.name, concurrency, summary: medianRound(runs.get(t.name)!), rounds: runs.get(t.name)! });
    }
  } finally {
    await Promise.all([one.stop(), two.stop()]);
  }
  try {
    const roll = await rollUnderLoad("bench", "/v2/models/bench/infer", BODY, { from: spec(v1, 1, 2), to: spec(v2, 2, 2), toFewer: spec(v2, 2, 1) });
    const load = `load average ${loadAtStart} at start, ${os.loadavg()[0].toFixed(2)} at end`;
    const find = (c: number, target: string) => results.find((r) => r.concurrency === c && r.target === target)!.rounds;
    const rows = results.map(({ target, concurrency, summary: s, rounds }) => {
      const paired = pairedRatios(find(concurrency, "straight to one replica"), rounds);
      return [target, String(concurrency), s.throughput, s.p50Ms ?? NaN, s.p99Ms ?? NaN, String(s.errors), paired.throughput, paired.p50];
    });
    const text =
      table(
        `Serving: requests/s straight to a replica vs through the front endpoint (median of ${ROUNDS} alternating ${durationSeconds} s rounds; ratios: median of per-round pairs; ${os.cpus().length} CPUs, ${load})`,
        ["target", "concurrency", "req/s", "p50 ms", "p99 ms", "errors", "direct/this req/s", "this/direct p50"],
        rows,
      ) +
      table("Rolling update under 8 keep-alive clients (v1 × 2 → v2 × 2 → v2 × 1)", ["requests", "failed", "roll s", "version after"], [[roll.requests, String(roll.errors), roll.rollSeconds, String(roll.versionAfter)]]);
    const goals: Goal[] = concurrencies.map((c) =>
      frontGoal(`18.1 serving front ≤ 1.25× straight, ${c} client${c === 1 ? "" : "s"}`, find(c, "straight to one replica"), find(c, "front endpoint, 1 replica"), load, find(c, CONTROL)),
    );
    goals.push(rollGoal("18.1 rolling update under 8 clients: 0 failed requests", roll, "2"));
    return { text, json: { results: results.map(({ rounds: _, ...r }) => r), roll }, goals };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

if (require.main === module) {
  runServingBench(Number(process.argv[2] ?? 2)).then(
    (r) => console.log(r.text + goalsText(r.goals)),
    (err) => {
      console.error(err);
      process.exit(1);
    },
  );
}
