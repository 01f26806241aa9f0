// Training jobs really run: a node script reads its dataset and hyper-parameters from the environment,
// prints metric lines and writes an output file; stop, max runtime and failures end in defined states.
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestPlatform, waitUntil, type TestPlatform } from "./helpers";

let p: TestPlatform;
let datasetId: string;
const done = (o: any) => ["Completed", "Failed", "Stopped"].includes(o.status);

function script(name: string, body: string): string {
  writeFileSync(join(p.root, name), body);
  return name;
}

beforeAll(async () => {
  process.env.MLP_SECRET_FOR_TEST = "platform-secret";
  p = await startTestPlatform();
  writeFileSync(join(p.root, "data.csv"), "x,y\n1,2\n3,4\n5,6\n7,8\n");
  const ds = await p.api("POST", "/v1/datasets", { name: "train-data", format: "csv", source: "data.csv" });
  datasetId = (await waitUntil(p, "datasets", ds.body.id, (o) => o.status === "Ready")).id;
});
afterAll(async () => {
  delete process.env.MLP_SECRET_FOR_TEST;
  await p?.close();
});

const job = (name: string, command: string[], extra: Record<string, unknown> = {}) => ({ name, command, datasetId, ...extra });

describe("a job that runs to completion", () => {
  it("gets its dataset, hyper-parameters and a clean environment; its metrics and output are recorded", async () => {
    script(
      "train.js",
      `const fs = require("fs"), path = require("path");
const rows = fs.readFileSync(process.env.MLP_DATASET_FILE, "utf8").trim().split("\\n").slice(1);
const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !["PATH","HOME","LANG","TZ"].includes(k)));
for (let step = 0; step < 3; step++) console.log(JSON.stringify({ metric: "loss", value: 1 / (step + 1), step: step * 10 }));
console.log(JSON.stringify({ metric: "acc", value: 0.5 })); console.log(JSON.stringify({ metric: "acc", value: 0.75 }));
console.log(JSON.stringify({ metric: "rows", value: rows.length }));
console.log("plain log line");
fs.writeFileSync(path.join(process.env.MLP_OUTPUT_DIR, "model.json"), JSON.stringify({ rows: rows.length, env, cwd: process.cwd() }));`,
    );
    const r = await p.api("POST", "/v1/training-jobs", job("train-ok", ["node", "train.js"], { hyperParameters: { lr: 0.5, epochs: 3 }, env: { EXTRA: "yes" } }));
    expect(r.status).toBe(201);
    expect(r.body).toMatchObject({ datasetVersion: 1, flavor: "local.small", outputUri: `mlp://training-jobs/${r.body.id}/output` });
    const end = await waitUntil(p, "training-jobs", r.body.id, done);
    expect(end.statusMessage).toBeUndefined();
    expect(end).toMatchObject({ status: "Completed", exitCode: 0, finalMetrics: { loss: 1 / 3, acc: 0.75, rows: 4 } });
    expect(end.startedAt <= end.finishedAt).toBe(true);

    const metrics = await p.api("GET", `/v1/training-jobs/${r.body.id}/metrics`);
    expect(metrics.body.points.filter((m: any) => m.name === "loss").map((m: any) => [m.step, m.value])).toEqual([[0, 1], [10, 0.5], [20, 1 / 3]]);
    // Without "step", each metric counts its own steps.
    expect(metrics.body.points.filter((m: any) => m.name === "acc").map((m: any) => [m.step, m.value])).toEqual([[0, 0.5], [1, 0.75]]);
    const logs = await p.api("GET", `/v1/training-jobs/${r.body.id}/logs?tail=1`);
    expect(logs.body.lines).toEqual(["plain log line"]);

    // The output is in the artifact store: a model registers straight from the job's outputUri.
    const out = await p.api("POST", "/v1/models", { name: "from-job-file", source: `${end.outputUri}/model.json`, format: "logreg-json" });
    expect(out.status).toBe(422); // not a logreg artifact: proves the file was found and read
    expect(out.body.message).toMatch(/logreg-json/);
    const jobDirOutput = JSON.parse(readFileSync(join(p.dataDir, "jobs", r.body.id, "output", "model.json"), "utf8"));
    expect(jobDirOutput.rows).toBe(4);
    expect(jobDirOutput.cwd).toBe(p.root);
    const env = jobDirOutput.env;
    expect(env).toMatchObject({ EXTRA: "yes", MLP_HP_LR: "0.5", MLP_HP_EPOCHS: "3", MLP_OUTPUT_DIR: join(p.dataDir, "jobs", r.body.id, "output") });
    expect(JSON.parse(env.MLP_HYPERPARAMETERS)).toEqual({ lr: 0.5, epochs: 3 });
    expect(existsSync(env.MLP_DATASET_DIR)).toBe(true);
    expect(env.MLP_DATASET_FILE.endsWith("data.csv")).toBe(true);
    // Neither the platform's token nor its own environment reaches the job.
    expect(JSON.stringify(env)).not.toContain(p.token);
    expect(env.MLP_SECRET_FOR_TEST).toBeUndefined();
  });
});

