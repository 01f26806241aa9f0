// The developer guide's rule that every source file opens with a header comment saying what it is for,
// checked over the files git tracks, so a new file without one fails the suite instead of waiting for review.
import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { expect, it } from "vitest";

const REPO_ROOT = join(__dirname, "../..");
const SOURCE = /\.(ts|mts|cts|js|mjs|cjs|sh)$/;

it("every tracked source file starts with a header comment", () => {
  const files = execFileSync("git", ["ls-files"], { cwd: REPO_ROOT, encoding: "utf8" })
    .split("\n")
    .filter((f) => SOURCE.test(f));
  expect(files.length).toBeGreaterThan(50);
  const missing = files.filter((f) => {
    const lines = readFileSync(join(REPO_ROOT, f), "utf8").split("\n");
    const first = lines[0].startsWith("#!") ? lines[1] : lines[0];
    return !(first?.startsWith("//") || (f.endsWith(".sh") && first?.startsWith("#")));
  });
  expect(missing).toEqual([]);
});
