// Issue 11, the parts that need no engine: drift counts declared properties and existence only (health has
// its own section and never changes the exit code); a review of a saved preview is titled with the stack
// the preview was made of; the review of recorded previews states only what will happen; version changes
// carry metrics and perf figures.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { Command } from "commander";
import { describe, expect, it } from "vitest";
import { DRIFT_EXIT, runDrift } from "../../cli/drift";
import { registerReviewCommands, REVIEW_EXIT, runReview } from "../../cli/review";
import { buildDriftReport, buildReviewReport, parseSavedPreview, renderReviewMarkdown } from "../../review";

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

/** A golden event log with each step's metadata edited by `edit`, as NDJSON text. */
function transformEvents(file: string, edit: (metadata: any) => void): string {
  return readFileSync(golden(file), "utf8").split("\n").filter(Boolean).map((line) => {
    const event = JSON.parse(line);
    for (const m of [event.resourcePreEvent?.metadata, event.resOutputsEvent?.metadata]) if (m) edit(m);
    return JSON.stringify(event);
  }).join("\n");
}

// Previews recorded from the real engine (record-golden.test.ts) of the quickstart / canary stacks `dev`.
describe("the review states only what will happen (recorded previews)", () => {
  const review = (f: string) => buildReviewReport(parseSavedPreview(readFileSync(golden(f), "utf8")), {});
  const notes = (f: string) => review(f).resources.flatMap((r) => r.notes);
  const ops = (f: string) => review(f).resources.map((r) => `${r.op} ${r.kind} ${r.name}`);

  it("description-only: the dataset's description changes, nothing downstream re-runs", () => {
    expect(notes("description-only.ndjson")).toEqual(["dataset `iris-dev`: description changes"]);
    expect(ops("description-only.ndjson")).toEqual(["update Dataset iris"]);
    expect(review("description-only.ndjson").unchanged).toBe(4);
  });
  it("tags-only: the same", () => {
    expect(notes("tags-only.ndjson")).toEqual(["dataset `iris-dev`: tags change"]);
    expect(ops("tags-only.ndjson")).toEqual(["update Dataset iris"]);
  });
  it("hyper-parameter bump: the job re-runs, the model registers v2, the perf job re-runs, the service rolls to v2", () => {
    expect(ops("hyper-parameter.ndjson")).toEqual(["replace TrainingJob iris-train", "update Model iris", "replace PerfJob iris-latency", "update Service iris"]);
    expect(notes("hyper-parameter.ndjson")).toContain("service `iris-dev` rolls from model `iris-dev` v1 to v2; 2 replicas");
    expect(notes("hyper-parameter.ndjson")).toContain("perf job `iris-latency-dev` will re-run its benchmark against model version v2 (was v1)");
  });
  it("same path, new content: the dataset ingests v2 for certain (digest changed), and everything downstream follows", () => {
    expect(notes("new-content.ndjson")[0]).toBe("dataset `iris-dev` ingests the new content of `quickstart/data/iris.csv` as v2 (its content digest changed)");
    expect(ops("new-content.ndjson")).toEqual(["update Dataset iris", "replace TrainingJob iris-train", "update Model iris", "replace PerfJob iris-latency", "update Service iris"]);
  });
  it("traffic shift: only the service, weights before and after", () => {
    expect(notes("traffic-shift.ndjson")).toEqual(["service `iris-canary-dev` shifts traffic: model `iris-baseline-dev` v1 90% → 50%, model `iris-candidate-dev` v1 10% → 50%; 2 replicas"]);
  });
  it("scale (replicas and flavor) and replica-only: only the service", () => {
    expect(ops("scale.ndjson")).toEqual(["update Service iris"]);
    expect(notes("scale.ndjson")).toEqual(["service `iris-dev` scales from 2 to 3 replicas", "service `iris-dev` rolls its replicas one at a time to apply `flavor`; 3 replicas"]);
    expect(notes("replica-only.ndjson")).toEqual(["service `iris-dev` scales from 2 to 3 replicas"]);
  });
  it("a change that depends on apply is worded as a condition", () => {
    // A remote dataset's content cannot be digested at preview: whether the job re-runs depends on it.
    const events = transformEvents("description-only.ndjson", (m) => {
      for (const side of [m.old, m.new]) {
        for (const props of [side?.inputs, side?.outputs]) {
          if (!props || props.source !== "quickstart/data/iris.csv") continue;
          props.source = side === m.new && m.type.endsWith(":Dataset") ? "s3://bucket/iris-2.csv" : "s3://bucket/iris.csv";
          delete props.sourceDigest;
        }
      }
    });
    const report = buildReviewReport(parseSavedPreview(events), {});
    const all = report.resources.flatMap((r) => r.notes);
    expect(all).toContain("training job `iris-train-dev` re-runs if the content at `s3://bucket/iris-2.csv` differs from dataset `iris-dev` v1");
    expect(all.some((n) => /will re-run/.test(n))).toBe(false);
  });
});

