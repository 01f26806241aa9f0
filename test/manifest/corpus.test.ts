// Issue 12: the malformed-manifest corpus (corpus-cases.ts), checked in process the way `mlplatform check`
// and `preview` check before the engine starts — the manifest's own rules, then the platform's dry run —
// against one real local platform. Each case asserts the exit code, every problem's file:line:column,
// property path and message, and that the platform holds nothing afterwards.
import { mkdirSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { join, relative } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runCheck } from "../../cli/check";
import { startTestPlatform, type TestPlatform } from "../platform/helpers";
import { writeLogregArtifact } from "../platform/serving-fixtures";
import { CORPUS, type Expected } from "./corpus-cases";

let p: TestPlatform;
let dir: string;
const KINDS = ["datasets", "training-jobs", "models", "perf-jobs", "services"];

beforeAll(async () => {
  p = await startTestPlatform();
  dir = p.root;
  mkdirSync(join(dir, "data", "dir"), { recursive: true });
  writeFileSync(join(dir, "data", "iris.csv"), "a,b\n1,2\n");
  writeFileSync(join(dir, "train.js"), "console.log('train')\n");
  mkdirSync(join(dir, "models"));
  writeLogregArtifact(1, join(dir, "models"), "model.json");
  symlinkSync("/etc", join(dir, "link-etc"));
});
afterAll(() => p?.close());

/** Line and column of the » in `where`, found in the text itself (CR and CRLF read as line breaks). */
function expectedPosition(text: string, where: string): { line: number; column: number } {
  if (where === "^") return { line: 1, column: 1 };
  const normalized = text.replace(/\r\n?/g, "\n");
  const needle = where.replace("»", "");
  const at = normalized.indexOf(needle);
  if (at < 0) throw new Error(`the case's marker ${JSON.stringify(where)} is not in its text`);
  const offset = at + Math.max(0, where.indexOf("»"));
  const before = normalized.slice(0, offset);
  return { line: before.split("\n").length, column: offset - before.lastIndexOf("\n") };
}

const tally: Record<string, number> = {};

describe(`malformed manifest corpus (${CORPUS.length} cases)`, () => {
  it("has at least 150 cases, with unique names, across every category", () => {
    expect(CORPUS.length).toBeGreaterThanOrEqual(150);
    expect(new Set(CORPUS.map((c) => c.name)).size).toBe(CORPUS.length);
    expect(new Set(CORPUS.map((c) => c.category))).toEqual(
      new Set(["yaml", "duplicates", "types", "unknown", "references", "names", "weights", "paths", "flavors", "size", "encoding", "shell", "nesting"]),
    );
  });

  for (const c of CORPUS) {
    it(`${c.category}/${c.name}`, async () => {
      const file = join(dir, `${c.category}-${c.name}.yaml`);
      writeFileSync(file, c.text);
      const result = await runCheck({ manifest: file, workDir: dir, platform: { endpoint: p.endpoint, token: p.token }, stackPrefix: "corpus/test" });
      expect(result.exitCode, result.output).toBe(1);
      const problems = result.error!.problems.map((x) => ({ ...x, file: x.file }));
      const shown = result.output;
      for (const problem of problems) expect(problem.file).toBe(relative(process.cwd(), file));
      expect(problems.length, shown).toBe(c.expect.length);
      for (const [where, path, message] of c.expect as Expected[]) {
        const pos = expectedPosition(c.text, where);
        const match = problems.find((x) => x.path === path && x.line === pos.line && x.column === pos.column && message.test(x.message));
        expect(match, `expected ${pos.line}:${pos.column}: ${path}: ${message} in\n${shown}`).toBeDefined();
      }
      // What users read never carries engine wording.
      expect(shown).not.toMatch(/\{<nil>\}|pulumi-nodejs:dynamic/);
      for (const kind of KINDS) expect((await p.api("GET", `/v1/${kind}`)).body.items, kind).toEqual([]);
      tally[c.category] = (tally[c.category] ?? 0) + 1;
      rmSync(file);
    });
  }

  it("a valid manifest passes with exit code 0 (the corpus's fixtures are sound)", async () => {
    const file = join(dir, "valid.yaml");
    writeFileSync(
      file,
      [
        "apiVersion: mlplatform/v1",
        "datasets:",
        "  iris: { format: csv, source: data/iris.csv }",
        "trainingJobs:",
        "  train: { command: [node, train.js], workingDir: ., datasetId: '${datasets.iris.id}' }",
        "models:",
        "  clf: { format: logreg-json, source: models/model.json }",
        "services:",
        "  web:",
        "    models: [{ modelId: '${models.clf.id}', version: '${models.clf.version}' }]",
        "    replicas: 4",
        "",
      ].join("\n"),
    );
    const result = await runCheck({ manifest: file, workDir: dir, platform: { endpoint: p.endpoint, token: p.token }, stackPrefix: "corpus/test" });
    expect(result).toMatchObject({ exitCode: 0 });
    console.log(`corpus: ${Object.values(tally).reduce((a, b) => a + b, 0)} cases passed: ${JSON.stringify(tally)}`);
  });

  it("a manifest for a cloud backend meets that backend's rules, not the local platform's (its URIs and flavors)", async () => {
    const file = join(dir, "modelarts.yaml");
    writeFileSync(
      file,
      [
        "apiVersion: mlplatform/v1",
        "models:",
        "  clf: { format: onnx, source: 'obs://iris-bucket/model-a/' }",
        "services:",
        "  web:",
        "    models: [{ modelId: '${models.clf.id}', version: '${models.clf.version}' }]",
        "    flavor: modelarts.vm.cpu.2u",
        "",
      ].join("\n"),
    );
    const platform = { endpoint: p.endpoint, token: p.token };
    const cloud = await runCheck({ manifest: file, workDir: dir, platform, backend: "modelarts", stackPrefix: "corpus/test" });
    expect(cloud, cloud.output).toMatchObject({ exitCode: 0 });
    // The same manifest for the local platform: it reads no obs:// and has no such flavor.
    const local = await runCheck({ manifest: file, workDir: dir, platform, stackPrefix: "corpus/test" });
    expect(local.exitCode).toBe(1);
    expect(local.output).toMatch(/models\.clf\.source: obs:\/\/ is not something the local platform reads/);
    rmSync(file);
  });
});

