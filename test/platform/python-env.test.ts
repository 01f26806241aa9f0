// The Python environment cache on its own (platform/training/python-env.ts): several builders of one
// environment (jobs of two platforms sharing a cache dir) build it once, the others wait and reuse it; a lock
// left by a builder that died is taken over. "pip" is in every new virtualenv, so no index is needed.
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { ensurePythonEnv, pythonEnvLocation } from "../../platform/training/python-env";

const cacheDirs: string[] = [];
function scratchCache(): string {
  const d = mkdtempSync(join(tmpdir(), "mlp-venvs-"));
  cacheDirs.push(d);
  return d;
}
afterAll(() => cacheDirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

describe("python environment cache", () => {
  it("concurrent builders of one environment: one builds, the other waits and reuses it", async () => {
    const cacheDir = scratchCache();
    const logs: string[][] = [[], []];
    const [a, b] = await Promise.all(logs.map((log) => ensurePythonEnv({ cacheDir, requirements: ["pip"], log: (l) => log.push(l) })));
    expect(a.dir).toBe(b.dir);
    expect([a.reused, b.reused].sort()).toEqual([false, true]);
    const waiter = logs[a.reused ? 0 : 1];
    expect(waiter).toContain("[platform] another job is building the same Python environment; waiting for it");
    expect(waiter.at(-1)).toMatch(/^\[platform\] reusing Python environment [0-9a-f]{16} \(1 requirement\), built by another job meanwhile$/);
    expect(existsSync(`${a.dir}.lock`)).toBe(false);
  }, 180_000);

  it("takes over a lock whose builder died, with or without its pid", async () => {
    for (const pid of ["999999999", undefined]) {
      const cacheDir = scratchCache();
      const { dir } = await pythonEnvLocation({ cacheDir, requirements: ["pip"] });
      mkdirSync(`${dir}.lock`, { recursive: true });
      if (pid) writeFileSync(join(`${dir}.lock`, "pid"), pid);
      else {
        // A builder that died between creating the lock and writing its pid: stale once old enough.
        const { utimesSync } = await import("node:fs");
        const old = new Date(Date.now() - 60_000);
        utimesSync(`${dir}.lock`, old, old);
      }
      const log: string[] = [];
      const env = await ensurePythonEnv({ cacheDir, requirements: ["pip"], log: (l) => log.push(l) });
      expect(env.reused).toBe(false);
      expect(log.some((l) => l.includes("waiting"))).toBe(false);
      expect(existsSync(join(env.dir, ".mlp-env.json"))).toBe(true);
    }
  }, 180_000);
});
