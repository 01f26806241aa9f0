// Issue 7, benchmarks 1 and 2: the state size per kind, and `pulumi preview` / `pulumi refresh` time of
// stacks of 10, 50 and 200 of our resources against a baseline stack of as many no-op dynamic resources,
// and a second baseline of no-ops shaped like ours, which splits the difference into "our handlers" and
// "the resource shape" (declared outputs and state size, which the Pulumi SDK and engine pay per property).
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import * as pulumi from "@pulumi/pulumi";
import { Dataset, Model } from "../provider";
import { benchProject, table, time, type BenchProject, type BenchResult, type Goal } from "./lib";

/** The baseline: a dynamic provider whose methods return at once. */
const noopProvider: pulumi.dynamic.ResourceProvider = {
  async create(inputs: any) {
    return { id: `noop-${inputs.name}`, outs: inputs };
  },
  async diff() {
    return { changes: false };
  },
  async read(id: string, props: any) {
    return { id, props };
  },
  async delete() {},
};

export class Noop extends pulumi.dynamic.Resource {
  constructor(name: string) {
    super(noopProvider, name, { name }, {}, "bench", "Noop");
  }
}

/**
 * The second baseline: no-op resources of the same shape as ours (the same declared outputs and about the
 * same state entry, minus our larger `__provider`). Ours vs this isolates what our handlers cost; this vs
 * the plain no-op isolates what the resource shape costs (per-property work in the Pulumi SDK and engine).
 */
const shapedNoopProvider: pulumi.dynamic.ResourceProvider = {
  async create(inputs: any) {
    const digest = "0".repeat(64);
    const extras = inputs.kind === "Dataset" ? { status: "Ready", latestVersion: 1, digest, sampleCount: 2, sizeBytes: 20 } : { status: "Ready", latestVersion: 1, version: 1, versions: [1] };
    return { id: `noop-${inputs.name}`, outs: { ...inputs, ...extras, deadlineSeconds: 300, sourceDigest: digest, inputKeys: ["name", "format", "source"] } };
  },
  async diff() {
    return { changes: false };
  },
  async read(id: string, props: any) {
    return { id, props };
  },
  async delete() {},
};

const SHAPED_KEYS = {
  Dataset: ["deadlineSeconds", "adopt", "sourceDigest", "name", "format", "source", "description", "tags", "status", "latestVersion", "digest", "sampleCount", "sizeBytes"],
  Model: ["deadlineSeconds", "adopt", "sourceDigest", "name", "source", "format", "framework", "inputs", "outputs", "metrics", "description", "tags", "status", "latestVersion", "version", "versions"],
};

class ShapedNoop extends pulumi.dynamic.Resource {
  constructor(kind: "Dataset" | "Model", name: string, args: Record<string, string>) {
    const props: Record<string, unknown> = Object.fromEntries(SHAPED_KEYS[kind].map((k) => [k, undefined]));
    Object.assign(props, args, { kind, logicalName: `${pulumi.getProject()}/${pulumi.getStack()}/${kind}/${name}` });
    super(shapedNoopProvider, name, props, {}, "bench", `Shaped${kind}`);
  }
}

const LOGREG = JSON.stringify({
  format: "logreg-json/v1",
  features: ["a", "b"],
  classes: ["x", "y"],
  mean: [0, 0],
  std: [1, 1],
  weights: [[1, -1], [-1, 1]],
  bias: [0, 0],
});

function writeFixtures(dir: string, count: number): void {
  mkdirSync(join(dir, "fixtures"), { recursive: true });
  for (let i = 0; i < count; i++) {
    writeFileSync(join(dir, "fixtures", `d${i}.csv`), `a,b,label\n${i},1,x\n2,${i},y\n`);
    writeFileSync(join(dir, "fixtures", `m${i}.json`), LOGREG);
  }
}

function ourProgram(count: number) {
  return async () => {
    for (let i = 0; i < count / 2; i++) {
      // Platform names carry the size: stacks of every size live side by side on one platform.
      new Dataset(`d${i}`, { name: `s${count}-d${i}`, format: "csv", source: `fixtures/d${i}.csv` });
      new Model(`m${i}`, { name: `s${count}-m${i}`, format: "logreg-json", source: `fixtures/m${i}.json` });
    }
  };
}

