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
