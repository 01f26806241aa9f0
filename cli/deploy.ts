// `mlplatform up|preview|refresh|destroy`: one stack operation through the Automation API, with the
// engine's own output streamed to the terminal. The manifest is checked before the engine starts (its own
// rules, then the platform's by a dry run), so a bad manifest fails fast with file:line:column messages
// and nothing is touched.
import { relative, resolve } from "node:path";
import { createInterface } from "node:readline/promises";
import type * as auto from "@pulumi/pulumi/automation";
import { checkManifest, ManifestError, type CheckedManifest } from "../provider/manifest/load";
import { checkManifestOnPlatform } from "../provider/manifest/platform-check";
import { defaultDataDir } from "../sdk/connection";
import { ensurePlatform } from "./platform";
import { openStack, stackBackend, stackManifest, usesExplicitEndpoint, DEFAULT_STACK_NAME } from "./stack";
import { recoverInterruptedRun } from "./stack-recovery";
import { packageRoot } from "./package-root";

export type StackAction = "up" | "preview" | "refresh" | "destroy";

export interface StackCommandOptions {
  manifest?: string;
  stack?: string;
  yes?: boolean;
  json?: boolean;
  /** up/preview: read every resource back from the platform first, so drift is put back too. */
  refresh?: boolean;
  /** Project directory; default: the mlplatform package directory. */
  workDir?: string;
  dataDir?: string;
}

export interface StackCommandResult {
  action: StackAction;
  stack: string;
  summary?: unknown;
  outputs?: Record<string, unknown>;
}

export async function runStackCommand(action: StackAction, opts: StackCommandOptions): Promise<StackCommandResult> {
  const workDir = resolve(opts.workDir ?? packageRoot());
  const dataDir = resolve(opts.dataDir ?? defaultDataDir());
  const stackName = opts.stack ?? DEFAULT_STACK_NAME;
  // Engine output goes to stdout, or to stderr when stdout carries the JSON result.
  const out = opts.json ? process.stderr : process.stdout;
  const say = (msg: string) => out.write(`${msg}\n`);

  const { stack, backendUrl } = await openStack({
    workDir,
    stackName,
    dataDir,
    manifestPath: opts.manifest === undefined ? undefined : resolve(process.cwd(), opts.manifest),
    say,
  });
  // A run killed earlier left its lock and unfinished operations: clear what is safe to clear (see
  // stack-recovery.ts) rather than fail now and warn on every later run.
  if (action !== "preview") await recoverInterruptedRun(stack, backendUrl, say);

  let checked: CheckedManifest | undefined;
  const backend = await stackBackend(stack);
  if (action === "up" || action === "preview") {
    // Throws ManifestError listing every problem; the engine never starts on a bad manifest.
    const manifest = await stackManifest(stack);
    checked = checkManifest(manifest, { workDir, displayName: relative(process.cwd(), resolve(workDir, manifest)) || manifest, backend });
  }
  const explicitEndpoint = await usesExplicitEndpoint(stack);
  if (!explicitEndpoint) {
    const platform = await ensurePlatform({ dataDir, allowedRoots: [workDir] }, say);
    if (platform.started) say(`local platform running at ${platform.endpoint} (pid ${platform.pid})`);
  }
  if (checked && backend === "local") {
    // The platform's own rules (allowed roots, names, flavor limits, formats, objects that must exist),
    // by its dry run, reported at the manifest's lines before the engine starts. Cloud drivers offer no
    // dry run (their kind rules run in the provider's check), and the local platform's rules are not theirs.
    const project = (await stack.workspace.projectSettings()).name;
    await checkManifestOnPlatform(checked, { settings: explicitEndpoint ? {} : { dataDir }, stackPrefix: `${project}/${stackName}` });
  }

  const color = out.isTTY ? "always" : "never";
  const onOutput = (text: string) => out.write(text);
  if ((action === "up" || action === "destroy") && !opts.yes) {
    if (!process.stdin.isTTY) throw new Error(`--yes is required to ${action} when not running interactively`);
    if (action === "up") await stack.preview({ onOutput, color, diff: false, refresh: opts.refresh });
    if (!(await confirm(`Do you want to ${action === "up" ? "perform this update" : `destroy every resource of stack "${stackName}"`}?`))) {
      say("cancelled");
      return { action, stack: stackName };
    }
  }

  switch (action) {
    case "preview": {
      const r = await stack.preview({ onOutput, color, refresh: opts.refresh });
      return { action, stack: stackName, summary: r.changeSummary };
    }
    case "up": {
      const r = await stack.up({ onOutput, color, refresh: opts.refresh });
      return { action, stack: stackName, summary: r.summary.resourceChanges, outputs: plainOutputs(r.outputs) };
    }
    case "refresh": {
      const r = await stack.refresh({ onOutput, color });
      return { action, stack: stackName, summary: r.summary.resourceChanges };
    }
    case "destroy": {
      const r = await stack.destroy({ onOutput, color });
      return { action, stack: stackName, summary: r.summary.resourceChanges };
    }
  }
}

export function plainOutputs(outputs: auto.OutputMap): Record<string, unknown> {
  return Object.fromEntries(Object.entries(outputs).map(([k, v]) => [k, v.secret ? "[secret]" : v.value]));
}

async function confirm(question: string): Promise<boolean> {
  const rl = createInterface({ input: process.stdin, output: process.stderr });
  try {
    return /^y(es)?$/i.test((await rl.question(`${question} [y/N] `)).trim());
  } finally {
    rl.close();
  }
}

/**
 * A command's failure the way a user needs it: manifest problems as they are; for engine failures (whose
 * full output was already streamed) only the error headline of each failed resource.
 */
export function describeFailure(err: unknown): string {
  if (err instanceof ManifestError) return err.message;
  const e = err as Error & { commandResult?: { stdout?: string; stderr?: string } };
  if (!e.commandResult) return e.message;
  // When the CLI exits non-zero the Automation API may put all of its output in stderr.
  const headlines = engineErrorHeadlines(`${e.commandResult.stdout ?? ""}\n${e.commandResult.stderr ?? ""}`);
  const stderr = (e.commandResult.stderr ?? "").trim();
  if (headlines.length) return `the operation failed (engine output above):\n${headlines.map((h) => `  ${h}`).join("\n")}`;
  return stderr || e.message.split("\n").slice(0, 3).join("\n");
}

/** From the engine's Diagnostics section: "<Kind> <name>: <first error line>[ <detail line>]". */
export function engineErrorHeadlines(stdout: string): string[] {
  const lines = stdout.split("\n");
  const out: string[] = [];
  let resource: string | undefined;
  let inDiagnostics = false;
  for (let i = 0; i < lines.length; i++) {
    if (lines[i].startsWith("Diagnostics:")) {
      inDiagnostics = true;
      continue;
    }
    if (!inDiagnostics) continue;
    if (/^\S/.test(lines[i])) {
      inDiagnostics = false;
      continue;
    }
    const head = /^  (\S+) \((.+)\):$/.exec(lines[i]);
    if (head) {
      resource = head[1].startsWith("pulumi:pulumi:Stack") ? undefined : `${head[1].split(":").pop()} ${head[2]}`;
      continue;
    }
    const error = /^\s+error: (.*)$/.exec(lines[i]);
    if (resource && error) {
      const detail = /^\s+\* (.*)$/.exec(lines[i + 1] ?? "");
      const headline = `${resource}: ${error[1]}${detail ? ` ${detail[1]}` : ""}`;
      if (!out.includes(headline)) out.push(headline);
      resource = undefined;
    }
  }
  return out;
}
