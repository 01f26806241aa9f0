// Injectable faults for the vendor emulators: a plan (share of calls, which failures, forced next ones) and a
// seeded draw, so a fault run is reproducible. Every emulator answers a drawn fault in its own vendor's words.
export type Fault = "throttle" | "unavailable" | "lostResponse";

export interface FaultPlan {
  /** Share of calls (0..1) that fail instead of being answered. */
  rate: number;
  /** Which failures: throttling, 5xx before applying, or applied-then-5xx (a lost answer). */
  kinds: Fault[];
  /** Only these actions (default: all). */
  actions?: string[];
  /** The next call of each named action gets this fault whatever the rate (consumed once). */
  next?: Record<string, Fault>;
}

/** Draws faults from a plan with a seeded sequence (mulberry32). */
export class FaultDraw {
  constructor(private state: number) {}

  /** The fault for this call of `action`, if any; a forced one is consumed. */
  draw(plan: FaultPlan, action: string): Fault | undefined {
    const forced = plan.next?.[action];
    if (forced) {
      delete plan.next![action];
      return forced;
    }
    if (!plan.rate || !plan.kinds.length || (plan.actions && !plan.actions.includes(action))) return undefined;
    if (this.random() >= plan.rate) return undefined;
    return plan.kinds[Math.floor(this.random() * plan.kinds.length)];
  }

  private random(): number {
    let t = (this.state += 0x6d2b79f5);
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }
}
