// Waiting on cloud objects that have no long-poll: the KindClient `wait` contract (return as soon as the
// object's etag differs, or unchanged after the timeout) built on repeated reads with a growing interval.
// Cloud objects carry no etag, so drivers derive one from the normalised object (etagOf).
import { createHash } from "node:crypto";
import { sleep } from "../retry";

export interface PollOptions {
  /** First pause between reads (ms), growing by half each time up to maxIntervalMs. Defaults 250 / 5000. */
  intervalMs?: number;
  maxIntervalMs?: number;
}

export async function pollUntilChanged<T extends { etag: string }>(get: () => Promise<T>, etag: string, timeoutMs: number, opts: PollOptions = {}): Promise<T> {
  const deadline = Date.now() + Math.max(0, timeoutMs);
  let interval = opts.intervalMs ?? 250;
  for (;;) {
    const obj = await get();
    const remaining = deadline - Date.now();
    if (obj.etag !== etag || remaining <= 0) return obj;
    await sleep(Math.min(interval, remaining));
    interval = Math.min(interval * 1.5, opts.maxIntervalMs ?? 5_000);
  }
}

/** A stable etag from an object's content (sorted keys), so any visible change changes it. */
export function etagOf(value: unknown): string {
  return createHash("sha256").update(JSON.stringify(sortKeys(value))).digest("hex").slice(0, 16);
}

function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (value && typeof value === "object")
    return Object.fromEntries(Object.keys(value).sort().map((k) => [k, sortKeys((value as Record<string, unknown>)[k])]));
  return value;
}
