// The tests that run the compiled package (dist/) — the provider protocol and engine tests, the platform
// restart test — build it first when a source file is newer than the last good build. A build with type
// errors fails the test that asked for it, with tsc's messages: tests never run against a stale or broken dist/.
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
  const tsc = spawnSync(process.execPath, [join(root, "node_modules/typescript/bin/tsc"), "-p", join(root, "tsconfig.json")], { encoding: "utf8" });
  if (tsc.status !== 0) {
    const output = `${tsc.stdout ?? ""}${tsc.stderr ?? ""}`.trim() || String(tsc.error ?? `exit ${tsc.status}`);
    throw new Error(`the build has errors (tsc -p ${join(root, "tsconfig.json")}):\n${output}`);
  }
  // Dated when the build started: a source saved while tsc ran is newer, so the next call builds again.
  writeFileSync(stamp, started.toISOString() + "\n");
  utimesSync(stamp, started, started);
}
