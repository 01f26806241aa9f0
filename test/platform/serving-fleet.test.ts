// A service's fleet (front + replica processes) without the platform around it: scaling in place and
// rolling updates under steady client load (fetch, and 8 node:http keep-alive clients whose connections the
// front hands to replicas) that must not fail a single request.
import { Agent, request } from "node:http";
import { afterEach, describe, expect, it } from "vitest";
import { ServiceFleet, type DesiredFleet } from "../../platform/serving/fleet";
import { liveReplicaPids } from "../../platform/serving/replica-process";
import { inferBody, writeLogregArtifact } from "./serving-fixtures";

const artifacts = { 1: writeLogregArtifact(1), 2: writeLogregArtifact(3) } as Record<number, string>;

function desired(versions: { version: number; weight: number }[], replicas: number): DesiredFleet {
  return {
    replicas,
    groups: versions.map(({ version, weight }) => ({
      weight,
      modelName: "iris",
      modelVersion: version,
      configKey: `v${version}`,
      launch: { config: { artifactPath: artifacts[version], format: "logreg-json", modelName: "iris", modelVersion: version } },
    })),
  };
}

let fleet: ServiceFleet | undefined;
afterEach(async () => {
  await fleet?.stop();
  fleet = undefined;
  expect(liveReplicaPids()).toEqual([]);
});

async function infer(port: number) {
  const res = await fetch(`http://127.0.0.1:${port}/v2/models/svc/infer`, { method: "POST", body: JSON.stringify(inferBody([[0, 2, 0, 0]])) });
  const body = (await res.json()) as { model_version?: string };
  return { status: res.status, version: body.model_version };
}

function post(port: number, agent: Agent): Promise<{ status: number; version?: string; error?: string }> {
  const text = JSON.stringify(inferBody([[0, 2, 0, 0]]));
  return new Promise((resolve) => {
    const req = request({ host: "127.0.0.1", port, method: "POST", path: "/v2/models/svc/infer", agent, headers: { "content-type": "application/json", "content-length": Buffer.byteLength(text) } }, (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (c: Buffer) => chunks.push(c));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, version: res.headers["x-mlp-model-version"] as string | undefined }));
      res.on("error", (e) => resolve({ status: 0, error: e.message }));
    });
    req.on("error", (e) => resolve({ status: 0, error: e.message }));
    req.end(text);
  });
}

describe("service fleet", () => {
  it("scales in place: running replicas keep their processes", async () => {
    const ready: number[] = [];
    fleet = new ServiceFleet("svc", { onReadyChange: (n) => ready.push(n), onReplicaCrash: () => {} });
    const port = await fleet.listen();
    await fleet.apply(desired([{ version: 1, weight: 100 }], 1));
    const [first] = fleet.pids();
    expect((await infer(port)).status).toBe(200);
    await fleet.apply(desired([{ version: 1, weight: 100 }], 3));
    expect(fleet.readyReplicas()).toBe(3);
    expect(fleet.pids()).toHaveLength(3);
    expect(fleet.pids()).toContain(first);
    await fleet.apply(desired([{ version: 1, weight: 100 }], 2));
    expect(fleet.pids()).toEqual(fleet.pids().filter((p) => p !== undefined));
    expect(fleet.pids()).toHaveLength(2);
    expect(fleet.pids()).toContain(first);
    expect(ready).toEqual([0, 1, 2, 3, 2]);
  });

  it("rolls version 1 → 2 under a concurrent client without a failed request", async () => {
    fleet = new ServiceFleet("svc", { onReadyChange: () => {}, onReplicaCrash: () => {} });
    const port = await fleet.listen();
    await fleet.apply(desired([{ version: 1, weight: 100 }], 2));
    const before = fleet.pids();

    let rolling = true;
    const seen: { status: number; version?: string }[] = [];
    const client = async () => {
      while (rolling || seen.length < 1000) seen.push(await infer(port));
    };
    const clients = Promise.all([client(), client(), client()]);
    // let load build up before the roll starts
    while (seen.length < 100) await new Promise((r) => setTimeout(r, 10));
    await fleet.apply(desired([{ version: 2, weight: 100 }], 2));
    rolling = false;
    await clients;

    expect(seen.length).toBeGreaterThanOrEqual(1000);
    expect(seen.filter((s) => s.status !== 200)).toEqual([]);
    expect(seen[0].version).toBe("1");
    expect(seen.at(-1)!.version).toBe("2");
    expect(fleet.pids().some((p) => before.includes(p))).toBe(false);
    for (const pid of before) expect(() => process.kill(pid, 0)).toThrow();
  });

  it("rolls v1 → v2 and then drains a replica away under 8 keep-alive clients: 0 failed, the clients reconnect to v2", async () => {
    fleet = new ServiceFleet("svc", { onReadyChange: () => {}, onReplicaCrash: () => {} });
    const port = await fleet.listen();
    await fleet.apply(desired([{ version: 1, weight: 100 }], 2));
    // node:http keep-alive clients never retry a POST: a connection closed under a request fails it.
    const agent = new Agent({ keepAlive: true, maxSockets: 8 });
    let rolling = true;
    const seen: { status: number; version?: string; error?: string }[] = [];
    const client = async () => {
      while (rolling) seen.push(await post(port, agent));
    };
    const clients = Promise.all(Array.from({ length: 8 }, client));
    while (seen.length < 200) await new Promise((r) => setTimeout(r, 10));
    await fleet.apply(desired([{ version: 2, weight: 100 }], 2));
    const afterRoll = seen.length;
    await fleet.apply(desired([{ version: 2, weight: 100 }], 1));
    const mark = seen.length;
    while (seen.length < mark + 200) await new Promise((r) => setTimeout(r, 10));
    rolling = false;
    await clients;
    agent.destroy();

    expect(seen.filter((s) => s.status !== 200)).toEqual([]);
    expect(seen[0].version).toBe("1");
    expect(seen.slice(afterRoll).every((s) => s.version === "2")).toBe(true);
    expect(fleet.pids()).toHaveLength(1);
    // Every client came back through the front after each drain: 8 connections at first, more after.
    expect(fleet.front.handedOff).toBeGreaterThanOrEqual(16);
  });

  it("fails clearly when a replica cannot start, keeping the running ones", async () => {
    fleet = new ServiceFleet("svc", { onReadyChange: () => {}, onReplicaCrash: () => {} });
    const port = await fleet.listen();
    await fleet.apply(desired([{ version: 1, weight: 100 }], 1));
    const broken = desired([{ version: 2, weight: 100 }], 1);
    broken.groups[0].launch.config.artifactPath = "/nonexistent/model.json";
    broken.groups[0].configKey = "broken";
    await expect(fleet.apply(broken)).rejects.toThrow(/version 2 did not start/);
    expect((await infer(port)).version).toBe("1");
  });

  it("notices a crashed replica", async () => {
    const crashes: string[] = [];
    fleet = new ServiceFleet("svc", { onReadyChange: () => {}, onReplicaCrash: (m) => crashes.push(m) });
    await fleet.listen();
    await fleet.apply(desired([{ version: 1, weight: 100 }], 1));
    process.kill(fleet.pids()[0], "SIGKILL");
    await expect.poll(() => crashes.length).toBe(1);
    expect(crashes[0]).toMatch(/replica 1 of model "iris" version 1 exited \(SIGKILL\)/);
    expect(fleet.readyReplicas()).toBe(0);
  });
});
