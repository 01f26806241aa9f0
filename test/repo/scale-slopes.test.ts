// Issue 18 §2, "the time per resource must not grow with the stack size": how the scale bench reads it from
// its samples. Slopes come from samples paired within a round (and pass), so a machine that runs slower in
// one round than in another does not show up as time per resource growing.
import { describe, expect, it } from "vitest";
import { pairedSlopes, roundRatios, scaleGoals, slopeGrowth, stackOrder, type ScaleRow } from "../../bench/provider-scale";

type Samples = number[][];

/** A row whose every operation and stack has the given per-round, per-pass wall samples. */
function row(resources: number, samples: Samples): ScaleRow {
  const byOp = <T>(v: T) => ({ preview: { ours: v, base: v, shaped: v }, refresh: { ours: v, base: v, shaped: v }, up: { ours: v, base: v, shaped: v } });
  const med = [...samples.flat()].sort((a, b) => a - b)[Math.floor(samples.flat().length / 2)];
  return { resources, ms: byOp(med), cpuMs: byOp(med), samples: byOp(samples), createMs: { ours: 0, base: 0, shaped: 0 }, ourChanges: 0 };
}

/** Time of an operation: a fixed start plus `perResource` ms per resource, on a machine `speed` times slower. */
const linear = (n: number, speed: number, perResource = 5) => (2000 + perResource * n) * speed;

describe("the scale bench's flat-time reading", () => {
  it("pairs samples pass by pass within a round, and uses the round's median against a size measured once", () => {
    const rows = [row(10, [[100, 300, 200]]), row(200, [[480, 680, 580]]), row(1000, [[2580]])];
    expect(pairedSlopes(rows, "up", "ours", 10, 200)).toEqual([[2, 2, 2]]);
    expect(pairedSlopes(rows, "up", "ours", 200, 1000)).toEqual([[2.5]]);
  });

  it("keeps rounds in line when a round lacks a size", () => {
    const rows = [row(10, [[100], [], [100]]), row(200, [[480], [500], [670]]), row(1000, [[2480], [9999], [4270]])];
    expect(pairedSlopes(rows, "up", "ours", 10, 200)).toEqual([[2], [], [3]]);
    // Round 2 has no sample at 10: it gives no per-round figure, and round 3's slope 10 → 200 stays with round
    // 3's slope 200 → 1,000 (not round 2's).
    expect(slopeGrowth(rows, "up", "ours")!.rounds).toEqual([1.25, 1.5]);
  });

  it("a linear cost on a machine whose speed drifts from round to round reads as flat", () => {
    // Round 2 runs 40% slower than round 1, round 3 20% faster: medians over rounds would mix the speeds.
    const speeds = [1, 1.4, 0.8];
    const sizes = [10, 200, 1000];
    const rows = sizes.map((n) => row(n, speeds.map((v) => (n < 1000 ? [linear(n, v), linear(n, v), linear(n, v)] : [linear(n, v)]))));
    const growth = slopeGrowth(rows, "refresh", "ours")!;
    expect(growth.value).toBeCloseTo(1, 5);
    expect(growth.rounds.map((g) => Number(g.toFixed(5)))).toEqual([1, 1, 1]);
    expect(scaleGoals({ rows }).find((g) => g.goal.includes("flat"))).toMatchObject({ met: true, ratio: expect.closeTo(1, 5) });
  });

  it("a cost per resource that grows with the stack misses the goal", () => {
    // 5 ms per resource up to 200, 10 ms per resource beyond: the slope 200 → 1,000 is twice the slope 10 → 200.
    const t = (n: number) => (n <= 200 ? linear(n, 1) : linear(200, 1) + 10 * (n - 200));
    const rows = [10, 50, 200, 1000].map((n) => row(n, [n < 1000 ? [t(n), t(n)] : [t(n)]]));
    expect(slopeGrowth(rows, "preview", "ours")!.value).toBeCloseTo(2, 5);
    const flat = scaleGoals({ rows }).find((g) => g.goal.includes("flat"))!;
    expect(flat.met).toBe(false);
    expect(flat.tried).toBeTruthy();
  });

  it("rows stored without samples fall back to the slopes of their medians", () => {
    const rows = [10, 200, 1000].map((n) => ({ ...row(n, [[linear(n, 1)]]), samples: undefined }));
    expect(pairedSlopes(rows, "up", "ours", 10, 200)).toEqual([]);
    expect(slopeGrowth(rows, "up", "ours")).toEqual({ value: expect.closeTo(1, 5), rounds: [] });
  });

  it("a ratio goal shows ours / no-op in each round beside the ratio of the medians", () => {
    const r = row(1000, [[1000], [1000], [1000]]);
    r.samples!.refresh.ours = [[1500], [1200], [1100]];
    r.samples!.refresh.base = [[1000], [1000], [1000]];
    r.ms.refresh.ours = 1200;
    expect(roundRatios(r, "refresh")).toEqual([1.5, 1.2, 1.1]);
    const goal = scaleGoals({ rows: [r] }).find((g) => g.goal.startsWith("18.2 refresh at 1000"))!;
    expect(goal).toMatchObject({ ratio: 1.2, met: true });
    expect(goal.baseline).toContain("per round 1.10–1.50");
    expect(roundRatios({ ...r, samples: undefined }, "refresh")).toEqual([]);
  });

  it("no stack always runs first: each leads one round in three, and each pass shifts the order again", () => {
    const firsts = [0, 1, 2].map((round) => stackOrder(round)[0]);
    expect([...firsts].sort()).toEqual(["base", "ours", "shaped"]);
    for (let round = 0; round < 3; round++) {
      expect([...stackOrder(round)].sort()).toEqual(["base", "ours", "shaped"]);
      expect(stackOrder(round, 1)).toEqual(stackOrder(round + 1));
    }
  });
});
