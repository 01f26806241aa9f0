// Python environments for training jobs: a job that declares `python.requirements` (a list of pip
// requirement lines, or a requirements file in its working dir) runs with a virtualenv built once per
// distinct requirements set (and interpreter), cached under the platform's data dir (or
// MLPLATFORM_PYTHON_ENV_CACHE) and reused across jobs and restarts. pip's output streams into the job's log;
// a failed install throws PipInstallError and leaves no half-built environment behind. Several platforms
// may share one cache: a lock directory per environment makes one build it while the others wait.
import { spawn } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { createInterface } from "node:readline";
import { sandboxedArgv } from "../sandbox";

export interface PythonRequirementsSpec {
  /** pip requirement lines, or the path of a requirements file relative to the job's working dir. */
  requirements: string[] | string;
}

export interface PythonEnv {
  /** Short content key (the environment's directory name). */
  key: string;
  dir: string;
  /** The interpreter's sys.base_prefix (its standard library), which the environment links to. */
  basePrefix: string;
  reused: boolean;
  /** Seconds spent: building, or finding the cached environment. */
  seconds: number;
}

export class PipInstallError extends Error {}

const READY_MARKER = ".mlp-env.json";
const LOCK_POLL_MS = 500;
/** A lock directory without a readable pid this long after its creation was left by a builder that died. */
const LOCK_WITHOUT_PID_STALE_MS = 10_000;
/** What pip may see of the platform's environment: how to reach an index, and where its caches are. */
const PIP_ENV = /^(PATH|HOME|USER|LANG|LC_[A-Z]+|TMPDIR|PIP_[A-Z_]+|(HTTPS?|NO|ALL)_PROXY|(https?|no|all)_proxy|SSL_CERT_(FILE|DIR)|REQUESTS_CA_BUNDLE|XDG_(CACHE|CONFIG)_HOME|PYENV_[A-Z_]+)$/;

/** Where environments are cached: MLPLATFORM_PYTHON_ENV_CACHE (shared by tests and CI), else <dataDir>/python-envs. */
export function pythonEnvCacheDir(dataDir: string): string {
  return process.env.MLPLATFORM_PYTHON_ENV_CACHE || join(dataDir, "python-envs");
}

/** The interpreter environments are built from: MLPLATFORM_PYTHON, else python3 on PATH. */
export function basePython(): string {
  return process.env.MLPLATFORM_PYTHON || "python3";
}

