// Services through the real platform's HTTP API: models registered from logreg-json files, a service
// deployed and answering, validation, scale in place, a rolling update under load with no failed request,
// an 80/20 split, model-version deletes refused while in use, a platform restart, and removal.
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { liveReplicaPids } from "../../platform/serving/replica-process";
import { startTestPlatform, waitUntil, type TestPlatform } from "./helpers";
import { inferBody, logregArtifact } from "./serving-fixtures";

let p: TestPlatform;
let modelId: string;
// Our own dirs (not the helper's throwaway ones) so the restart test can start a second platform on them.
const dataDir = mkdtempSync(join(tmpdir(), "mlp-serving-data-"));
const root = mkdtempSync(join(tmpdir(), "mlp-serving-root-"));

async function infer(endpoint: string, name = "iris") {
  const res = await fetch(`${endpoint}/v2/models/${name}/infer`, { method: "POST", body: JSON.stringify(inferBody([[0, 2, 0, 0]])) });
  const body = (await res.json()) as { model_version?: string; outputs?: { data: unknown[] }[]; error?: string };
  return { status: res.status, version: body.model_version, body };
}

const running = (o: any) => o.status === "Running" || o.status === "Failed";

beforeAll(async () => {
  p = await startTestPlatform({ dataDir, root });
  writeFileSync(join(p.root, "v1.json"), JSON.stringify(logregArtifact(1)));
  writeFileSync(join(p.root, "v2.json"), JSON.stringify(logregArtifact(3)));
  const created = await p.api("POST", "/v1/models", { name: "iris", source: "v1.json", format: "logreg-json" });
  expect(created.status, JSON.stringify(created.body)).toBeLessThan(300);
  modelId = created.body.id;
  await waitUntil(p, "models", modelId, (m) => m.status === "Ready" && m.latestVersion === 1);
  const v2 = await p.api("PATCH", `/v1/models/${modelId}`, { source: "v2.json" });
  expect(v2.status, JSON.stringify(v2.body)).toBe(200);
  await waitUntil(p, "models", modelId, (m) => m.status === "Ready" && m.latestVersion === 2);
});

afterAll(async () => {
  await p?.close();
  rmSync(dataDir, { recursive: true, force: true });
  rmSync(root, { recursive: true, force: true });
  expect(liveReplicaPids()).toEqual([]);
});

