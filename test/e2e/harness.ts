// The end-to-end harness: a real local platform process, the real Pulumi CLI through the Automation API,
// a file backend and a private PULUMI_HOME per test file, and a project directory that resolves
// `mlplatform` the way a user's project does (from node_modules), so the serialized provider shim loads the
// installed handlers at run time.
import { spawn, type ChildProcess } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, existsSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import * as auto from "@pulumi/pulumi/automation";
import { ensureBuilt } from "../build";

export const REPO_ROOT = resolve(__dirname, "../..");

export interface E2EPlatform {
  endpoint: string;
  token: string;
  dataDir: string;
  process: ChildProcess;
  api<T = any>(method: string, path: string, body?: unknown): Promise<{ status: number; body: T }>;
  stop(): Promise<void>;
}

/**
 * Starts `node dist/platform/main.js start` as its own process, as the main command does. `port` (default:
 * any free one) lets a test restart the platform where clients already point.
 */
export async function startPlatformProcess(dataDir: string, allowedRoots: string[], port = 0): Promise<E2EPlatform> {
  ensureBuilt(); // the platform process and the provider shim both run dist/
  mkdirSync(dataDir, { recursive: true });
  const args = [join(REPO_ROOT, "dist/platform/main.js"), "start", "--data-dir", dataDir, "--port", String(port)];
  for (const root of allowedRoots) args.push("--allow-root", root);
  const child = spawn(process.execPath, args, { stdio: ["ignore", "pipe", "pipe"], env: { ...process.env } });
  let output = "";
  child.stdout!.on("data", (d) => (output += d));
  child.stderr!.on("data", (d) => (output += d));
  const infoPath = join(dataDir, "platform.json");
  const deadline = Date.now() + 30_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`platform exited with ${child.exitCode}:\n${output}`);
    if (existsSync(infoPath)) {
      let info: { pid?: number; endpoint?: string } = {};
      try {
        info = JSON.parse(readFileSync(infoPath, "utf8"));
      } catch {
        /* being written (or left half-written by a killed predecessor) */
      }
      if (info.pid === child.pid && info.endpoint) {
        const token = readFileSync(join(dataDir, "token"), "utf8").trim();
        const p = makePlatform(info.endpoint, token, dataDir, child);
        try {
          const r = await p.api("GET", "/v1/flavors");
          if (r.status === 200) return p;
        } catch {
          /* not listening yet */
        }
      }
    }
    if (Date.now() > deadline) throw new Error(`platform did not start in 30 s:\n${output}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

function makePlatform(endpoint: string, token: string, dataDir: string, child: ChildProcess): E2EPlatform {
  return {
    endpoint,
    token,
    dataDir,
    process: child,
    async api(method, path, body) {
      const res = await fetch(endpoint + path, {
        method,
        headers: { authorization: `Bearer ${token}`, ...(body === undefined ? {} : { "content-type": "application/json" }) },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
      const text = await res.text();
      return { status: res.status, body: text ? JSON.parse(text) : undefined };
    },
    async stop() {
      if (child.exitCode !== null) return;
      const exited = new Promise((r) => child.once("exit", r));
      child.kill("SIGTERM");
      await Promise.race([exited, new Promise((r) => setTimeout(r, 10_000))]);
      if (child.exitCode === null) child.kill("SIGKILL");
    },
  };
}

/**
 * A scratch Pulumi project: its own directory (Pulumi.yaml is written there by the Automation API), whose
 * node_modules links `mlplatform` to this repository and `@pulumi` to ours, like an installed package.
 */
export function makeProjectDir(prefix: string): string {
  const dir = mkdtempSync(join(tmpdir(), `mlp-e2e-${prefix}-`));
  mkdirSync(join(dir, "node_modules"));
  symlinkSync(REPO_ROOT, join(dir, "node_modules", "mlplatform"), "dir");
  symlinkSync(join(REPO_ROOT, "node_modules", "@pulumi"), join(dir, "node_modules", "@pulumi"), "dir");
  return dir;
}

export interface E2EStackOptions {
  projectDir: string;
  stackName?: string;
  projectName?: string;
  program: auto.PulumiFn;
  /** The local platform the stack talks to; without one (a cloud backend) none leaks in from the environment. */
  platform?: E2EPlatform;
  /** Last, so they override the defaults above (a cloud test's passphrase, its vendor's variables). */
  env?: Record<string, string>;
}

export async function pulumiCommand(): Promise<auto.PulumiCommand> {
  const root = process.env.MLP_PULUMI_ROOT ?? join(REPO_ROOT, "node_modules/.pulumi-root");
  return auto.PulumiCommand.get({ root });
}

/** An Automation API stack with an inline program, a file backend and a private PULUMI_HOME. */
export async function openE2EStack(opts: E2EStackOptions): Promise<auto.Stack> {
  ensureBuilt(); // the provider shim runs dist/ (cloud-backend tests start no local platform to build it)
  const state = join(opts.projectDir, ".state");
  mkdirSync(state, { recursive: true });
  const projectName = opts.projectName ?? "e2e";
  return auto.LocalWorkspace.createOrSelectStack(
    { stackName: opts.stackName ?? "test", projectName, program: opts.program },
    {
      workDir: opts.projectDir,
      pulumiCommand: await pulumiCommand(),
      projectSettings: { name: projectName, runtime: "nodejs", backend: { url: `file://${state}` } },
      envVars: {
        PULUMI_CONFIG_PASSPHRASE: "",
        PULUMI_HOME: join(opts.projectDir, ".pulumi-home"),
        PULUMI_SKIP_UPDATE_CHECK: "true",
        PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION: "true",
        MLPLATFORM_ENDPOINT: opts.platform?.endpoint ?? "",
        MLPLATFORM_TOKEN: opts.platform?.token ?? "",
        ...opts.env,
      },
    },
  );
}

/** A test file's step durations (ms, by label), printed at its end to show where the minutes go. */
export function stepTimer(): { timings: Record<string, number>; timed<T>(label: string, fn: () => Promise<T>): Promise<T> } {
  const timings: Record<string, number> = {};
  return {
    timings,
    async timed(label, fn) {
      const t0 = Date.now();
      try {
        return await fn();
      } finally {
        timings[label] = Date.now() - t0;
      }
    },
  };
}

/** Reads the stack's state file (the file backend's checkpoint) as text, for the secrets/size checks. */
export async function exportState(stack: auto.Stack): Promise<any> {
  return (await stack.exportStack()).deployment;
}

export function removeDir(dir: string): void {
  rmSync(dir, { recursive: true, force: true });
}
