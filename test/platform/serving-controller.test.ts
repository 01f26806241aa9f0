// The Service controller over an in-memory store: deploy, validation, scale in place, a rolling update
// under load with zero failed requests, an 80/20 split, recovery after a restart, removal.
import { afterAll, describe, expect, it } from "vitest";
import { HttpError } from "../../platform/core/errors";
import { servicesUsing } from "../../platform/models/controller";
import { liveReplicaPids, serviceController } from "../../platform/serving/controller";
import { inferBody, writeLogregArtifact } from "./serving-fixtures";
import { memoryContext } from "./serving-memory-context";

type Svc = { id: string; status: string; readyReplicas: number; replicas: number; endpoint: string; models: { modelName: string; version: number }[]; statusMessage?: string; etag: string; name: string; tags: Record<string, string>; createdAt: string; updatedAt: string };

const ctx = memoryContext();
const modelId = ctx.registerModel("iris", [writeLogregArtifact(1), writeLogregArtifact(3)]);
const running = (o: Svc) => o.status === "Running";

afterAll(async () => {
  await serviceController.shutdown(ctx);
  expect(liveReplicaPids()).toEqual([]);
});

async function infer(endpoint: string, name = "iris") {
  const res = await fetch(`${endpoint}/v2/models/${name}/infer`, { method: "POST", body: JSON.stringify(inferBody([[0, 2, 0, 0]])) });
  const body = (await res.json()) as { model_version?: string; outputs?: { data: unknown[] }[] };
  return { status: res.status, version: body.model_version, body };
}

async function expectHttpError(p: Promise<unknown>, status: number, field: string, message: RegExp) {
  const err = await p.then(() => undefined, (e: unknown) => e);
  expect(err).toBeInstanceOf(HttpError);
  expect(err).toMatchObject({ status, field });
  expect((err as Error).message).toMatch(message);
}

