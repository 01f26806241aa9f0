// Behaviour of the review and drift functions beyond the golden files: property diffs, masking in both
// input shapes, replacement collapsing, exit codes, and the commands run against an injected stack.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { EngineEvent } from "@pulumi/pulumi/automation";
import { afterAll, describe, expect, it } from "vitest";
import { runDrift } from "../../cli/drift";
import type { PreviewableStack } from "../../cli/preview-stack";
import { registerReviewCommands, runReview } from "../../cli/review";
import {
  buildDriftReport,
  buildReviewReport,
  refreshFromEvents,
  renderDriftJson,
  renderDriftTable,
  deploymentFromPreviewEvents,
  diffProperties,
  formatPath,
  parseEventLog,
  parseSavedPreview,
  renderReviewMarkdown,
  SECRET_SIGNATURE,
  SIGNATURE_KEY,
  UNKNOWN_VALUE,
} from "../../review";

const GOLDEN = join(__dirname, "golden");
const golden = (f: string) => join(GOLDEN, f);
const events = (f: string) => parseEventLog(readFileSync(golden(f), "utf8"));
const tmp = mkdtempSync(join(tmpdir(), "mlp-review-"));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

/** A stand-in for an Automation API stack that replays saved engine events. */
function fakeStack(replay: { preview?: EngineEvent[]; refresh?: EngineEvent[]; fail?: string }) {
  const calls: string[] = [];
  const stack: PreviewableStack = {
    name: "ci",
    async preview({ onEvent }) {
      calls.push("preview");
      for (const e of replay.preview ?? []) onEvent?.(e);
      if (replay.fail) throw new Error(`code: 255\n stdout: \n stderr: error: ${replay.fail}\n\n err?: Error`);
      return { stdout: "", stderr: "", changeSummary: {} };
    },
    async previewRefresh({ onEvent }) {
      calls.push("previewRefresh");
      for (const e of replay.refresh ?? []) onEvent?.(e);
      if (replay.fail) throw new Error(replay.fail);
      return { stdout: "", stderr: "", changeSummary: {} };
    },
  };
  return { calls, openStack: async (opts: { stack?: string }) => { calls.push(`open:${opts.stack ?? ""}`); return stack; } };
}

describe("command registration", () => {
  it("adds review and drift to a commander program; their exit codes reach process.exitCode", async () => {
    const { Command } = await import("commander");
    const program = new Command("mlplatform").exitOverride();
    registerReviewCommands(program);
    expect(program.commands.map((c) => c.name())).toEqual(["review", "drift"]);
    const stdout: string[] = [];
    const write = process.stdout.write;
    process.stdout.write = ((chunk: string) => (stdout.push(chunk), true)) as typeof process.stdout.write;
    try {
      await program.parseAsync(["node", "mlplatform", "review", "--json", golden("canary.json")]);
      expect(process.exitCode).toBe(3);
      await program.parseAsync(["node", "mlplatform", "drift", "--events", golden("drift-clean.ndjson"), "--json"]);
      expect(process.exitCode).toBe(0);
    } finally {
      process.stdout.write = write;
      process.exitCode = 0;
    }
    expect(stdout[0]).toContain("shifts traffic");
    expect(JSON.parse(stdout[1]!)).toMatchObject({ clean: true, checked: 2 });
  });
});

describe("diffProperties", () => {
  it("reports nested leaves, array growth and removals, and ignores provider-internal inputs", () => {
    const diffs = diffProperties(
      { __provider: "a", name: "iris", models: [{ modelId: "m", version: 1, weight: 100 }], tags: { team: "ml", old: "x" } },
      { __provider: "b", name: "iris", models: [{ modelId: "m", version: 1, weight: 90 }, { modelId: "m", version: 2, weight: 10 }], tags: { team: "ml" } },
    );
    expect(diffs.map((d) => [formatPath(d.path), d.kind])).toEqual([
      ["models[0].weight", "update"],
      ["models[1]", "add"],
      ["tags.old", "delete"],
    ]);
  });

  it("treats an unknown new value as a change and equal values as none", () => {
    expect(diffProperties({ v: 1 }, { v: UNKNOWN_VALUE })).toHaveLength(1);
    expect(diffProperties({ v: { a: [1, 2] } }, { v: { a: [1, 2] } })).toEqual([]);
  });
});

