// The sandbox training jobs run in: Debian's bubblewrap (`bwrap`) gives each job a private mount, PID, IPC,
// UTS, network and user namespace in which the file system is read-only, the platform's data dir (token,
// database, artifact store, other jobs, Pulumi state, passphrase), the home directory and /tmp are empty
// tmpfs, and only the job's own inputs (its dataset version, the allowed roots its code lives in) are visible
// read-only and its output directory writable. No capabilities, no network, a fresh session (no terminal
// injection), and it dies with the platform. See the README's threat model.
//
// MLPLATFORM_SANDBOX=bwrap requires it (a job fails rather than run unconfined), =off disables it, and by
// default it is used whenever bwrap works on this machine (scripts/toolchain.sh installs it on Debian).
import { spawnSync } from "node:child_process";
import { accessSync, constants, existsSync, statSync } from "node:fs";
import { homedir, tmpdir } from "node:os";
import { delimiter, isAbsolute, join, relative, resolve, sep } from "node:path";
import { descendants } from "./core/processes";

export type SandboxMode = "auto" | "bwrap" | "off";

export interface SandboxSpec {
  /** The platform's data dir: hidden from the job, except the paths below. */
  dataDir: string;
  /** Read-only: the allowed roots (the job's code and working dir live there). */
  roots: string[];
  /** Read-only even though inside the data dir: the job's dataset version. */
  inputs: string[];
  /** Read-write: the job's output directory. */
  outputs: string[];
  cwd: string;
  /** The job's environment (its PATH entries under hidden places are made visible read-only). */
  env: Record<string, string>;
  /** Keep the network (pip reaching its index); everything else stays as for a job. Default: no network. */
  network?: boolean;
}

export function sandboxMode(env: NodeJS.ProcessEnv = process.env): SandboxMode {
  const v = (env.MLPLATFORM_SANDBOX ?? "auto").toLowerCase();
  if (v === "off" || v === "bwrap" || v === "auto") return v;
  throw new Error(`MLPLATFORM_SANDBOX must be auto, bwrap or off, got "${env.MLPLATFORM_SANDBOX}"`);
}

let probed: string | undefined | null = null;
/** The bwrap binary when it can actually create a sandbox here (cached), else undefined. */
export function bwrapBinary(): string | undefined {
  if (probed !== null) return probed;
  probed = undefined;
  for (const candidate of ["/usr/bin/bwrap", "/usr/local/bin/bwrap", "/bin/bwrap"]) {
    if (!existsSync(candidate)) continue;
    const r = spawnSync(candidate, ["--unshare-all", "--die-with-parent", "--ro-bind", "/", "/", "--", "/bin/true"], { stdio: "ignore", timeout: 10_000 });
    if (r.status === 0) probed = candidate;
    break;
  }
  return probed;
}

function isUnder(path: string, dir: string): boolean {
  const rel = relative(dir, path);
  return rel === "" || (!rel.startsWith(`..${sep}`) && rel !== ".." && !isAbsolute(rel));
}

/** Where the toolchain lives (node, Python venvs): visible read-only even though $HOME is hidden. */
function toolchainDirs(env: Record<string, string>): string[] {
  const cache = process.env.MLP_CACHE ?? join(process.env.XDG_CACHE_HOME ?? join(homedir(), ".cache"), "mlplatform");
  const pathDirs = (env.PATH ?? "").split(delimiter).filter((d) => isAbsolute(d));
  return [cache, ...pathDirs];
}

/**
 * The argv that runs `argv` inside the sandbox, or undefined when the mode and the machine say to run it
 * unconfined. Throws when MLPLATFORM_SANDBOX=bwrap and bwrap cannot be used.
 */
export function sandboxedArgv(argv: string[], spec: SandboxSpec, mode: SandboxMode = sandboxMode()): string[] | undefined {
  if (mode === "off") return undefined;
  const bwrap = bwrapBinary();
  if (!bwrap) {
    if (mode === "bwrap") throw new Error("MLPLATFORM_SANDBOX=bwrap, but bubblewrap (bwrap) is not installed or cannot create namespaces here");
    return undefined;
  }
  const dataDir = resolve(spec.dataDir);
  const hidden = [tmpdir(), homedir(), dataDir];
  const args = [
    bwrap,
    // The sandbox dies with bwrap and with the platform: bwrap's inner process runs in a session of its own,
    // so nothing else could reach it once bwrap is gone (a restarted platform then finds the job gone and
    // fails it with the reason).
    "--die-with-parent",
    "--new-session",
    "--unshare-all",
    ...(spec.network ? ["--share-net"] : []),
    "--cap-drop", "ALL",
    "--uid", "65534",
    "--gid", "65534",
    "--ro-bind", "/", "/",
    "--dev", "/dev",
    "--proc", "/proc",
    "--tmpfs", tmpdir(),
    "--tmpfs", homedir(),
  ];
  // Back into view, read-only: the toolchain and the allowed roots, unless they lie inside the data dir.
  for (const dir of [...toolchainDirs(spec.env), ...spec.roots]) {
    if (hidden.some((h) => isUnder(dir, h)) && !isUnder(dir, dataDir)) args.push("--ro-bind-try", dir, dir);
  }
  // The data dir goes dark after the roots (it may lie inside one), then the job's own paths come back.
  args.push("--tmpfs", dataDir);
  for (const path of spec.inputs) args.push("--ro-bind", path, path);
  for (const dir of spec.outputs) args.push("--bind", dir, dir);
  args.push("--chdir", spec.cwd, "--", ...argv);
  return args;
}

/**
 * Signals what runs inside a sandbox whose bwrap has pid `bwrapPid`: bwrap does not forward signals (its
 * death SIGKILLs the sandbox), so a SIGTERM meant for the job goes to the job's own processes — every
 * descendant that is not bwrap itself. SIGKILL goes to every descendant, bwrap included. Returns whether the
 * signal is delivered in full (false: the caller also signals bwrap's process group).
 */
export function signalInsideSandbox(bwrapPid: number, signal: NodeJS.Signals): boolean {
  // SIGKILL takes bwrap too (its inner process runs in a session of its own, out of reach of the group kill).
  // A SIGTERM that finds no job process yet (the sandbox still starting) is not sent to bwrap either: bwrap
  // would die and its sandbox with it, without the job's chance to stop cleanly; the SIGKILL after the grace
  // period ends it.
  const targets = descendants(bwrapPid).filter((p) => signal === "SIGKILL" || p.comm !== "bwrap");
  if (signal !== "SIGKILL" && targets.length === 0) return true;
  let sent = false;
  for (const { pid } of targets) {
    try {
      process.kill(pid, signal);
      sent = true;
    } catch {
      /* exited meanwhile */
    }
  }
  return sent && signal !== "SIGKILL";
}

/**
 * Where `command` would be found on `PATH`, or undefined: checked before the sandbox starts, so a missing
 * program fails as "cannot start" (ENOENT) instead of as bwrap's exit code.
 */
export function findExecutable(command: string, env: Record<string, string>, cwd: string): string | undefined {
  const candidates = command.includes("/") ? [resolve(cwd, command)] : (env.PATH ?? "").split(delimiter).filter(Boolean).map((d) => join(resolve(cwd, d), command));
  for (const c of candidates) {
    try {
      accessSync(c, constants.X_OK);
      if (statSync(c).isFile()) return c;
    } catch {
      /* not here */
    }
  }
  return undefined;
}
