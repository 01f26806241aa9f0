// Where the serving front's time goes (issue 18 §1): a CPU profile of this process's main thread — where the
// platform runs a service's front endpoint — while a worker thread drives closed-loop keep-alive load through
// the front of a one-replica service (ServiceFleet, as the platform runs it). Prints the busy share of the
// main thread, its CPU per request, and the top self-time functions (the inspector's own frames and idle
// time excluded). The profile is taken with the V8
// inspector in process (the same sampler as `node --cpu-prof`), so only the front's thread is measured.
// Run: npm run build && node dist/bench/serving-profile.js [seconds] [clients]
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { Session } from "node:inspector/promises";
import * as os from "node:os";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { driveLoadInWorker } from "../platform/perf/load-thread";
import { table } from "./lib";
import { benchFleetSpec, startBenchFleet } from "./serving";

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  hitCount?: number;
}
interface Profile {
  nodes: ProfileNode[];
  startTime: number;
  endTime: number;
  samples: number[];
  timeDeltas: number[];
}

export interface ProfileSummary {
  wallMs: number;
  busyMs: number;
  requests: number;
  cpuMicrosPerRequest: number;
  top: { fn: string; selfMs: number; share: number }[];
}

/** Self time per function (name + file:line) from a V8 CPU profile; `(idle)` is the thread waiting. */
export function summariseProfile(profile: Profile, requests: number, topN = 15): ProfileSummary {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const self = new Map<string, number>();
  profile.samples.forEach((id, i) => {
    const n = byId.get(id)!;
    const file = n.callFrame.url.replace(/^.*\/(node_modules|dist)\//, "$1/").replace(/^node:/, "");
    const key = `${n.callFrame.functionName || "(anonymous)"}${file ? ` ${file}:${n.callFrame.lineNumber + 1}` : ""}`;
    self.set(key, (self.get(key) ?? 0) + (profile.timeDeltas[i] ?? 0) / 1000);
  });
  const wallMs = (profile.endTime - profile.startTime) / 1000;
  // Not the front's work: the thread waiting, and the inspector session of this very profile.
  const notFront = (k: string) => k.startsWith("(idle)") || k.startsWith("post inspector");
  const idleMs = [...self].filter(([k]) => notFront(k)).reduce((a, [, v]) => a + v, 0);
  const busyMs = wallMs - idleMs;
  const top = [...self]
    .filter(([k]) => !notFront(k))
    .sort((a, b) => b[1] - a[1])
    .slice(0, topN)
    .map(([fn, ms]) => ({ fn, selfMs: ms, share: ms / busyMs }));
  return { wallMs, busyMs, requests, cpuMicrosPerRequest: requests > 0 ? (busyMs * 1000) / requests : NaN, top };
}

export async function profileFront(seconds = 5, clients = 8, outFile?: string): Promise<{ text: string; summary: ProfileSummary }> {
  const dir = mkdtempSync(join(tmpdir(), "mlp-bench-profile-"));
  const artifact = join(dir, "model.json");
  writeFileSync(artifact, JSON.stringify({ format: "logreg-json/v1", features: ["f0", "f1", "f2", "f3"], classes: ["a", "b", "c"], mean: [0, 0, 0, 0], std: [1, 1, 1, 1], weights: [[1, 0, 0, 0], [0, 1, 0, 0], [0, 0, 1, 0]], bias: [0, 0, 0] }));
  const fleet = await startBenchFleet("bench", benchFleetSpec("bench", "logreg-json", artifact, 1, 1));
  const body = JSON.stringify({ inputs: [{ name: "input", datatype: "FP32", shape: [1, 4], data: [0.5, 1, -0.5, 2] }] });
  const url = `http://127.0.0.1:${fleet.port}/v2/models/bench/infer`;
  const session = new Session();
  session.connect();
  try {
    await driveLoadInWorker({ url, body, concurrency: clients, durationMs: 500 }); // warm-up
    await session.post("Profiler.enable");
    await session.post("Profiler.setSamplingInterval", { interval: 100 });
    await session.post("Profiler.start");
    const load = await driveLoadInWorker({ url, body, concurrency: clients, durationMs: seconds * 1000 });
    const { profile } = (await session.post("Profiler.stop")) as unknown as { profile: Profile };
    if (outFile) writeFileSync(outFile, JSON.stringify(profile));
    const summary = summariseProfile(profile, load.requests);
    const text =
      table(
        `Front endpoint's thread under ${clients} keep-alive clients for ${seconds} s: ${load.requests} requests (${load.throughput} req/s), thread busy ${summary.busyMs.toFixed(0)} of ${summary.wallMs.toFixed(0)} ms = ${summary.cpuMicrosPerRequest.toFixed(1)} µs per request (load average ${os.loadavg()[0].toFixed(2)})`,
        ["function (self time)", "ms", "share of busy"],
        summary.top.map((t) => [t.fn, t.selfMs, `${(t.share * 100).toFixed(1)}%`]),
      );
    return { text, summary };
  } finally {
    session.disconnect();
    await fleet.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

if (require.main === module) {
  profileFront(Number(process.argv[2] ?? 5), Number(process.argv[3] ?? 8), process.argv[4]).then(
    (r) => console.log(r.text),
    (err) => {
      console.error(err);
      process.exit(1);
    },
  );
}
