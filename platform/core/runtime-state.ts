// How a platform kind holds what lives only while the platform runs (live processes, queues, in-flight work,
// reconcile loops): one state object per kind per running platform, created on first use and dropped with the
// platform. Several platforms may run in one process (tests), so state is never a bare module-level map.
import type { PlatformContext } from "./types";

/** A getter for this kind's runtime state of a platform, made by `create` the first time it is asked for. */
export function perPlatform<State>(create: () => State): (ctx: PlatformContext) => State {
  const states = new WeakMap<PlatformContext, State>();
  return (ctx) => {
    let state = states.get(ctx);
    if (state === undefined) states.set(ctx, (state = create()));
    return state;
  };
}

/** Work on one object at a time: each call for an id starts after the previous one for that id has settled. */
export class PerObjectQueue {
  private readonly tails = new Map<string, Promise<unknown>>();

  run<T>(id: string, work: () => Promise<T>): Promise<T> {
    const run = (this.tails.get(id) ?? Promise.resolve()).catch(() => undefined).then(work);
    this.tails.set(id, run);
    return run.finally(() => {
      if (this.tails.get(id) === run) this.tails.delete(id);
    });
  }

  /** Settles once everything queued so far has. */
  async drain(): Promise<void> {
    await Promise.allSettled([...this.tails.values()]);
  }
}
