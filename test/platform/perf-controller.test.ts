// The PerfJob controller over an in-memory store: real load against a real replica, percentiles and
// throughput per task, tasks visible while running, an unmet SLO failing the job, and cancel.
import { afterAll, describe, expect, it } from "vitest";
import { HttpError } from "../../platform/core/errors";
import { perfJobController } from "../../platform/perf/controller";
import { liveReplicaPids } from "../../platform/serving/replica-process";
import type { PerfTask } from "../../schemas/index";
import { writeLogregArtifact } from "./serving-fixtures";
import { memoryContext } from "./serving-memory-context";

type Job = { id: string; name: string; status: string; statusMessage?: string; sloMet?: boolean; tasks: PerfTask[]; etag: string; tags: Record<string, string>; createdAt: string; updatedAt: string };

const ctx = memoryContext();
const modelId = ctx.registerModel("iris", [writeLogregArtifact(1)]);
const terminal = (j: Job) => ["Succeeded", "Failed", "Cancelled"].includes(j.status);
const cancelRoute = perfJobController.extraRoutes!.find((r) => r.path === "/cancel")!;

afterAll(async () => {
  await perfJobController.shutdown(ctx);
  expect(liveReplicaPids()).toEqual([]);
});

describe("perf job controller", () => {
  it("measures every flavor × concurrency task and shows progress while running", async () => {
    const created = (await perfJobController.create({ name: "bench", modelId, modelVersion: 1, flavors: ["local.small"], concurrency: [1, 2], durationSeconds: 1 }, ctx)) as Job;
    expect(created.status).toBe("Submitted");
    expect(created.tasks.map((t) => [t.flavor, t.concurrency, t.status])).toEqual([["local.small", 1, "Pending"], ["local.small", 2, "Pending"]]);
    let sawProgress = false;
    const done = await ctx.waitFor<Job>("perf-jobs", created.id, (j) => {
      if (j.status === "Running" && j.tasks.some((t) => t.status === "Running" && t.requests > 0)) sawProgress = true;
      return terminal(j);
    });
    expect(done.status).toBe("Succeeded");
    expect(sawProgress).toBe(true);
    expect(done.sloMet).toBeUndefined();
    for (const t of done.tasks) {
      expect(t.status).toBe("Succeeded");
      // Far below what one idle second serves (thousands): the figure proves the load ran, and stays true on a
      // CI machine loaded by parallel test files.
      expect(t.requests).toBeGreaterThan(5);
      expect(t.errors).toBe(0);
      expect(t.p50Ms!).toBeGreaterThan(0);
      expect(t.p50Ms!).toBeLessThanOrEqual(t.p90Ms!);
      expect(t.p90Ms!).toBeLessThanOrEqual(t.p99Ms!);
      expect(t.throughput!).toBeGreaterThan(5);
    }
    expect(liveReplicaPids()).toEqual([]);
  });

  it("fails the job when the SLO is not met, naming the task and figures", async () => {
    const created = (await perfJobController.create({ name: "strict", modelId, modelVersion: 1, concurrency: [1], durationSeconds: 1, slo: { p99LatencyMs: 0.001, minThroughput: 1 } }, ctx)) as Job;
    const done = await ctx.waitFor<Job>("perf-jobs", created.id, terminal);
    expect(done.status).toBe("Failed");
    expect(done.sloMet).toBe(false);
    const p99 = done.tasks[0].p99Ms!;
    expect(done.statusMessage).toBe(`SLO not met: local.small × concurrency 1: p99 ${p99} ms > 0.001 ms`);
  });

  it("meets a generous SLO", async () => {
    const created = (await perfJobController.create({ name: "lenient", modelId, modelVersion: 1, concurrency: [1], durationSeconds: 1, slo: { p99LatencyMs: 5000, maxErrorRate: 0 } }, ctx)) as Job;
    const done = await ctx.waitFor<Job>("perf-jobs", created.id, terminal);
    expect(done).toMatchObject({ status: "Succeeded", sloMet: true });
  });

  it("fails clearly when the sample input does not fit the model", async () => {
    const created = (await perfJobController.create({ name: "badinput", modelId, modelVersion: 1, concurrency: [1], durationSeconds: 1, sampleInput: [{ name: "input", datatype: "FP32", shape: [1, 3], data: [0, 0, 0] }] }, ctx)) as Job;
    const done = await ctx.waitFor<Job>("perf-jobs", created.id, terminal);
    expect(done.status).toBe("Failed");
    expect(done.statusMessage).toMatch(/sampleInput does not fit model "iris" version 1: .*shape\[1\] must be 4/);
  });

  it("cancels a running job promptly", async () => {
    const created = (await perfJobController.create({ name: "long", modelId, modelVersion: 1, concurrency: [1, 2], durationSeconds: 60 }, ctx)) as Job;
    const running = await ctx.waitFor<Job>("perf-jobs", created.id, (j) => j.tasks[0].requests > 0);
    const t0 = Date.now();
    const cancelled = (await cancelRoute.handler(running, {}, {}, ctx)) as Job;
    // far below the 60 s the job would run (the bound is loose for a busy 2-core machine)
    expect(Date.now() - t0).toBeLessThan(15_000);
    expect(cancelled.status).toBe("Cancelled");
    expect(cancelled.tasks.map((t) => t.status)).toEqual(["Cancelled", "Cancelled"]);
    expect(liveReplicaPids()).toEqual([]);
    const again = await cancelRoute.handler(cancelled, {}, {}, ctx).catch((e: unknown) => e);
    expect(again).toBeInstanceOf(HttpError);
    expect(again).toMatchObject({ status: 409 });
  });

  it("refuses unknown flavors and model versions", async () => {
    await expect(perfJobController.create({ name: "x1", modelId, modelVersion: 1, flavors: ["local.small", "gpu.huge"] }, ctx)).rejects.toMatchObject({ status: 422, field: "flavors.1" });
    await expect(perfJobController.create({ name: "x2", modelId, modelVersion: 4 }, ctx)).rejects.toMatchObject({ status: 422, field: "modelVersion" });
  });
});
