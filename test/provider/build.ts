// The protocol and fault tests run the compiled package (dist/) the way the dynamic-provider process
// loads it; rebuild when a source file of the provider or SDK is newer than its output.
import { execFileSync } from "node:child_process";
import { existsSync, readdirSync, statSync } from "node:fs";
import { join, resolve } from "node:path";

export const REPO_ROOT = resolve(__dirname, "../..");

function newestMtime(dir: string, ext: string): number {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const full = join(dir, entry.name);
    if (entry.isDirectory()) newest = Math.max(newest, newestMtime(full, ext));
    else if (entry.name.endsWith(ext)) newest = Math.max(newest, statSync(full).mtimeMs);
  }
  return newest;
}

export function ensureBuilt(): void {
  const marker = join(REPO_ROOT, "dist/provider/handlers/handlers-for.js");
  const sources = Math.max(...["provider", "sdk", "schemas"].map((d) => newestMtime(join(REPO_ROOT, d), ".ts")));
  if (existsSync(marker) && statSync(marker).mtimeMs >= sources) return;
  try {
    // tsc still emits when other parts of the repository have type errors; those are not ours to fail on.
    execFileSync(process.execPath, [join(REPO_ROOT, "node_modules/typescript/bin/tsc"), "-p", join(REPO_ROOT, "tsconfig.json")], { stdio: "pipe" });
  } catch {
    /* see above */
  }
  if (!existsSync(marker)) throw new Error("build failed: dist/provider/handlers/handlers-for.js is missing (run npm run build)");
}
