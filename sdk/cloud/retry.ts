// Backoff for cloud API calls, shared by every driver: throttling and 5xx are retried with exponential
// backoff and full jitter (so parallel resources do not retry in lockstep), a vendor's own "retry after" hint
// wins, and every retry is one console line (inside the dynamic provider it reaches the engine output).
// A call that may have been applied before it failed (5xx, a dropped connection) is NOT simply re-sent:
// `beforeResend` lets the caller look for what the first attempt made (idempotent creates without tokens).
import { ThrottledError } from "../errors";
import { isRetryable, mayHaveApplied } from "./errors";

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

/** Retry-After hint a driver may attach to a ThrottledError (ms). */
export function retryAfterMs(e: unknown): number | undefined {
  return e instanceof ThrottledError ? (e as ThrottledError & { retryAfterMs?: number }).retryAfterMs : undefined;
}

export function backoffDelay(attempt: number, policy: RetryPolicy, hintMs?: number): number {
  if (hintMs !== undefined && hintMs > 0) return Math.min(hintMs, 30_000);
  const cap = Math.min((policy.baseMs ?? 200) * 2 ** (attempt - 1), policy.maxMs ?? 8_000);
  return cap / 2 + Math.random() * (cap / 2);
}

/**
 * Runs `send` until it succeeds, fails for good, or retries run out. When an attempt failed in a way that
 * may have been applied, `beforeResend` runs first: if it returns a value, that is the result (the first
 * attempt did land) and nothing is sent again.
 */
export async function withRetry<T>(
  what: string,
  send: () => Promise<T>,
  opts: { policy?: RetryPolicy; stats?: RetryStats; beforeResend?: () => Promise<T | undefined> } = {},
): Promise<T> {
  const policy = opts.policy ?? {};
  const limit = policy.retries ?? 8;
  for (let attempt = 1; ; attempt++) {
    try {
      if (opts.stats) opts.stats.requests++;
      return await send();
    } catch (e) {
      if (!isRetryable(e) || attempt > limit) throw e;
      const reason = (e as { vendor?: { code?: string } }).vendor?.code ?? (e as Error).name;
      if (opts.stats) {
        opts.stats.retries++;
        opts.stats.retriesByReason[reason] = (opts.stats.retriesByReason[reason] ?? 0) + 1;
      }
      console.log(`${RETRY_LOG_PREFIX} ${what} after ${reason}`);
      await sleep(backoffDelay(attempt, policy, retryAfterMs(e)));
      if (mayHaveApplied(e) && opts.beforeResend) {
        const landed = await withRetry(`${what} (looking for the first attempt's result)`, opts.beforeResend, { policy, stats: opts.stats });
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
