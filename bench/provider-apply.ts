// Issue 7, benchmarks 1, 4 and 5: state size per kind (from the quickstart's state), the apply overhead of
// `pulumi up` of the quickstart over the platform's own critical path, and `up --parallel 16` of N
// independent training jobs against the time the platform needs at its configured concurrency.
// Run: npm run build && node dist/bench/provider-apply.js [jobs]
import { cpSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { declareManifest } from "../provider/manifest/load";
import { Dataset, TrainingJob } from "../provider";
import { RETRY_LOG_PREFIX } from "../sdk/retry";
import { benchProject, cliWallMs, REPO_ROOT, table, timedUp, type BenchProject, type BenchResult, type Goal } from "./lib";
import { Noop, PROVIDER_BYTES_BOUND, stateSizes, stateSizeTable, type StateSize } from "./provider-scale";

async function api(endpoint: string, token: string, path: string): Promise<any> {
  const res = await fetch(endpoint + path, { headers: { authorization: `Bearer ${token}` } });
  if (res.status !== 200) throw new Error(`GET ${path}: ${res.status} ${await res.text()}`);
  return res.json();
}

const at = (iso?: string) => (iso ? Date.parse(iso) : NaN);
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

/** Lines of engine output that are SDK retries (sdk/local.ts logs one per retry) and how many name a 429. */
function retryCounter() {
  const counts = { retries: 0, throttled: 0 };
  let pending = "";
  return {
    counts,
    onOutput(chunk: string) {
      const lines = (pending + chunk).split("\n");
      pending = lines.pop() ?? "";
      for (const line of lines) {
        if (!line.includes(RETRY_LOG_PREFIX)) continue;
        counts.retries++;
        if (/after 429\b/.test(line)) counts.throttled++;
      }
    },
  };
}

export interface ApplyResult {
  sizes: StateSize[];
  /** `pulumi up` of an empty program, no changes: CLI start, engine, state (CLI wall time). */
  engineMs: number;
  /** The same with one unchanged no-op dynamic resource: adds the dynamic-provider process start. */
  engineDynamicMs: number;
  /** The Automation API's own follow-up after the CLI exits (`stack output`, `stack history`). */
  automationFollowUpMs: number;
  /** Quickstart `pulumi up`, CLI wall time. */
  upMs: number;
  /** Platform-side durations along the quickstart's longest dependency chain. */
  chain: { step: string; ms: number }[];
  criticalMs: number;
  /** The quickstart's up as a timeline (ms since up was called): where the time goes. */
  timeline: { moment: string; atMs: number }[];
  jobs: {
    count: number;
    concurrency: number;
    medianRunMs: number;
    idealMs: number;
    platformSpanMs: number;
    upMs: number;
    /** up called → first job created on the platform (engine start, program, dataset, checks). */
    leadInMs: number;
    /** last job finished → the CLI's last output (handlers return, state, engine exit). */
    tailMs: number;
    retries: number;
    throttled: number;
  };
}

const KIND_ORDER = ["Dataset", "TrainingJob", "Model", "PerfJob", "Service"] as const;

/** The quickstart: dataset → training job → model → perf job (gate) → service. */
async function quickstart(project: BenchProject): Promise<Pick<ApplyResult, "sizes" | "upMs" | "chain" | "criticalMs" | "timeline">> {
  const { endpoint, token } = project.platform;
  cpSync(join(REPO_ROOT, "examples/quickstart"), join(project.dir, "quickstart"), { recursive: true });
  const manifest = join(project.dir, "quickstart/ml.yaml");
  const quick = await project.stack("quickstart", async () => declareManifest(manifest, { workDir: project.dir }).outputs);
  const t = await timedUp(quick);
  const upMs = cliWallMs(t);

  const one = async (kind: string) => (await api(endpoint, token, `/v1/${kind}`)).items[0];
  const objects: Record<(typeof KIND_ORDER)[number], any> = {
    Dataset: await one("datasets"),
    TrainingJob: await one("training-jobs"),
    Model: await one("models"),
    PerfJob: await one("perf-jobs"),
    Service: await one("services"),
  };
  // The moment each object became usable, as the platform recorded it. The model registers synchronously
  // inside its POST, so its record carries no duration (the POST's time shows in the timeline).
  const readyAt = (kind: (typeof KIND_ORDER)[number]) => {
    const o = objects[kind];
    return at(kind === "TrainingJob" || kind === "PerfJob" ? o.finishedAt ?? o.updatedAt : o.updatedAt);
  };
  const names: Record<string, string> = {
    Dataset: "dataset ingest",
    TrainingJob: "training job (queue + run)",
    Model: "model registration",
    PerfJob: "perf job (benchmark + SLO gate)",
    Service: "service deploy (2 replicas)",
  };
  const chain = KIND_ORDER.map((k) => ({ step: names[k], ms: readyAt(k) - at(objects[k].createdAt) }));
  const criticalMs = chain.reduce((a, c) => a + c.ms, 0);

  const moments: { moment: string; at: number | undefined }[] = [
    { moment: "up called", at: t.calledAt },
    { moment: "engine prelude (CLI started)", at: t.preludeAt },
  ];
  for (const kind of KIND_ORDER) {
    const step = [...t.steps.values()].find((s) => s.type.endsWith(`:${kind}`));
    moments.push(
      { moment: `${kind}: engine step started`, at: step?.startedAt },
      { moment: `${kind}: created on the platform`, at: at(objects[kind].createdAt) },
      { moment: `${kind}: ready on the platform`, at: readyAt(kind) },
      { moment: `${kind}: engine step done (handler returned)`, at: step?.doneAt },
    );
  }
  moments.push(
    { moment: "engine summary (state written)", at: t.summaryAt },
    { moment: "CLI last output line", at: t.lastOutputAt },
    { moment: "Automation API up() returned", at: t.returnedAt },
  );
  const timeline = moments
    .filter((m): m is { moment: string; at: number } => m.at !== undefined && Number.isFinite(m.at))
    .sort((a, b) => a.at - b.at)
    .map((m) => ({ moment: m.moment, atMs: m.at - t.calledAt }));
  const sizes = stateSizes((await quick.exportStack()).deployment);
  await quick.destroy();
  return { sizes, upMs, chain, criticalMs, timeline };
}

/** `count` independent one-second training jobs, `up --parallel 16`. */
async function parallelJobs(project: BenchProject, count: number): Promise<ApplyResult["jobs"]> {
  const { endpoint, token } = project.platform;
  const flavors: any = await api(endpoint, token, "/v1/flavors");
  const list: any[] = Array.isArray(flavors) ? flavors : flavors.items;
  const concurrency: number = list.find((f) => f.name === "local.small")?.maxConcurrency ?? 1;
  writeFileSync(join(project.dir, "tiny.csv"), "a,b\n1,2\n");
  const jobs = await project.stack("jobs", async () => {
    const d = new Dataset("tiny", { name: "tiny", format: "csv", source: "tiny.csv" });
    for (let i = 0; i < count; i++) {
      new TrainingJob(`job-${i}`, {
        name: `job-${i}`,
        command: ["node", "-e", "setTimeout(() => {}, 1000)"],
        datasetId: d.id,
        flavor: "local.small",
      });
    }
  });
  const retries = retryCounter();
  const run = await timedUp(jobs, { parallel: 16, onOutput: retries.onOutput });
  const upMs = cliWallMs(run);
  const made = ((await api(endpoint, token, "/v1/training-jobs?limit=200")).items as any[]).filter((j) => /^job-\d+$/.test(j.name));
  const medianRunMs = median(made.map((j) => at(j.finishedAt) - at(j.startedAt)));
  const firstCreated = Math.min(...made.map((j) => at(j.createdAt)));
  const lastFinished = Math.max(...made.map((j) => at(j.finishedAt)));
  const platformSpanMs = lastFinished - firstCreated;
  const idealMs = Math.ceil(count / concurrency) * medianRunMs;
  await jobs.destroy({ parallel: 16 });
  const leadInMs = firstCreated - run.calledAt;
  const tailMs = (run.lastOutputAt ?? run.returnedAt) - lastFinished;
  return { count, concurrency, medianRunMs, idealMs, platformSpanMs, upMs, leadInMs, tailMs, retries: retries.counts.retries, throttled: retries.counts.throttled };
}

/** Issue 7 §1, §4, §5: state size, apply overhead over the platform's critical path, parallel jobs. */
export function applyGoals(apply: ApplyResult): Goal[] {
  const maxProvider = Math.max(...apply.sizes.map((s) => s.providerBytes));
  const overhead = apply.upMs - apply.criticalMs;
  const j = apply.jobs;
  const ratio = j.upMs / (j.idealMs + apply.engineDynamicMs);
  return [
    { goal: "7.1 __provider ≤ 8 KB per resource", figure: `${maxProvider} B (largest kind)`, baseline: `${PROVIDER_BYTES_BOUND} B`, ratio: maxProvider / PROVIDER_BYTES_BOUND, met: maxProvider <= PROVIDER_BYTES_BOUND },
    {
      goal: "7.4 up − critical path < 3 s + engine start-up",
      figure: `${overhead.toFixed(0)} ms`,
      baseline: `3000 + ${apply.engineMs.toFixed(0)} ms (empty program; ${apply.engineDynamicMs.toFixed(0)} with a dynamic provider)`,
      ratio: overhead / (3000 + apply.engineMs),
      met: overhead - apply.engineMs < 3000,
    },
    {
      goal: `7.5 ${j.count} jobs, --parallel 16 ≈ platform time, no retry storm`,
      figure: `${j.upMs.toFixed(0)} ms, ${j.retries} retries`,
      baseline: `${j.idealMs.toFixed(0)} ms ideal + ${apply.engineDynamicMs.toFixed(0)} ms engine`,
      ratio,
      // "About the time the platform needs": within 20 %, and retries far fewer than jobs.
      met: ratio <= 1.2 && j.retries < j.count / 10,
    },
  ];
}

export async function runApplyBench(jobCount = 50): Promise<BenchResult<ApplyResult>> {
  const project = await benchProject("apply");
  try {
    // Engine start-up: an `up` with nothing to do (the first one also creates the stack), then the same
    // with one unchanged no-op dynamic resource (the dynamic-provider process starts for its check/diff).
    const empty = await project.stack("empty", async () => {});
    await empty.up();
    const emptyRun = await timedUp(empty);
    const engineMs = cliWallMs(emptyRun);
    const automationFollowUpMs = emptyRun.returnedAt - (emptyRun.lastOutputAt ?? emptyRun.returnedAt);
    const noop = await project.stack("noop", async () => {
      new Noop("n0");
    });
    await noop.up();
    const engineDynamicMs = cliWallMs(await timedUp(noop));

    const q = await quickstart(project);
    const jobs = await parallelJobs(project, jobCount);
    const json: ApplyResult = { ...q, engineMs, engineDynamicMs, automationFollowUpMs, jobs };
    const overhead = q.upMs - q.criticalMs;
    let previous = 0;
    const text = [
      stateSizeTable(q.sizes),
      table("Apply overhead: quickstart `pulumi up` vs the platform's critical path (ms; goal: overhead < 3000 + engine start-up)", ["part", "ms"], [
        ...q.chain.map((c) => [`platform: ${c.step}`, c.ms]),
        ["critical path (sum)", q.criticalMs],
        ["pulumi up wall time (CLI, called → last output)", q.upMs],
        ["overhead (up − critical path)", overhead],
        ["engine start-up: up of an empty program", engineMs],
        ["engine start-up: up of one unchanged no-op dynamic resource", engineDynamicMs],
        ["overhead beyond empty-program start-up (goal < 3000)", overhead - engineMs],
        ["overhead beyond dynamic-provider start-up", overhead - engineDynamicMs],
        ["(not counted) Automation API follow-up after the CLI exits", automationFollowUpMs],
      ]),
      table(
        "Where the quickstart's up spends its time (ms since up was called; events arrive over TCP, ±few ms)",
        ["moment", "at", "since previous"],
        q.timeline.map((m) => {
          const row = [m.moment, m.atMs, m.atMs - previous];
          previous = m.atMs;
          return row;
        }),
      ),
      table(`Parallelism: ${jobs.count} one-second training jobs, up --parallel 16 (goal: ratio ≈ 1, no retry storm)`, ["figure", "value"], [
        ["platform concurrency (local.small)", String(jobs.concurrency)],
        ["median job run, started → finished (ms)", jobs.medianRunMs],
        [`platform ideal: ceil(${jobs.count}/${jobs.concurrency}) × median run (ms)`, jobs.idealMs],
        ["platform span: first created → last finished (ms)", jobs.platformSpanMs],
        ["up wall time, CLI (ms)", jobs.upMs],
        ["  of it: up called → first job created (ms)", jobs.leadInMs],
        ["  of it: last job finished → CLI done (ms)", jobs.tailMs],
        ["ratio up / ideal", jobs.upMs / jobs.idealMs],
        ["ratio up / (ideal + dynamic-provider engine start-up)", jobs.upMs / (jobs.idealMs + engineDynamicMs)],
        ["SDK retries in the engine output (of them 429)", `${jobs.retries} (${jobs.throttled})`],
      ]),
    ].join("\n");
    return { text, json, goals: applyGoals(json) };
  } finally {
    await project.close();
  }
}

if (require.main === module) {
  runApplyBench(Number(process.argv[2]) || 50).then(
    (r) => console.log(r.text),
    (err) => {
      console.error(err);
      process.exit(1);
    },
  );
}