describe("review report", () => {
  it("collapses the event stream's replacement steps into one replace and counts sames", () => {
    const deployment = deploymentFromPreviewEvents(events("replace.ndjson"));
    expect(deployment.steps.map((s) => [s.op, s.name])).toEqual([["replace", "train-iris"]]);
    // The dataset; the stack is the engine's bookkeeping and not counted.
    expect(deployment.unchanged).toBe(1);
    const report = buildReviewReport(deployment);
    expect(report.counts.replace).toBe(1);
    expect(report.resources[0]!.properties[0]).toMatchObject({ property: "hyperParameters.lr", old: "0.1", new: "0.05", forcesReplacement: true });
    expect(report.resources[0]!.notes[0]).toContain("took 2m 14s");
  });

  it("states a model version bump and the service roll it causes, though the new version is unknown in preview", () => {
    const md = renderReviewMarkdown(buildReviewReport(deploymentFromPreviewEvents(events("version-bump.ndjson"))));
    expect(md).toContain("model `iris` registers a new version: v1 → v2");
    expect(md).toContain("service `iris` rolls from model `iris` v1 to v2; 2 replicas");
  });

  it("follows a retrain through the graph: new content registers a model version that the perf job and service pick up", () => {
    const type = (k: string) => `pulumi-nodejs:dynamic/mlplatform:${k}`;
    const step = (kind: string, name: string, op: string, olds: object, news: object, oldOutputs: object, keys: string[] = []) => ({
      sequence: 0, timestamp: 0,
      resourcePreEvent: { metadata: {
        op, urn: `urn:pulumi:dev::p::${type(kind)}::${name}`, type: type(kind), provider: "", keys,
        old: { type: type(kind), urn: "", id: `${kind}-1`, parent: "", provider: "", inputs: olds, outputs: { ...olds, ...oldOutputs } },
        new: { type: type(kind), urn: "", id: "", parent: "", provider: "", inputs: news, outputs: {} },
      } },
    }) as unknown as EngineEvent;
    const model = { name: "iris", source: "models/iris.json", format: "logreg-json" };
    const report = buildReviewReport(deploymentFromPreviewEvents([
      // Same path, new bytes: only the provider's sourceDigest input differs.
      step("Model", "iris", "update", { ...model, sourceDigest: "sha256:aa" }, { ...model, sourceDigest: "sha256:bb" }, { version: 3, latestVersion: 4 }),
      step("PerfJob", "bench", "replace", { name: "bench", modelId: "Model-1", modelVersion: 3 }, { name: "bench", modelId: "Model-1", modelVersion: UNKNOWN_VALUE }, {}, ["modelVersion"]),
      step("Service", "web", "update",
        { name: "web", models: [{ modelId: "Model-1", version: 3, weight: 100 }], replicas: 1 },
        { name: "web", models: [{ modelId: "Model-1", version: UNKNOWN_VALUE, weight: 100 }], replicas: 1 },
        { servedModels: [{ modelId: "Model-1", modelName: "iris", version: 3, weight: 100 }] }),
    ]));
    expect(report.resources.flatMap((r) => r.notes)).toEqual([
      "model `iris` registers a new version: v3 → v5 (new content at `models/iris.json`)",
      "perf job `bench` will re-run its benchmark against model version v5 (was v3)",
      "service `web` rolls from model `iris` v3 to v5; 1 replica",
    ]);
  });

  it("never prints a secret: by property name, by \"[secret]\" in the JSON document, by signature in events", () => {
    const fromDigest = renderReviewMarkdown(buildReviewReport(parseSavedPreview(readFileSync(golden("secret.json"), "utf8"))));
    expect(fromDigest).not.toMatch(/tok-(old|new)/);
    expect(fromDigest).toContain("| `registryAuth` | `[secret]` | `[secret] (changed)` |");

    const secret = { [SIGNATURE_KEY]: SECRET_SIGNATURE, ciphertext: "[secret]" };
    const urn = "urn:pulumi:dev::p::pulumi-nodejs:dynamic/mlplatform:Service::iris";
    const state = (inputs: Record<string, unknown>) => ({ type: "pulumi-nodejs:dynamic/mlplatform:Service", urn, id: "sv-1", parent: "", provider: "", inputs, outputs: {} });
    const event = {
      sequence: 1, timestamp: 1,
      resourcePreEvent: { metadata: {
        op: "update", urn, type: "pulumi-nodejs:dynamic/mlplatform:Service", provider: "", diffs: ["apiKey"],
        old: state({ dbPassword: "hunter2", apiKey: secret, nested: { clientSecret: "s3" } }),
        new: state({ dbPassword: "hunter3", apiKey: secret, nested: { clientSecret: "s4" } }),
      } },
    } as unknown as EngineEvent;
    const fromEvents = renderReviewMarkdown(buildReviewReport(deploymentFromPreviewEvents([event])));
    expect(fromEvents).not.toMatch(/hunter|s3|s4|ciphertext/);
    expect(fromEvents).toContain("`dbPassword`");
    expect(fromEvents).toContain("`apiKey`");
    expect(fromEvents).toContain("`nested.clientSecret`");
  });

  it("keeps a large review under the comment size limit, saying how many resources it left out", () => {
    const report = buildReviewReport(parseSavedPreview(readFileSync(golden("create.json"), "utf8")));
    const full = renderReviewMarkdown(report);
    const cut = renderReviewMarkdown(report, { maxChars: full.length - 10 });
    expect(cut.length).toBeLessThanOrEqual(full.length - 10);
    expect(cut).toContain("1 more resource is not shown here");
    expect(cut).toContain("service `iris` will serve"); // the statements are always kept
    expect(renderReviewMarkdown(report, { maxChars: full.length + 500 })).toBe(full);
  });

  it("reads events recorded from the real engine (Pulumi 3.259, dynamic resources)", () => {
    const report = buildReviewReport(deploymentFromPreviewEvents(events("real-preview.ndjson")));
    expect(report.resources.map((r) => [r.op, r.kind, r.name])).toEqual([
      ["replace", "TrainingJob", "train"],
      ["update", "Service", "iris"],
      ["delete", "Dataset", "extra"],
    ]);
    const service = report.resources[1]!;
    expect(service.properties.map((p) => p.property)).toEqual(["env.LOG_LEVEL", "models[0].version", "replicas"]);
    expect(service.notes).toEqual(["service `iris` rolls from model `md-1` v1 to v2; replicas 2 → 3"]);
    expect(service.opaqueSecrets).toEqual(["apiToken"]);
    expect(report.errors).toEqual([]);
  });

  it("reads a retrain recorded with the real handlers and local platform: the job re-runs, the model follows it", () => {
    const report = buildReviewReport(deploymentFromPreviewEvents(events("platform-retrain.ndjson")));
    expect(report.resources.map((r) => [r.op, r.kind, r.name])).toEqual([["replace", "TrainingJob", "iris-train"], ["update", "Model", "iris"]]);
    expect(report.resources.flatMap((r) => r.notes)).toEqual([
      "training job `iris-train` will re-run because `hyperParameters.learning_rate` changed (its last run took less than a second, Completed)",
      "model `iris` registers a new version: v1 → v2 (trained by the re-run of training job `iris-train`)",
    ]);
    // Provider bookkeeping (logicalName, __provider) never shows as a change.
    expect(report.resources.flatMap((r) => r.properties.map((p) => p.property))).toEqual(["hyperParameters.learning_rate", "metrics", "source"]);
  });

  it("gives the same review from `pulumi preview --json` as from the event stream of the same preview (both recorded from the real engine)", () => {
    const fromDigest = renderReviewMarkdown(buildReviewReport(parseSavedPreview(readFileSync(golden("real-preview-digest.json"), "utf8"))));
    const fromEvents = renderReviewMarkdown(buildReviewReport(deploymentFromPreviewEvents(events("real-preview.ndjson"))));
    expect(fromDigest).toBe(fromEvents);
    expect(fromDigest).toContain("*Secret input `apiToken`");
  });

  it("reads the same deployment from a JSON array of events as from an NDJSON log", () => {
    const list = events("version-bump.ndjson");
    const fromArray = parseSavedPreview(JSON.stringify(list));
    expect(fromArray).toEqual(deploymentFromPreviewEvents(list));
  });
});

