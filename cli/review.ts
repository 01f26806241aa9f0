// `mlplatform review`: what a pull request will change, as Markdown for a PR comment.
// Runs `pulumi preview` through the Automation API (the stack from cli/stack.ts, inline program) or reads
// a saved `pulumi preview --json` document / engine event log. Exit 0: nothing changes; 3: changes are
// pending; 1: error. The rendering itself is in review/ (pure functions).
import { readFileSync } from "node:fs";
import type { Command } from "commander";
import {
  buildReviewReport,
  deploymentFromPreviewEvents,
  parseSavedPreview,
  renderReviewMarkdown,
  REVIEW_MARKER,
  resolveDeployment,
  versionChanges,
  type Deployment,
  type ModelFacts,
  type PerfFigures,
  type ReviewReport,
} from "../review";
import { registerDriftCommand } from "./drift";
import { collectEvents, openStackForReview, shortError, writeOut, type OpenStack, type StackSelection } from "./preview-stack";

export const REVIEW_EXIT = { noChanges: 0, error: 1, changes: 3 } as const;
export type ReviewExitCode = (typeof REVIEW_EXIT)[keyof typeof REVIEW_EXIT];

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
  const stack = await open({ stack: opts.stack, manifest: opts.manifest, dataDir: opts.dataDir, workDir: opts.workDir, program: opts.program, checkManifest: true });
  const { events, error } = await collectEvents((onEvent) => stack.preview({ onEvent }));
  const deployment = deploymentFromPreviewEvents(events);
  if (!error) assertStacksProgram(deployment, stack.name);
  return { deployment, stack: stack.name, error: error ? shortError(error) : undefined };
}

/**
 * A review of the wrong program must not pass for a review: a stack and program with no mlplatform
 * resources at all, or a program that would delete every one the stack has, is not what was meant.
 */
export function assertStacksProgram(deployment: Deployment, stack: string): void {
  const ours = deployment.ours;
  if (!ours) return;
  if (ours.inState === 0 && ours.declared === 0) {
    throw new Error(`stack \`${stack}\` has no mlplatform resources, and the program previewed declares none: nothing to review (is this the project that deploys them?)`);
  }
  if (ours.inState > 0 && ours.kept === 0) {
    throw new Error(
      `the program previewed is not stack \`${stack}\`'s: it would delete all ${ours.inState} mlplatform resources the stack has` +
        `${ours.declared > 0 ? ` and create ${ours.declared} others` : ""}; run the review in the directory of the project that deployed the stack (or pass --work-dir / --manifest)`,
    );
  }
}

/** A saved preview, titled with the stack its URNs name; a different `--stack` is a mistake worth stopping on. */
function savedPreview(file: string, named: string | undefined): { deployment: Deployment; stack?: string; error?: string } {
  const deployment = parseSavedPreview(readFileSync(file, "utf8"));
  if (named && deployment.stack && named !== deployment.stack) {
    throw new Error(`the saved preview is of stack \`${deployment.stack}\`, not \`${named}\``);
  }
  return { deployment, stack: deployment.stack ?? named };
}

/**
 * What the platform knows of each model version the deployment moves between: the version's training
 * metrics, and the perf jobs that benchmarked it (with the stack that ran them, from their URN tag).
 * Best effort: a platform that does not answer leaves the tables without figures, it does not fail the review.
 */
export async function modelFacts(deployment: Deployment, dataDir?: string): Promise<ModelFacts> {
  const changes = versionChanges(resolveDeployment(deployment).steps);
  if (changes.length === 0) return {};
  const facts: ModelFacts = {};
  try {
    const { openPlatform } = await import("../sdk/index.js");
    const { URN_TAG } = await import("../schemas/common.js");
    const platform = openPlatform({ dataDir }, { requestTimeoutMs: 5_000, retryLimit: 1 });
    const perfJobs = await platform.perfJobs.listAll();
    for (const modelId of new Set(changes.map((c) => c.modelId))) {
      const model = await platform.models.get(modelId).catch(() => undefined);
      const entry: ModelFacts[string] = { name: model?.name, versions: {} };
      const wanted = changes.filter((c) => c.modelId === modelId).flatMap((c) => [c.from, c.to]).filter((v): v is number => v !== undefined);
      for (const version of new Set(wanted)) {
        const v = await platform.models.version(modelId, version).catch(() => undefined);
        const perf = perfJobs
          .filter((j) => j.modelId === modelId && j.modelVersion === version)
          .sort((a, b) => b.createdAt.localeCompare(a.createdAt))
          .map((j): PerfFigures => {
            const task = [...j.tasks].sort((a, b) => b.concurrency - a.concurrency)[0];
            const urn = j.tags?.[URN_TAG]?.split("/");
            return {
              perfJob: j.name, stack: urn && urn.length >= 4 ? urn[1] : undefined, status: j.status, sloMet: j.sloMet,
              concurrency: task?.concurrency ?? 0, p50Ms: task?.p50Ms, p99Ms: task?.p99Ms, throughput: task?.throughput,
            };
          });
        entry.versions[version] = { metrics: v?.metrics, perf };
      }
      facts[modelId] = entry;
    }
  } catch (err) {
    process.stderr.write(`mlplatform review: no metrics or perf figures (${err instanceof Error ? err.message : String(err)})\n`);
  }
  return facts;
}

/** The whole command as a function: callable from tests and other programs. Never throws. */
export async function runReview(opts: ReviewOptions = {}): Promise<ReviewResult> {
  let result: ReviewResult;
  try {
    const { deployment, stack, error } = opts.jsonFile ? savedPreview(opts.jsonFile, opts.stack) : await livePreview(opts);
    // The engine's error diagnostics say what failed; the CLI's stderr is the fallback when there are none.
    const errors = deployment.errors.length > 0 || !error ? deployment.errors : [error];
    // Metrics and perf figures of the versions the review moves between, from the platform when it answers.
    const models = opts.jsonFile && !opts.dataDir && !process.env.MLPLATFORM_ENDPOINT ? undefined : await modelFacts(deployment, opts.dataDir);
    const report = buildReviewReport({ ...deployment, errors }, { stack, models });
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
    .option("-s, --stack <name>", "stack to preview (default: the project's current stack; with --json: the stack the preview was made of)")
    .option("-m, --manifest <file>", "manifest to preview (default: the one the stack config remembers)")
    .option("-C, --work-dir <dir>", "Pulumi project directory (default: the project in the working directory or above, else the mlplatform package)")
    .option("--data-dir <dir>", "local platform data directory (default $MLPLATFORM_DATA_DIR or ~/.mlplatform)")
    .option("--json <file>", "read a saved `pulumi preview --json` document (or an engine event log) instead of running a preview")
    .option("-o, --out <file>", "also write the Markdown to this file")
    .action(async (flags: { stack?: string; manifest?: string; workDir?: string; dataDir?: string; json?: string; out?: string }) => {
      const result = await runReview({ ...defaults, stack: flags.stack, manifest: flags.manifest, workDir: flags.workDir, dataDir: flags.dataDir, jsonFile: flags.json, out: flags.out });
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
