// The tests that run the compiled package (dist/) — the provider protocol and engine tests, the platform
// restart test — build it first when a source file is newer than the last good build. A build with type
// errors fails the test that asked for it, with tsc's messages: tests never run against a stale or broken dist/.
// The test files themselves, which that build excludes, are type-checked by typeCheckTests (test/build.test.ts).
import { spawnSync } from "node:child_process";
import { existsSync, readdirSync, readFileSync, rmSync, statSync, utimesSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";

export const REPO_ROOT = resolve(__dirname, "..");

function newestMtime(path: string): number {
  if (!existsSync(path)) return 0;
  if (!statSync(path).isDirectory()) return path.endsWith(".ts") ? statSync(path).mtimeMs : 0;
  let newest = 0;
  for (const entry of readdirSync(path, { withFileTypes: true })) {
    if (entry.name === "node_modules" || entry.name === "dist") continue;
    newest = Math.max(newest, newestMtime(join(path, entry.name)));
  }
  return newest;
}

/** The directories tsconfig.json compiles (the first segment of each `include` pattern). */
function sourceRoots(root: string): string[] {
  const config = JSON.parse(readFileSync(join(root, "tsconfig.json"), "utf8")) as { include?: string[] };
  return [...new Set((config.include ?? ["."]).map((p) => p.split("/")[0]))].map((d) => join(root, d));
}

/** Compiles `root` (default: this repository) unless its last good build is newer than every source. */
export function ensureBuilt(root: string = REPO_ROOT): void {
  // Written only after a build without errors, so a failed build is retried (and fails) again next time.
  const stamp = join(root, "dist/.built-without-errors");
  const newest = Math.max(newestMtime(join(root, "tsconfig.json")), ...sourceRoots(root).map(newestMtime));
  if (existsSync(stamp) && statSync(stamp).mtimeMs >= newest) return;
  rmSync(stamp, { force: true });
  const started = new Date();
  tsc(root, join(root, "tsconfig.json"), "the build has errors");
  // Dated when the build started: a source saved while tsc ran is newer, so the next call builds again.
  writeFileSync(stamp, started.toISOString() + "\n");
  utimesSync(stamp, started, started);
}

/**
 * Type-checks the test files (test/tsconfig.json: every .ts file under test/ and the sources they import,
 * nothing emitted). The root build excludes test/, and vitest only strips types, so without this a test can call
 * a handler with the wrong arguments, or read a property its value does not have, and still run.
 * Incremental (test/tsconfig.json keeps its buildinfo under node_modules/.cache): only what changed is checked again.
 */
export function typeCheckTests(root: string = REPO_ROOT): void {
  tsc(root, join(root, "test/tsconfig.json"), "the test files have type errors");
}

/** Runs the project's own tsc on `config`; on errors, throws `failure` with their count and tsc's messages. */
function tsc(root: string, config: string, failure: string): void {
  const run = spawnSync(process.execPath, [join(root, "node_modules/typescript/bin/tsc"), "-p", config], { encoding: "utf8" });
  if (run.status === 0) return;
  const output = `${run.stdout ?? ""}${run.stderr ?? ""}`.trim() || String(run.error ?? `exit ${run.status}`);
  const count = output.match(/error TS\d+/g)?.length ?? 0;
  throw new Error(`${failure} (tsc -p ${config}: ${count} errors):\n${output}`);
}
