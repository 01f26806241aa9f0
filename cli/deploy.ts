// `mlplatform up|preview|refresh|destroy`: one stack operation through the Automation API, with the
// engine's own output streamed to the terminal. The manifest is checked before the engine starts, so a
// bad manifest fails fast with file:line:column messages and nothing is touched.
import { relative, resolve } from "node:path";
import { createInterface } from "node:readline/promises";
import type * as auto from "@pulumi/pulumi/automation";
import { checkManifest, ManifestError } from "../provider/manifest/load";
import { defaultDataDir } from "../sdk/connection";
import { ensurePlatform } from "./platform";
import { openStack, stackManifest, DEFAULT_STACK_NAME } from "./stack";
import { packageRoot } from "./package-root";

export type StackAction = "up" | "preview" | "refresh" | "destroy";

export interface StackCommandOptions {
  manifest?: string;
  stack?: string;
  yes?: boolean;
  json?: boolean;
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

/** Platform settings given explicitly (env or stack config) mean "do not start the local one". */
async function usesExplicitEndpoint(stack: auto.Stack): Promise<boolean> {
  if (process.env.MLPLATFORM_ENDPOINT) return true;
  const config = await stack.getAllConfig();
  return Boolean(config["mlplatform:endpoint"]?.value) || (config["mlplatform:backend"]?.value ?? "local") !== "local";
}

export async function runStackCommand(action: StackAction, opts: StackCommandOptions): Promise<StackCommandResult> {
  const workDir = resolve(opts.workDir ?? packageRoot());
  const dataDir = resolve(opts.dataDir ?? defaultDataDir());
  const stackName = opts.stack ?? DEFAULT_STACK_NAME;
  // Engine output goes to stdout, or to stderr when stdout carries the JSON result.
  const out = opts.json ? process.stderr : process.stdout;
  const say = (msg: string) => out.write(`${msg}\n`);

  const { stack } = await openStack({
    workDir,
    stackName,
    dataDir,
    manifestPath: opts.manifest === undefined ? undefined : resolve(process.cwd(), opts.manifest),
  });

  if (action === "up" || action === "preview") {
    // Throws ManifestError listing every problem; the engine never starts on a bad manifest.
    const manifest = await stackManifest(stack);
    checkManifest(manifest, { workDir, displayName: relative(process.cwd(), resolve(workDir, manifest)) || manifest });
  }
  if (!(await usesExplicitEndpoint(stack))) {
    const platform = await ensurePlatform({ dataDir, allowedRoots: [workDir] }, say);
    if (platform.started) say(`local platform running at ${platform.endpoint} (pid ${platform.pid})`);
  }

  const color = out.isTTY ? "always" : "never";
  const onOutput = (text: string) => out.write(text);
  if ((action === "up" || action === "destroy") && !opts.yes) {
    if (!process.stdin.isTTY) throw new Error(`--yes is required to ${action} when not running interactively`);
    if (action === "up") await stack.preview({ onOutput, color, diff: false });
    if (!(await confirm(`Do you want to ${action === "up" ? "perform this update" : `destroy every resource of stack "${stackName}"`}?`))) {
      say("cancelled");
      return { action, stack: stackName };
    }
  }

  switch (action) {
    case "preview": {
      const r = await stack.preview({ onOutput, color });
      return { action, stack: stackName, summary: r.changeSummary };
    }
    case "up": {
      const r = await stack.up({ onOutput, color });
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

/** Prints a command's failure the way a user needs it: manifest problems as-is, engine errors briefly. */
export function describeFailure(err: unknown): string {
  if (err instanceof ManifestError) return err.message;
  const e = err as Error & { commandResult?: { stderr?: string } };
  const stderr = e.commandResult?.stderr?.trim();
  return stderr ? `${e.message.split("\n")[0]}\n${stderr}` : e.message;
}
