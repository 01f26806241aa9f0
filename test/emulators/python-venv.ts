// One cached Python venv per name for the tests' vendor oracles and emulator servers: scripts/python-venv.sh
// builds it once per machine under ~/.cache/mlplatform/venvs (idempotent, locked against parallel workers), and
// every later call in this process is instant.
import { execFileSync } from "node:child_process";
import { join, resolve } from "node:path";

export const REPO_ROOT = resolve(__dirname, "../..");

const pythons = new Map<string, string>();

/** Path of the named venv's python, creating the venv with `requirements` on first use (minutes when cold). */
export function cachedVenvPython(name: string, requirements: readonly string[]): string {
  const known = pythons.get(name);
  if (known) return known;
  const dir = execFileSync("bash", [join(REPO_ROOT, "scripts/python-venv.sh"), name, ...requirements], {
    encoding: "utf8",
    stdio: ["ignore", "pipe", "inherit"],
    timeout: 15 * 60_000,
  }).trim().split("\n").pop()!;
  const python = join(dir, "bin", "python");
  pythons.set(name, python);
  return python;
}
