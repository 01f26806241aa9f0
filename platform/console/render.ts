// The console page: every object of every kind with its status, training curves and perf charts,
// rendered on the server into one self-contained HTML document (inline CSS and SVG, no scripts needed).
import { KIND_BY_COLLECTION, KIND_REGISTRY, type MetricPoint, type ModelVersion, type PerfTask } from "../../schemas/index";
import type { KindName, StoredObject } from "../core/types";
import { barChart, lineChart, type Series } from "./charts";
import { esc } from "./html";

export interface ConsoleSnapshot {
  generatedAt: string;
  kinds: { kind: KindName; items: StoredObject[] }[];
  /** Training-job id → its metric points. */
  metrics: Record<string, MetricPoint[]>;
  /** Model id → its versions, each with the signature registration read from the artifact. */
  versions?: Record<string, ModelVersion[]>;
  /** Seconds between automatic reloads, if asked for. */
  refreshSeconds?: number;
}


/** The heading of a kind's list ("Perf jobs"). */
const titleOf = (kind: KindName): string => KIND_REGISTRY[KIND_BY_COLLECTION[kind]].title;

const GOOD = new Set(["Ready", "Running", "Completed", "Succeeded"]);
const BAD = new Set(["Failed", "Stopped", "Cancelled"]);

function badge(status: string): string {
  const cls = GOOD.has(status) ? "good" : BAD.has(status) ? "bad" : "busy";
  return `<span class="status ${cls}">${esc(status)}</span>`;
}

function kv(pairs: [string, unknown][]): string {
  return pairs
    .filter(([, v]) => v !== undefined && v !== "" && !(typeof v === "object" && v !== null && Object.keys(v).length === 0))
    .map(([k, v]) => `<span class="kv"><b>${esc(k)}</b> ${esc(typeof v === "object" ? JSON.stringify(v, (_k, x) => (typeof x === "number" ? Number(x.toPrecision(4)) : x)) : v)}</span>`)
    .join(" ");
}

/** The few fields that say most about an object of each kind. */
function details(kind: KindName, o: Record<string, any>): string {
  switch (kind) {
    case "datasets":
      return kv([["version", o.latestVersion], ["format", o.format], ["samples", o.sampleCount], ["bytes", o.sizeBytes], ["source", o.source]]);
    case "training-jobs":
      return kv([["dataset", `${o.datasetId} v${o.datasetVersion}`], ["flavor", o.flavor], ["exit", o.exitCode], ["metrics", o.finalMetrics], ["output", o.outputUri]]);
    case "models":
      return kv([["latest", o.latestVersion], ["format", o.format], ["versions", (o.versions ?? []).map((v: any) => `v${v.version} ${v.status}`).join(", ")], ["metrics", o.metrics]]);
    case "perf-jobs":
      return kv([["model", `${o.modelId} v${o.modelVersion}`], ["duration", `${o.durationSeconds}s`], ["slo", o.slo], ["sloMet", o.sloMet]]);
    case "services":
      return (
        kv([["endpoint", o.endpoint], ["replicas", `${o.readyReplicas}/${o.replicas} ready`], ["flavor", o.flavor]]) +
        ` <span class="kv"><b>models</b> ${(o.models ?? []).map((m: any) => `${esc(m.modelName)} v${esc(m.version)} (${esc(m.weight)}%)`).join(", ")}</span>`
      );
  }
}

function trainingCharts(points: MetricPoint[] | undefined): string {
  if (!points?.length) return "";
  const byName = new Map<string, Series>();
  for (const p of points) {
    if (!byName.has(p.name)) byName.set(p.name, { name: p.name, points: [] });
    byName.get(p.name)!.points.push({ x: p.step, y: p.value });
  }
  // One chart per metric: loss and accuracy do not share a scale.
  return [...byName.values()].map((s) => lineChart(s.name, [s])).join("");
}

const tensors = (list: ModelVersion["inputs"]) => (list ?? []).map((t) => `${esc(t.name)} <code>${esc(t.datatype)} [${t.shape.join(", ")}]</code>`).join("<br>");

/** One row per version: what it is and its signature (the tensors a request must carry, and gets back). */
function versionTable(versions: ModelVersion[] | undefined): string {
  if (!versions?.length) return "";
  const rows = versions
    .map((v) => `<tr class="version" data-version="${v.version}"><td>v${v.version}</td><td>${badge(v.status)}</td><td>${esc(v.format)}</td><td class="inputs">${tensors(v.inputs)}</td><td class="outputs">${tensors(v.outputs)}</td></tr>`)
    .join("");
  return `<table class="tasks signature"><tr><th>version</th><th>status</th><th>format</th><th>inputs</th><th>outputs</th></tr>${rows}</table>`;
}