describe("runReview", () => {
  it("exits 3 with changes, 0 without, and writes the Markdown to --out", async () => {
    const out = join(tmp, "comment", "review.md");
    const changed = await runReview({ jsonFile: golden("canary.json"), out });
    expect(changed.exitCode).toBe(3);
    expect(readFileSync(out, "utf8")).toBe(changed.markdown);
    expect(changed.markdown).toContain("model `iris` v4 0% → 10% (new)");

    const same = await runReview({ jsonFile: golden("no-changes.json") });
    expect(same.exitCode).toBe(0);
    expect(same.markdown).toContain("No changes.");
  });

  it("exits 1 on a file that is not a preview, naming the file", async () => {
    const bad = join(tmp, "bad.json");
    writeFileSync(bad, JSON.stringify({ steps: "nope" }));
    const result = await runReview({ jsonFile: bad });
    expect(result.exitCode).toBe(1);
    expect(result.error).toContain("bad.json");
    expect(result.markdown).toContain("could not be produced");
  });

  it("runs a live preview through the stack it opens, and never anything that writes", async () => {
    const fake = fakeStack({ preview: events("version-bump.ndjson") });
    const result = await runReview({ stack: "ci", openStack: fake.openStack });
    expect(fake.calls).toEqual(["open:ci", "preview"]);
    expect(result.exitCode).toBe(3);
    expect(result.markdown).toContain("stack `ci`");
  });

  it("exits 1 when the preview fails, and says why", async () => {
    const fake = fakeStack({ preview: [], fail: "program failed: dataset source missing" });
    const result = await runReview({ openStack: fake.openStack });
    expect(result.exitCode).toBe(1);
    expect(result.markdown).toContain("**The preview failed:**\n\n- error: program failed: dataset source missing");
    expect(result.markdown).not.toContain("No changes.");

    // The engine's own error diagnostic is preferred, and changes planned before the failure are kept.
    const diagnostic = { sequence: 99, timestamp: 0, diagnosticEvent: { urn: "", prefix: "error: ", message: "update failed: Service iris: replicas must be 1-16", color: "never", severity: "error" } } as EngineEvent;
    const partial = fakeStack({ preview: [...events("version-bump.ndjson"), diagnostic], fail: "exit 255" });
    const both = await runReview({ openStack: partial.openStack });
    expect(both.exitCode).toBe(1);
    expect(both.error).toBe("error: update failed: Service iris: replicas must be 1-16");
    expect(both.markdown).toContain("Changes planned before it stopped:");
    expect(both.markdown).toContain("rolls from model `iris` v1 to v2");
  });
});