function shapedProgram(count: number) {
  return async () => {
    for (let i = 0; i < count / 2; i++) {
      new ShapedNoop("Dataset", `d${i}`, { name: `s${count}-d${i}`, format: "csv", source: `fixtures/d${i}.csv` });
      new ShapedNoop("Model", `m${i}`, { name: `s${count}-m${i}`, format: "logreg-json", source: `fixtures/m${i}.json` });
    }
  };
}

function baselineProgram(count: number) {
  return async () => {
    for (let i = 0; i < count; i++) new Noop(`n${i}`);
  };
}

export interface ScaleRow {
  resources: number;
  ourPreviewMs: number;
  basePreviewMs: number;
  shapedPreviewMs: number;
  ourRefreshMs: number;
  baseRefreshMs: number;
  shapedRefreshMs: number;
  ourUpMs: number;
  baseUpMs: number;
  shapedUpMs: number;
  /** Resources a no-change preview/refresh of our stack reported as anything but "same" (should be 0). */
  ourChanges: number;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

/** Non-"same" operations in a preview/refresh summary. */
function changes(summary: Record<string, number | undefined> | undefined): number {
  return Object.entries(summary ?? {}).reduce((n, [op, c]) => (op === "same" ? n : n + (c ?? 0)), 0);
}

/**
 * Our stack and the baselines are measured in turn, `reps` rounds, and the median kept, so a burst of other
 * work on the (shared) machine hits all of them alike.
 */
async function measure(project: BenchProject, count: number, reps: number): Promise<ScaleRow> {
  const stacks = {
    ours: await project.stack(`ours-${count}`, ourProgram(count)),
    base: await project.stack(`base-${count}`, baselineProgram(count)),
    shaped: await project.stack(`shaped-${count}`, shapedProgram(count)),
  };
  const up: Record<string, number> = {};
  for (const [k, s] of Object.entries(stacks)) [up[k]] = await time(() => s.up({ parallel: 16 }));
  const preview: Record<string, number[]> = { ours: [], base: [], shaped: [] };
  const refresh: Record<string, number[]> = { ours: [], base: [], shaped: [] };
  let ourChanges = 0;
  for (let i = 0; i < reps; i++) {
    for (const [k, s] of Object.entries(stacks)) {
      const [ms, r] = await time(() => s.preview());
      preview[k].push(ms);
      if (k === "ours") ourChanges = Math.max(ourChanges, changes(r.changeSummary));
    }
    for (const [k, s] of Object.entries(stacks)) {
      const [ms, r] = await time(() => s.refresh());
      refresh[k].push(ms);
      if (k === "ours") ourChanges = Math.max(ourChanges, changes(r.summary.resourceChanges));
    }
  }
  // No destroy: the project directory (state and platform data) is removed as a whole afterwards, and a
  // destroy of 200 resources would cost as long as their up.
  return {
    resources: count,
    ourPreviewMs: median(preview.ours),
    basePreviewMs: median(preview.base),
    shapedPreviewMs: median(preview.shaped),
    ourRefreshMs: median(refresh.ours),
    baseRefreshMs: median(refresh.base),
    shapedRefreshMs: median(refresh.shaped),
    ourUpMs: up.ours,
    baseUpMs: up.base,
    shapedUpMs: up.shaped,
    ourChanges,
  };
}

export interface StateSize {
  kind: string;
  resources: number;
  /** Bytes of one serialized `__provider` (the largest of the kind). */
  providerBytes: number;
  /** Copies of `__provider` in one entry (inputs and outputs). */
  providerCopies: number;
  /** Bytes of the whole state entry (JSON), largest of the kind. */
  entryBytes: number;
}

/** Per dynamic kind in an exported deployment: the size of `__provider` and of the whole entry. */
export function stateSizes(deployment: any): StateSize[] {
  const rows = new Map<string, StateSize>();
  for (const r of deployment.resources ?? []) {
    if (!String(r.type).startsWith("pulumi-nodejs:dynamic/")) continue;
    const kind = String(r.type).split(":").pop()!;
    const row = rows.get(kind) ?? { kind, resources: 0, providerBytes: 0, providerCopies: 0, entryBytes: 0 };
    row.resources++;
    const copies = [r.inputs?.__provider, r.outputs?.__provider].filter((v) => typeof v === "string") as string[];
    row.providerCopies = Math.max(row.providerCopies, copies.length);
    row.providerBytes = Math.max(row.providerBytes, ...copies.map((c) => Buffer.byteLength(c)));
    row.entryBytes = Math.max(row.entryBytes, Buffer.byteLength(JSON.stringify(r)));
    rows.set(kind, row);
  }
  return [...rows.values()];
}

export const PROVIDER_BYTES_BOUND = 8192;

export function stateSizeTable(sizes: StateSize[]): string {
  return table(
    `State size per kind (bytes, largest resource of the kind; bound: ${PROVIDER_BYTES_BOUND} B of __provider)`,
    ["kind", "resources", "__provider", "copies per entry", "whole entry", "__provider / bound"],
    sizes.map((s) => [s.kind, String(s.resources), String(s.providerBytes), String(s.providerCopies), String(s.entryBytes), s.providerBytes / PROVIDER_BYTES_BOUND]),
  );
}

/** Issue 7 §2: preview and refresh of the largest stack within 1.3 × the no-op baseline. */
export function scaleGoals(json: { rows: ScaleRow[] }): Goal[] {
  const big = json.rows[json.rows.length - 1];
  const p = big.ourPreviewMs / big.basePreviewMs;
  const r = big.ourRefreshMs / big.baseRefreshMs;
  return [
    { goal: `7.2 preview at ${big.resources} ≤ 1.3 × no-op`, figure: `${big.ourPreviewMs.toFixed(0)} ms`, baseline: `${big.basePreviewMs.toFixed(0)} ms`, ratio: p, met: p <= 1.3 },
    { goal: `7.2 refresh at ${big.resources} ≤ 1.3 × no-op`, figure: `${big.ourRefreshMs.toFixed(0)} ms`, baseline: `${big.baseRefreshMs.toFixed(0)} ms`, ratio: r, met: r <= 1.3 },
  ];
}

export async function runScaleBench(sizes = [10, 50, 200], reps = 3): Promise<BenchResult<{ reps: number; rows: ScaleRow[] }>> {
  const project = await benchProject("scale");
  try {
    writeFixtures(project.dir, Math.max(...sizes) / 2);
    const rows: ScaleRow[] = [];
    for (const n of sizes) rows.push(await measure(project, n, reps));
    const text = [
      table(
        `Scale: preview and refresh of our resources (half datasets, half models) vs as many no-op dynamic resources (ms, median of ${reps}; goal: ratio ≤ 1.3 at 200)`,
        ["resources", "our preview", "no-op", "ratio", "our refresh", "no-op", "ratio", "spurious changes"],
        rows.map((r) => [String(r.resources), r.ourPreviewMs, r.basePreviewMs, r.ourPreviewMs / r.basePreviewMs, r.ourRefreshMs, r.baseRefreshMs, r.ourRefreshMs / r.baseRefreshMs, String(r.ourChanges)]),
      ),
      table(
        "Where the difference comes from: a no-op of the same shape as ours (same declared outputs, same-size state entry but a smaller __provider). ours/shaped = our handlers, __provider and module load; shaped/no-op = the resource shape (ms)",
        ["resources", "shaped preview", "ours/shaped", "shaped/no-op", "shaped refresh", "ours/shaped", "shaped/no-op", "up: ours", "shaped", "no-op"],
        rows.map((r) => [
          String(r.resources),
          r.shapedPreviewMs,
          r.ourPreviewMs / r.shapedPreviewMs,
          r.shapedPreviewMs / r.basePreviewMs,
          r.shapedRefreshMs,
          r.ourRefreshMs / r.shapedRefreshMs,
          r.shapedRefreshMs / r.baseRefreshMs,
          r.ourUpMs,
          r.shapedUpMs,
          r.baseUpMs,
        ]),
      ),
    ].join("\n");
    const json = { reps, rows };
    return { text, json, goals: scaleGoals(json) };
  } finally {
    await project.close();
  }
}

if (require.main === module) {
  const sizes = process.argv.slice(2).map(Number).filter((n) => n > 0);
  runScaleBench(sizes.length ? sizes : [10, 50, 200]).then(
    (r) => console.log(r.text),
    (err) => {
      console.error(err);
      process.exit(1);
    },
  );
}
