// The import structure the code map promises: no runtime import cycles between source files, and the review
// room (review/) stands on the schemas alone, never on the provider, the platform or the CLI.
import { execFileSync } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { dirname, join, normalize } from "node:path";
import { expect, it } from "vitest";

const REPO_ROOT = join(__dirname, "../..");
const sources = execFileSync("git", ["ls-files", "-co", "--exclude-standard", "*.ts"], { cwd: REPO_ROOT, encoding: "utf8" })
  .split("\n")
  .filter((f) => f && !f.startsWith("test/") && !f.endsWith(".d.ts"));

/** Relative imports that load at run time (`import type` and `export type` erase). */
function runtimeImports(file: string): string[] {
  const text = readFileSync(join(REPO_ROOT, file), "utf8");
  const out: string[] = [];
  for (const m of text.matchAll(/^(?:import|export)(?!\s+type\b)[^;]*?from "(\.[^"]+)"/gm)) {
    const target = normalize(join(dirname(file), m[1].replace(/\.js$/, "")));
    const found = [`${target}.ts`, `${target}/index.ts`].find((c) => existsSync(join(REPO_ROOT, c)));
    if (found) out.push(found);
  }
  return out;
}

it("has no import cycles", () => {
  const graph = new Map(sources.map((f) => [f, runtimeImports(f)]));
  const cycles: string[] = [];
  const state = new Map<string, "open" | "done">();
  const visit = (file: string, path: string[]) => {
    if (state.get(file) === "done") return;
    if (state.get(file) === "open") {
      cycles.push([...path.slice(path.indexOf(file)), file].join(" -> "));
      return;
    }
    state.set(file, "open");
    for (const dep of graph.get(file) ?? []) visit(dep, [...path, file]);
    state.set(file, "done");
  };
  for (const file of graph.keys()) visit(file, []);
  expect(cycles).toEqual([]);
});

it("review/ imports nothing but itself and the schemas", () => {
  const outside = sources
    .filter((f) => f.startsWith("review/"))
    .flatMap((f) => runtimeImports(f).filter((dep) => !dep.startsWith("review/") && !dep.startsWith("schemas/")).map((dep) => `${f} -> ${dep}`));
  expect(outside).toEqual([]);
});
