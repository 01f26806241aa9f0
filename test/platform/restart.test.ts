// A platform killed with SIGKILL mid-training and restarted on the same data dir: the job must end in a
// defined state with the reason, its process must be gone, and the rest of the state must survive
// (objects, idempotency keys). Runs the compiled platform (dist/, built here when stale) as its own process.
import { spawn, type ChildProcess } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ensureBuilt } from "../build";
import { makeApi, REPO_ROOT, waitUntil } from "./helpers";

const MAIN = join(REPO_ROOT, "dist/platform/main.js");

interface Proc {
  child: ChildProcess;
  api: ReturnType<typeof makeApi>;
  output: () => string;
}

async function startProcess(dataDir: string, root: string): Promise<Proc> {
  // Unsandboxed: this test needs a job that outlives its platform, and a sandboxed job dies with it
  // (platform/sandbox.ts); the recovery path under test is the same for both.
  const env = { ...process.env, MLPLATFORM_SANDBOX: "off" };
  const child = spawn(process.execPath, [MAIN, "start", "--data-dir", dataDir, "--port", "0", "--allow-root", root], { stdio: ["ignore", "pipe", "pipe"], env });
  let out = "";
  child.stdout!.on("data", (d) => (out += d));
  child.stderr!.on("data", (d) => (out += d));
  const deadline = Date.now() + 30_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`platform exited ${child.exitCode}: ${out}`);
    try {
      const info = JSON.parse(readFileSync(join(dataDir, "platform.json"), "utf8"));
      if (info.pid === child.pid) {
        const api = makeApi(info.endpoint, readFileSync(join(dataDir, "token"), "utf8").trim());
        if ((await api("GET", "/v1/flavors")).status === 200) return { child, api, output: () => out };
      }
    } catch {
      /* not up yet */
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  child.kill("SIGKILL");
  throw new Error(`platform did not start: ${out}`);
}

/** Alive and not a zombie. */
function processRunning(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    return stat.slice(stat.lastIndexOf(")") + 2)[0] !== "Z";
  } catch {
    return false;
  }
}

const exited = (c: ChildProcess) => new Promise<void>((r) => (c.exitCode !== null || c.signalCode !== null ? r() : c.once("exit", () => r())));

let dataDir: string;
let root: string;
const procs: ChildProcess[] = [];
let jobPid: number | undefined;

beforeAll(() => {
  ensureBuilt();
  dataDir = mkdtempSync(join(tmpdir(), "mlp-restart-data-"));
  root = mkdtempSync(join(tmpdir(), "mlp-restart-root-"));
}, 120_000);

afterAll(async () => {
  for (const c of procs) if (c.exitCode === null && c.signalCode === null) c.kill("SIGKILL");
  if (jobPid && processRunning(jobPid)) process.kill(jobPid, "SIGKILL");
  rmSync(dataDir, { recursive: true, force: true });
  rmSync(root, { recursive: true, force: true });
});

describe("SIGKILL mid-training, then restart", () => {
  it("fails the interrupted job with the reason, kills its process, and keeps the rest", async () => {
    writeFileSync(join(root, "data.csv"), "x\n1\n");
    // Ignores a broken stdout pipe, so it really outlives the platform unless someone kills it.
    writeFileSync(join(root, "long.js"), `process.stdout.on("error", () => {}); console.log("pid " + process.pid); setInterval(() => console.log(JSON.stringify({ metric: "tick", value: 1 })), 200);`);
    const first = await startProcess(dataDir, root);
    procs.push(first.child);
    const ds = await first.api("POST", "/v1/datasets", { name: "restart-data", format: "csv", source: "data.csv" }, { "idempotency-key": "ds-key" });
    await waitUntil({ api: first.api }, "datasets", ds.body.id, (o) => o.status === "Ready");
    const job = await first.api("POST", "/v1/training-jobs", { name: "long", command: ["node", "long.js"], datasetId: ds.body.id });
    const running = await waitUntil({ api: first.api }, "training-jobs", job.body.id, (o) => o.status === "Running");
    jobPid = Number(/pid (\d+)/.exec(running.statusMessage)![1]);
    expect(processRunning(jobPid)).toBe(true);

    first.child.kill("SIGKILL");
    await exited(first.child);
    // The job outlived the platform (its own process group): the restart must deal with it.
    await new Promise((r) => setTimeout(r, 300));
    expect(processRunning(jobPid)).toBe(true);

    const second = await startProcess(dataDir, root);
    procs.push(second.child);
    const after = (await second.api("GET", `/v1/training-jobs/${job.body.id}`)).body;
    expect(after.status).toBe("Failed");
    expect(after.statusMessage).toContain(`platform restarted while the job was running (pid ${jobPid}`);
    expect(after.finishedAt).toBeDefined();
    for (let i = 0; i < 50 && processRunning(jobPid); i++) await new Promise((r) => setTimeout(r, 20));
    expect(processRunning(jobPid)).toBe(false);
    expect(after.statusMessage).toContain("killed");

    // A second platform on the same data dir refuses to start (it would "recover" the first one's jobs).
    const intruder = spawn(process.execPath, [MAIN, "start", "--data-dir", dataDir, "--port", "0", "--allow-root", root], { stdio: ["ignore", "pipe", "pipe"] });
    let intruderOut = "";
    intruder.stderr!.on("data", (d) => (intruderOut += d));
    await exited(intruder);
    expect(intruder.exitCode).toBe(1);
    expect(intruderOut).toContain("another platform");

    // Objects and idempotency keys survived: the same POST replays the first dataset.
    const replay = await second.api("POST", "/v1/datasets", { name: "restart-data", format: "csv", source: "data.csv" }, { "idempotency-key": "ds-key" });
    expect(replay.status).toBe(200);
    expect(replay.body.id).toBe(ds.body.id);
    // The platform still runs jobs after recovery.
    writeFileSync(join(root, "quick.js"), `console.log(JSON.stringify({ metric: "done", value: 1 }));`);
    const next = await second.api("POST", "/v1/training-jobs", { name: "after-restart", command: ["node", "quick.js"], datasetId: ds.body.id });
    expect((await waitUntil({ api: second.api }, "training-jobs", next.body.id, (o) => ["Completed", "Failed"].includes(o.status))).status).toBe("Completed");

    // SIGTERM is a graceful shutdown: a running job is stopped (Failed with the reason) and platform.json removed.
    const third = await second.api("POST", "/v1/training-jobs", { name: "at-shutdown", command: ["node", "long.js"], datasetId: ds.body.id });
    const r3 = await waitUntil({ api: second.api }, "training-jobs", third.body.id, (o) => o.status === "Running");
    const pid3 = Number(/pid (\d+)/.exec(r3.statusMessage)![1]);
    second.child.kill("SIGTERM");
    await exited(second.child);
    expect(second.child.exitCode).toBe(0);
    expect(processRunning(pid3)).toBe(false);
    expect(existsSync(join(dataDir, "platform.json"))).toBe(false);
    const fourth = await startProcess(dataDir, root);
    procs.push(fourth.child);
    const shut = (await fourth.api("GET", `/v1/training-jobs/${third.body.id}`)).body;
    expect(shut).toMatchObject({ status: "Failed", statusMessage: "the platform shut down while the job was running" });
    fourth.child.kill("SIGTERM");
    await exited(fourth.child);
  });
});