describe("metrics beside every version change", () => {
  it("shows training metrics and perf figures of the old and new version, with deltas and who measured them", () => {
    // replica-only, turned into a promotion: the service moves from v1 to v2 of a model it already serves.
    let modelId = "";
    const events = transformEvents("replica-only.ndjson", (m) => {
      if (!m.type.endsWith(":Service") || !m.new?.inputs?.models) return;
      modelId = m.new.inputs.models[0].modelId;
      m.new.inputs.models[0].version = 2;
      m.new.inputs.replicas = m.old.inputs.replicas;
    });
    const report = buildReviewReport(parseSavedPreview(events), {
      stack: "prod",
      models: {
        [modelId]: {
          name: "iris",
          versions: {
            1: { metrics: { accuracy: 0.9, loss: 0.3 }, perf: [{ perfJob: "lat-staging", stack: "staging", status: "Succeeded", sloMet: true, concurrency: 4, p50Ms: 2, p99Ms: 10, throughput: 400 }] },
            2: { metrics: { accuracy: 0.95, loss: 0.2 }, perf: [{ perfJob: "lat-staging", stack: "staging", status: "Succeeded", sloMet: true, concurrency: 4, p50Ms: 1.5, p99Ms: 8, throughput: 500 }] },
          },
        },
      },
    });
    const md = renderReviewMarkdown(report);
    expect(report.promotions).toEqual(["service `iris-dev` is promoted to model `iris` v2, as measured in stack `staging` by perf job `lat-staging` (Succeeded, SLO met; p50 1.5 ms, p99 8 ms, 500 req/s at concurrency 4)"]);
    expect(md).toContain("**service `iris-dev`: model `iris` v1 → v2**");
    expect(md).toContain("| accuracy | 0.9 | 0.95 | +0.05 (+5.6%) |");
    expect(md).toContain("| loss | 0.3 | 0.2 | -0.1 (-33.3%) |");
    expect(md).toContain("| p99 latency (ms) | 10 | 8 | -2 (-20%) |");
    expect(md).toContain("| throughput (req/s) | 400 | 500 | +100 (+25%) |");
    expect(md).toContain("| SLO met | yes | yes | |");
    expect(md).toContain("v1: perf job `lat-staging` (stack `staging`), Succeeded, SLO met");
  });
});

describe("drift: an output that echoes a declared input is not health", () => {
  it("weights changed by hand show once, as drift of `models`, not again as `servedModels` under Health", () => {
    const models = (a: number, b: number) => [{ modelId: "m-1", weight: a }, { modelId: "m-2", weight: b }];
    const served = (a: number, b: number) => [{ modelId: "m-1", modelName: "iris", version: 1, weight: a }, { modelId: "m-2", modelName: "iris", version: 2, weight: b }];
    const report = buildDriftReport({
      errors: [],
      resources: [{
        result: "update",
        urn: "urn:pulumi:dev::p::pulumi-nodejs:dynamic/mlplatform:Service::iris",
        type: "pulumi-nodejs:dynamic/mlplatform:Service",
        name: "iris",
        diffKeys: ["models"],
        old: { inputs: { name: "iris", models: models(80, 20) }, outputs: { name: "iris", models: models(80, 20), servedModels: served(80, 20), readyReplicas: 2 } },
        new: { inputs: { name: "iris", models: models(50, 50) }, outputs: { name: "iris", models: models(50, 50), servedModels: served(50, 50), readyReplicas: 1 } },
      }],
    });
    expect(report.resources.map((r) => r.properties.map((p) => p.property))).toEqual([["models[0].weight", "models[1].weight"]]);
    expect(report.health.map((h) => h.property)).toEqual(["readyReplicas"]);
  });
});
