// Progress of a long copy (a dataset ingest, a model registration) written onto its object: `progress`
// { bytesDone, bytesTotal }, at most every PROGRESS_INTERVAL_MS, so a long-poll waiter sees it move without a
// database write per chunk. The object carries `progress` only while the copy runs.
import { listFiles } from "../../sdk/digest";
import type { KindName, PlatformContext, StoredObject } from "./types";
import { statSync } from "node:fs";

export const PROGRESS_INTERVAL_MS = 250;

export interface Progress {
  bytesDone: number;
  bytesTotal: number;
}

/** The bytes a copy of `path` reads: a file's size, or the sum over a tree's regular files (stats only). */
export function bytesToCopy(path: string): number {
  const st = statSync(path);
  if (!st.isDirectory()) return st.size;
  return listFiles(path).reduce((n, f) => n + statSync(f).size, 0);
}

/** A throttled writer of `progress` onto the object (nothing once it is gone or no longer `while`). */
export function progressWriter(ctx: PlatformContext, kind: KindName, id: string, bytesTotal: number, stillCopying: (o: StoredObject) => boolean): (bytesDone: number) => void {
  let last = Date.now();
  return (bytesDone) => {
    const now = Date.now();
    if (now - last < PROGRESS_INTERVAL_MS) return;
    last = now;
    try {
      ctx.store.update<StoredObject>(kind, id, (o) => (stillCopying(o) ? { ...o, progress: { bytesDone, bytesTotal: Math.max(bytesTotal, bytesDone) } } : o));
    } catch {
      /* deleted meanwhile: the copy's end notices */
    }
  };
}
