// Installing must not depend on the machine's npm configuration: with HOME pointing at an empty directory
// (no user .npmrc, so no `nodedir` that lets node-gyp compile offline) `npm ci` of this repository's lock
// file (with the repository's .npmrc) must succeed without compiling or downloading anything the packages do
// not ship, onnxruntime-node's CPU runtime included. Packages come from
// the npm cache the normal setup filled (only the configuration is taken away, not the downloads).
import { execFileSync, spawnSync } from "node:child_process";
import { copyFileSync, mkdirSync, mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { afterAll, expect, it } from "vitest";

const REPO_ROOT = join(__dirname, "../..");
const dir = mkdtempSync(join(tmpdir(), "mlp-install-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

it("npm ci with an empty HOME installs every package without node-gyp", { timeout: 600_000 }, () => {
  const cache = execFileSync("npm", ["config", "get", "cache"], { encoding: "utf8" }).trim();
  const home = join(dir, "home");
  const project = join(dir, "project");
  mkdirSync(home);
  mkdirSync(project);
  // .npmrc is the repository's own install configuration (it skips onnxruntime-node's script, which only
  // downloads optional CUDA parts from nuget.org), not the machine's.
  for (const f of ["package.json", "package-lock.json", ".npmrc"]) copyFileSync(join(REPO_ROOT, f), join(project, f));

  // Only PATH (this Node first) and the cache are kept: no npm_config_* that npx passed down, no user config.
  const env: NodeJS.ProcessEnv = { PATH: `${dirname(process.execPath)}:${process.env.PATH}`, HOME: home, npm_config_cache: cache };
  const run = spawnSync("npm", ["ci", "--prefer-offline", "--no-audit", "--no-fund"], { cwd: project, env, encoding: "utf8" });
  const output = run.stdout + run.stderr;
  expect(output).not.toMatch(/gyp/);
  expect(run.status, output).toBe(0);
  // Nothing was compiled: no package grew a node-gyp build directory.
  const built = readdirSync(join(project, "node_modules"), { recursive: true, encoding: "utf8" }).filter((p) => p.endsWith("build/config.gypi"));
  expect(built).toEqual([]);
  // ONNX Runtime's CPU binaries ship inside the npm package: it loads with nothing downloaded.
  const ort = spawnSync(process.execPath, ["-e", "const ort = require('onnxruntime-node'); console.log(typeof ort.InferenceSession.create)"], { cwd: project, env, encoding: "utf8" });
  expect(ort.stdout.trim(), ort.stderr).toBe("function");
});
