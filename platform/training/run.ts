// One running training job: the child process (its own process group), its log file, the metric lines it
// prints, the stop/timeout sequence (SIGTERM, then SIGKILL after a grace period) and its exit.
import { spawn, type ChildProcess } from "node:child_process";
import { createWriteStream, type WriteStream } from "node:fs";
import { StringDecoder } from "node:string_decoder";
import { identify, type ProcessIdentity } from "../core/processes";

export const STOP_GRACE_MS = 2_000;

export interface MetricLine {
  name: string;
  value: number;
  step?: number;
}

export interface RunOptions {
  argv: string[];
  cwd: string;
  env: Record<string, string>;
  logPath: string;
  maxRuntimeMs: number;
  onMetric(m: MetricLine): void;
  /**
   * Delivers a stop signal when the process is a wrapper (the sandbox) that does not forward signals; returns
   * false to fall back to signalling the process group.
   */
  deliver?(pid: number, signal: NodeJS.Signals): boolean;
}

export type RunEnd =
  | { kind: "exited"; code: number | null; signal: NodeJS.Signals | null }
  | { kind: "stopped"; reason: string; code: number | null; signal: NodeJS.Signals | null }
  | { kind: "timed-out"; code: number | null; signal: NodeJS.Signals | null }
  | { kind: "spawn-failed"; error: string };

/** A metric line is a JSON object with a string "metric" and a numeric "value" (and optionally "step"). */
export function parseMetricLine(line: string): MetricLine | undefined {
  const t = line.trim();
  if (!t.startsWith("{") || !t.includes('"metric"')) return undefined;
  try {
    const o = JSON.parse(t);
    if (typeof o?.metric !== "string" || typeof o.value !== "number" || !Number.isFinite(o.value)) return undefined;
    return { name: o.metric, value: o.value, step: typeof o.step === "number" ? o.step : undefined };
  } catch {
    return undefined;
  }
}

export class TrainingRun {
  readonly identity: ProcessIdentity;
  /** Resolves once the process has exited and its output is flushed to the log. */
  readonly ended: Promise<RunEnd>;
  private readonly log: WriteStream;
  private stopReason?: { kind: "stopped" | "timed-out"; reason: string };
  private killTimer?: NodeJS.Timeout;
  private readonly runtimeTimer: NodeJS.Timeout;

  private readonly deliver?: RunOptions["deliver"];

  private constructor(opts: RunOptions, child: ChildProcess, log: WriteStream, ended: Promise<RunEnd>) {
    this.log = log;
    this.deliver = opts.deliver;
    this.ended = ended;
    this.identity = identify(child.pid!);
    this.runtimeTimer = setTimeout(() => this.terminate("timed-out", `exceeded maxRuntimeSeconds (${Math.round(opts.maxRuntimeMs / 1000)} s)`), opts.maxRuntimeMs);
    this.runtimeTimer.unref();
  }

  /** Starts the process; a command that cannot start (missing executable) ends at once with spawn-failed. */
  static async start(opts: RunOptions): Promise<TrainingRun | { failed: string }> {
    const log = createWriteStream(opts.logPath, { flags: "a" });
    const [cmd, ...args] = opts.argv;
    let child: ChildProcess;
    try {
      // detached: the job leads its own process group, so a stop reaches the processes it started too.
      child = spawn(cmd, args, { cwd: opts.cwd, env: opts.env, stdio: ["ignore", "pipe", "pipe"], detached: true });
    } catch (err) {
      log.end(`cannot start ${cmd}: ${(err as Error).message}\n`);
      return { failed: (err as Error).message };
    }
    if (child.pid === undefined) {
      // Spawn errors (ENOENT, EACCES) arrive as an 'error' event right after; there is no process.
      const reason = await new Promise<string>((r) => child.once("error", (e) => r(e.message)));
      await new Promise<void>((r) => log.end(`cannot start ${cmd}: ${reason}\n`, () => r()));
      return { failed: reason };
    }
    let run!: TrainingRun;
    const ended = new Promise<RunEnd>((resolve) => {
      const lineSplitter = (onLine: (l: string) => void) => {
        const decoder = new StringDecoder("utf8");
        let buffered = "";
        return {
          push(chunk: Buffer) {
            buffered += decoder.write(chunk);
            let nl: number;
            while ((nl = buffered.indexOf("\n")) >= 0) {
              onLine(buffered.slice(0, nl));
              buffered = buffered.slice(nl + 1);
            }
          },
          flush() {
            buffered += decoder.end();
            if (buffered) onLine(buffered);
            buffered = "";
          },
        };
      };
      const out = lineSplitter((line) => {
        log.write(line + "\n");
        const m = parseMetricLine(line);
        if (m) opts.onMetric(m);
      });
      const err = lineSplitter((line) => log.write(line + "\n"));
      child.stdout!.on("data", (c: Buffer) => out.push(c));
      child.stderr!.on("data", (c: Buffer) => err.push(c));
      child.once("close", (code, signal) => {
        out.flush();
        err.flush();
        clearTimeout(run.runtimeTimer);
        clearTimeout(run.killTimer);
        const stop = run.stopReason;
        const end: RunEnd = stop ? (stop.kind === "stopped" ? { kind: "stopped", reason: stop.reason, code, signal } : { kind: "timed-out", code, signal }) : { kind: "exited", code, signal };
        log.end(() => resolve(end));
      });
    });
    run = new TrainingRun(opts, child, log, ended);
    return run;
  }

  get pid(): number {
    return this.identity.pid;
  }

  /** SIGTERM to the job's process group, SIGKILL after the grace period. The first reason given wins. */
  terminate(kind: "stopped" | "timed-out", reason: string, graceMs = STOP_GRACE_MS): Promise<RunEnd> {
    if (!this.stopReason) {
      this.stopReason = { kind, reason };
      this.log.write(`[platform] ${reason}: sending SIGTERM\n`);
      this.signal("SIGTERM");
      this.killTimer = setTimeout(() => {
        this.log.write(`[platform] still running after ${graceMs} ms: sending SIGKILL\n`);
        this.signal("SIGKILL");
      }, graceMs);
    }
    return this.ended;
  }

  private signal(sig: NodeJS.Signals): void {
    if (this.deliver?.(this.pid, sig)) return;
    for (const target of [-this.pid, this.pid]) {
      try {
        process.kill(target, sig);
        return;
      } catch {
        /* try the pid itself, or it is gone */
      }
    }
  }
}
