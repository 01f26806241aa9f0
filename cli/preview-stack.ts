// Reaching a stack for the read-only commands, review and drift: which stack to open (as the command line
// says it), opening it the way `mlplatform preview` does with the local platform answering, collecting the
// engine's events of one preview, and the small I/O helpers both commands share. Neither command writes state.
import { mkdirSync, writeFileSync } from "node:fs";
import { dirname, resolve } from "node:path";
import type { EngineEvent, PreviewResult } from "@pulumi/pulumi/automation";

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
