// Issue 13, items 1, 2, 6 and 7 as a user meets them: the `mlplatform` command (dist/cli/main.js) deploys the
// quickstart with two secret env values through the real engine, starting its own platform on a fresh data
// dir; an `up` is killed mid-way and the next plain `up` must cope; `destroy` ends it. Along the way: every
// file in the data dir is private, no secret is readable in any file or output, and destroy leaves no stored
// artifact behind.
import { spawn } from "node:child_process";
import { cpSync, existsSync, lstatSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DEFAULT_STACK_NAME } from "../../cli/stack";
import { stackScopedName } from "../../schemas/common";
import { REPO_ROOT, makeProjectDir, removeDir } from "./harness";

/** Platform names carry the stack: the CLI deploys its default stack here. */
const scoped = (key: string) => stackScopedName(key, DEFAULT_STACK_NAME);

const DB_URL = "postgres://ml:Db-Pa55-9c1e7f@db.internal:5432/features";
const API_KEY = "api-key-4b8e1d2c9a7f";
let projectDir: string;
let dataDir: string;
let manifestPath: string;
const outputs: string[] = [];

interface CliResult {
  code: number | null;
  output: string;
}

function cliEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, PULUMI_HOME: join(projectDir, ".pulumi-home"), MLP_TEST_DB_URL: DB_URL, PULUMI_SKIP_UPDATE_CHECK: "true" };
  for (const k of ["PULUMI_CONFIG_PASSPHRASE", "PULUMI_CONFIG_PASSPHRASE_FILE", "PULUMI_BACKEND_URL", "MLPLATFORM_ENDPOINT", "MLPLATFORM_TOKEN", "MLPLATFORM_DATA_DIR"]) delete env[k];
  return env;
}

function cliArgs(command: string, extra: string[] = []): string[] {
  return [join(REPO_ROOT, "dist/cli/main.js"), command, ...extra, "--data-dir", dataDir];
}

/** Runs `mlplatform <args>` to its end. */
function cli(command: string, extra: string[] = []): Promise<CliResult> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, cliArgs(command, extra), { cwd: projectDir, env: cliEnv(), stdio: ["ignore", "pipe", "pipe"] });
    let output = "";
    child.stdout.on("data", (d) => (output += d));
    child.stderr.on("data", (d) => (output += d));
    child.on("close", (code) => {
      outputs.push(output);
      resolve({ code, output });
    });
  });
}

const stackArgs = () => ["--yes", "--work-dir", projectDir, "-m", manifestPath];

/** Files and directories under `dir` whose mode has any group or other bit. */
function nonPrivate(dir: string): string[] {
  const bad: string[] = [];
  const walk = (d: string) => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      const p = join(d, e.name);
      const st = lstatSync(p);
      if (st.isSymbolicLink()) continue;
      if (st.mode & 0o077) bad.push(`${p.slice(dataDir.length + 1)} ${(st.mode & 0o777).toString(8)}`);
      if (st.isDirectory()) walk(p);
    }
  };
  if (lstatSync(dir).mode & 0o077) bad.push(`. ${(lstatSync(dir).mode & 0o777).toString(8)}`);
  walk(dir);
  return bad;
}

/** Every regular file under `dir` that contains `needle` (bytes, whatever the file is). */
function filesContaining(dir: string, needle: string): string[] {
  const hits: string[] = [];
  const walk = (d: string) => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      const p = join(d, e.name);
      if (e.isDirectory()) walk(p);
      else if (e.isFile() && readFileSync(p).includes(Buffer.from(needle))) hits.push(p);
    }
  };
  walk(dir);
  return hits;
}

async function api(method: string, path: string): Promise<any> {
  const info = JSON.parse(readFileSync(join(dataDir, "platform.json"), "utf8"));
  const token = readFileSync(join(dataDir, "token"), "utf8").trim();
  const res = await fetch(info.endpoint + path, { method, headers: { authorization: `Bearer ${token}` } });
  return res.json();
}

beforeAll(() => {
  projectDir = makeProjectDir("security");
  cpSync(join(REPO_ROOT, "examples/quickstart"), join(projectDir, "quickstart"), { recursive: true });
  manifestPath = "quickstart/ml.yaml";
  dataDir = join(projectDir, "data");
  const manifest = readFileSync(join(projectDir, manifestPath), "utf8")
    .replace("    maxRuntimeSeconds: 300\n", "    maxRuntimeSeconds: 300\n    env:\n      DB_URL: { secretFromEnv: MLP_TEST_DB_URL }\n")
    .replace("    replicas: 2\n", "    replicas: 2\n    env:\n      API_KEY: { secretFromFile: api-key.txt }\n");
  expect(manifest).toContain("secretFromEnv");
  expect(manifest).toContain("secretFromFile");
  writeFileSync(join(projectDir, manifestPath), manifest);
  writeFileSync(join(projectDir, "quickstart/api-key.txt"), `${API_KEY}\n`);
});

