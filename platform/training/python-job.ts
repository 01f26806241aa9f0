// The training-job side of Python environments: before a job that declares `python.requirements` starts,
// its cached virtualenv is found or built (python-env.ts) with pip's output appended to the job's log, and
// the job's environment is pointed into it. A failed install becomes the job's failure message, with pip's
// own error lines from the log tail.
import { appendFileSync } from "node:fs";
import type { PythonSpec } from "../../schemas/index";
import type { PlatformContext } from "../core/types";
import { ensurePythonEnv, helperModuleDir, pythonEnvCacheDir, readRequirements, withPythonEnv } from "./python-env";

export interface PreparePythonEnvOptions {
  ctx: PlatformContext;
  python: PythonSpec;
  /** The job's working dir (absolute): a requirements file is read from there. */
  workingDir: string;
  env: Record<string, string>;
  logPath: string;
  /** The last lines of the job's log, for the failure message. */
  readTail: () => string[];
  signal: AbortSignal;
  onStatus: (message: string) => void;
}

/**
 * The job's environment inside its virtualenv, and the paths a sandboxed job must see read-only (the
 * environment, the interpreter it was made from, the helper module); or why it could not be prepared.
 */
export async function preparePythonEnv(opts: PreparePythonEnvOptions): Promise<{ env: Record<string, string>; readOnlyPaths: string[] } | { failed: string }> {
  const log = (line: string) => appendFileSync(opts.logPath, line + "\n");
  let requirements: string[];
  try {
    requirements = readRequirements(opts.python, opts.workingDir);
  } catch (err) {
    log(`[platform] ${(err as Error).message}`);
    return { failed: (err as Error).message };
  }
  opts.onStatus(`preparing the Python environment (${requirements.length} requirements)`);
  try {
    const pyEnv = await ensurePythonEnv({
      cacheDir: pythonEnvCacheDir(opts.ctx.dataDir),
      requirements,
      log,
      signal: opts.signal,
      sandbox: { dataDir: opts.ctx.dataDir, roots: opts.ctx.allowedRoots },
    });
    opts.ctx.log("python environment ready", { key: pyEnv.key, reused: pyEnv.reused, seconds: pyEnv.seconds });
    return { env: withPythonEnv(opts.env, pyEnv), readOnlyPaths: [pyEnv.dir, pyEnv.basePrefix, helperModuleDir()] };
  } catch (err) {
    if (opts.signal.aborted) return { failed: `stopped while preparing the Python environment: ${String(opts.signal.reason)}` };
    const tail = opts.readTail();
    return { failed: `the Python requirements could not be installed: ${(err as Error).message}${tail.length ? `; last log lines:\n${tail.join("\n")}` : ""}` };
  }
}
