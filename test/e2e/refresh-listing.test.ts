// Issue 18 §2 under the real Pulumi engine: a refresh of more resources than a few reads lists the stack's
// objects of a kind (by their URN tag) instead of reading them a batch at a time, and still reports what
// changed out of band — an edited object as drift, a deleted one dropped from state — whichever way each
// object was read. The platform's requests are counted by a pass-through proxy.
import { rmSync } from "node:fs";
import { join } from "node:path";
import type * as auto from "@pulumi/pulumi/automation";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { FaultProxy } from "../provider/fault-proxy";
import { makeFixtures, type Fixtures } from "../provider/fixtures";
import { exportState, makeProjectDir, openE2EStack, removeDir, startPlatformProcess, type E2EPlatform } from "./harness";

/** More than the reads answered one batch at a time before a listing (provider/handlers/read.ts, 16). */
const COUNT = 24;
const names = Array.from({ length: COUNT }, (_, i) => `rl-${i}`);

let fx: Fixtures;
let platform: E2EPlatform;
let proxy: FaultProxy;
let projectDir: string;
let stack: auto.Stack;

beforeAll(async () => {
  fx = makeFixtures();
  platform = await startPlatformProcess(join(fx.root, "platform-data"), [fx.root]);
  proxy = await new FaultProxy({ target: platform.endpoint, rate: 0, delayMs: 0 }).start();
  projectDir = makeProjectDir("refresh-listing");
  const program = async () => {
    const ml = require(join(projectDir, "node_modules/mlplatform")) as typeof import("../../provider");
    for (const name of names) new ml.Dataset(name, { name, format: "csv", source: fx.csv });
  };
  stack = await openE2EStack({ projectDir, program, platform: { ...platform, endpoint: proxy.endpoint } });
}, 120_000);

afterAll(async () => {
  await stack?.destroy().catch(() => undefined);
  await proxy?.stop().catch(() => undefined);
  await platform?.stop();
  if (projectDir) removeDir(projectDir);
  if (fx) rmSync(fx.root, { recursive: true, force: true });
});

async function idOf(name: string): Promise<string> {
  const r = await platform.api("GET", `/v1/datasets?name=${name}`);
  expect(r.body.items).toHaveLength(1);
  return r.body.items[0].id;
}

describe.sequential("refresh of a stack larger than a batch", () => {
  it("lists the stack's datasets, and still reports an edit as drift and a deletion as gone", async () => {
    expect((await stack.up()).summary.result).toBe("succeeded");
    const edited = await idOf("rl-20");
    const deleted = await idOf("rl-21");
    expect((await platform.api("PATCH", `/v1/datasets/${edited}`, { description: "changed by hand" })).status).toBe(200);
    expect((await platform.api("DELETE", `/v1/datasets/${deleted}`)).status).toBe(204);

    const from = proxy.log.length;
    const refresh = await stack.refresh();
    expect(refresh.summary.resourceChanges).toMatchObject({ update: 1, delete: 1 });
    const requests = proxy.log.slice(from).map(decodeURIComponent);
    // The listing of this stack's datasets, by the URN tag's prefix (project "e2e", stack "test").
    expect(requests.filter((r) => r.includes("tagPrefix=mlplatform/urn=e2e/test/Dataset/")).length).toBeGreaterThanOrEqual(1);
    // Fewer platform requests than resources: the reads past the first few came from the listing.
    expect(requests.length).toBeLessThan(COUNT);

    const entries = (await exportState(stack)).resources.filter((r: any) => r.type.endsWith(":Dataset"));
    expect(entries.map((r: any) => r.outputs.name).sort()).toEqual(names.filter((n) => n !== "rl-21").sort());
    expect(entries.find((r: any) => r.id === edited).outputs.description).toBe("changed by hand");
  });
});
