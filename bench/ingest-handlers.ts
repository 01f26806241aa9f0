// The provider-handlers side of bench/ingest.ts, in a process of its own (forked by it) that loads nothing but
// the handlers, so its peak RSS is what a provider process holding them costs: one up (check, create with its
// long-poll wait) and one preview (check + diff) of a large dataset, and one up of a large model.
import { handlers } from "../provider/handlers";
import { configure, platform } from "../provider/handlers/context";
import { digestCacheStats } from "../sdk/digest";
import { readFileSync } from "node:fs";

/** VmHWM and VmRSS of a process, in MiB (undefined when it is gone). */
export function memoryOf(pid: number | "self"): { hwm: number; rss: number } | undefined {
  try {
    const status = readFileSync(`/proc/${pid}/status`, "utf8");
    const kb = (k: string) => Number(new RegExp(`^${k}:\\s+(\\d+) kB`, "m").exec(status)?.[1] ?? NaN);
    return { hwm: kb("VmHWM") / 1024, rss: kb("VmRSS") / 1024 };
  } catch {
    return undefined;
  }
}

/** Samples a process's RSS every 200 ms; peak() is the larger of the samples and the kernel's VmHWM. */
export function sampler(pid: number | "self") {
  let peak = 0;
  const take = () => {
    const m = memoryOf(pid);
    if (m) peak = Math.max(peak, m.rss, m.hwm);
  };
  const timer = setInterval(take, 200);
  return {
    peak: () => (take(), peak),
    stop: () => clearInterval(timer),
  };
}

export interface HandlerReport {
  dataset: { postMs: number; createMs: number; previewColdMs: number; previewWarmMs: number; previewChanges: boolean; cacheHits: number; cacheMisses: number };
  model: { postMs: number; createMs: number };
  peakRssMiB: number;
  /** VmHWM once the handlers are loaded, before any work. */
  loadedRssMiB: number;
}

/** The child: the provider handlers, as the engine drives them for one up and one preview. */
export async function runHandlers(args: { endpoint: string; token: string; csv: string; modelDir: string }): Promise<HandlerReport> {
  const loadedRssMiB = memoryOf("self")?.hwm ?? NaN;
  const log = console.log;
  console.log = () => {}; // progress lines
  const mem = sampler("self");
  try {
    configure({ endpoint: args.endpoint, token: args.token });
    const p = platform();
    // The time each create's POST takes to answer, measured around the client call the handler makes.
    const timed = (client: { create: (...a: any[]) => Promise<any> }) => {
      const original = client.create;
      const box = { ms: NaN };
      client.create = async (...a: any[]) => {
        const t0 = performance.now();
        try {
          return await original.apply(client, a);
        } finally {
          box.ms = performance.now() - t0;
        }
      };
      return box;
    };
    const dsPost = timed(p.datasets);
    const mdPost = timed(p.models);

    const ds = handlers.dataset;
    const dsProps = { name: "big-data", format: "csv", source: args.csv, logicalName: "bench/ingest/Dataset/big-data" };
    let t0 = performance.now();
    const checked = await ds.check({}, dsProps);
    const previewColdMs = performance.now() - t0;
    if (checked.failures.length) throw new Error(`dataset check: ${JSON.stringify(checked.failures)}`);
    t0 = performance.now();
    const created = await ds.create(checked.inputs);
    const dsCreateMs = performance.now() - t0;
    // A preview of the unchanged dataset: check against the state, then diff, as the engine does.
    const hits = digestCacheStats.hits;
    const misses = digestCacheStats.misses;
    t0 = performance.now();
    const again = await ds.check(created.outs, dsProps);
    const diff = await ds.diff(created.id, created.outs, again.inputs);
    const previewWarmMs = performance.now() - t0;
    const cacheHits = digestCacheStats.hits - hits;
    const cacheMisses = digestCacheStats.misses - misses;

    const md = handlers.model;
    const mdChecked = await md.check({}, { name: "big-model", source: args.modelDir, format: "logreg-json", logicalName: "bench/ingest/Model/big-model" });
    if (mdChecked.failures.length) throw new Error(`model check: ${JSON.stringify(mdChecked.failures)}`);
    t0 = performance.now();
    await md.create(mdChecked.inputs);
    const mdCreateMs = performance.now() - t0;
    return {
      dataset: { postMs: dsPost.ms, createMs: dsCreateMs, previewColdMs, previewWarmMs, previewChanges: diff.changes, cacheHits, cacheMisses },
      model: { postMs: mdPost.ms, createMs: mdCreateMs },
      peakRssMiB: mem.peak(),
      loadedRssMiB,
    };
  } finally {
    mem.stop();
    console.log = log;
  }
}

if (require.main === module) {
  process.once("message", (args: any) => {
    runHandlers(args).then(
      (report) => process.send!({ report }),
      (err) => process.send!({ error: (err as Error).stack ?? String(err) }),
    );
  });
}
