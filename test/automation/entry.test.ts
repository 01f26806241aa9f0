// The package's public entry for programs that drive stacks, `mlplatform/automation`, resolved the way a
// user's program resolves it (through package.json "exports", from the compiled package): it reaches the
// functions the README documents, the root entry stays resources and types, and the TypeScript example
// uses the public entries instead of cli/ internals.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { ensureBuilt, REPO_ROOT } from "../build";

beforeAll(() => ensureBuilt());

describe("mlplatform/automation", () => {
  it("resolves through the package exports and offers the documented functions", () => {
    const automation = require(require.resolve("mlplatform/automation", { paths: [REPO_ROOT] }));
    for (const name of ["openStack", "manifestProgram", "runStackCommand", "runReview", "runDrift", "ensurePlatform", "stopPlatform", "packageRoot"])
      expect(typeof automation[name], name).toBe("function");
    expect(automation.REVIEW_EXIT).toEqual({ noChanges: 0, error: 1, changes: 3 });
    expect(automation.DRIFT_EXIT).toEqual({ clean: 0, error: 1, drift: 2 });
    expect(typeof automation.review.renderReviewMarkdown).toBe("function");
    expect(typeof automation.review.renderDriftTable).toBe("function");
    // Its types ship beside it.
    expect(readFileSync(join(REPO_ROOT, "dist/automation/index.d.ts"), "utf8")).toContain("openStack");
  });

  it("stays out of the root entry, which keeps to resources and types", () => {
    const root = require(require.resolve("mlplatform", { paths: [REPO_ROOT] }));
    expect(typeof root.Dataset).toBe("function");
    for (const name of ["openStack", "runReview", "runDrift", "ensurePlatform"]) expect(root[name], name).toBeUndefined();
  });

  it("is what the TypeScript example imports instead of cli/ internals", () => {
    const source = readFileSync(join(REPO_ROOT, "examples/typescript/index.ts"), "utf8");
    const imports = [...source.matchAll(/^import .* from "([^"]+)";$/gm)].map((m) => m[1]);
    expect(imports).toContain("../../automation");
    expect(imports.filter((p) => p.includes("/cli/"))).toEqual([]);
  });
});