describe("jobs that do not complete", () => {
  it("a failing job's statusMessage carries its exit code and last log lines", async () => {
    script("fail.js", `console.error("loading data"); console.error("ValueError: learning rate must be positive"); process.exit(3);`);
    const r = await p.api("POST", "/v1/training-jobs", job("train-fail", ["node", "fail.js"]));
    const end = await waitUntil(p, "training-jobs", r.body.id, done);
    expect(end).toMatchObject({ status: "Failed", exitCode: 3 });
    expect(end.statusMessage).toContain("exited with code 3");
    expect(end.statusMessage).toContain("ValueError: learning rate must be positive");
  });

  it("a command that cannot start fails with the reason", async () => {
    const r = await p.api("POST", "/v1/training-jobs", job("train-nocmd", ["/no/such/binary"]));
    const end = await waitUntil(p, "training-jobs", r.body.id, done);
    expect(end.status).toBe("Failed");
    expect(end.statusMessage).toMatch(/ENOENT/);
  });

  it("stop sends SIGTERM, then SIGKILL after the grace period, and ends Stopped", async () => {
    // Ignores SIGTERM, so only the SIGKILL after the grace period ends it.
    script("stubborn.js", `process.on("SIGTERM", () => console.log("ignoring SIGTERM")); console.log("started"); setInterval(() => {}, 1000);`);
    const r = await p.api("POST", "/v1/training-jobs", job("train-stop", ["node", "stubborn.js"]));
    await waitUntil(p, "training-jobs", r.body.id, (o) => o.status === "Running");
    await waitForLog(r.body.id, "started");
    const t0 = Date.now();
    const stopped = await p.api("POST", `/v1/training-jobs/${r.body.id}/stop`);
    expect(stopped.status).toBe(200);
    expect(stopped.body.status).toBe("Stopped");
    expect(Date.now() - t0).toBeGreaterThanOrEqual(1900);
    const logs = (await p.api("GET", `/v1/training-jobs/${r.body.id}/logs?tail=10`)).body.lines.join("\n");
    expect(logs).toContain("ignoring SIGTERM");
    expect(logs).toContain("SIGKILL");
    // Stopping again is harmless.
    expect((await p.api("POST", `/v1/training-jobs/${r.body.id}/stop`)).body.status).toBe("Stopped");
  });

  it("maxRuntimeSeconds is enforced: the job fails with the reason", async () => {
    script("sleepy.js", `console.log("sleeping"); setTimeout(() => {}, 60000);`);
    const r = await p.api("POST", "/v1/training-jobs", job("train-timeout", ["node", "sleepy.js"], { maxRuntimeSeconds: 1 }));
    const end = await waitUntil(p, "training-jobs", r.body.id, done);
    expect(end.status).toBe("Failed");
    expect(end.statusMessage).toMatch(/exceeded maxRuntimeSeconds \(1 s\)/);
    expect(Date.parse(end.finishedAt) - Date.parse(end.startedAt)).toBeGreaterThanOrEqual(900);
  });

  it("refuses an unknown flavor, a missing dataset and a workingDir outside the roots, writing nothing", async () => {
    const before = (await p.api("GET", "/v1/training-jobs?limit=200")).body.items.length;
    const cloud = await p.api("POST", "/v1/training-jobs", job("bad-flavor", ["node", "x.js"], { flavor: "ml.g1.xlarge" }));
    expect(cloud.status).toBe(422);
    expect(cloud.body.field).toBe("flavor");
    expect(cloud.body.message).toContain("local.small");
    const noDs = await p.api("POST", "/v1/training-jobs", { name: "bad-ds", command: ["node"], datasetId: "ds-nope" });
    expect(noDs.status).toBe(422);
    expect(noDs.body.field).toBe("datasetId");
    const wd = await p.api("POST", "/v1/training-jobs", job("bad-wd", ["node"], { workingDir: "/" }));
    expect(wd.status).toBe(422);
    expect(wd.body.field).toBe("workingDir");
    const argv = await p.api("POST", "/v1/training-jobs", job("bad-argv", []));
    expect(argv.status).toBe(400);
    expect(argv.body.field).toBe("command");
    expect((await p.api("GET", "/v1/training-jobs?limit=200")).body.items.length).toBe(before);
  });
});

