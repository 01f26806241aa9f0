// Perf jobs through the real platform's HTTP API: percentiles per task, an unmet SLO failing the job
// with the figures, cancel, and 422s for unknown flavors.
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { liveReplicaPids } from "../../platform/serving/replica-process";
import { startTestPlatform, waitUntil, type TestPlatform } from "./helpers";
import { logregArtifact } from "./serving-fixtures";

let p: TestPlatform;
let modelId: string;
const terminal = (j: any) => ["Succeeded", "Failed", "Cancelled"].includes(j.status);

beforeAll(async () => {
  p = await startTestPlatform();
  writeFileSync(join(p.root, "model.json"), JSON.stringify(logregArtifact(1)));
  const created = await p.api("POST", "/v1/models", { name: "iris", source: "model.json", format: "logreg-json" });
  expect(created.status, JSON.stringify(created.body)).toBe(201);
  modelId = created.body.id;
  await waitUntil(p, "models", modelId, (m) => m.status === "Ready");
});

afterAll(async () => {
  await p?.close();
  expect(liveReplicaPids()).toEqual([]);
});

describe("perf jobs on the local platform", () => {
  it("records p50/p90/p99, throughput, requests and errors per task", async () => {
    const created = await p.api("POST", "/v1/perf-jobs", { name: "bench", modelId, modelVersion: 1, concurrency: [1, 2], durationSeconds: 1 });
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    expect(created.body.id).toMatch(/^pj-/);
    expect(created.body.status).toBe("Submitted");
    const job = await waitUntil(p, "perf-jobs", created.body.id, terminal, 30_000);
    expect(job.status, job.statusMessage).toBe("Succeeded");
    expect(job.tasks).toHaveLength(2);
    for (const t of job.tasks) {
      expect(t).toMatchObject({ flavor: "local.small", status: "Succeeded", errors: 0 });
      expect(t.requests).toBeGreaterThan(50);
      expect(t.p50Ms).toBeLessThanOrEqual(t.p90Ms);
      expect(t.p90Ms).toBeLessThanOrEqual(t.p99Ms);
      expect(t.throughput).toBeGreaterThan(50);
    }
  });

  it("fails when the SLO is not met, saying which task missed by how much", async () => {
    const created = await p.api("POST", "/v1/perf-jobs", { name: "gate", modelId, modelVersion: 1, concurrency: [2], durationSeconds: 1, slo: { minThroughput: 10_000_000 } });
    const job = await waitUntil(p, "perf-jobs", created.body.id, terminal, 30_000);
    expect(job.status).toBe("Failed");
    expect(job.sloMet).toBe(false);
    expect(job.statusMessage).toBe(`SLO not met: local.small × concurrency 2: throughput ${job.tasks[0].throughput} req/s < 10000000 req/s`);
  });

  it("cancels a running job", async () => {
    const created = await p.api("POST", "/v1/perf-jobs", { name: "long", modelId, modelVersion: 1, concurrency: [1], durationSeconds: 120 });
    await waitUntil(p, "perf-jobs", created.body.id, (j) => j.tasks[0].requests > 0, 30_000);
    const cancelled = await p.api("POST", `/v1/perf-jobs/${created.body.id}/cancel`);
    expect(cancelled.status, JSON.stringify(cancelled.body)).toBe(200);
    expect(cancelled.body).toMatchObject({ status: "Cancelled", tasks: [{ status: "Cancelled" }] });
    expect(liveReplicaPids()).toEqual([]);
    expect((await p.api("POST", `/v1/perf-jobs/${created.body.id}/cancel`)).status).toBe(409);
  });

  it("refuses unknown flavors with 422 naming the entry", async () => {
    const r = await p.api("POST", "/v1/perf-jobs", { name: "cloudy", modelId, modelVersion: 1, flavors: ["ml.c5.large"] });
    expect(r.status).toBe(422);
    expect(r.body.field).toBe("flavors.0");
    expect(r.body.message).toMatch(/local\.small/);
  });
});
