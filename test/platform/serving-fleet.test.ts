// A service's fleet (router + replica processes) without the platform around it: scaling in place and a
// rolling update under steady client load that must not fail a single request.
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
