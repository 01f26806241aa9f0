// Reaching a stack for the read-only commands, review and drift: which stack to open (as the command line
// says it), opening it the way `mlplatform preview` does with the local platform answering, collecting the
// engine's events of one preview, and the small I/O helpers both commands share. Neither command writes state.
import { existsSync, mkdirSync, writeFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import type { EngineEvent, PreviewResult, PulumiFn } from "@pulumi/pulumi/automation";

/** The part of an Automation API `Stack` review and drift use; neither writes state. */
export interface PreviewableStack {
  readonly name: string;
  preview(opts: { onEvent?: (event: EngineEvent) => void }): Promise<PreviewResult>;
  previewRefresh(opts: { onEvent?: (event: EngineEvent) => void }): Promise<PreviewResult>;
}

/** Which stack to open, as the command line says it. */
export interface StackSelection {
  /** Default: the project's selected stack (`pulumi stack select`); for the mlplatform package, `dev`. */
  stack?: string;
  /** Manifest to preview (review only); default: the one the stack config remembers. */
  manifest?: string;
  dataDir?: string;
  /**
   * Project directory. Default: the Pulumi project in the working directory or the nearest one above it
   * (as the pulumi CLI finds it), else the mlplatform package (the quickstart).
   */
  workDir?: string;
  /** Check the manifest first, so a broken one is reported with file:line:column (review, not drift). */
  checkManifest?: boolean;
  /** The program to preview, for stacks deployed by an Automation API inline program. */
  program?: PulumiFn;
  /** Drift needs only the state: no program is loaded or run. */
  stateOnly?: boolean;
}

export type OpenStack = (selection: StackSelection) => Promise<PreviewableStack>;

/**
 * Opens an existing stack (never creates one) with the program that deployed it, and makes sure the local
 * platform answers, since both preview and refresh ask the provider to read live objects:
 * - the mlplatform package, or a directory without Pulumi.yaml: the manifest program (cli/stack.ts), state
 *   in the local platform's data directory unless $PULUMI_BACKEND_URL says otherwise;
 * - a user's own project (its Pulumi.yaml, a program importing mlplatform): the project's backend and its
 *   program loaded in-process (cli/project.ts), or the manifest when the stack config names one;
 * - drift: no program at all (a refresh reads the state and asks the provider; it never runs the program).
 * Progress goes to stderr: stdout carries the report. The stack machinery is loaded on first use, so the
 * file-based paths (`--json`, `--events`) and injected stacks never load the program or the platform.
 */
export const openStackForReview: OpenStack = async (selection) => {
  const [{ openStack, stackBackend, stackManifest, usesExplicitEndpoint, manifestProgram, selectedStack, DEFAULT_STACK_NAME, MANIFEST_CONFIG_KEY }, { ensurePlatform }, { packageRoot }, { defaultDataDir }, { checkManifest }, { findProject, readProject, projectProgram, noProgram }] = await Promise.all([
    import("./stack.js"), import("./platform.js"), import("./package-root.js"), import("../sdk/connection.js"), import("../provider/manifest/load.js"), import("./project.js"),
  ]);
  const dataDir = resolve(selection.dataDir ?? defaultDataDir());
  const explicitDir = selection.workDir === undefined ? undefined : resolve(selection.workDir);
  const project = explicitDir
    ? (["Pulumi.yaml", "Pulumi.yml"].some((f) => existsSync(join(explicitDir, f))) ? readProject(explicitDir) : undefined)
    : findProject(process.cwd()) ?? readProject(packageRoot());
  const workDir = explicitDir ?? project!.dir;
  const manifestProject = !project || project.manifestDriven || selection.manifest !== undefined;
  const stackName = selection.stack ?? (manifestProject ? DEFAULT_STACK_NAME : await selectedStack(workDir));

  const { stack } = await openStack({
    workDir,
    dataDir,
    stackName,
    mustExist: true,
    ...(manifestProject ? {} : { backendUrl: "project", projectName: project!.name }),
    program: noProgram,
    manifestPath: selection.manifest === undefined ? undefined : resolve(process.cwd(), selection.manifest),
  });
  // The program that deployed the stack: given, the manifest its config names, or the project's own.
  if (!selection.stateOnly) {
    const config = await stack.getAllConfig();
    stack.workspace.program = selection.program
      ?? (manifestProject || config[MANIFEST_CONFIG_KEY] ? manifestProgram(workDir, selection.manifest === undefined ? undefined : await stackManifest(stack)) : projectProgram(project!));
    // Throws a ManifestError listing every problem with its file:line:column; the engine never starts.
    if (selection.checkManifest && (manifestProject || config[MANIFEST_CONFIG_KEY])) checkManifest(await stackManifest(stack), { workDir, backend: await stackBackend(stack) });
  }
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
