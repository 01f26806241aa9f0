// Issue 11, the parts that need no engine: drift counts declared properties and existence only (health has
// its own section and never changes the exit code), and a review of a saved preview is titled with the
// stack the preview was made of.
import { join } from "node:path";
import { Command } from "commander";
import { describe, expect, it } from "vitest";
import { DRIFT_EXIT, runDrift } from "../../cli/drift";
import { registerReviewCommands, REVIEW_EXIT, runReview } from "../../cli/review";

const golden = (f: string) => join(__dirname, "golden", f);

/** Runs `mlplatform <argv>` through the real command definitions; returns stdout and the exit code. */
async function cli(argv: string[]): Promise<{ exitCode: number; stdout: string }> {
  const program = new Command("mlplatform").exitOverride();
  registerReviewCommands(program);
  const chunks: string[] = [];
  const write = process.stdout.write;
  const writeErr = process.stderr.write;
  process.stdout.write = ((chunk: string) => (chunks.push(chunk), true)) as typeof process.stdout.write;
  process.stderr.write = (() => true) as typeof process.stderr.write;
  try {
    await program.parseAsync(["node", "mlplatform", ...argv]);
    return { exitCode: Number(process.exitCode ?? 0), stdout: chunks.join("") };
  } finally {
    process.stdout.write = write;
    process.stderr.write = writeErr;
    process.exitCode = 0;
  }
}

describe("drift: declared properties and existence, health apart", () => {
  it("a replica restarting (status, readyReplicas, endpoint) is health, not drift: exit 0", async () => {
    const result = await runDrift({ eventsFile: golden("drift-health.ndjson") });
    expect(result.exitCode).toBe(DRIFT_EXIT.clean);
    expect(result.report!.resources).toEqual([]);
    expect(result.output).toContain("No drift in stack dev");
    expect(result.output).toContain("Health (not drift; does not change the exit code)");
    expect(result.report!.health.map((h) => `${h.name} ${h.property}: ${h.inState} → ${h.live}`)).toEqual([
      "iris endpoint: http://127.0.0.1:41001 → http://127.0.0.1:41002",
      "iris readyReplicas: 2 → 1",
      "iris status: Running → Updating",
      "iris statusMessage:  → replica 2 restarting",
    ]);
  });

  it("a declared property changed by hand is still drift: exit 2", async () => {
    const result = await runDrift({ eventsFile: golden("drift-real.ndjson") });
    expect(result.exitCode).toBe(DRIFT_EXIT.drift);
    expect(result.report!.resources.map((r) => `${r.name} ${r.status}`)).toEqual(["extra deleted", "iris drifted"]);
  });
});

describe("review --json of a saved preview", () => {
  it("is titled with the stack the preview was made of, not `dev`", async () => {
    // platform-retrain.ndjson was recorded from stack `test` (urn:pulumi:test::e2e::…).
    const result = await cli(["review", "--json", golden("platform-retrain.ndjson")]);
    expect(result.exitCode).toBe(REVIEW_EXIT.changes);
    expect(result.stdout).toContain("### mlplatform review — stack `test`");
    expect(result.stdout).not.toContain("stack `dev`");
  });

  it("refuses a preview of another stack than the one named", async () => {
    const result = await runReview({ jsonFile: golden("platform-retrain.ndjson"), stack: "prod" });
    expect(result.exitCode).toBe(REVIEW_EXIT.error);
    expect(result.error).toContain("the saved preview is of stack `test`, not `prod`");
  });
});
