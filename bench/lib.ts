// Shared plumbing for the benchmarks: a scratch project dir that resolves `mlplatform` like an installed
// package, a detached local platform in it, stacks through cli/stack.ts, and table printing.
import { mkdirSync, mkdtempSync, rmSync, symlinkSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { startPlatformDetached, stopPlatform, type RunningPlatform } from "../cli/platform";
import { openStack } from "../cli/stack";
import type * as auto from "@pulumi/pulumi/automation";

export const REPO_ROOT = resolve(__dirname, "../..");

export interface BenchProject {
  dir: string;
  platform: RunningPlatform;
  stack(name: string, program: auto.PulumiFn, extraEnv?: Record<string, string>): Promise<auto.Stack>;
  close(): Promise<void>;
}

export async function benchProject(prefix: string): Promise<BenchProject> {
  const dir = mkdtempSync(join(tmpdir(), `mlp-bench-${prefix}-`));
  mkdirSync(join(dir, "node_modules"));
  symlinkSync(REPO_ROOT, join(dir, "node_modules", "mlplatform"), "dir");
  symlinkSync(join(REPO_ROOT, "node_modules", "@pulumi"), join(dir, "node_modules", "@pulumi"), "dir");
  const dataDir = join(dir, ".platform");
  const platform = await startPlatformDetached({ dataDir, allowedRoots: [dir] });
  return {
    dir,
    platform,
    async stack(name, program, extraEnv = {}) {
      const { stack } = await openStack({
        workDir: dir,
        stackName: name,
        projectName: `bench-${prefix}`,
        program,
        dataDir,
        backendUrl: `file://${join(dir, ".state")}`,
        pulumiHome: join(dir, ".pulumi-home"),
        envVars: { MLPLATFORM_ENDPOINT: platform.endpoint, MLPLATFORM_TOKEN: platform.token, ...extraEnv },
      });
      return stack;
    },
    async close() {
      await stopPlatform(dataDir);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/**
 * One goal of a benchmark, as printed in the goal summary and in the README's performance table (which
 * bench/report.ts regenerates from bench/results.json — never typed by hand). A missed goal stays in the
 * table, marked, with `tried`: what was attempted and why it still misses.
 */
export interface Goal {
  /** Issue and goal, e.g. "18.1 serving front ≤ 1.25× straight, 8 clients". */
  goal: string;
  figure: string;
  baseline: string;
  ratio: number | undefined;
  met: boolean | undefined;
  tried?: string;
}

/** What every benchmark returns: its printed tables, its figures for results.json, and its goals. */
export interface BenchResult<T = unknown> {
  text: string;
  json: T;
  goals?: Goal[];
}

export async function time<T>(fn: () => Promise<T>): Promise<[number, T]> {
  const t0 = performance.now();
  const value = await fn();
  return [performance.now() - t0, value];
}

export function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return NaN;
  const i = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[i];
}

export function table(title: string, header: string[], rows: (string | number)[][]): string {
  const cells = [header, ...rows.map((r) => r.map((c) => (typeof c === "number" ? fmt(c) : c)))];
  const widths = header.map((_, i) => Math.max(...cells.map((r) => String(r[i]).length)));
  const line = (r: (string | number)[]) => "| " + r.map((c, i) => String(c).padEnd(widths[i])).join(" | ") + " |";
  return [`\n### ${title}`, line(cells[0]), "|" + widths.map((w) => "-".repeat(w + 2)).join("|") + "|", ...cells.slice(1).map(line)].join("\n");
}

function fmt(n: number): string {
  if (!Number.isFinite(n)) return String(n);
  if (Math.abs(n) >= 100) return n.toFixed(0);
  if (Math.abs(n) >= 10) return n.toFixed(1);
  return n.toFixed(2);
}

/** Moments of one `up`, on this process's clock (ms since epoch), for "where does the time go". */
export interface UpTimeline {
  calledAt: number;
  /** The engine's prelude event: the CLI started and the engine is about to run the program. */
  preludeAt?: number;
  /** Per resource URN: its step began (resourcePreEvent) and ended (resOutputsEvent). */
  steps: Map<string, { type: string; op: string; startedAt?: number; doneAt?: number }>;
  /** The engine's summary event: every step done, state written. */
  summaryAt?: number;
  /** The last line the CLI printed (its exit follows at once). */
  lastOutputAt?: number;
  /** `stack.up()` resolved: the Automation API also runs `stack output` and `stack history` after the CLI exits. */
  returnedAt: number;
  output: string;
}

/** `stack.up()` with engine events and output timestamped as they arrive (events come over TCP). */
export async function timedUp(stack: auto.Stack, opts: auto.UpOptions = {}): Promise<UpTimeline> {
  const t: UpTimeline = { calledAt: Date.now(), steps: new Map(), returnedAt: 0, output: "" };
  const step = (urn: string, meta: { type: string; op: string }) => {
    const s = t.steps.get(urn) ?? { type: meta.type, op: meta.op };
    t.steps.set(urn, s);
    return s;
  };
  await stack.up({
    ...opts,
    onOutput: (chunk) => {
      t.lastOutputAt = Date.now();
      t.output += chunk;
      opts.onOutput?.(chunk);
    },
    onEvent: (e) => {
      const now = Date.now();
      if (e.preludeEvent) t.preludeAt ??= now;
      if (e.resourcePreEvent) step(e.resourcePreEvent.metadata.urn, e.resourcePreEvent.metadata).startedAt ??= now;
      if (e.resOutputsEvent) step(e.resOutputsEvent.metadata.urn, e.resOutputsEvent.metadata).doneAt = now;
      if (e.summaryEvent) t.summaryAt = now;
      opts.onEvent?.(e);
    },
  });
  t.returnedAt = Date.now();
  return t;
}

/** The CLI's own wall time: called → its last output line (without the Automation API's follow-up commands). */
export function cliWallMs(t: UpTimeline): number {
  return (t.lastOutputAt ?? t.returnedAt) - t.calledAt;
}
