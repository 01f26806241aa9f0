// Golden-file tests: engine output in the real shapes (a `pulumi preview --json` document, or an NDJSON
// engine event log as the Automation API streams it) → the Markdown review / drift table and JSON.
// Regenerate after an intended change with `UPDATE_GOLDEN=1 npx vitest run test/review`, then read the diff.
import { existsSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import {
  buildDriftReport,
  buildReviewReport,
  parseEventLog,
  parseSavedPreview,
  refreshFromEvents,
  renderDriftJson,
  renderDriftTable,
  renderReviewMarkdown,
} from "../../review";

const GOLDEN = join(__dirname, "golden");
const update = process.env.UPDATE_GOLDEN === "1";

function expectGolden(file: string, actual: string): void {
  const path = join(GOLDEN, file);
  if (update || !existsSync(path)) {
    writeFileSync(path, actual);
    if (!update) throw new Error(`golden file ${file} was missing and has been written; check it and re-run`);
  }
  expect(actual).toBe(readFileSync(path, "utf8"));
}

const inputs = readdirSync(GOLDEN).filter((f) => /\.(json|ndjson)$/.test(f) && !f.endsWith(".expected.json"));
const reviewInputs = inputs.filter((f) => !f.startsWith("drift-"));
const driftInputs = inputs.filter((f) => f.startsWith("drift-"));

describe("review golden files", () => {
  it("has an input for every case the review must cover", () => {
    for (const name of ["create", "update-in-place", "replace", "version-bump", "canary", "delete", "secret", "no-changes",
      // Recorded from the real engine (record-golden.test.ts): only what will happen, issue 11.
      "description-only", "tags-only", "hyper-parameter", "new-content", "traffic-shift", "scale", "replica-only"]) {
      expect(reviewInputs.some((f) => f.startsWith(`${name}.`)), name).toBe(true);
    }
  });
  for (const input of reviewInputs) {
    it(`renders ${input}`, () => {
      const report = buildReviewReport(parseSavedPreview(readFileSync(join(GOLDEN, input), "utf8")), { stack: "dev" });
      expectGolden(input.replace(/\.(nd)?json$/, ".md"), renderReviewMarkdown(report));
    });
  }
});

describe("drift golden files", () => {
  it("has an input for drifted properties, deletion out of band and a clean stack", () => {
    expect(driftInputs.sort()).toEqual(["drift-clean.ndjson", "drift-deleted.ndjson", "drift-drifted.ndjson", "drift-health.ndjson", "drift-platform.ndjson", "drift-real.ndjson"]);
  });
  for (const input of driftInputs) {
    it(`renders ${input}`, () => {
      const report = buildDriftReport(refreshFromEvents(parseEventLog(readFileSync(join(GOLDEN, input), "utf8"))), { stack: "dev" });
      const base = input.replace(/\.ndjson$/, "");
      expectGolden(`${base}.txt`, renderDriftTable(report));
      expectGolden(`${base}.expected.json`, renderDriftJson(report));
    });
  }
});
