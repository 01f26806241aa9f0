// How a service picks where a request (or, at the front, a connection) goes: smooth weighted round robin
// between the service's model entries, then round robin over that entry's replicas. One implementation,
// used by the front endpoint (router.ts, per connection) and by every replica (replica-routing.ts, per
// request), both fed the same RoutingTable by the fleet.

// Smooth weighted round robin (as in nginx): deterministic, and spreads picks evenly over time, so an
// 80/20 split is 80/20 over any window of a few dozen requests, not only on average.
export class SmoothWeightedRoundRobin<K> {
  private current = new Map<K, number>();

  /** Picks one of `candidates` (weight > 0); undefined when none has weight. */
  pick(candidates: { key: K; weight: number }[]): K | undefined {
    let total = 0;
    let best: { key: K; weight: number } | undefined;
    let bestScore = -Infinity;
    for (const c of candidates) {
      if (c.weight <= 0) continue;
      total += c.weight;
      const score = (this.current.get(c.key) ?? 0) + c.weight;
      this.current.set(c.key, score);
      if (score > bestScore) {
        bestScore = score;
        best = c;
      }
    }
    if (!best) return undefined;
    this.current.set(best.key, bestScore - total);
    return best.key;
  }
}

/** A model entry of the service (`models[i]`): its stable key (the index) and weight. */
export interface RouteEntry {
  key: string;
  weight: number;
}

/** A ready replica: where peers reach it, which entry it belongs to and what it serves. */
export interface RouteBackend {
  id: string;
  port: number;
  entry: string;
  modelName: string;
  modelVersion: number;
}

/** What the fleet sends the front and every replica whenever its replicas or weights change. */
export interface RoutingTable {
  service: string;
  entries: RouteEntry[];
  backends: RouteBackend[];
}

/** The weighted choice over one RoutingTable; each holder (front, replica) keeps its own turn state. */
export class ServiceRoutes {
  private entryChoice = new SmoothWeightedRoundRobin<string>();
  /** Round-robin position within each entry. */
  private turns = new Map<string | undefined, number>();

  table: RoutingTable;

  constructor(table: RoutingTable) {
    this.table = table;
  }

  set(table: RoutingTable): void {
    this.table = table;
  }

  get service(): string {
    return this.table.service;
  }

  /** True when `modelName` is the service's own name or a served model's. */
  knows(modelName: string): boolean {
    return modelName === this.table.service || this.table.backends.some((b) => b.modelName === modelName);
  }

  /** Served model names, for a 404 that says what is served. */
  modelNames(): string[] {
    return [...new Set(this.table.backends.map((b) => b.modelName))];
  }

  /** Backends that can answer `modelName` (a served model or the service's name) at `version` (undefined: any). */
  eligible(modelName: string, version: string | undefined, exclude?: ReadonlySet<string>, usable?: (b: RouteBackend) => boolean): RouteBackend[] {
    return this.table.backends.filter(
      (b) =>
        !exclude?.has(b.id) &&
        (usable === undefined || usable(b)) &&
        (modelName === this.table.service || b.modelName === modelName) &&
        (version === undefined || String(b.modelVersion) === version),
    );
  }

  /**
   * The weighted entry among those that have an eligible backend; undefined when none of them has weight
   * (the caller then takes any eligible backend: any replica beats a 503).
   */
  pickEntry(eligible: RouteBackend[]): string | undefined {
    if (this.table.entries.length === 1) return eligible.some((b) => b.entry === this.table.entries[0].key) ? this.table.entries[0].key : undefined;
    const present = new Set(eligible.map((b) => b.entry));
    return this.entryChoice.pick(this.table.entries.filter((e) => present.has(e.key)));
  }

  /** Round robin over the eligible backends of `entry` (all eligible ones when entry is undefined). */
  pickIn(entry: string | undefined, eligible: RouteBackend[]): RouteBackend | undefined {
    const inEntry = entry === undefined ? eligible : eligible.filter((b) => b.entry === entry);
    if (inEntry.length === 0) return undefined;
    const turn = this.turns.get(entry) ?? 0;
    this.turns.set(entry, turn + 1);
    return inEntry[turn % inEntry.length];
  }

  /**
   * A backend for `modelName` at `version`. A retry passes the entry of the first attempt so a failed
   * connection does not skew the weights.
   */
  pick(modelName: string, version: string | undefined, exclude?: ReadonlySet<string>, retryEntry?: string, usable?: (b: RouteBackend) => boolean): RouteBackend | undefined {
    const eligible = this.eligible(modelName, version, exclude, usable);
    if (eligible.length === 0) return undefined;
    const entry = retryEntry !== undefined && eligible.some((b) => b.entry === retryEntry) ? retryEntry : this.pickEntry(eligible);
    return this.pickIn(entry, eligible);
  }
}
