// Identifying a process across a platform restart: a pid alone may have been reused by then, so we also
// record its start time (field 22 of /proc/<pid>/stat, clock ticks since boot) and only signal a pid whose
// start time still matches.
import { readFileSync } from "node:fs";

export interface ProcessIdentity {
  pid: number;
  /** undefined where /proc is not available: such a pid is never signalled after a restart. */
  startTicks?: number;
}

export function processStartTicks(pid: number): number | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    // The command name (field 2) is in parentheses and may hold spaces; fields after it are plain.
    const rest = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    const ticks = Number(rest[22 - 3]);
    return Number.isFinite(ticks) ? ticks : undefined;
  } catch {
    return undefined;
  }
}

export function identify(pid: number): ProcessIdentity {
  return { pid, startTicks: processStartTicks(pid) };
}

/** True when the very process recorded (same pid, same start time) still exists. */
export function stillRunning(id: ProcessIdentity): boolean {
  if (id.startTicks === undefined) return false;
  return processStartTicks(id.pid) === id.startTicks;
}

/** SIGKILLs the recorded process and its process group (jobs run as group leaders), if it is still the same one. */
export function killIfSameProcess(id: ProcessIdentity): boolean {
  if (!stillRunning(id)) return false;
  for (const target of [-id.pid, id.pid]) {
    try {
      process.kill(target, "SIGKILL");
    } catch {
      /* already gone, or not a group */
    }
  }
  return true;
}
