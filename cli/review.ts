// `mlplatform review`: what a pull request will change, as Markdown for a PR comment.
// Runs `pulumi preview` through the Automation API (the stack from cli/stack.ts, inline program) or reads
// a saved `pulumi preview --json` document / engine event log. Exit 0: nothing changes; 3: changes are
// pending; 1: error. The rendering itself is in provider/review (pure functions).
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, resolve } from "node:path";
import type { EngineEvent, PreviewResult } from "@pulumi/pulumi/automation";
import type { Command } from "commander";
import {
  buildReviewReport,
  deploymentFromPreviewEvents,
  parseSavedPreview,
  renderReviewMarkdown,
  REVIEW_MARKER,
  type Deployment,
  type ReviewReport,
} from "../provider/review";
import { registerDriftCommand } from "./drift";

export const REVIEW_EXIT = { noChanges: 0, error: 1, changes: 3 } as const;
export type ReviewExitCode = (typeof REVIEW_EXIT)[keyof typeof REVIEW_EXIT];

// ---- reaching a stack (shared with drift) ----

/** The part of an Automation API `Stack` review and drift use; neither writes state. */
export interface PreviewableStack {
  readonly name: string;
  preview(opts: { onEvent?: (event: EngineEvent) => void }): Promise<PreviewResult>;
  previewRefresh(opts: { onEvent?: (event: EngineEvent) => void }): Promise<PreviewResult>;
}

/** Which stack to open, as the command line says it. */
export interface StackSelection {
  stack?: string;
  /** Manifest to preview (review only); default: the one the stack config remembers. */
  manifest?: string;
  dataDir?: string;
  /** Project directory; default: the mlplatform package directory. */
  workDir?: string;
  /** Check the manifest first, so a broken one is reported with file:line:column (review, not drift). */
  checkManifest?: boolean;
}

export type OpenStack = (selection: StackSelection) => Promise<PreviewableStack>;

/**
 * Opens the stack the way `mlplatform preview` does (cli/stack.ts, inline program) and makes sure the
 * local platform answers, since both preview and refresh ask the provider to read live objects.
 * Progress goes to stderr: stdout carries the report. The stack machinery is loaded on first use, so the
 * file-based paths (`--json`, `--events`) and injected stacks never load the program or the platform.
 */
export const openStackForReview: OpenStack = async (selection) => {
  const [{ openStack, stackManifest, usesExplicitEndpoint, DEFAULT_STACK_NAME }, { ensurePlatform }, { packageRoot }, { defaultDataDir }, { checkManifest }] = await Promise.all([
    import("./stack.js"), import("./platform.js"), import("./package-root.js"), import("../sdk/connection.js"), import("../provider/manifest/load.js"),
  ]);
  const workDir = resolve(selection.workDir ?? packageRoot());
  const dataDir = resolve(selection.dataDir ?? defaultDataDir());
  const { stack } = await openStack({
    workDir,
    dataDir,
    stackName: selection.stack ?? DEFAULT_STACK_NAME,
    manifestPath: selection.manifest === undefined ? undefined : resolve(process.cwd(), selection.manifest),
  });
  // Throws a ManifestError listing every problem with its file:line:column; the engine never starts.
  if (selection.checkManifest) checkManifest(await stackManifest(stack), { workDir });
  if (!(await usesExplicitEndpoint(stack))) {
    const platform = await ensurePlatform({ dataDir, allowedRoots: [workDir] }, (msg) => process.stderr.write(`${msg}\n`));
    if (platform.started) process.stderr.write(`local platform running at ${platform.endpoint} (pid ${platform.pid})\n`);
  }
  return stack;
};

/** Runs one engine operation and keeps every event, also when the operation fails part-way. */
export async function collectEvents(
  run: (onEvent: (event: EngineEvent) => void) => Promise<unknown>,
): Promise<{ events: EngineEvent[]; error?: Error }> {
  const events: EngineEvent[] = [];
  try {
    await run((event) => events.push(event));
    return { events };
  } catch (err) {
    return { events, error: err instanceof Error ? err : new Error(String(err)) };
  }
}

/** The useful lines of an Automation API error (its message embeds the whole CLI invocation and output). */
export function shortError(err: Error): string {
  const stderr = /stderr: ([\s\S]*?)(?:\n\s*err\?:|$)/.exec(err.message)?.[1]?.trim();
  const text = stderr || err.message;
  return text.split("\n").map((l) => l.trim()).filter(Boolean).slice(0, 6).join(" ");
}

