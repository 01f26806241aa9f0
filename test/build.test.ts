// The build helper the dist/-driven tests share must fail on type errors (tsc still emits JavaScript when the
// types are wrong, so "the output exists" proves nothing), keep failing until they are fixed, and build
// again when a source changes after a good build. Runs against a tiny project of its own, not this repository.
import { mkdtempSync, mkdirSync, rmSync, symlinkSync, utimesSync, writeFileSync, existsSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { ensureBuilt, REPO_ROOT } from "./build";

const project = mkdtempSync(join(tmpdir(), "mlp-build-"));
afterAll(() => rmSync(project, { recursive: true, force: true }));

function write(rel: string, text: string): void {
  writeFileSync(join(project, rel), text);
}

describe("ensureBuilt", () => {
  // Laid out like this repository (provider/, sdk/, schemas/), in miniature.
  for (const dir of ["provider/handlers", "sdk", "schemas"]) mkdirSync(join(project, dir), { recursive: true });
  symlinkSync(join(REPO_ROOT, "node_modules"), join(project, "node_modules"), "dir");
  write("tsconfig.json", JSON.stringify({ compilerOptions: { outDir: "dist", rootDir: ".", strict: true, types: [] }, include: ["provider", "sdk", "schemas"] }));

  it("fails with tsc's message when the sources have a type error, and again on the next call", () => {
    write("provider/handlers/handlers-for.ts", 'export const answer: number = "forty-two";\n');
    expect(() => ensureBuilt(project)).toThrow(/handlers-for\.ts.*TS2322/s);
    // tsc emitted the JavaScript anyway: the output existing must not count as a good build.
    expect(existsSync(join(project, "dist/provider/handlers/handlers-for.js"))).toBe(true);
    expect(() => ensureBuilt(project)).toThrow(/TS2322/);
  });

  it("passes once the error is fixed, and builds again when a source is newer than that build", () => {
    write("provider/handlers/handlers-for.ts", "export const answer: number = 42;\n");
    ensureBuilt(project);
    write("provider/handlers/handlers-for.ts", 'export const answer: number = "again";\n');
    const later = new Date(Date.now() + 5_000);
    utimesSync(join(project, "provider/handlers/handlers-for.ts"), later, later);
    expect(() => ensureBuilt(project)).toThrow(/TS2322/);
  });
});
