// examples/gitops/workflow.yml is run here as far as it can be without GitHub: every `mlplatform` command
// line it contains is parsed by the real command definitions and executed against a stack that replays
// recorded engine events, and the exit codes and files the workflow's later steps rely on are checked.
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { EngineEvent } from "@pulumi/pulumi/automation";
import { Command } from "commander";
import { parse } from "yaml";
import { afterAll, describe, expect, it } from "vitest";
import { DRIFT_EXIT } from "../../cli/drift";
import type { OpenStack } from "../../cli/preview-stack";
import { registerReviewCommands, REVIEW_EXIT } from "../../cli/review";
import { parseEventLog, REVIEW_MARKER } from "../../review";

const root = join(__dirname, "..", "..");
const workflow = parse(readFileSync(join(root, "examples/gitops/workflow.yml"), "utf8"));
const events = (f: string) => parseEventLog(readFileSync(join(__dirname, "golden", f), "utf8"));
const tmp = mkdtempSync(join(tmpdir(), "mlp-gitops-"));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

type Step = { name?: string; run?: string; if?: string; uses?: string; with?: Record<string, string> };
const steps = (job: string): Step[] => workflow.jobs[job].steps;

/** The `mlplatform …` invocations of a job, as argv with the workflow's env and relative files resolved. */
function invocations(job: string): string[][] {
  return steps(job).flatMap((s) => (s.run ?? "").split("\n"))
    .map((line) => /npx mlplatform (.*?)(\s*\|.*)?$/.exec(line.trim())?.[1])
    .filter((cmd): cmd is string => Boolean(cmd))
    .map((cmd) => cmd.split(/\s+/).map((arg) => arg.replace(/"?\$MLPLATFORM_STACK"?/, workflow.env.MLPLATFORM_STACK)))
    .map((argv) => argv.map((arg, i) => (["--out", "--json-out"].includes(argv[i - 1]!) ? join(tmp, arg) : arg)));
}

function replayingStack(preview: EngineEvent[], refresh: EngineEvent[]): OpenStack {
  return async ({ stack }) => ({
    name: stack ?? "dev",
    async preview({ onEvent }) { preview.forEach((e) => onEvent?.(e)); return { stdout: "", stderr: "", changeSummary: {} }; },
    async previewRefresh({ onEvent }) { refresh.forEach((e) => onEvent?.(e)); return { stdout: "", stderr: "", changeSummary: {} }; },
  });
}

async function run(argv: string[], openStack: OpenStack): Promise<{ exitCode: number; stdout: string }> {
  const program = new Command("mlplatform").exitOverride();
  registerReviewCommands(program, { openStack });
  const chunks: string[] = [];
  const write = process.stdout.write;
  process.stdout.write = ((chunk: string) => (chunks.push(chunk), true)) as typeof process.stdout.write;
  try {
    await program.parseAsync(["node", "mlplatform", ...argv]);
    return { exitCode: Number(process.exitCode ?? 0), stdout: chunks.join("") };
  } finally {
    process.stdout.write = write;
    process.exitCode = 0;
  }
}

describe("examples/gitops/workflow.yml", () => {
  it("reviews pull requests and checks drift on a schedule", () => {
    expect(Object.keys(workflow.on)).toEqual(expect.arrayContaining(["pull_request", "schedule"]));
    expect(workflow.jobs.review.if).toContain("pull_request");
    expect(workflow.jobs.drift.if).toContain("schedule");
  });

  it("its review command previews the stack, writes review.md, and the comment step finds it by the marker", async () => {
    const [argv, ...rest] = invocations("review");
    expect(rest).toEqual([]);
    const result = await run(argv!, replayingStack(events("version-bump.ndjson"), []));
    expect(result.exitCode).toBe(REVIEW_EXIT.changes);
    const markdown = readFileSync(join(tmp, "review.md"), "utf8");
    expect(markdown).toBe(result.stdout);
    expect(markdown).toContain(`stack \`${workflow.env.MLPLATFORM_STACK}\``);
    const post = steps("review").find((s) => s.uses?.startsWith("actions/github-script"))!;
    expect(post.with!.script).toContain(`"${REVIEW_MARKER}"`);
    expect(markdown.startsWith(REVIEW_MARKER)).toBe(true);
    expect(steps("review").some((s) => s.if === `steps.review.outputs.exit == '${REVIEW_EXIT.error}'`)).toBe(true);
  });

  it("its drift command exits 2 on drift, writes drift.json for the artifact, and the issue step keys on that code", async () => {
    const [argv, ...rest] = invocations("drift");
    expect(rest).toEqual([]);
    const drifted = await run(argv!, replayingStack([], events("drift-real.ndjson")));
    expect(drifted.exitCode).toBe(DRIFT_EXIT.drift);
    expect(drifted.stdout).toContain("deleted out of band");
    expect(JSON.parse(readFileSync(join(tmp, "drift.json"), "utf8"))).toMatchObject({ clean: false, deleted: 1, drifted: 1 });
    expect(steps("drift").some((s) => s.if === `steps.drift.outputs.exit == '${DRIFT_EXIT.drift}'`)).toBe(true);

    const clean = await run(argv!, replayingStack([], events("drift-clean.ndjson")));
    expect(clean.exitCode).toBe(DRIFT_EXIT.clean);
    expect(existsSync(join(tmp, "drift.json"))).toBe(true);
  });
});