describe("runDrift", () => {
  it("exits 2 on drift and names each drifted property, in the table and in JSON", async () => {
    const table = await runDrift({ eventsFile: golden("drift-drifted.ndjson") });
    expect(table.exitCode).toBe(2);
    expect(table.output).toMatch(/iris\s+Service\s+replicas\s+2\s+1/);
    const json = await runDrift({ eventsFile: golden("drift-drifted.ndjson"), json: true });
    const report = JSON.parse(json.output);
    expect(report.resources[0]).toMatchObject({ name: "iris", status: "drifted" });
    expect(report.resources[0].properties[0]).toMatchObject({ property: "replicas", inStateValue: 2, liveValue: 1 });
  });

  it("reads a refresh preview recorded from the real engine", async () => {
    const result = await runDrift({ eventsFile: golden("drift-real.ndjson") });
    expect(result.exitCode).toBe(2);
    expect(result.report!.checked).toBe(3);
    expect(result.report!.resources.map((r) => [r.name, r.status, r.properties.map((p) => `${p.property}:${p.inState}->${p.live}`)])).toEqual([
      ["extra", "deleted", []],
      ["iris", "drifted", ["replicas:2->1"]],
    ]);
  });

  it("writes the JSON report to --json-out while printing the table", async () => {
    const file = join(tmp, "artifacts", "drift.json");
    const result = await runDrift({ eventsFile: golden("drift-drifted.ndjson"), jsonOut: file });
    expect(result.output).toContain("RESOURCE");
    expect(JSON.parse(readFileSync(file, "utf8"))).toEqual(result.report);
  });

  it("masks secrets in drift reports, in the table and in the JSON", () => {
    const urn = "urn:pulumi:dev::p::pulumi-nodejs:dynamic/mlplatform:Service::iris";
    const state = (env: Record<string, string>) => ({ type: "pulumi-nodejs:dynamic/mlplatform:Service", urn, id: "sv-1", parent: "", provider: "", inputs: { name: "iris", env }, outputs: { name: "iris", env } });
    const event = { sequence: 1, timestamp: 1, resOutputsEvent: { metadata: {
      op: "update", urn, type: "pulumi-nodejs:dynamic/mlplatform:Service", provider: "",
      old: state({ DB_PASSWORD: "old-pw", MODE: "a" }), new: state({ DB_PASSWORD: "new-pw", MODE: "b" }),
    } } } as unknown as EngineEvent;
    const report = buildDriftReport(refreshFromEvents([event]));
    const text = renderDriftTable(report) + renderDriftJson(report);
    expect(text).not.toMatch(/old-pw|new-pw/);
    expect(report.resources[0]!.properties).toEqual([
      expect.objectContaining({ property: "env.DB_PASSWORD", inState: "[secret]", live: "[secret] (changed)", inStateValue: "[secret]", secret: true }),
      expect.objectContaining({ property: "env.MODE", inState: "a", live: "b", secret: false }),
    ]);
  });

  it("decides drift itself when an engine reports the refresh step's own op", () => {
    const urn = "urn:pulumi:dev::p::pulumi-nodejs:dynamic/mlplatform:Dataset::d";
    const st = (description: string) => ({ type: "pulumi-nodejs:dynamic/mlplatform:Dataset", urn, id: "ds-1", parent: "", provider: "", inputs: { description }, outputs: { description } });
    const refresh = (a: string, b: string) => ({ sequence: 1, timestamp: 1, resOutputsEvent: { metadata: { op: "refresh", urn, type: st(a).type, provider: "", old: st(a), new: st(b) } } }) as unknown as EngineEvent;
    expect(refreshFromEvents([refresh("x", "x"), refresh("x", "y")]).resources.map((r) => r.result)).toEqual(["same", "update"]);
  });

  it("reports objects deleted out of band", async () => {
    const result = await runDrift({ eventsFile: golden("drift-deleted.ndjson"), json: true });
    expect(result.exitCode).toBe(2);
    expect(result.report!.deleted).toBe(1);
    expect(result.report!.resources[0]).toMatchObject({ name: "iris", kind: "Model", status: "deleted" });
  });

  it("exits 0 on a clean stack, using only previewRefresh (state is never written)", async () => {
    const fake = fakeStack({ refresh: events("drift-clean.ndjson") });
    const result = await runDrift({ stack: "prod", openStack: fake.openStack });
    expect(fake.calls).toEqual(["open:prod", "previewRefresh"]);
    expect(result.exitCode).toBe(0);
    expect(result.output).toContain("No drift in stack ci: the declared properties of 2 resources match the state.");
  });

  it("exits 1 when the refresh fails or the stack cannot be opened", async () => {
    const failing = fakeStack({ refresh: [], fail: "platform unreachable" });
    expect((await runDrift({ openStack: failing.openStack })).exitCode).toBe(1);
    const unopenable = await runDrift({ openStack: async () => { throw new Error("no such stack: nope"); }, json: true });
    expect(unopenable.exitCode).toBe(1);
    expect(JSON.parse(unopenable.output).error).toContain("no such stack");
  });
});
