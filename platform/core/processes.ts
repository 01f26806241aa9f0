// Identifying a process across a platform restart: a pid alone may have been reused by then, so we also
// record its start time (field 22 of /proc/<pid>/stat, clock ticks since boot) and only signal a pid whose
// start time still matches.
import { readdirSync, readFileSync } from "node:fs";

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

/** SIGKILLs the recorded process, its process group (jobs run as group leaders) and every descendant (a
 * sandbox's processes live in sessions of their own), if it is still the same one. */
export function killIfSameProcess(id: ProcessIdentity): boolean {
  if (!stillRunning(id)) return false;
  for (const { pid } of descendants(id.pid)) {
    try {
      process.kill(pid, "SIGKILL");
    } catch {
      /* gone meanwhile */
    }
  }
  for (const target of [-id.pid, id.pid]) {
    try {
      process.kill(target, "SIGKILL");
    } catch {
      /* already gone, or not a group */
    }
  }
  return true;
}

/** Each process's parent and command name, from /proc (empty where there is no /proc). */
export function processTable(): Map<number, { ppid: number; comm: string }> {
  const table = new Map<number, { ppid: number; comm: string }>();
  let entries: string[] = [];
  try {
    entries = readdirSync("/proc");
  } catch {
    return table;
  }
  for (const entry of entries) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, "utf8");
      const close = stat.lastIndexOf(")");
      table.set(Number(entry), { ppid: Number(stat.slice(close + 2).split(" ")[1]), comm: stat.slice(stat.indexOf("(") + 1, close) });
    } catch {
      /* gone meanwhile */
    }
  }
  return table;
}

/** Every descendant of `pid` (children first, then theirs), with its command name. */
export function descendants(pid: number, table = processTable()): { pid: number; comm: string }[] {
  const children = new Map<number, number[]>();
  for (const [p, { ppid }] of table) children.set(ppid, [...(children.get(ppid) ?? []), p]);
  const out: { pid: number; comm: string }[] = [];
  const visit = (parent: number) => {
    for (const child of children.get(parent) ?? []) {
      out.push({ pid: child, comm: table.get(child)!.comm });
      visit(child);
    }
  };
  visit(pid);
  return out;
}
