// What loading the handlers costs the dynamic-provider process (a fixed cost of every preview, refresh and
// up, issue 18 §2): no HTTP client and no cloud driver until they are used, and inside that process the
// modules load through Node's compile cache, kept outside the project.
import { execFileSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ensureBuilt, REPO_ROOT } from "../build";

const KINDS = ["dataset", "training-job", "model", "perf-job", "service"];
let dir: string;

beforeAll(() => {
  ensureBuilt();
  dir = mkdtempSync(join(tmpdir(), "mlp-loading-"));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Runs `script` as the main module at `mainPath` in a fresh node, with `env`; returns its stdout. */
function runAsMain(mainPath: string, script: string, env: NodeJS.ProcessEnv = {}): string {
  mkdirSync(join(mainPath, ".."), { recursive: true });
  writeFileSync(mainPath, script);
  const clean = { ...process.env, ...env };
  delete clean.NODE_COMPILE_CACHE;
  return execFileSync(process.execPath, [mainPath], { env: clean, encoding: "utf8" });
}

const loadHandlers = `for (const k of ${JSON.stringify(KINDS)}) require(${JSON.stringify(join(REPO_ROOT, "dist/provider/handlers"))} + "/" + k + ".js");\n`;

describe("loading the handlers", () => {
  it("loads neither got nor a cloud driver (nor the S3 client) before they are used", () => {
    const out = runAsMain(
      join(dir, "plain/main.js"),
      loadHandlers + `console.log(JSON.stringify(Object.keys(require.cache).filter((k) => /node_modules[\\\\/](got|@aws-sdk)[\\\\/]|dist[\\\\/]sdk[\\\\/](qianfan|modelarts|volcengine)[\\\\/](?!rules\\.js)/.test(k))));`,
    );
    expect(JSON.parse(out)).toEqual([]);
  });

  it("uses a compile cache in the user's cache directory inside the dynamic-provider process, and only there", () => {
    const cache = join(dir, "xdg-cache");
    const print = `console.log(String(require("node:module").getCompileCacheDir()));`;
    const inProvider = runAsMain(join(dir, "fake-pulumi/cmd/dynamic-provider/index.js"), loadHandlers + print, { XDG_CACHE_HOME: cache });
    // Node keeps one subdirectory per Node version and V8 flags inside the directory it was given.
    expect(inProvider.trim().startsWith(join(cache, "mlplatform", "node-compile-cache"))).toBe(true);
    // Written when the process exits: the next provider process loads from it.
    expect(readdirSync(join(cache, "mlplatform", "node-compile-cache")).length).toBeGreaterThan(0);
    const elsewhere = runAsMain(join(dir, "program/index.js"), loadHandlers + print, { XDG_CACHE_HOME: join(dir, "other-cache") });
    expect(elsewhere.trim()).toBe("undefined");
  });
});