/** The requirement lines of a spec: the list itself, or the file's lines (comments and blanks dropped). */
export function readRequirements(spec: PythonRequirementsSpec, workingDir: string): string[] {
  const lines = Array.isArray(spec.requirements) ? spec.requirements : readRequirementsFile(spec.requirements, workingDir);
  return lines.map((l) => l.replace(/(^|\s)#.*$/, "").trim()).filter(Boolean);
}

function readRequirementsFile(file: string, workingDir: string): string[] {
  try {
    return readFileSync(resolve(workingDir, file), "utf8").split(/\r?\n/);
  } catch (err) {
    throw new Error(`cannot read python.requirements file "${file}" in the working dir: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
  }
}

function pipEnv(): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(process.env)) if (v !== undefined && PIP_ENV.test(k)) env[k] = v;
  env.PIP_DISABLE_PIP_VERSION_CHECK = "1";
  env.PYTHONUNBUFFERED = "1";
  return env;
}

/** Runs a command, each output line to `log`; resolves with the exit code (aborting kills it). */
function run(argv: string[], log: (line: string) => void, signal?: AbortSignal, cwd?: string): Promise<number> {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(argv[0], argv.slice(1), { cwd, env: pipEnv(), stdio: ["ignore", "pipe", "pipe"] });
    // SIGTERM: pip stops; a sandboxed pip's bwrap dies and takes the sandbox with it (--die-with-parent).
    const onAbort = () => child.kill("SIGTERM");
    signal?.addEventListener("abort", onAbort, { once: true });
    let open = 2;
    let code: number | null | undefined;
    const settle = () => {
      if (open === 0 && code !== undefined) {
        signal?.removeEventListener("abort", onAbort);
        if (signal?.aborted) reject(signal.reason instanceof Error ? signal.reason : new Error(String(signal.reason ?? "aborted")));
        else resolvePromise(code ?? 1);
      }
    };
    for (const stream of [child.stdout!, child.stderr!]) {
      const lines = createInterface({ input: stream, crlfDelay: Infinity });
      lines.on("line", log);
      lines.once("close", () => {
        open--;
        settle();
      });
    }
    child.once("error", (err) => {
      signal?.removeEventListener("abort", onAbort);
      reject(new PipInstallError(`cannot run ${argv[0]}: ${err.message}`));
    });
    child.once("close", (c) => {
      code = c;
      settle();
    });
  });
}

interface Interpreter {
  /** "CPython 3.11.7 <real executable>": part of the key, so another interpreter gets its own environment. */
  identity: string;
  /** sys.base_prefix: where its standard library lives, which a sandboxed job must see too. */
  basePrefix: string;
}

const interpreters = new Map<string, Promise<Interpreter>>();
function probeInterpreter(python: string): Promise<Interpreter> {
  let found = interpreters.get(python);
  if (!found) {
    found = new Promise<Interpreter>((resolvePromise, reject) => {
      const out: string[] = [];
      const script = "import json, os, platform, sys; print(json.dumps([platform.python_implementation(), platform.python_version(), os.path.realpath(sys.executable), sys.base_prefix]))";
      run([python, "-c", script], (l) => out.push(l))
        .then((code) => {
          if (code !== 0 || !out.length) return reject(new PipInstallError(`${python} does not run (exit code ${code}): ${out.join(" ")}`));
          const [impl, version, executable, basePrefix] = JSON.parse(out.join("")) as string[];
          resolvePromise({ identity: `${impl} ${version} ${executable}`, basePrefix });
        })
        .catch((err: Error) => reject(new PipInstallError(`no Python interpreter: ${err.message} (install python3, or set MLPLATFORM_PYTHON)`)));
    });
    found.catch(() => interpreters.delete(python));
    interpreters.set(python, found);
  }
  return found;
}

/** The environment's key: the interpreter and the requirement lines (order-insensitive). */
export function pythonEnvKey(interpreter: string, requirements: string[]): string {
  const canonical = JSON.stringify({ interpreter, requirements: [...requirements].sort() });
  return createHash("sha256").update(canonical).digest("hex").slice(0, 16);
}

function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === "EPERM";
  }
}

/** Takes the build lock of one environment (a directory, atomic to create); waits while a live process holds it. */
async function lock(lockDir: string, log: (line: string) => void, signal?: AbortSignal): Promise<() => void> {
  let told = false;
  for (;;) {
    signal?.throwIfAborted();
    try {
      mkdirSync(lockDir);
      writeFileSync(join(lockDir, "pid"), String(process.pid));
      return () => rmSync(lockDir, { recursive: true, force: true });
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== "EEXIST") throw err;
    }
    let holder = NaN;
    try {
      holder = Number(readFileSync(join(lockDir, "pid"), "utf8"));
    } catch {
      /* being created or removed right now */
    }
    const validPid = Number.isInteger(holder) && holder > 0;
    let age = 0;
    try {
      age = Date.now() - statSync(lockDir).mtimeMs;
    } catch {
      continue; // removed meanwhile: try again
    }
    if ((validPid && !pidAlive(holder)) || (!validPid && age > LOCK_WITHOUT_PID_STALE_MS)) {
      rmSync(lockDir, { recursive: true, force: true }); // its builder died; take over
      continue;
    }
    if (!told) log("[platform] another job is building the same Python environment; waiting for it");
    told = true;
    await new Promise((r) => setTimeout(r, LOCK_POLL_MS));
  }
}

export interface EnsurePythonEnvOptions {
  cacheDir: string;
  requirements: string[];
  /** One line of progress (the platform's own lines start with "[platform]", the rest is pip's output). */
  log: (line: string) => void;
  signal?: AbortSignal;
  python?: string;
  /**
   * Run pip in the training jobs' sandbox (platform/sandbox.ts) with the network kept: a requirement's build
   * script is code from outside, so it sees neither the platform's data dir (token, database, artifacts) nor
   * the home directory, and writes only into the environment being built. Off: pip runs as the platform.
   */
  sandbox?: { dataDir: string; roots: string[] };
}

/** Where the environment of these requirements lives (or will): its key and directory. */
export async function pythonEnvLocation(opts: Pick<EnsurePythonEnvOptions, "cacheDir" | "requirements" | "python">): Promise<{ key: string; dir: string; interpreter: string; basePrefix: string }> {
  const { identity, basePrefix } = await probeInterpreter(opts.python ?? basePython());
  const key = pythonEnvKey(identity, opts.requirements);
  return { key, dir: join(opts.cacheDir, key), interpreter: identity, basePrefix };
}

/** The cached environment for these requirements, built first when there is none. */
export async function ensurePythonEnv(opts: EnsurePythonEnvOptions): Promise<PythonEnv> {
  const t0 = performance.now();
  const python = opts.python ?? basePython();
  const { key, dir, interpreter, basePrefix } = await pythonEnvLocation(opts);
  const seconds = () => Math.round((performance.now() - t0) / 100) / 10;
  const what = `${opts.requirements.length} requirement${opts.requirements.length === 1 ? "" : "s"}`;
  if (existsSync(join(dir, READY_MARKER))) {
    opts.log(`[platform] reusing Python environment ${key} (${what})`);
    return { key, dir, basePrefix, reused: true, seconds: seconds() };
  }
  mkdirSync(opts.cacheDir, { recursive: true });
  const unlock = await lock(`${dir}.lock`, opts.log, opts.signal);
  try {
    if (existsSync(join(dir, READY_MARKER))) {
      opts.log(`[platform] reusing Python environment ${key} (${what}), built by another job meanwhile`);
      return { key, dir, basePrefix, reused: true, seconds: seconds() };
    }
    opts.log(`[platform] building Python environment ${key} (${interpreter.split(" ").slice(0, 2).join(" ")}, ${what}): pip install`);
    rmSync(dir, { recursive: true, force: true }); // a build that died half-way
    const venv = await run([python, "-m", "venv", dir], opts.log, opts.signal);
    if (venv !== 0) throw new PipInstallError(`python -m venv failed with exit code ${venv}`);
    writeFileSync(join(dir, "requirements.txt"), opts.requirements.join("\n") + "\n");
    // Run from the environment's directory with a relative -r, so pip's lines name no machine path.
    const pipArgv = [join(dir, "bin", "python"), "-m", "pip", "install", "--no-input", "--progress-bar", "off", "-r", "requirements.txt"];
    const sandboxed = opts.sandbox
      ? sandboxedArgv(pipArgv, { dataDir: opts.sandbox.dataDir, roots: [...opts.sandbox.roots, basePrefix], inputs: [], outputs: [dir], cwd: dir, env: pipEnv(), network: true })
      : undefined;
    const pip = await run(sandboxed ?? pipArgv, opts.log, opts.signal, dir);
    if (pip !== 0) throw new PipInstallError(`pip install failed with exit code ${pip}`);
    writeFileSync(join(dir, READY_MARKER), JSON.stringify({ key, interpreter: interpreter.split(" ").slice(0, 2).join(" "), requirements: opts.requirements, buildSeconds: seconds(), builtAt: new Date().toISOString() }, null, 2));
    opts.log(`[platform] Python environment ${key} ready in ${seconds()} s`);
    return { key, dir, basePrefix, reused: false, seconds: seconds() };
  } catch (err) {
    rmSync(dir, { recursive: true, force: true });
    throw err;
  } finally {
    unlock();
  }
}

/** The directory of the `mlplatform_job` helper module (platform/training/python), from sources or dist/. */
export function helperModuleDir(): string {
  const candidates = [join(__dirname, "python"), join(__dirname, "../../../platform/training/python")];
  return candidates.find((d) => existsSync(join(d, "mlplatform_job.py"))) ?? candidates[0];
}

/** A job's environment inside the virtualenv: its python and pip first on PATH, the helper module importable. */
export function withPythonEnv(env: Record<string, string>, pyEnv: PythonEnv): Record<string, string> {
  return {
    ...env,
    PATH: `${join(pyEnv.dir, "bin")}:${env.PATH ?? "/usr/bin:/bin"}`,
    VIRTUAL_ENV: pyEnv.dir,
    PYTHONPATH: env.PYTHONPATH ? `${helperModuleDir()}:${env.PYTHONPATH}` : helperModuleDir(),
    // Metric lines must reach the platform as they are printed, not when a buffer fills.
    PYTHONUNBUFFERED: "1",
  };
}