afterAll(async () => {
  const info = projectDir ? join(dataDir, "platform.json") : "";
  if (info && existsSync(info)) {
    // The platform the commands started: stop it, and make sure it is gone before its data dir is.
    const pid = JSON.parse(readFileSync(info, "utf8")).pid as number;
    await cli("platform", ["stop"]);
    const alive = () => {
      try {
        process.kill(pid, 0);
        return true;
      } catch {
        return false;
      }
    };
    for (let i = 0; i < 100 && alive(); i++) await new Promise((r) => setTimeout(r, 200));
    if (alive()) process.kill(pid, "SIGKILL");
  }
  if (projectDir) removeDir(projectDir);
}, 60_000);

describe.sequential("the mlplatform command, secrets and a killed run", () => {
  it("up: a fresh data dir is private from creation, with a generated passphrase it announces", async () => {
    const up = await cli("up", stackArgs());
    expect(up.code, up.output).toBe(0);
    expect(nonPrivate(dataDir)).toEqual([]);
    expect(up.output).toMatch(/generated a passphrase .*passphrase/);
    expect(existsSync(join(dataDir, "passphrase"))).toBe(true);
    // The values arrived where they are used: the platform hands them to the job and the service.
    const job = (await api("GET", `/v1/training-jobs?name=${scoped("iris-train")}`)).items[0];
    expect(job.env.DB_URL).toBe(DB_URL);
    const svc = (await api("GET", `/v1/services?name=${scoped("iris")}`)).items[0];
    expect(svc.env.API_KEY).toBe(API_KEY);
  }, 600_000);

  it("no secret is readable in any file of the data dir (state, backups, history, database, logs) or in the output", async () => {
    const refresh = await cli("refresh", stackArgs());
    expect(refresh.code, refresh.output).toBe(0);
    for (const secret of [DB_URL, API_KEY]) {
      expect(filesContaining(dataDir, secret)).toEqual([]);
      expect(filesContaining(projectDir, secret).filter((f) => !f.endsWith("api-key.txt"))).toEqual([]);
      for (const out of outputs) expect(out).not.toContain(secret);
    }
    expect(readdirSync(join(dataDir, "state", ".pulumi", "history"), { recursive: true }).length).toBeGreaterThan(0);
  }, 600_000);

  it("a killed up leaves a lock and interrupted operations; the next plain up clears them, and the one after is quiet", async () => {
    writeFileSync(join(projectDir, manifestPath), readFileSync(join(projectDir, manifestPath), "utf8").replace(/learning_rate: [0-9.]+/, "learning_rate: 0.3").replace(/epochs: \d+/, "epochs: 4000"));
    const before = (await api("GET", `/v1/training-jobs?name=${scoped("iris-train")}`)).items[0];
    const killed = spawn(process.execPath, cliArgs("up", stackArgs()), { cwd: projectDir, env: cliEnv(), stdio: "ignore", detached: true });
    const deadline = Date.now() + 180_000;
    for (;;) {
      const jobs = (await api("GET", `/v1/training-jobs?name=${scoped("iris-train")}`)).items;
      if (jobs.some((j: any) => j.id !== before.id && j.status === "Running")) break;
      if (Date.now() > deadline) throw new Error("the replacement training job never started");
      await new Promise((r) => setTimeout(r, 200));
    }
    process.kill(-killed.pid!, "SIGKILL");
    await new Promise((r) => setTimeout(r, 500));
    expect(readdirSync(join(dataDir, "state", ".pulumi", "locks"), { recursive: true }).some((f) => String(f).endsWith(".json"))).toBe(true);

    const next = await cli("up", stackArgs());
    expect(next.code, next.output).toBe(0);
    expect(next.output).toContain("cleared the lock");
    expect(next.output).toMatch(/resolving \d+ operation/);
    const jobs = (await api("GET", `/v1/training-jobs?name=${scoped("iris-train")}`)).items;
    expect(jobs).toHaveLength(1);
    expect(jobs[0].status).toBe("Completed");

    const quiet = await cli("up", stackArgs());
    expect(quiet.code, quiet.output).toBe(0);
    expect(quiet.output).not.toMatch(/pending operation|resolving|cleared the lock/i);
    expect(nonPrivate(dataDir)).toEqual([]);
  }, 900_000);

  it("destroy leaves no stored artifact and the data dir still private", async () => {
    const destroy = await cli("destroy", stackArgs());
    expect(destroy.code, destroy.output).toBe(0);
    const stored = () => ["blobs", "trees"].flatMap((d) => readdirSync(join(dataDir, "cas", d)));
    const deadline = Date.now() + 10_000;
    while (stored().length > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
    expect(stored()).toEqual([]);
    expect(nonPrivate(dataDir)).toEqual([]);
    for (const secret of [DB_URL, API_KEY]) expect(filesContaining(dataDir, secret)).toEqual([]);
  }, 600_000);
});
