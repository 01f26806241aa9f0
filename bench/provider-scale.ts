// Issue 7, benchmarks 1 and 2: the state size per kind, and `pulumi preview` / `pulumi refresh` time of
// stacks of 10, 50 and 200 of our resources against a baseline stack of as many no-op dynamic resources.
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import * as pulumi from "@pulumi/pulumi";
import { Dataset, Model } from "../provider";
import { benchProject, table, time, type BenchProject } from "./lib";

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

class Noop extends pulumi.dynamic.Resource {
  constructor(name: string) {
    super(noopProvider, name, { name }, {}, "bench", "Noop");
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
      new Dataset(`d${i}`, { name: `d${i}`, format: "csv", source: `fixtures/d${i}.csv` });
      new Model(`m${i}`, { name: `m${i}`, format: "logreg-json", source: `fixtures/m${i}.json` });
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
  ourRefreshMs: number;
  baseRefreshMs: number;
  ourUpMs: number;
}

async function measure(project: BenchProject, count: number): Promise<ScaleRow> {
  const ours = await project.stack(`ours-${count}`, ourProgram(count));
  const base = await project.stack(`base-${count}`, baselineProgram(count));
  const [ourUpMs] = await time(() => ours.up({ parallel: 16 }));
  await base.up({ parallel: 16 });
  // Warm once (plugin start-up, file caches), then measure.
  await ours.preview();
  await base.preview();
  const [ourPreviewMs] = await time(() => ours.preview({ expectNoChanges: true }));
  const [basePreviewMs] = await time(() => base.preview({ expectNoChanges: true }));
  const [ourRefreshMs] = await time(() => ours.refresh());
  const [baseRefreshMs] = await time(() => base.refresh());
  await ours.destroy({ parallel: 16 });
  await base.destroy({ parallel: 16 });
  return { resources: count, ourPreviewMs, basePreviewMs, ourRefreshMs, baseRefreshMs, ourUpMs };
}

export async function stateSizes(deployment: any): Promise<(string | number)[][]> {
  const rows: Record<string, { n: number; provider: number; entry: number }> = {};
  for (const r of deployment.resources ?? []) {
    if (!String(r.type).startsWith("pulumi-nodejs:dynamic/")) continue;
    const kind = String(r.type).split(":").pop()!;
    const row = (rows[kind] ??= { n: 0, provider: 0, entry: 0 });
    row.n++;
    row.provider = Math.max(row.provider, String(r.inputs?.__provider ?? "").length);
    row.entry = Math.max(row.entry, JSON.stringify(r).length);
  }
  return Object.entries(rows).map(([kind, r]) => [kind, r.provider, r.entry, r.provider <= 8192 ? "yes" : "NO"]);
}

export async function runScaleBench(sizes = [10, 50, 200]): Promise<{ text: string; json: unknown }> {
  const project = await benchProject("scale");
  try {
    writeFixtures(project.dir, Math.max(...sizes) / 2);
    const rows: ScaleRow[] = [];
    for (const n of sizes) rows.push(await measure(project, n));
    const text = table(
      "Scale: preview and refresh vs no-op dynamic resources (ms)",
      ["resources", "our preview", "baseline preview", "ratio", "our refresh", "baseline refresh", "ratio", "our up (16 parallel)"],
      rows.map((r) => [r.resources, r.ourPreviewMs, r.basePreviewMs, r.ourPreviewMs / r.basePreviewMs, r.ourRefreshMs, r.baseRefreshMs, r.ourRefreshMs / r.baseRefreshMs, r.ourUpMs]),
    );
    return { text, json: rows };
  } finally {
    await project.close();
  }
}
