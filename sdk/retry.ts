// Backoff for platform API calls, shared by every driver (the local platform's and the cloud vendors'):
// throttling, 5xx and transport failures are retried with exponential backoff and full jitter (so parallel
// resources do not retry in lockstep), the server's Retry-After wins (capped at 30 s so a confused server
// cannot park us for minutes), and every retry is one console line (inside the dynamic provider it reaches
// the engine output, where bench/ counts them).
// A call that may have been applied before it failed (5xx, a dropped connection) is NOT simply re-sent when
// the caller passes `beforeResend`: it looks for what the first attempt made (idempotent creates without
// tokens). Callers whose requests are safe to repeat (the local platform's Idempotency-Key and If-Match)
// pass none.
import { PlatformError, ThrottledError, UnavailableError } from "./errors";

export interface RetryPolicy {
  /** Attempts after the first. Default 8. */
  retries?: number;
  /** First backoff (ms), doubled per retry up to maxMs. Defaults 200 / 8000. */
  baseMs?: number;
  maxMs?: number;
}

export interface RetryStats {
  requests: number;
  retries: number;
  retriesByReason: Record<string, number>;
}

export const RETRY_LOG_PREFIX = "mlplatform sdk: retrying";

/** The longest Retry-After honoured (ms). */
const MAX_RETRY_AFTER_MS = 30_000;

/** Throttling, server-side and transport failures: worth another attempt after a pause. */
export function isRetryable(e: unknown): boolean {
  return e instanceof ThrottledError || e instanceof UnavailableError || (e instanceof PlatformError && e.code === "internal" && (e.status ?? 0) >= 500);
}

/** Whether the request may have been applied although it failed (a 5xx or a dropped connection after sending). */
export function mayHaveApplied(e: unknown): boolean {
  if (e instanceof ThrottledError) return false;
  if (e instanceof UnavailableError && e.refused) return false;
  return isRetryable(e);
}

/** A Retry-After header (delay-seconds or an HTTP date) in ms; undefined when absent or unreadable. */
export function retryAfterHeaderMs(value: string | null | undefined, now = Date.now()): number | undefined {
  if (value === null || value === undefined || value.trim() === "") return undefined;
  const seconds = Number(value);
  if (Number.isFinite(seconds)) return seconds > 0 ? seconds * 1000 : undefined;
  const at = Date.parse(value);
  return Number.isNaN(at) ? undefined : Math.max(0, at - now);
}

export function backoffDelay(attempt: number, policy: RetryPolicy, hintMs?: number): number {
  if (hintMs !== undefined && hintMs > 0) return Math.min(hintMs, MAX_RETRY_AFTER_MS);
  const cap = Math.min((policy.baseMs ?? 200) * 2 ** (attempt - 1), policy.maxMs ?? 8_000);
  return cap / 2 + Math.random() * (cap / 2);
}

/** What a retry is logged and counted as: the vendor's error code, else the error's class. */
function defaultReason(e: unknown): string {
  return (e as { vendor?: { code?: string } }).vendor?.code ?? (e as Error).name;
}

/**
 * Runs `send` until it succeeds, fails for good, or retries run out. When an attempt failed in a way that
 * may have been applied, `beforeResend` runs first: if it returns a value, that is the result (the first
 * attempt did land) and nothing is sent again. Every attempt and retry is counted in each of `stats`.
 */
export async function withRetry<T>(
  what: string,
  send: () => Promise<T>,
  opts: { policy?: RetryPolicy; stats?: RetryStats | readonly RetryStats[]; beforeResend?: () => Promise<T | undefined>; reasonOf?: (e: unknown) => string } = {},
): Promise<T> {
  const policy = opts.policy ?? {};
  const limit = policy.retries ?? 8;
  const stats = opts.stats === undefined ? [] : Array.isArray(opts.stats) ? opts.stats : [opts.stats as RetryStats];
  for (let attempt = 1; ; attempt++) {
    try {
      for (const s of stats) s.requests++;
      return await send();
    } catch (e) {
      if (!isRetryable(e) || attempt > limit) throw e;
      const reason = (opts.reasonOf ?? defaultReason)(e);
      for (const s of stats) {
        s.retries++;
        s.retriesByReason[reason] = (s.retriesByReason[reason] ?? 0) + 1;
      }
      console.log(`${RETRY_LOG_PREFIX} ${what} after ${reason}`);
      await sleep(backoffDelay(attempt, policy, e instanceof PlatformError ? e.retryAfterMs : undefined));
      if (mayHaveApplied(e) && opts.beforeResend) {
        const landed = await withRetry(`${what} (looking for the first attempt's result)`, opts.beforeResend, { ...opts, beforeResend: undefined });
        if (landed !== undefined) return landed;
      }
    }
  }
}

/**
 * A `beforeResend` for a create whose object can be found again (by its unique name, or as the one run of a
 * job): the first object `find` returns now is the one the first attempt made, and `answer` makes the
 * create's result of it; when none is found the create is sent again.
 */
export function firstFound<F, T>(find: () => Promise<readonly F[]>, answer: (found: F) => T): () => Promise<T | undefined> {
  return async () => {
    const [found] = await find();
    return found === undefined ? undefined : answer(found);
  };
}

export function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}
