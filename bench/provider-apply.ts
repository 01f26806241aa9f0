// Issue 7, benchmarks 1, 4 and 5: state size per kind (from the quickstart's state), the apply overhead of
// `pulumi up` of the quickstart over the platform's own critical path, and `up --parallel 16` of 50
// independent training jobs against the time the platform needs at its configured concurrency.
import { cpSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { declareManifest } from "../provider/manifest/load";
import { Dataset, TrainingJob } from "../provider";
import { benchProject, REPO_ROOT, table, time } from "./lib";
import { stateSizes } from "./provider-scale";

async function api(endpoint: string, token: string, path: string): Promise<any> {
  const res = await fetch(endpoint + path, { headers: { authorization: `Bearer ${token}` } });
  if (res.status !== 200) throw new Error(`GET ${path}: ${res.status} ${await res.text()}`);
  return res.json();
}

const ms = (from?: string, to?: string) => (from && to ? Date.parse(to) - Date.parse(from) : 0);

export async function runApplyBench(): Promise<{ text: string; json: unknown }> {
  const project = await benchProject("apply");
  const { endpoint, token } = project.platform;
  try {
    // Engine start-up: an `up` with nothing to do.
    const empty = await project.stack("empty", async () => {});
    await empty.up();
    const [engineMs] = await time(() => empty.up());

    cpSync(join(REPO_ROOT, "examples/quickstart"), join(project.dir, "quickstart"), { recursive: true });
    const manifest = join(project.dir, "quickstart/ml.yaml");
    const quick = await project.stack("quickstart", async () => declareManifest(manifest, { workDir: project.dir }).outputs);
    const [upMs] = await time(() => quick.up());

    // The longest dependency chain: dataset → training job → model → perf job → service (it waits on the gate).
    const one = async (kind: string) => (await api(endpoint, token, `/v1/${kind}`)).items[0];
    const ds = await one("datasets");
    const tj = await one("training-jobs");
    const md = await one("models");
    const pj = await one("perf-jobs");
    const sv = await one("services");
    const chain = [
      ["dataset ingest", ms(ds.createdAt, ds.updatedAt)],
      ["training job (queue + run)", ms(tj.createdAt, tj.finishedAt)],
      ["model registration", ms(md.createdAt, md.updatedAt)],
      ["perf job", ms(pj.createdAt, pj.updatedAt)],
      ["service deploy", ms(sv.createdAt, sv.updatedAt)],
    ] as [string, number][];
    const criticalMs = chain.reduce((a, [, d]) => a + d, 0);
    const sizes = await stateSizes((await quick.exportStack()).deployment);
    await quick.destroy();

    // 50 independent training jobs, each a one-second process.
    const flavors: any[] = await api(endpoint, token, "/v1/flavors");
    const small = flavors.find((f) => f.name === "local.small");
    const concurrency = small?.maxConcurrency ?? 1;
    writeFileSync(join(project.dir, "tiny.csv"), "a,b\n1,2\n");
    let retryLines = 0;
    const jobs = await project.stack("jobs", async () => {
      const d = new Dataset("tiny", { name: "tiny", format: "csv", source: "tiny.csv" });
      for (let i = 0; i < 50; i++) {
        new TrainingJob(`job-${i}`, {
          name: `job-${i}`,
          command: ["node", "-e", "setTimeout(() => {}, 1000)"],
          datasetId: d.id,
          flavor: "local.small",
        });
      }
    });
    const [jobsMs] = await time(() => jobs.up({ parallel: 16, onOutput: (s) => (retryLines += (s.match(/retry|retrying|429/gi) ?? []).length) }));
    const list = (await api(endpoint, token, "/v1/training-jobs?limit=200")).items as any[];
    const runMs = list.map((j) => ms(j.startedAt, j.finishedAt)).sort((a, b) => a - b);
    const medianRun = runMs[Math.floor(runMs.length / 2)];
    const idealMs = Math.ceil(50 / concurrency) * medianRun;
    await jobs.destroy({ parallel: 16 });

    const text = [
      table("State size per kind (bytes, largest resource of the kind)", ["kind", "__provider", "whole entry", "≤ 8 KB"], sizes),
      table("Apply overhead: quickstart `pulumi up` vs the platform's critical path (ms)", ["part", "ms"], [
        ...chain,
        ["critical path (sum)", criticalMs],
        ["pulumi up wall time", upMs],
        ["overhead (up − critical path)", upMs - criticalMs],
        ["engine start-up (empty up)", engineMs],
        ["overhead beyond engine start-up", upMs - criticalMs - engineMs],
      ]),
      table("Parallelism: 50 training jobs, up --parallel 16", ["figure", "value"], [
        ["platform concurrency (local.small)", concurrency],
        ["median job run (ms)", medianRun],
        ["ideal at that concurrency (ms)", idealMs],
        ["up wall time (ms)", jobsMs],
        ["ratio", jobsMs / idealMs],
        ["retry/429 mentions in engine output", retryLines],
      ]),
    ].join("\n");
    return { text, json: { sizes, chain, criticalMs, upMs, engineMs, jobs: { concurrency, medianRun, idealMs, jobsMs, retryLines } } };
  } finally {
    await project.close();
  }
}
