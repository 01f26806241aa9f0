// Garbage collection of the artifact store: an artifact stays while any stored document (a dataset or model
// version, a job's output record, or whatever a kind stores later) names its digest; the rest is removed after
// every successful DELETE and in a periodic sweep. The scan is deliberately generic — any 64-hex string in any
// document counts as a reference — so a new kind that stores a digest is protected without being listed here.
// Artifacts put moments ago and not yet recorded are leased by the store itself (CasArtifactStore.put).
// The scrubber re-hashes stored artifacts in the background, one every SCRUB_STEP_MS, so content that changed
// behind the store's size-and-mtime guard (core/artifacts.ts) is found and quarantined without a read ever
// paying for a hash; with a few hundred artifacts a full pass takes hours, and costs one artifact's read a minute.
import type { PlatformContext } from "./types";

const DIGEST = /^[0-9a-f]{64}$/;
export const SWEEP_INTERVAL_MS = 10 * 60 * 1000;

/** Every digest-shaped string in every stored document. */
export function referencedDigests(ctx: Pick<PlatformContext, "store">): Set<string> {
  const found = new Set<string>();
  const visit = (v: unknown): void => {
    if (typeof v === "string") {
      if (DIGEST.test(v)) found.add(v);
    } else if (Array.isArray(v)) v.forEach(visit);
    else if (v && typeof v === "object") Object.values(v).forEach(visit);
  };
  for (const doc of ctx.store.documents()) visit(doc);
  return found;
}

/** One sweep now: reads the references and removes the rest in the same synchronous turn. */
export function collectArtifacts(ctx: Pick<PlatformContext, "store" | "artifacts" | "log">): { removed: string[]; bytes: number } {
  const result = ctx.artifacts.sweep(referencedDigests(ctx));
  if (result.removed.length) ctx.log("artifacts collected", { count: result.removed.length, bytes: result.bytes });
  return result;
}

/** Sweeps soon after deletes (coalesced) and every `intervalMs`; stop() before the store closes. */
export class ArtifactCollector {
  private timer?: NodeJS.Timeout;
  private soon?: NodeJS.Timeout;

  constructor(private readonly ctx: Pick<PlatformContext, "store" | "artifacts" | "log">, private readonly intervalMs = SWEEP_INTERVAL_MS) {}

  start(): void {
    this.timer = setInterval(() => this.run(), this.intervalMs);
    this.timer.unref();
  }

  /** A sweep shortly, however many deletes ask for one meanwhile. */
  schedule(): void {
    this.soon ??= setTimeout(() => {
      this.soon = undefined;
      this.run();
    }, 50);
  }

  stop(): void {
    clearInterval(this.timer);
    clearTimeout(this.soon);
  }

  private run(): void {
    try {
      collectArtifacts(this.ctx);
    } catch (err) {
      this.ctx.log("artifact sweep failed", { error: String((err as Error).message ?? err) });
    }
  }
}

export const SCRUB_STEP_MS = 60 * 1000;

/** Re-hashes one stored artifact per step, in digest order, round and round; stop() before the store closes. */
export class ArtifactScrubber {
  private timer?: NodeJS.Timeout;
  private after?: string;
  private running = false;

  constructor(private readonly ctx: Pick<PlatformContext, "artifacts" | "log">, private readonly stepMs = SCRUB_STEP_MS) {}

  start(): void {
    this.timer = setInterval(() => void this.step(), this.stepMs);
    this.timer.unref();
  }

  stop(): void {
    clearInterval(this.timer);
  }

  private async step(): Promise<void> {
    if (this.running) return;
    this.running = true;
    try {
      const r = await this.ctx.artifacts.scrub({ after: this.after, limit: 1 });
      this.after = r.next;
      if (r.corrupt.length) this.ctx.log("artifact scrub found corrupted artifacts; quarantined (cas/quarantine)", { digests: r.corrupt });
    } catch (err) {
      this.ctx.log("artifact scrub failed", { error: String((err as Error).message ?? err) });
    } finally {
      this.running = false;
    }
  }
}
