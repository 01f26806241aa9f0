// Issue 18: the README's performance table is generated from bench/results.json, never typed by hand. The
// check that `node dist/bench/report.js --check` makes, run here so a hand edit or a stale table fails the suite.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { expect, it } from "vitest";
import { renderReadmeTable, TABLE_BEGIN, TABLE_END, withTable, type ResultsForReport } from "../../bench/report";

const REPO_ROOT = join(__dirname, "../..");
const results = JSON.parse(readFileSync(join(REPO_ROOT, "bench", "results.json"), "utf8")) as ResultsForReport;

it("the README's performance table is exactly what bench/results.json renders", () => {
  const readme = readFileSync(join(REPO_ROOT, "README.md"), "utf8");
  expect(readme).toContain(TABLE_BEGIN);
  expect(withTable(readme, renderReadmeTable(results))).toBe(readme);
});

it("every goal of results.json is in the table, and a missed one is marked with what was tried", () => {
  const table = renderReadmeTable({
    ...results,
    goals: [
      { goal: "18.1 front | 8 clients", figure: "1.4×", baseline: "straight", ratio: 1.4, met: false, tried: "fewer copies" },
      { goal: "a figure without a goal", figure: "12 ms", baseline: "", ratio: undefined, met: undefined },
    ],
  });
  expect(table).toContain("| 18.1 front \\| 8 clients | 1.4× | straight | 1.40× | **NO** — tried: fewer copies |");
  expect(table).toContain("| a figure without a goal | 12 ms |  |  |  |");
  expect(() => withTable("no markers", table)).toThrow(TABLE_END);
});

it("a benchmark merged more than once is attributed to its latest run only", () => {
  const run = (benchmarks: string[], startedAt: string) => ({ benchmarks, startedAt, loadAverageAtStart: [0.5] });
  const table = renderReadmeTable({
    ...results,
    mergedRuns: [run(["scale"], "2026-12-03T06:10:00.000Z"), run(["scale", "ingest"], "2026-12-03T07:00:00.000Z"), run(["scale"], "2026-12-03T08:33:00.000Z")],
  });
  expect(table).toContain("The ingest figures come from a separate run on 2026-12-03 07:00 UTC");
  expect(table).toContain("The scale figures come from a separate run on 2026-12-03 08:33 UTC");
  expect(table).not.toContain("06:10 UTC");
  expect(table.match(/The scale figures/g)).toHaveLength(1);
});
