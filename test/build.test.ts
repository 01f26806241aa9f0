// The build helper the dist/-driven tests share must fail on type errors (tsc still emits JavaScript when the
// types are wrong, so "the output exists" proves nothing), keep failing until they are fixed, and build
// again when a source changes after a good build. Runs against a tiny project of its own, not this repository.
// The test files' type-check fails listing each error in a test file, and passes on this repository's tests.
import { spawnSync } from "node:child_process";
import { mkdtempSync, mkdirSync, readdirSync, rmSync, symlinkSync, utimesSync, writeFileSync, existsSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, relative } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { ensureBuilt, REPO_ROOT, typeCheckTests } from "./build";

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

describe("typeCheckTests", () => {
  // The same shape as this repository's test/tsconfig.json, its buildinfo kept inside the tiny project.
  mkdirSync(join(project, "test"), { recursive: true });
  write("test/tsconfig.json", JSON.stringify({ extends: "../tsconfig.json", compilerOptions: { noEmit: true, incremental: true, tsBuildInfoFile: "../.cache/test-types.tsbuildinfo" }, include: ["**/*.ts"], exclude: [] }));

  it("fails listing every type error of the test files, including wrong uses of the sources they import", () => {
    write("sdk/client.ts", "export function connect(endpoint: string): { endpoint: string } {\n  return { endpoint };\n}\n");
    write("test/client.test.ts", 'import { connect } from "../sdk/client";\nconnect(8080);\nexport const port: number = connect("x").port;\n');
    expect(() => typeCheckTests(project)).toThrow(/test files have type errors \(.*: 2 errors\).*client\.test\.ts\(2,9\).*TS2345.*client\.test\.ts\(3,42\).*TS2339/s);
    // Nothing is emitted beside the test files or into the build's output.
    expect(existsSync(join(project, "test/client.test.js"))).toBe(false);
    expect(existsSync(join(project, "dist/test"))).toBe(false);
  });

  it("passes once they are fixed", () => {
    write("test/client.test.ts", 'import { connect } from "../sdk/client";\nexport const endpoint: string = connect("http://127.0.0.1:1").endpoint;\n');
    typeCheckTests(project);
  });

  it("test/tsconfig.json covers every .ts file under test/", () => {
    const shown = spawnSync(process.execPath, [join(REPO_ROOT, "node_modules/typescript/bin/tsc"), "--showConfig", "-p", join(REPO_ROOT, "test/tsconfig.json")], { encoding: "utf8" });
    expect(shown.status, shown.stderr).toBe(0);
    const covered = (JSON.parse(shown.stdout) as { files: string[] }).files.map((f) => join(REPO_ROOT, "test", f));
    const all = readdirSync(join(REPO_ROOT, "test"), { recursive: true, encoding: "utf8" }).filter((f) => f.endsWith(".ts")).map((f) => join(REPO_ROOT, "test", f));
    expect(covered.sort().map((f) => relative(REPO_ROOT, f))).toEqual(all.sort().map((f) => relative(REPO_ROOT, f)));
  });

  // Incremental: after the first run on a machine, a few seconds unless many files changed.
  it("passes on this repository's test files", () => typeCheckTests(), 300_000);
});