function perfCharts(tasks: PerfTask[] | undefined): string {
  const measured = (tasks ?? []).filter((t) => t.requests > 0);
  if (!measured.length) return "";
  const label = (t: PerfTask) => `${t.flavor.replace(/^local\./, "")}${t.batchSize && t.batchSize > 1 ? ` b${t.batchSize}` : ""}×${t.concurrency}`;
  const latency = barChart(
    "latency",
    "ms",
    measured.map((t) => ({ label: label(t), values: [{ name: "p50", value: t.p50Ms }, { name: "p90", value: t.p90Ms }, { name: "p99", value: t.p99Ms }] })),
  );
  const throughput = barChart("throughput", "req/s", measured.map((t) => ({ label: label(t), values: [{ name: "req/s", value: t.throughput }] })));
  const rows = (tasks ?? [])
    .map((t) => `<tr><td>${esc(t.flavor)}</td><td>${t.batchSize ?? 1}</td><td>${t.concurrency}</td><td>${badge(t.status)}</td><td>${t.requests}</td><td>${t.errors}</td><td>${t.p50Ms ?? ""}</td><td>${t.p90Ms ?? ""}</td><td>${t.p99Ms ?? ""}</td><td>${t.throughput ?? ""}</td><td>${t.predictionsPerSecond ?? ""}</td></tr>`)
    .join("");
  return `${latency}${throughput}<table class="tasks"><tr><th>flavor</th><th>batch</th><th>concurrency</th><th>status</th><th>requests</th><th>errors</th><th>p50 ms</th><th>p90 ms</th><th>p99 ms</th><th>req/s</th><th>predictions/s</th></tr>${rows}</table>`;
}

function section(kind: KindName, items: StoredObject[], snap: ConsoleSnapshot): string {
  const rows = items.map((o) => {
    const extra =
      kind === "training-jobs" ? trainingCharts(snap.metrics[o.id])
      : kind === "perf-jobs" ? perfCharts((o as any).tasks)
      : kind === "models" ? versionTable(snap.versions?.[o.id])
      : "";
    return `<tr class="object" data-kind="${kind}" data-id="${esc(o.id)}" data-status="${esc(o.status)}">
<td><b>${esc(o.name)}</b><br><code>${esc(o.id)}</code></td><td>${badge(o.status)}${o.statusMessage ? `<div class="msg">${esc(o.statusMessage)}</div>` : ""}</td>
<td>${details(kind, o as Record<string, unknown>)}${extra ? `<div class="charts">${extra}</div>` : ""}</td><td class="when">${esc(o.updatedAt)}</td></tr>`;
  });
  const body = rows.length ? rows.join("\n") : `<tr><td colspan="4" class="empty">none yet</td></tr>`;
  return `<section id="${kind}"><h2>${titleOf(kind)} <small>(${items.length})</small></h2>
<table><tr><th>name</th><th>status</th><th>details</th><th>updated</th></tr>${body}</table></section>`;
}

export function renderConsole(snap: ConsoleSnapshot): string {
  const nav = snap.kinds.map(({ kind, items }) => `<a href="#${kind}">${titleOf(kind)} ${items.length}</a>`).join(" · ");
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>mlplatform console</title>
${snap.refreshSeconds ? `<meta http-equiv="refresh" content="${snap.refreshSeconds}">` : ""}
<style>
body{font:14px system-ui,sans-serif;margin:1.5em;color:#111}
h1{font-size:20px;margin:0 0 .3em}h2{font-size:16px;margin:1.4em 0 .4em}small{color:#666;font-weight:400}
table{border-collapse:collapse;width:100%}td,th{border-bottom:1px solid #e5e5e5;padding:6px;text-align:left;vertical-align:top}
th{background:#f6f6f6;font-weight:600}code{font-size:12px;color:#555;white-space:nowrap}.when{font-size:12px;color:#666;white-space:nowrap}
.status{padding:1px 8px;border-radius:9px;font-size:12px;font-weight:600}.good{background:#dcfce7;color:#166534}
.bad{background:#fee2e2;color:#991b1b}.busy{background:#fef9c3;color:#854d0e}.msg{font-size:12px;color:#555;margin-top:3px}
.kv{display:inline-block;margin:0 10px 2px 0;font-size:13px}.kv b{color:#555;font-weight:600}
.charts{margin-top:6px}.chart{margin:4px 8px 4px 0;border:1px solid #eee;background:#fff}.tasks td,.tasks th{font-size:12px;padding:3px 6px}
.empty{color:#888}nav{color:#555}
</style></head>
<body><h1>mlplatform — local console</h1>
<nav>${nav} · generated ${esc(snap.generatedAt)}</nav>
${snap.kinds.map(({ kind, items }) => section(kind, items, snap)).join("\n")}
</body></html>`;
}