describe("services on the local platform", () => {
  let svc: any;

  it("deploys a service whose front endpoint answers predictions", async () => {
    const created = await p.api("POST", "/v1/services", { name: "iris-svc", models: [{ modelId, version: 1 }] });
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    expect(created.body).toMatchObject({ status: "Deploying", replicas: 1, flavor: "local.small", models: [{ modelId, modelName: "iris", version: 1, weight: 100 }] });
    expect(created.body.id).toMatch(/^sv-/);
    svc = await waitUntil(p, "services", created.body.id, running);
    expect(svc).toMatchObject({ status: "Running", readyReplicas: 1 });
    expect(svc.endpoint).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    const answer = await infer(svc.endpoint);
    expect(answer.status).toBe(200);
    expect(answer.body.outputs![0].data).toEqual(["versicolor"]);
    const meta = (await (await fetch(`${svc.endpoint}/v2/models/iris`)).json()) as any;
    expect(meta.inputs[0].shape).toEqual([-1, 4]);
    const bad = await fetch(`${svc.endpoint}/v2/models/iris/infer`, { method: "POST", body: JSON.stringify(inferBody([[1, 2]])) });
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as any).error).toMatch(/shape\[1\] must be 4/);
  });

  it("refuses an unknown flavor with 422 listing the local flavors", async () => {
    const r = await p.api("POST", "/v1/services", { name: "bad-flavor", models: [{ modelId, version: 1 }], flavor: "ecs.g1.large" });
    expect(r.status).toBe(422);
    expect(r.body.field).toBe("flavor");
    expect(r.body.message).toMatch(/local\.small.*local\.medium.*local\.large/);
    const v = await p.api("POST", "/v1/services", { name: "bad-version", models: [{ modelId, version: 7 }] });
    expect(v.status).toBe(422);
    expect(v.body.field).toBe("models.0.version");
  });

  it("keeps replicas within the flavor's maxReplicas (422 naming the field)", async () => {
    const small = (await p.api("GET", "/v1/flavors")).body.find((f: any) => f.name === "local.small");
    const tooMany = await p.api("PATCH", `/v1/services/${svc.id}`, { replicas: small.maxReplicas + 1 });
    expect(tooMany.status).toBe(422);
    expect(tooMany.body).toMatchObject({ field: "replicas" });
    expect(tooMany.body.message).toContain(`local.small allows at most ${small.maxReplicas} replicas per model, got ${small.maxReplicas + 1}`);
    const cloud = await p.api("PATCH", `/v1/services/${svc.id}`, { flavor: "ml.m5.large" });
    expect(cloud.status).toBe(422);
    expect(cloud.body.field).toBe("flavor");
    expect((await p.api("GET", `/v1/services/${svc.id}`)).body).toMatchObject({ status: "Running", replicas: 1, flavor: "local.small" });
  });

  it("scales in place", async () => {
    const before = liveReplicaPids();
    const r = await p.api("PATCH", `/v1/services/${svc.id}`, { replicas: 2 }, { "if-match": svc.etag });
    expect(r.status, JSON.stringify(r.body)).toBe(200);
    svc = await waitUntil(p, "services", svc.id, (o) => running(o) && o.readyReplicas === 2);
    expect(svc.status).toBe("Running");
    expect(liveReplicaPids()).toEqual(expect.arrayContaining(before));
  });

  it("rolls version 1 → 2 while a client sends ≥ 1,000 requests, none failing", async () => {
    let rolling = true;
    const seen: { status: number; version?: string }[] = [];
    const client = async () => {
      while (rolling || seen.length < 1000) seen.push(await infer(svc.endpoint));
    };
    const clients = Promise.all([client(), client(), client(), client()]);
    while (seen.length < 100) await new Promise((r) => setTimeout(r, 10));
    const r = await p.api("PATCH", `/v1/services/${svc.id}`, { models: [{ modelId, version: 2, weight: 100 }] }, { "if-match": svc.etag });
    expect(r.status, JSON.stringify(r.body)).toBe(200);
    expect(r.body.status).toBe("Updating");
    svc = await waitUntil(p, "services", svc.id, running, 60_000);
    rolling = false;
    await clients;
    expect(svc).toMatchObject({ status: "Running", readyReplicas: 2, models: [{ version: 2, modelName: "iris" }] });
    expect(seen.length).toBeGreaterThanOrEqual(1000);
    expect(seen.filter((s) => s.status !== 200)).toEqual([]);
    expect(seen[0].version).toBe("1");
    expect(seen.at(-1)!.version).toBe("2");
  });

  it("splits traffic 80/20 across two versions", async () => {
    const r = await p.api("PATCH", `/v1/services/${svc.id}`, { replicas: 1, models: [{ modelId, version: 1, weight: 80 }, { modelId, version: 2, weight: 20 }] });
    expect(r.status, JSON.stringify(r.body)).toBe(200);
    svc = await waitUntil(p, "services", svc.id, running, 60_000);
    expect(svc.status).toBe("Running");
    const counts: Record<string, number> = { "1": 0, "2": 0 };
    for (let i = 0; i < 300; i++) counts[(await infer(svc.endpoint)).version!]++;
    expect(counts["1"] + counts["2"]).toBe(300);
    expect(counts["2"]).toBeGreaterThanOrEqual(45);
    expect(counts["2"]).toBeLessThanOrEqual(75);
  });

  it("refuses to delete a model version a service uses (409 naming the service)", async () => {
    const r = await p.api("DELETE", `/v1/models/${modelId}/versions/1`);
    expect(r.status, JSON.stringify(r.body)).toBe(409);
    expect(r.body.message).toContain("iris-svc");
    expect((await p.api("DELETE", `/v1/models/${modelId}`)).status).toBe(409);
  });

  it("restarts the service's replicas on the same endpoint after a platform restart", async () => {
    const endpoint = svc.endpoint;
    await p.close();
    expect(liveReplicaPids()).toEqual([]);
    p = await startTestPlatform({ dataDir, root });
    const back = await waitUntil(p, "services", svc.id, (o) => o.status === "Running" && o.readyReplicas === 1, 30_000);
    expect(back.endpoint).toBe(endpoint);
    expect((await infer(back.endpoint)).status).toBe(200);
    svc = back;
  });

  it("deletes the service and stops its replicas", async () => {
    const r = await p.api("DELETE", `/v1/services/${svc.id}`);
    expect(r.status).toBeLessThan(300);
    expect((await p.api("GET", `/v1/services/${svc.id}`)).status).toBe(404);
    expect(liveReplicaPids()).toEqual([]);
    await expect(fetch(`${svc.endpoint}/v2/health/ready`)).rejects.toThrow();
  });
});
