// `npm run bench`: every benchmark in one run, side by side — the local platform's API, serving, and the
// provider figures of issue 7 (state size, scale, wait latency, apply overhead, parallelism). Prints the
// tables, a goal summary, and writes bench/results.json plus a dated Markdown copy under bench/results/.
// Options: --quick (smaller sizes, for a smoke run), --only <name,...> (platform-api, serving, onnx,
// latency, scale, apply, ingest), --merge (with --only: replace those benchmarks' figures and goals in
// bench/results.json, e.g. one that failed in the full run; the merge is recorded under mergedRuns).
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import * as os from "node:os";
import { join } from "node:path";
import { percentile, REPO_ROOT, table, type BenchResult, type Goal } from "./lib";
import { runPlatformApiBench } from "./platform-api";
import { runApplyBench } from "./provider-apply";
import { runLatencyBench } from "./provider-latency";
import { runScaleBench } from "./provider-scale";
import { runOnnxBench } from "./onnx";
import { runIngestBench } from "./ingest";
import { runServingBench } from "./serving";
import { renderReadmeTable, writeReadmeTable } from "./report";

const BENCHES = ["platform-api", "serving", "onnx", "latency", "scale", "apply", "ingest"] as const;
type BenchName = (typeof BENCHES)[number];

interface Options {
  quick: boolean;
  only: Set<BenchName>;
  /** A partial run that replaces its benchmarks' figures and goals in bench/results.json (e.g. one that failed in the full run). */
  merge: boolean;
}

function parseArgs(argv: string[]): Options {
  const quick = argv.includes("--quick");
  const i = argv.indexOf("--only");
  const names = i >= 0 ? (argv[i + 1] ?? "").split(",").filter(Boolean) : [...BENCHES];
  for (const n of names) if (!(BENCHES as readonly string[]).includes(n)) throw new Error(`--only: unknown benchmark "${n}" (known: ${BENCHES.join(", ")})`);
  const merge = argv.includes("--merge");
  if (merge && quick) throw new Error("--merge takes full-size figures only: drop --quick");
  return { quick, only: new Set(names as BenchName[]), merge };
}

function machine() {
  const cpus = os.cpus();
  return {
    cpus: cpus.length,
    cpuModel: cpus[0]?.model ?? "unknown",
    memoryGiB: Math.round(os.totalmem() / 2 ** 30),
    platform: `${os.platform()} ${os.release()}`,
    node: process.version,
    loadAverageAtStart: os.loadavg().map((l) => +l.toFixed(2)),
  };
}

/** Long sample arrays (the platform API's 1000 latencies) become their percentiles: results.json stays diffable. */
function compact(value: unknown): unknown {
  if (Array.isArray(value)) {
    if (value.length > 50 && value.every((v) => typeof v === "number")) {
      const s = [...(value as number[])].sort((a, b) => a - b);
      const r = (x: number) => +x.toFixed(2);
      return { n: s.length, p50: r(percentile(s, 50)), p90: r(percentile(s, 90)), p99: r(percentile(s, 99)), max: r(s[s.length - 1]) };
    }
    return value.map(compact);
  }
  if (value && typeof value === "object") return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, compact(v)]));
  return value;
}