/** Writes a report file, creating its directory. */
export function writeOut(file: string, text: string): void {
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, text);
}

// ---- review ----

export interface ReviewOptions extends StackSelection {
  /** A saved `pulumi preview --json` document, or an engine event log (NDJSON); no engine is run. */
  jsonFile?: string;
  /** Also write the Markdown to this file. */
  out?: string;
  /** How to open the stack; default `openStackForReview` (cli/stack.ts + the local platform). */
  openStack?: OpenStack;
}

export interface ReviewResult {
  exitCode: ReviewExitCode;
  markdown: string;
  report?: ReviewReport;
  error?: string;
}

function errorMarkdown(message: string, stack?: string): string {
  const head = `${REVIEW_MARKER}\n### mlplatform review${stack ? ` — stack \`${stack}\`` : ""}\n\n**The review could not be produced:**`;
  // Manifest problems come one per line (file:line:column: message); keep them readable.
  return message.includes("\n") ? `${head}\n\n\`\`\`text\n${message.trim()}\n\`\`\`\n` : `${head} ${message}\n`;
}

async function livePreview(opts: ReviewOptions): Promise<{ deployment: Deployment; stack: string; error?: string }> {
  const open = opts.openStack ?? openStackForReview;
  const stack = await open({ stack: opts.stack, manifest: opts.manifest, dataDir: opts.dataDir, workDir: opts.workDir, checkManifest: true });
  const { events, error } = await collectEvents((onEvent) => stack.preview({ onEvent }));
  const deployment = deploymentFromPreviewEvents(events);
  return { deployment, stack: stack.name, error: error ? shortError(error) : undefined };
}

/** The whole command as a function: callable from tests and other programs. Never throws. */
export async function runReview(opts: ReviewOptions = {}): Promise<ReviewResult> {
  let result: ReviewResult;
  try {
    const { deployment, stack, error } = opts.jsonFile
      ? { deployment: parseSavedPreview(readFileSync(opts.jsonFile, "utf8")), stack: opts.stack, error: undefined }
      : await livePreview(opts);
    // The engine's error diagnostics say what failed; the CLI's stderr is the fallback when there are none.
    const errors = deployment.errors.length > 0 || !error ? deployment.errors : [error];
    const report = buildReviewReport({ ...deployment, errors }, { stack });
    const failed = report.errors.length > 0 || error !== undefined;
    const exitCode = failed ? REVIEW_EXIT.error : report.hasChanges ? REVIEW_EXIT.changes : REVIEW_EXIT.noChanges;
    result = { exitCode, markdown: renderReviewMarkdown(report), report, error: failed ? [...report.errors].join("; ") || error : undefined };
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err);
    const where = opts.jsonFile ? `${opts.jsonFile}: ` : "";
    result = { exitCode: REVIEW_EXIT.error, markdown: errorMarkdown(where + message, opts.stack), error: where + message };
  }
  if (opts.out) writeOut(opts.out, result.markdown);
  return result;
}

export function registerReviewCommand(program: Command, defaults: Pick<ReviewOptions, "openStack"> = {}): Command {
  return program
    .command("review")
    .description("preview a stack and print the changes as Markdown for a pull-request comment (exit 0: no changes, 3: changes, 1: error)")
    .option("-s, --stack <name>", "stack to preview", "dev")
    .option("-m, --manifest <file>", "manifest to preview (default: the one the stack config remembers)")
    .option("--data-dir <dir>", "local platform data directory (default $MLPLATFORM_DATA_DIR or ~/.mlplatform)")
    .option("--json <file>", "read a saved `pulumi preview --json` document (or an engine event log) instead of running a preview")
    .option("-o, --out <file>", "also write the Markdown to this file")
    .action(async (flags: { stack?: string; manifest?: string; dataDir?: string; json?: string; out?: string }) => {
      const result = await runReview({ ...defaults, stack: flags.stack, manifest: flags.manifest, dataDir: flags.dataDir, jsonFile: flags.json, out: flags.out });
      process.stdout.write(result.markdown);
      if (result.error) process.stderr.write(`mlplatform review: ${result.error}\n`);
      process.exitCode = result.exitCode;
    });
}

/** Registers `review` and `drift` on the main program. */
export function registerReviewCommands(program: Command, defaults: Pick<ReviewOptions, "openStack"> = {}): void {
  registerReviewCommand(program, defaults);
  registerDriftCommand(program, defaults);
}