describe("service controller", () => {
  it("deploys, answers predictions and scales in place", async () => {
    const created = (await serviceController.create({ name: "iris-svc", models: [{ modelId, version: 1 }] }, ctx)) as Svc;
    expect(created).toMatchObject({ status: "Deploying", readyReplicas: 0, replicas: 1, models: [{ modelId, modelName: "iris", version: 1, weight: 100 }] });
    const live = await ctx.waitFor<Svc>("services", created.id, running);
    expect(live.readyReplicas).toBe(1);
    const answer = await infer(live.endpoint);
    expect(answer).toMatchObject({ status: 200, version: "1" });
    expect(answer.body.outputs![0].data).toEqual(["versicolor"]);
    expect((await infer(live.endpoint, "iris-svc")).status).toBe(200);

    const before = liveReplicaPids();
    const patched = (await serviceController.patch(live, { replicas: 2 }, ctx)) as Svc;
    expect(patched.status).toBe("Updating");
    const scaled = await ctx.waitFor<Svc>("services", created.id, (o) => running(o) && o.readyReplicas === 2);
    expect(scaled.endpoint).toBe(live.endpoint);
    expect(liveReplicaPids()).toEqual(expect.arrayContaining(before));
    expect(liveReplicaPids()).toHaveLength(before.length + 1);

    await serviceController.remove(scaled, ctx);
    expect(ctx.store.get("services", created.id)).toBeUndefined();
    expect(liveReplicaPids()).toEqual([]);
    await expect(fetch(`${live.endpoint}/v2/health/ready`)).rejects.toThrow();
  });

  it("refuses unknown flavors, too many replicas and missing model versions, naming the field", async () => {
    await expectHttpError(serviceController.create({ name: "bad-a", models: [{ modelId, version: 1 }], flavor: "ml.g4dn.xlarge" }, ctx), 422, "flavor", /unknown flavor "ml.g4dn.xlarge".*local\.small, local\.medium, local\.large/);
    await expectHttpError(serviceController.create({ name: "bad-b", models: [{ modelId, version: 1 }], replicas: 16 }, ctx), 422, "replicas", /allows at most \d+ replicas/);
    await expectHttpError(serviceController.create({ name: "bad-c", models: [{ modelId, version: 9 }] }, ctx), 422, "models.0.version", /has no version 9 \(versions: 1, 2\)/);
    await expectHttpError(serviceController.create({ name: "bad-d", models: [{ modelId: "md-nope", version: 1 }] }, ctx), 422, "models.0.modelId", /does not exist/);
    expect(ctx.store.list("services", {}).items).toEqual([]);
  });

  it("rolls version 1 → 2 under a concurrent client with no failed request", async () => {
    const created = (await serviceController.create({ name: "roll", models: [{ modelId, version: 1 }], replicas: 2 }, ctx)) as Svc;
    const live = await ctx.waitFor<Svc>("services", created.id, running);
    expect(servicesUsing(ctx, modelId, 1)).toEqual([{ id: live.id, name: "roll" }]);

    let rolling = true;
    const seen: { status: number; version?: string }[] = [];
    const client = async () => {
      while (rolling || seen.length < 1000) seen.push(await infer(live.endpoint));
    };
    const clients = Promise.all([client(), client(), client(), client()]);
    while (seen.length < 100) await new Promise((r) => setTimeout(r, 10));
    const readySeen = new Set<number>();
    const patched = (await serviceController.patch(live, { models: [{ modelId, version: 2, weight: 100 }] }, ctx)) as Svc;
    expect(patched.status).toBe("Updating");
    const done = await ctx.waitFor<Svc>("services", created.id, (o) => {
      readySeen.add(o.readyReplicas);
      return running(o);
    });
    rolling = false;
    await clients;

    expect(seen.length).toBeGreaterThanOrEqual(1000);
    expect(seen.filter((s) => s.status !== 200)).toEqual([]);
    expect(seen[0].version).toBe("1");
    expect(seen.at(-1)!.version).toBe("2");
    expect(done).toMatchObject({ readyReplicas: 2, models: [{ version: 2 }] });
    // availability never dropped below the desired count during the roll
    expect(Math.min(...readySeen)).toBe(2);
    expect(servicesUsing(ctx, modelId, 1)).toEqual([]);
    await serviceController.remove(done, ctx);
  });

  it("splits traffic 80/20 between two versions", async () => {
    const created = (await serviceController.create({ name: "canary", models: [{ modelId, version: 1, weight: 80 }, { modelId, version: 2, weight: 20 }] }, ctx)) as Svc;
    const live = await ctx.waitFor<Svc>("services", created.id, running);
    const counts: Record<string, number> = { "1": 0, "2": 0 };
    for (let i = 0; i < 300; i++) counts[(await infer(live.endpoint)).version!]++;
    expect(counts["1"] + counts["2"]).toBe(300);
    expect(counts["2"]).toBeGreaterThanOrEqual(45);
    expect(counts["2"]).toBeLessThanOrEqual(75);

    await expectHttpError(serviceController.patch(live, { models: [{ modelId, version: 1, weight: 50 }, { modelId, version: 2, weight: 30 }] }, ctx), 422, "models", /add up to 100, got 80/);
    await serviceController.remove(live, ctx);
  });

  it("restarts replicas on the same endpoint after a platform restart", async () => {
    const created = (await serviceController.create({ name: "durable", models: [{ modelId, version: 2 }] }, ctx)) as Svc;
    const live = await ctx.waitFor<Svc>("services", created.id, running);
    await serviceController.shutdown(ctx);
    expect(liveReplicaPids()).toEqual([]);
    await expect(fetch(`${live.endpoint}/v2/health/ready`)).rejects.toThrow();

    await serviceController.recover(ctx);
    const back = await ctx.waitFor<Svc>("services", created.id, (o) => running(o) && o.etag !== live.etag);
    expect(back.endpoint).toBe(live.endpoint);
    expect(await infer(back.endpoint)).toMatchObject({ status: 200, version: "2" });
    await serviceController.remove(back, ctx);
  });

  it("keeps serving the old version when a roll cannot start the new one, and says so", async () => {
    const halfBroken = ctx.registerModel("half", [writeLogregArtifact(1), "/nonexistent/v2.json"]);
    const created = (await serviceController.create({ name: "half-svc", models: [{ modelId: halfBroken, version: 1 }] }, ctx)) as Svc;
    const live = await ctx.waitFor<Svc>("services", created.id, running);
    await serviceController.patch(live, { models: [{ modelId: halfBroken, version: 2, weight: 100 }] }, ctx);
    const failed = await ctx.waitFor<Svc>("services", created.id, (o) => o.status === "Failed");
    expect(failed.statusMessage).toMatch(/replica of model "half" version 2 did not start: .*\(1 replica\(s\) per model still serving\)/);
    expect(await infer(live.endpoint, "half")).toMatchObject({ status: 200, version: "1" });
    // fixing the spec recovers the service
    await serviceController.patch(failed, { models: [{ modelId: halfBroken, version: 1, weight: 100 }] }, ctx);
    expect((await ctx.waitFor<Svc>("services", created.id, running)).readyReplicas).toBe(1);
    await serviceController.remove(failed, ctx);
  });

  it("marks a service Failed with the reason when a replica cannot start", async () => {
    const brokenModel = ctx.registerModel("broken", ["/nonexistent/model.json"]);
    const created = (await serviceController.create({ name: "broken-svc", models: [{ modelId: brokenModel, version: 1 }] }, ctx)) as Svc;
    const failed = await ctx.waitFor<Svc>("services", created.id, (o) => o.status === "Failed");
    expect(failed.statusMessage).toMatch(/replica of model "broken" version 1 did not start: .*no artifact|did not start/);
    await serviceController.remove(failed, ctx);
  });
});
