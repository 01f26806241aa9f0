// Issue 7, benchmark 3: wait latency. The real handlers (provider/handlers, in this process) create
// datasets and short training jobs against a detached local platform; for each, the time from the moment
// the platform recorded the object's ready/terminal status (the `updatedAt` of that write) to the moment
// the handler's `create` returned. Both clocks are this machine's wall clock (ms resolution).
// Run: npm run build && node dist/bench/provider-latency.js [datasets] [jobs]
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startPlatformDetached, stopPlatform } from "../cli/platform";
import { handlers } from "../provider/handlers";
import { configure, platform } from "../provider/handlers/context";
import { requestStats } from "../sdk";
import { percentile, table, type BenchResult, type Goal } from "./lib";

type Handler = (typeof handlers)["dataset"];

interface Sample {
  kind: string;
  /** Platform wrote the ready/terminal status → create returned (ms). */
  latencyMs: number;
  /** create called → create returned (ms), for context. */
  createMs: number;
}

async function createAndMeasure(h: Handler, kind: string, props: Record<string, unknown>, markedAt: (obj: any) => string | undefined): Promise<Sample> {
  const { inputs, failures } = await h.check({}, props);
  if (failures.length) throw new Error(`${kind} ${String(props.name)}: check failed: ${JSON.stringify(failures)}`);
  const t0 = Date.now();
  const { id } = await h.create(inputs);
  const returnedAt = Date.now();
  // Re-read through the handlers' own connection: the timestamp is the platform's own record.
  const obj = await h.definition.client(platform()).get(id);
  const at = markedAt(obj);
  if (!at) throw new Error(`${kind} ${id} has no ready/terminal timestamp (status ${obj.status})`);
  return { kind, latencyMs: returnedAt - Date.parse(at), createMs: returnedAt - t0 };
}

function summarize(name: string, xs: number[]): (string | number)[] {
  const s = [...xs].sort((a, b) => a - b);
  return [name, String(s.length), percentile(s, 50), percentile(s, 90), s[s.length - 1]];
}

export interface LatencyResult {
  datasets: Sample[];
  jobs: Sample[];
  medianMs: number;
  p90Ms: number;
  retries: number;
}

/**
 * `datasets` dataset creations one after another, then `jobs` training jobs of ~100 ms each submitted at
 * once (the platform runs them at its flavor concurrency, so most wait Pending first, as in a parallel up).
 */
/** Issue 7 §3: the platform marks an object ready → the handler's create returns, median < 100 ms. */
export function latencyGoals(latency: LatencyResult): Goal[] {
  return [{ goal: "7.3 wait latency median < 100 ms", figure: `${latency.medianMs.toFixed(0)} ms (p90 ${latency.p90Ms.toFixed(0)})`, baseline: "100 ms", ratio: latency.medianMs / 100, met: latency.medianMs < 100 }];
}

export async function runLatencyBench(datasetCount = 20, jobCount = 20): Promise<BenchResult<LatencyResult>> {
  const dir = mkdtempSync(join(tmpdir(), "mlp-bench-latency-"));
  const csv = join(dir, "tiny.csv");
  writeFileSync(csv, "x,y,label\n1,2,a\n3,4,b\n");
  const p = await startPlatformDetached({ dataDir: join(dir, "data"), allowedRoots: [dir] });
  const retriesBefore = requestStats.retries;
  // The handlers report progress on the console (the engine shows it); here it would bury the table.
  const log = console.log;
  console.log = () => {};
  try {
    configure({ endpoint: p.endpoint, token: p.token });
    const ds = handlers.dataset as Handler;
    const tj = handlers["training-job"] as unknown as Handler;
    // Warm-up: module loading, JIT, keep-alive connection.
    await createAndMeasure(ds, "dataset", { name: "warm-up", format: "csv", source: csv }, (o) => o.updatedAt);

    const datasets: Sample[] = [];
    for (let i = 0; i < datasetCount; i++) datasets.push(await createAndMeasure(ds, "dataset", { name: `ds-${i}`, format: "csv", source: csv }, (o) => o.updatedAt));

    const base = await ds.create((await ds.check({}, { name: "jobs-data", format: "csv", source: csv })).inputs);
    const jobs = await Promise.all(
      Array.from({ length: jobCount }, (_, i) =>
        createAndMeasure(
          tj,
          "training job",
          { name: `job-${i}`, command: [process.execPath, "-e", "setTimeout(() => {}, 100)"], datasetId: base.id, flavor: "local.small", maxRuntimeSeconds: 60 },
          // The terminal write is the job's last one: updatedAt is when it was marked Completed.
          (o) => (o.status === "Completed" ? o.updatedAt : undefined),
        ),
      ),
    );
    const all = [...datasets, ...jobs].map((s) => s.latencyMs).sort((a, b) => a - b);
    const json: LatencyResult = { datasets, jobs, medianMs: percentile(all, 50), p90Ms: percentile(all, 90), retries: requestStats.retries - retriesBefore };
    const text = table(
      "Wait latency: platform marked ready/terminal → handler create returned (ms; goal: median < 100)",
      ["objects", "n", "median", "p90", "max"],
      [
        summarize("datasets (one at a time)", datasets.map((s) => s.latencyMs)),
        summarize(`training jobs (${jobCount} at once, ~100 ms each)`, jobs.map((s) => s.latencyMs)),
        summarize("all", all),
        summarize("for context: whole create, datasets", datasets.map((s) => s.createMs)),
        summarize("for context: whole create, training jobs", jobs.map((s) => s.createMs)),
      ],
    );
    return { text: `${text}\nretries by the SDK during this benchmark: ${json.retries}`, json, goals: latencyGoals(json) };
  } finally {
    console.log = log;
    await stopPlatform(p.dataDir);
    rmSync(dir, { recursive: true, force: true });
  }
}

if (require.main === module) {
  const [datasets, jobs] = process.argv.slice(2).map(Number);
  runLatencyBench(datasets || 20, jobs || 20).then(
    (r) => console.log(r.text),
    (err) => {
      console.error(err);
      process.exit(1);
    },
  );
}
