// What a killed `up` leaves behind, cleared before the next operation instead of failing it: the file
// backend's lock (a file naming the pid and host of the run that held it) when that process is gone, and the
// interrupted operations ("pending operations") recorded in the checkpoint. Dropping those is safe here
// because every handler is idempotent: an interrupted create finds its object again by its URN tag, an
// interrupted update or delete is simply diffed or deleted again by the next run.
import { existsSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { hostname } from "node:os";
import { basename, dirname, join } from "node:path";
import type * as auto from "@pulumi/pulumi/automation";

interface LockFile {
  path: string;
  pid?: number;
  hostname?: string;
  timestamp?: string;
}

/**
 * Whether `pid` is a running process. A killed run's pulumi CLI can linger as a zombie until something reaps
 * it (its parent died with it; a busy or non-reaping init leaves it there), and signal 0 succeeds on a zombie:
 * on Linux its state in /proc says it is gone.
 */
function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === "EPERM";
  }
  try {
    // /proc/<pid>/stat: "pid (comm) state ...": comm may hold spaces and parentheses, so read after the last ")".
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    const state = stat.slice(stat.lastIndexOf(")") + 2, stat.lastIndexOf(")") + 3);
    return state !== "Z" && state !== "X";
  } catch {
    return true; // no /proc (not Linux): signal 0 is all there is
  }
}

/** The lock files of `project/stack` in a file backend's state directory. */
export function stackLocks(stateDir: string, project: string, stack: string): LockFile[] {
  const root = join(stateDir, ".pulumi", "locks");
  if (!existsSync(root)) return [];
  const found: LockFile[] = [];
  for (const rel of readdirSync(root, { recursive: true }).map(String)) {
    const path = join(root, rel);
    if (!rel.endsWith(".json") || basename(dirname(path)) !== stack) continue;
    // Project-scoped layout: locks/organization/<project>/<stack>/<id>.json; older: locks/<stack>/<id>.json.
    const parent = basename(dirname(dirname(path)));
    if (parent !== project && parent !== "locks") continue;
    try {
      const info = JSON.parse(readFileSync(path, "utf8"));
      found.push({ path, pid: info.pid, hostname: info.hostname, timestamp: info.timestamp });
    } catch {
      found.push({ path });
    }
  }
  return found;
}

/**
 * Removes the stack's locks whose holder is gone (same host, pid no longer running). A lock held by a live
 * process, or by another host, is left alone: that run may still be going.
 */
export function clearStaleLocks(stateDir: string, project: string, stack: string, say: (msg: string) => void): number {
  let cleared = 0;
  for (const lock of stackLocks(stateDir, project, stack)) {
    if (lock.hostname !== undefined && lock.hostname !== hostname()) continue;
    if (lock.pid !== undefined && processAlive(lock.pid)) continue;
    rmSync(lock.path, { force: true });
    cleared++;
    say(`cleared the lock of stack "${stack}" left by a run that is gone (pid ${lock.pid ?? "unknown"}${lock.timestamp ? `, since ${lock.timestamp}` : ""})`);
  }
  return cleared;
}

/** Drops the checkpoint's pending operations (see the header), saying which. Returns how many. */
export async function resolvePendingOperations(stack: auto.Stack, say: (msg: string) => void): Promise<number> {
  const exported = await stack.exportStack();
  const pending = (exported.deployment?.pending_operations ?? []) as { type?: string; resource?: { urn?: string } }[];
  if (pending.length === 0) return 0;
  const names = pending.map((p) => `${p.type ?? "operation"} ${String(p.resource?.urn ?? "").split("::").slice(-2).join(" ")}`);
  say(`resolving ${pending.length} operation(s) a killed run left unfinished (${names.join(", ")}): this run finds interrupted creates again by their URN tag`);
  await stack.importStack({ ...exported, deployment: { ...exported.deployment, pending_operations: [] } });
  return pending.length;
}

/** Both, for a file backend; for other backends only the pending operations (their locks are theirs). */
export async function recoverInterruptedRun(stack: auto.Stack, backendUrl: string, say: (msg: string) => void): Promise<void> {
  if (backendUrl.startsWith("file://")) {
    const project = (await stack.workspace.projectSettings()).name;
    clearStaleLocks(backendUrl.slice("file://".length), project, stack.name, say);
  }
  await resolvePendingOperations(stack, say);
}
