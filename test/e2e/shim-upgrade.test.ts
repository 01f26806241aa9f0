// Upgrading a stack written by an earlier release, under the real Pulumi engine: its state holds that
// release's `__provider` (a serialized shim, test/provider/legacy-shims.json); today's classes declare the
// one-line shim of provider/shim.ts. The first program after the upgrade must propose nothing, store today's
// shim in the inputs, refresh without drift (refresh runs the text stored in the outputs), and the next
// real change must store today's shim in the outputs too.
import { rmSync } from "node:fs";
import { join } from "node:path";
import * as pulumi from "@pulumi/pulumi";
import type * as auto from "@pulumi/pulumi/automation";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { NOTES_KEY, notesOf } from "../../provider/handlers/state-notes";
import { SHIM_TEXTS } from "../../provider/shim";
import { makeFixtures, type Fixtures } from "../provider/fixtures";
import { LEGACY_SHIMS } from "../provider/legacy-shims";
import { exportState, makeProjectDir, openE2EStack, removeDir, startPlatformProcess, type E2EPlatform } from "./harness";

const PROJECT = "e2e";
const STACK = "upgrade";

let fx: Fixtures;
let platform: E2EPlatform;
let projectDir: string;
let stack: auto.Stack;
/** Which release's classes the program uses, and the description it declares. */
const declared = { release: "earlier" as "earlier" | "today", description: "" };

/** A Dataset as an earlier release registered it: the same type, inputs and options, with that release's shim. */
class EarlierDataset extends pulumi.CustomResource {
  constructor(name: string, shim: string, args: Record<string, unknown>) {
    const logicalName = `${PROJECT}/${STACK}/Dataset/${name}`;
    super("pulumi-nodejs:dynamic/mlplatform:Dataset", name, { ...args, logicalName, __provider: shim }, { deleteBeforeReplace: true });
  }
}

const names = LEGACY_SHIMS.map((_g, i) => `upgrade-data-${i}`);

beforeAll(async () => {
  fx = makeFixtures();
  platform = await startPlatformProcess(join(fx.root, "platform-data"), [fx.root]);
  projectDir = makeProjectDir("upgrade");
  const program = async () => {
    const ml = require(join(projectDir, "node_modules/mlplatform")) as typeof import("../../provider");
    LEGACY_SHIMS.forEach(([, shims], i) => {
      const args = { name: names[i], format: "csv" as const, source: fx.csv, ...(declared.description ? { description: declared.description } : {}) };
      if (declared.release === "earlier") new EarlierDataset(names[i], shims.Dataset, args);
      else new ml.Dataset(names[i], args);
    });
  };
  stack = await openE2EStack({ projectDir, program, platform, projectName: PROJECT, stackName: STACK });
}, 120_000);

afterAll(async () => {
  await stack?.destroy().catch(() => undefined);
  await platform?.stop();
  if (projectDir) removeDir(projectDir);
  if (fx) rmSync(fx.root, { recursive: true, force: true });
});

/** The datasets' state entries in LEGACY_SHIMS order (the state's own order follows completion, which varies). */
async function datasetsInState(): Promise<any[]> {
  const entries = (await exportState(stack)).resources.filter((r: any) => r.type === "pulumi-nodejs:dynamic/mlplatform:Dataset");
  return names.map((n) => entries.find((r: any) => r.urn.endsWith(`::${n}`)));
}

describe("a stack written by earlier releases, upgraded", () => {
  it("their shims create through today's handlers", async () => {
    const up = await stack.up();
    expect(up.summary.resourceChanges).toMatchObject({ create: LEGACY_SHIMS.length + 1 });
    const state = await datasetsInState();
    expect(state.map((r) => r.outputs.status)).toEqual(LEGACY_SHIMS.map(() => "Ready"));
    expect(state.map((r) => r.inputs.__provider)).toEqual(LEGACY_SHIMS.map(([, s]) => s.Dataset));
  }, 180_000);

  it("today's program proposes nothing, stores today's shim in the inputs, and refreshes clean", async () => {
    declared.release = "today";
    await stack.preview({ expectNoChanges: true });
    const up = await stack.up();
    expect(up.summary.resourceChanges).toEqual({ same: LEGACY_SHIMS.length + 1 });
    const state = await datasetsInState();
    expect(state.map((r) => r.inputs.__provider)).toEqual(LEGACY_SHIMS.map(() => SHIM_TEXTS.Dataset));
    // An unchanged resource keeps the outputs it had, earlier shim included; refresh runs that one.
    expect(state.map((r) => r.outputs.__provider)).toEqual(LEGACY_SHIMS.map(([, s]) => s.Dataset));
    await stack.previewRefresh({ expectNoChanges: true });
  }, 180_000);

  it("the next change stores today's shim in the outputs as well", async () => {
    declared.description = "after the upgrade";
    const up = await stack.up();
    expect(up.summary.resourceChanges).toMatchObject({ update: LEGACY_SHIMS.length });
    const state = await datasetsInState();
    expect(state.map((r) => [r.outputs.description, r.outputs.__provider])).toEqual(LEGACY_SHIMS.map(() => ["after the upgrade", SHIM_TEXTS.Dataset]));
    await stack.preview({ expectNoChanges: true });
    await stack.previewRefresh({ expectNoChanges: true });
  }, 180_000);

  it("outputs in the layout before 2026-12-03 (notes as properties, a copy of the id) preview and refresh clean; refresh packs them", async () => {
    const deployment = await exportState(stack);
    for (const r of deployment.resources) {
      if (r.type !== "pulumi-nodejs:dynamic/mlplatform:Dataset") continue;
      const { [NOTES_KEY]: packed, ...rest } = r.outputs;
      r.outputs = { ...rest, ...JSON.parse(packed), id: r.id };
    }
    await stack.importStack({ version: 3, deployment });
    const logicalNames = names.map((n) => `${PROJECT}/${STACK}/Dataset/${n}`);
    expect((await datasetsInState()).map((r) => [r.outputs.logicalName, r.outputs[NOTES_KEY]])).toEqual(logicalNames.map((l) => [l, undefined]));
    await stack.preview({ expectNoChanges: true });
    await stack.previewRefresh({ expectNoChanges: true });
    const refresh = await stack.refresh();
    expect(refresh.summary.resourceChanges).toEqual({ same: LEGACY_SHIMS.length + 1 });
    const state = await datasetsInState();
    expect(state.map((r) => [r.outputs.logicalName, r.outputs.inputKeys, r.outputs.id, notesOf(r.outputs).logicalName])).toEqual(logicalNames.map((l) => [undefined, undefined, undefined, l]));
    await stack.preview({ expectNoChanges: true });
  }, 180_000);
});