async function main(): Promise<void> {
  const opts = parseArgs(process.argv.slice(2));
  const startedAt = new Date();
  const info = machine();
  const header = `mlplatform benchmarks, ${startedAt.toISOString()}${opts.quick ? " (--quick)" : ""}\nmachine: ${info.cpus} × ${info.cpuModel}, ${info.memoryGiB} GiB, ${info.platform}, Node ${info.node}, load average at start ${info.loadAverageAtStart.join(" ")}`;
  console.log(header);
  const runs: Record<BenchName, () => Promise<BenchResult>> = {
    "platform-api": () => (opts.quick ? runPlatformApiBench(20, 5, 50) : runPlatformApiBench()),
    serving: () => (opts.quick ? runServingBench(1, [1, 8]) : runServingBench()),
    onnx: () => (opts.quick ? runOnnxBench(1, { concurrencies: [8] }) : runOnnxBench(2, { freshVenv: true })),
    latency: () => (opts.quick ? runLatencyBench(10, 8) : runLatencyBench(20, 20)),
    scale: () => (opts.quick ? runScaleBench([10, 50], 1, 1) : runScaleBench([10, 50, 200, 1000], 3, 3)),
    apply: () => (opts.quick ? runApplyBench(16) : runApplyBench(50)),
    ingest: () => (opts.quick ? runIngestBench(64 * 2 ** 20, 64 * 2 ** 20) : runIngestBench()),
  };
  const texts: string[] = [];
  const results: Record<string, unknown> = {};
  const durations: Record<string, number> = {};
  const failures: Record<string, string> = {};
  const summary: Goal[] = [];
  for (const name of BENCHES) {
    if (!opts.only.has(name)) continue;
    console.log(`\n== ${name} ...`);
    const t0 = performance.now();
    try {
      const r = await runs[name]();
      results[name] = r.json;
      summary.push(...(r.goals ?? []));
      texts.push(r.text);
      console.log(r.text);
    } catch (err) {
      // One broken benchmark must not hide the others' figures.
      failures[name] = (err as Error).stack ?? String(err);
      console.error(`benchmark ${name} failed: ${failures[name]}`);
      texts.push(`\n### ${name}\nFAILED: ${(err as Error).message}`);
    }
    durations[name] = (performance.now() - t0) / 1000;
    console.log(`(${name}: ${durations[name].toFixed(1)} s)`);
  }
  const goalText = table(
    "Goals (issue.goal)",
    ["goal", "measured", "baseline", "ratio", "met"],
    summary.map((g) => [g.goal, g.figure, g.baseline, g.ratio ?? NaN, g.met === undefined ? "-" : g.met ? "yes" : `NO${g.tried ? ` (tried: ${g.tried})` : ""}`]),
  );
  console.log(goalText);
  console.log(`\ntotal ${((Date.now() - startedAt.getTime()) / 1000).toFixed(0)} s`);

  const loadAverageAtEnd = os.loadavg().map((l) => +l.toFixed(2));
  console.log(`load average at end ${loadAverageAtEnd.join(" ")}`);
  const out = { startedAt: startedAt.toISOString(), quick: opts.quick, machine: { ...info, loadAverageAtEnd }, durationsSeconds: durations, goals: summary, results: compact(results), failures };
  // Only a full run replaces bench/results.json (the tracked figures); partial and quick runs go beside it.
  const full = !opts.quick && opts.only.size === BENCHES.length;
  const suffix = `${opts.quick ? "-quick" : ""}${opts.only.size === BENCHES.length ? "" : `-${[...opts.only].join("-")}`}`;
  const dated = join(REPO_ROOT, "bench", "results");
  mkdirSync(dated, { recursive: true });
  const day = startedAt.toISOString().slice(0, 10);
  writeFileSync(full ? join(REPO_ROOT, "bench", "results.json") : join(dated, `${day}${suffix}.json`), JSON.stringify(out, null, 2) + "\n");
  writeFileSync(join(dated, `${day}${suffix}.md`), `# ${header.replace("\n", "\n\n")}, at end ${loadAverageAtEnd.join(" ")}\n${texts.join("\n")}\n${goalText}\n`);
  if (opts.merge && !full) {
    const tracked = mergeIntoResults(out, [...opts.only]);
    writeReadmeTable(tracked);
    console.log(`\nmerged ${[...opts.only].join(", ")} into bench/results.json (run of ${tracked.startedAt}); README table regenerated`);
  }
  // The README's performance table is generated from the tracked figures, never typed by hand.
  else if (full) writeReadmeTable(out);
  else console.log(`\n(partial run: README table not regenerated; it would read)\n${renderReadmeTable(out)}`);
  if (Object.keys(failures).length) process.exitCode = 1;
}

/** A goal's id: its first word ("7.3", "18.2"). */
const goalId = (g: Goal) => g.goal.split(/\s/)[0];

/**
 * Replaces the named benchmarks' figures and goals in bench/results.json with this partial run's, recording
 * the partial run (when, load) under `mergedRuns`, so the table says which figures were taken separately.
 */
function mergeIntoResults(run: { startedAt: string; machine: Record<string, unknown>; durationsSeconds: Record<string, number>; goals: Goal[]; results: unknown; failures: Record<string, string> }, names: string[]) {
  const path = join(REPO_ROOT, "bench", "results.json");
  const tracked = JSON.parse(readFileSync(path, "utf8"));
  const ids = new Set(run.goals.map(goalId));
  const goals: Goal[] = tracked.goals.filter((g: Goal) => !ids.has(goalId(g)));
  tracked.goals = [...goals, ...run.goals].sort((a, b) => goalId(a).localeCompare(goalId(b), "en", { numeric: true }));
  for (const name of names) {
    tracked.results[name] = (run.results as Record<string, unknown>)[name];
    tracked.durationsSeconds[name] = run.durationsSeconds[name];
    if (run.failures[name]) tracked.failures[name] = run.failures[name];
    else delete tracked.failures[name];
  }
  tracked.mergedRuns = [...(tracked.mergedRuns ?? []), { benchmarks: names, startedAt: run.startedAt, loadAverageAtStart: run.machine.loadAverageAtStart, loadAverageAtEnd: run.machine.loadAverageAtEnd }];
  writeFileSync(path, JSON.stringify(tracked, null, 2) + "\n");
  return tracked;
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
