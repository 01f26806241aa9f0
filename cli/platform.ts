// Starting and finding the embedded local platform from the command line. The platform itself lives in
// platform/main.ts (`node dist/platform/main.js start …`); these helpers run it in the foreground, or
// detached as a daemon, and tell whether one already answers for a data directory.
import { spawn } from "node:child_process";
import { closeSync, existsSync, mkdirSync, openSync, readFileSync } from "node:fs";
import { delimiter, dirname, join, resolve } from "node:path";
import { packageRoot } from "./package-root";

export interface PlatformStartOptions {
  dataDir: string;
  /** 0 or undefined: any free port. */
  port?: number;
  allowedRoots: string[];
  /** Where to listen (default: 127.0.0.1 over HTTP); see platform/main.ts for the rules beyond loopback. */
  listen?: { host?: string; tlsCert?: string; tlsKey?: string; insecure?: boolean };
}

export interface RunningPlatform {
  endpoint: string;
  token: string;
  pid: number;
  dataDir: string;
}

/** The compiled platform entry point: dist/platform/main.js beside this file's dist/cli/ (or the package's
 * dist/ when this file runs from source, as under the test runner). */
export function platformEntry(): string {
  const beside = resolve(__dirname, "..", "platform", "main.js");
  return existsSync(beside) ? beside : join(packageRoot(__dirname), "dist", "platform", "main.js");
}

/**
 * The platform's environment: this Node first on PATH, because training commands such as
 * `node train.ts` need a Node that strips types (>= 22.18), whatever `node` the system has.
 */
function platformEnv(): NodeJS.ProcessEnv {
  return { ...process.env, PATH: [dirname(process.execPath), process.env.PATH].filter(Boolean).join(delimiter) };
}

function startArgs(opts: PlatformStartOptions): string[] {
  const args = [platformEntry(), "start", "--data-dir", resolve(opts.dataDir), "--port", String(opts.port ?? 0)];
  for (const root of opts.allowedRoots) args.push("--allow-root", resolve(root));
  const listen = opts.listen ?? {};
  if (listen.host) args.push("--host", listen.host);
  if (listen.tlsCert) args.push("--tls-cert", listen.tlsCert);
  if (listen.tlsKey) args.push("--tls-key", listen.tlsKey);
  if (listen.insecure) args.push("--insecure-listen");
  return args;
}

/** The platform that answers for `dataDir`, or undefined when none does (stale platform.json included). */
export async function findRunningPlatform(dataDir: string): Promise<RunningPlatform | undefined> {
  const infoPath = join(dataDir, "platform.json");
  if (!existsSync(infoPath)) return undefined;
  let info: { endpoint?: string; pid?: number };
  let token: string;
  try {
    info = JSON.parse(readFileSync(infoPath, "utf8"));
    token = readFileSync(join(dataDir, "token"), "utf8").trim();
  } catch {
    return undefined;
  }
  if (!info.endpoint || !info.pid || !processAlive(info.pid)) return undefined;
  // Its pid is alive: a slow answer means a busy platform (a training job can take both cores), not none —
  // starting a second one would only be refused. Give it time; a refused connection is a clear "no".
  for (let attempt = 0; attempt < 4; attempt++) {
    try {
      const res = await fetch(`${info.endpoint}/v1/flavors`, { headers: { authorization: `Bearer ${token}` }, signal: AbortSignal.timeout(2000 + attempt * 2000) });
      return res.status === 200 ? { endpoint: info.endpoint, token, pid: info.pid, dataDir } : undefined;
    } catch (err) {
      if ((err as Error).name !== "TimeoutError") return undefined;
    }
  }
  return undefined;
}

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === "EPERM";
  }
}

/** Runs the platform in this terminal until it exits (Ctrl-C stops it). Resolves with its exit code. */
export function runPlatformForeground(opts: PlatformStartOptions): Promise<number> {
  mkdirSync(opts.dataDir, { recursive: true, mode: 0o700 });
  const child = spawn(process.execPath, startArgs(opts), { stdio: "inherit", env: platformEnv() });
  const forward = (signal: NodeJS.Signals) => child.kill(signal);
  process.on("SIGINT", forward).on("SIGTERM", forward);
  return new Promise((done) =>
    child.on("exit", (code, signal) => {
      process.off("SIGINT", forward).off("SIGTERM", forward);
      done(code ?? (signal ? 128 : 1));
    }),
  );
}

/**
 * Starts the platform as a daemon (its own session, output in <dataDir>/platform.log) and waits until
 * /v1/flavors answers. Returns the running platform; throws with the log's tail when it does not come up.
 */
export async function startPlatformDetached(opts: PlatformStartOptions, timeoutMs = 30_000): Promise<RunningPlatform> {
  const dataDir = resolve(opts.dataDir);
  mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  const logPath = join(dataDir, "platform.log");
  // The platform writes (and rotates) platform.log itself; its raw stdout/stderr — only a crash's last words
  // — go to a file truncated at each start, so neither grows without bound.
  const stderrPath = join(dataDir, "platform.stderr");
  const out = openSync(stderrPath, "w", 0o600);
  const child = spawn(process.execPath, [...startArgs({ ...opts, dataDir }), "--log-file", logPath], { detached: true, stdio: ["ignore", out, out], env: platformEnv() });
  closeSync(out);
  let exitCode: number | null = null;
  child.on("exit", (code) => (exitCode = code ?? 1));
  child.unref();
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (exitCode !== null) throw new Error(`the local platform exited with code ${exitCode}; its output (${stderrPath}) ends with:\n${tail(stderrPath)}\nand its log (${logPath}) with:\n${tail(logPath)}`);
    const running = await findRunningPlatform(dataDir);
    if (running && running.pid === child.pid) return running;
    await new Promise((r) => setTimeout(r, 150));
  }
  throw new Error(`the local platform did not answer within ${timeoutMs / 1000} s; its log (${logPath}) ends with:\n${tail(logPath)}`);
}

/** The running platform for dataDir, started (detached) when none answers. */
export async function ensurePlatform(opts: PlatformStartOptions, log: (msg: string) => void = () => {}): Promise<RunningPlatform & { started: boolean }> {
  const running = await findRunningPlatform(resolve(opts.dataDir));
  if (running) return { ...running, started: false };
  log(`starting the local platform (data dir ${resolve(opts.dataDir)})`);
  return { ...(await startPlatformDetached(opts)), started: true };
}

/** Stops the platform that answers for dataDir (SIGTERM to the pid it recorded). */
export async function stopPlatform(dataDir: string, timeoutMs = 15_000): Promise<boolean> {
  const running = await findRunningPlatform(resolve(dataDir));
  if (!running) return false;
  process.kill(running.pid, "SIGTERM");
  const deadline = Date.now() + timeoutMs;
  while (processAlive(running.pid) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
  return !processAlive(running.pid);
}

function tail(path: string, lines = 20): string {
  try {
    return readFileSync(path, "utf8").trimEnd().split("\n").slice(-lines).join("\n");
  } catch {
    return "(no log)";
  }
}
