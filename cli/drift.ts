// `mlplatform drift`: refresh in preview-only mode (Automation API `stack.previewRefresh()`, which never
// writes state) and report every drifted resource and property, and objects deleted out of band.
// Exit 0: clean; 2: drift; 1: error.
import { readFileSync } from "node:fs";
import type { Command } from "commander";
import {
  buildDriftReport,
  kindOf,
  parseEventLog,
  refreshFromEvents,
  renderDriftJson,
  renderDriftTable,
  type DriftReport,
} from "../review";
import { collectEvents, openStackForReview, shortError, writeOut, type OpenStack } from "./preview-stack";

export const DRIFT_EXIT = { clean: 0, error: 1, drift: 2 } as const;
export type DriftExitCode = (typeof DRIFT_EXIT)[keyof typeof DRIFT_EXIT];

export interface DriftOptions {
  stack?: string;
  dataDir?: string;
  /** Project directory; default: the Pulumi project in the working directory or above, else the mlplatform package. */
  workDir?: string;
  /** Render JSON (for machines) instead of the table. */
  json?: boolean;
  /** Also write the JSON report to this file (CI keeps it as an artifact while the log shows the table). */
  jsonOut?: string;
  /** Read a saved engine event log (NDJSON, from a refresh preview) instead of running the engine. */
  eventsFile?: string;
  openStack?: OpenStack;
}

export interface DriftResult {
  exitCode: DriftExitCode;
  /** The rendered table or JSON. */
  output: string;
  report?: DriftReport;
  error?: string;
}

/** The whole command as a function: callable from tests and other programs. Never throws. */
export async function runDrift(opts: DriftOptions = {}): Promise<DriftResult> {
  try {
    let events;
    let stackName = opts.stack;
    let engineError: string | undefined;
    if (opts.eventsFile) {
      events = parseEventLog(readFileSync(opts.eventsFile, "utf8"));
    } else {
      // No manifest: a refresh reads what the state holds and never runs the program.
      const stack = await (opts.openStack ?? openStackForReview)({ stack: opts.stack, dataDir: opts.dataDir, workDir: opts.workDir, stateOnly: true });
      stackName = stack.name;
      const collected = await collectEvents((onEvent) => stack.previewRefresh({ onEvent }));
      events = collected.events;
      engineError = collected.error ? shortError(collected.error) : undefined;
    }
    const refresh = refreshFromEvents(events);
    // A stack without mlplatform resources (a wrong stack, project or backend) has nothing to drift: say so.
    if (!engineError && refresh.errors.length === 0 && !refresh.resources.some((r) => kindOf(r.type))) {
      const name = stackName ?? refresh.stack;
      throw new Error(`stack${name ? ` \`${name}\`` : ""} has no mlplatform resources in its state, so there is nothing to check for drift (was it deployed from another project or backend?)`);
    }
    const report = buildDriftReport(
      { resources: refresh.resources, errors: engineError ? [...refresh.errors, engineError] : refresh.errors },
      { stack: stackName ?? refresh.stack },
    );
    const output = opts.json ? renderDriftJson(report) : renderDriftTable(report);
    if (opts.jsonOut) writeOut(opts.jsonOut, renderDriftJson(report));
    const exitCode = report.errors.length > 0 ? DRIFT_EXIT.error : report.clean ? DRIFT_EXIT.clean : DRIFT_EXIT.drift;
    return { exitCode, output, report, error: report.errors.length > 0 ? report.errors.join("; ") : undefined };
  } catch (err) {
    const message = (opts.eventsFile ? `${opts.eventsFile}: ` : "") + (err instanceof Error ? err.message : String(err));
    const output = opts.json ? JSON.stringify({ schemaVersion: 1, error: message }, null, 2) + "\n" : `error: ${message}\n`;
    return { exitCode: DRIFT_EXIT.error, output, error: message };
  }
}

export function registerDriftCommand(program: Command, defaults: Pick<DriftOptions, "openStack"> = {}): Command {
  return program
    .command("drift")
    .description("compare the stack's state with the live platform without changing either (exit 0: clean, 2: drift, 1: error)")
    .option("-s, --stack <name>", "stack to check (default: the project's selected stack; for the mlplatform package, dev)")
    .option("-C, --work-dir <dir>", "Pulumi project directory (default: the project in the working directory or above, else the mlplatform package)")
    .option("--data-dir <dir>", "local platform data directory (default $MLPLATFORM_DATA_DIR or ~/.mlplatform)")
    .option("--json", "print the report as JSON")
    .option("--json-out <file>", "also write the JSON report to this file")
    .option("--events <file>", "read a saved engine event log of a refresh preview instead of running one")
    .action(async (flags: { stack?: string; workDir?: string; dataDir?: string; json?: boolean; jsonOut?: string; events?: string }) => {
      const result = await runDrift({ ...defaults, stack: flags.stack, workDir: flags.workDir, dataDir: flags.dataDir, json: flags.json, jsonOut: flags.jsonOut, eventsFile: flags.events });
      process.stdout.write(result.output);
      if (result.error) process.stderr.write(`mlplatform drift: ${result.error}\n`);
      process.exitCode = result.exitCode;
    });
}
