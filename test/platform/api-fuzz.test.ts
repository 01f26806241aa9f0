// Issue 12: the API fuzzed against its own OpenAPI document with schemathesis (PyPI, from the cached venv
// scripts/api-fuzz-venv.sh makes): authenticated, a bounded number of examples per operation, a fixed seed
// (MLP_FUZZ_SEED to vary it). Every response is checked for 5xx, for a status the document does not list,
// and against its published schema, by
// schemathesis and by the platform itself (started with responseViolations "refuse", so a violation is a 500).
import { execFileSync, spawn } from "node:child_process";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { REPO_ROOT, startTestPlatform, type TestPlatform } from "./helpers";

let p: TestPlatform;
let schemathesis: string;

beforeAll(async () => {
  schemathesis = execFileSync("bash", [join(REPO_ROOT, "scripts/api-fuzz-venv.sh")], { encoding: "utf8", stdio: ["ignore", "pipe", "inherit"], timeout: 600_000 }).trim();
  p = await startTestPlatform();
}, 660_000);
afterAll(() => p?.close());

function run(cmd: string, args: string[], timeoutMs: number): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve) => {
    const child = spawn(cmd, args, { cwd: p.root, env: { ...process.env, NO_COLOR: "1", SCHEMATHESIS_TELEMETRY: "false" } });
    let output = "";
    child.stdout.on("data", (d) => (output += d));
    child.stderr.on("data", (d) => (output += d));
    const timer = setTimeout(() => child.kill("SIGKILL"), timeoutMs);
    child.on("close", (code) => {
      clearTimeout(timer);
      resolve({ code, output });
    });
  });
}

describe("API fuzzing with schemathesis", () => {
  it("finds no server error and no response outside the published schema", async () => {
    const seed = process.env.MLP_FUZZ_SEED ?? "12";
    const { code, output } = await run(
      schemathesis,
      [
        "run", `${p.endpoint}/v1/openapi.json`,
        "--header", `Authorization: Bearer ${p.token}`,
        "--checks", "not_a_server_error,response_schema_conformance,content_type_conformance,status_code_conformance",
        "--max-examples", "5",
        "--seed", seed,
        "--phases", "examples,coverage,fuzzing",
        "--no-shrink",
        "--request-timeout", "20",
      ],
      240_000,
    );
    const summary = /(\d+) generated, (\d+) passed/.exec(output);
    console.log(`schemathesis (seed ${seed}): ${summary?.[0] ?? "no summary"}`);
    expect(code, output.slice(-4000)).toBe(0);
    expect(summary, output.slice(-2000)).not.toBeNull();
    expect(Number(summary![1])).toBeGreaterThan(500);
    expect(summary![2]).toBe(summary![1]);
    // Every operation the document publishes was exercised.
    const selected = /Selected: (\d+)\/(\d+)/.exec(output);
    const tested = /Tested: (\d+)/.exec(output);
    expect(Number(tested?.[1])).toBeGreaterThanOrEqual(30);
    expect(tested?.[1]).toBe(selected?.[2]);
  }, 300_000);
});