async function waitForLog(id: string, text: string): Promise<void> {
  for (let i = 0; i < 100; i++) {
    const lines = (await p.api("GET", `/v1/training-jobs/${id}/logs`)).body.lines as string[];
    if (lines.some((l) => l.includes(text))) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`log of ${id} never showed "${text}"`);
}

describe("scheduling", () => {
  it("runs at most maxConcurrency jobs of a flavor at once; the rest wait Pending, then run", async () => {
    const flavor = (await p.api("GET", "/v1/flavors")).body.find((f: any) => f.name === "local.small");
    script("nap.js", `setTimeout(() => {}, 1500);`);
    const ids: string[] = [];
    for (let i = 0; i <= flavor.maxConcurrency; i++) {
      ids.push((await p.api("POST", "/v1/training-jobs", job(`nap-${i}`, ["node", "nap.js"]))).body.id);
    }
    const last = ids[ids.length - 1];
    await waitUntil(p, "training-jobs", ids[flavor.maxConcurrency - 1], (o) => o.status === "Running");
    expect((await p.api("GET", `/v1/training-jobs/${last}`)).body.status).toBe("Pending");
    const end = await waitUntil(p, "training-jobs", last, done);
    expect(end.status).toBe("Completed");
    // It took the slot of whichever earlier job finished first (not necessarily the first submitted).
    const earlier = await Promise.all(ids.slice(0, -1).map(async (id) => (await p.api("GET", `/v1/training-jobs/${id}`)).body));
    const firstFinish = Math.min(...earlier.map((j) => Date.parse(j.finishedAt)));
    expect(Date.parse(end.startedAt)).toBeGreaterThanOrEqual(firstFinish);
  });

  it("DELETE stops a running job first and removes it", async () => {
    script("forever.js", `setInterval(() => {}, 1000);`);
    const r = await p.api("POST", "/v1/training-jobs", job("doomed", ["node", "forever.js"]));
    const running = await waitUntil(p, "training-jobs", r.body.id, (o) => o.status === "Running");
    const pid = Number(/pid (\d+)/.exec(running.statusMessage)![1]);
    expect((await p.api("DELETE", `/v1/training-jobs/${r.body.id}`)).status).toBe(204);
    expect((await p.api("GET", `/v1/training-jobs/${r.body.id}`)).status).toBe(404);
    expect(() => process.kill(pid, 0)).toThrow();
  });
});
