// A killed `up` leaves the file backend's lock naming its pulumi CLI's pid; the next `up` clears it when that
// process is gone. "Gone" includes a zombie: the CLI killed with its parent lingers unreaped while the
// machine's init is busy, and signal 0 still succeeds on it (seen as a failed next `up` in a loaded CI run).
import { spawn } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { hostname, tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, expect, it } from "vitest";
import { clearStaleLocks } from "../../cli/stack-recovery";

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), "mlp-locks-"));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function writeLock(pid: number): string {
  const lockDir = join(dir, ".pulumi", "locks", "organization", "proj", "dev");
  mkdirSync(lockDir, { recursive: true });
  const path = join(lockDir, `${pid}.json`);
  writeFileSync(path, JSON.stringify({ pid, hostname: hostname(), timestamp: new Date().toISOString() }));
  return path;
}

/** A zombie: `sleep 0`'s parent execs into `sleep 5`, which never reaps it. Resolves with the zombie's pid. */
function zombie(): Promise<{ pid: number; done: () => void }> {
  return new Promise((resolve) => {
    const parent = spawn("sh", ["-c", "sleep 0 & echo $!; exec sleep 5"], { stdio: ["ignore", "pipe", "ignore"] });
    parent.stdout.once("data", async (d) => {
      const pid = Number(String(d).trim());
      // Until the child has exited it is alive, not yet a zombie.
      while (!readFileSync(`/proc/${pid}/stat`, "utf8").match(/\) Z /)) await new Promise((r) => setTimeout(r, 20));
      resolve({ pid, done: () => parent.kill("SIGKILL") });
    });
  });
}

it("clears a lock whose process is a zombie, and keeps one whose process runs", async () => {
  const z = await zombie();
  try {
    expect(() => process.kill(z.pid, 0)).not.toThrow(); // what made the old check call it alive
    const stale = writeLock(z.pid);
    const live = writeLock(process.pid);
    const said: string[] = [];
    expect(clearStaleLocks(dir, "proj", "dev", (m) => said.push(m))).toBe(1);
    expect(existsSync(stale)).toBe(false);
    expect(existsSync(live)).toBe(true);
    expect(said.join("\n")).toContain(`pid ${z.pid}`);
  } finally {
    z.done();
  }
});
