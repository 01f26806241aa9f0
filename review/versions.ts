// Metrics beside every model version change, so a reviewer can approve a model like code: for each
// version a review moves to (a service rolling or being promoted, a model registering a new version), the
// training metrics and the perf figures (p50/p99, throughput, SLO met) of the old and the new version,
// with their deltas, and which perf job (of which stack) measured them. Pure: the facts are gathered by
// the caller (cli/review.ts asks the platform) and passed in; nothing here does I/O.
import { kindOf } from "./kinds";
import { CONTENT_KEYS, type ResolvedStep } from "./resolve";
import { isObject, isUnknownValue } from "./values";

/** The benchmark that measured a version: the task at the highest concurrency it ran. */
export interface PerfFigures {
  perfJob: string;
  /** The stack that ran it (from its `mlplatform/urn` tag), when a stack did. */
  stack?: string;
  status: string;
  sloMet?: boolean;
  concurrency: number;
  p50Ms?: number;
  p99Ms?: number;
  throughput?: number;
}

export interface VersionFacts {
  metrics?: Record<string, number>;
  /** Perf jobs of this version, newest first. */
  perf: PerfFigures[];
}

/** modelId → model name and facts per version number. */
export type ModelFacts = Record<string, { name?: string; versions: Record<number, VersionFacts> }>;

/** One model moving from a version to another in this review. */
export interface VersionChange {
  modelId: string;
  /** The model's platform name as the deployment knows it (the facts may name it too). */
  modelName?: string;
  /** Who moves: "service `iris-prod`", "model `iris-dev`". */
  subject: string;
  from?: number;
  /** Undefined: a version this deployment registers, known after apply. */
  to?: number;
  /** The version is registered by this deployment (its figures do not exist yet). */
  registers: boolean;
}

const num = (v: unknown) => (typeof v === "number" && Number.isFinite(v) ? v : undefined);
const str = (v: unknown) => (typeof v === "string" && v !== "" && !isUnknownValue(v) ? v : undefined);

function name(step: ResolvedStep): string {
  return str(step.new?.inputs.name) ?? str(step.old?.inputs.name) ?? step.name;
}

function served(inputs: Record<string, unknown> | undefined): { modelId?: string; version?: number }[] {
  const models = inputs?.models;
  return Array.isArray(models) ? models.filter(isObject).map((m) => ({ modelId: str(m.modelId), version: num(m.version) })) : [];
}

/** The version changes of a (resolved) deployment, one per model and subject. */
export function versionChanges(steps: readonly ResolvedStep[]): VersionChange[] {
  // Models this deployment registers a new version of: id → name, and the version they had.
  const registering = new Map<string, { name: string; from?: number }>();
  const names = new Map<string, string>();
  for (const step of steps) {
    const kind = kindOf(step.type);
    const id = str(step.old?.outputs.id) ?? str(step.old?.id);
    if (kind === "Model" && id) names.set(id, name(step));
    if (kind === "Service") {
      const servedNames = step.old?.outputs.servedModels;
      if (Array.isArray(servedNames)) for (const m of servedNames.filter(isObject)) if (str(m.modelId) && str(m.modelName)) names.set(m.modelId as string, m.modelName as string);
    }
    if (kind !== "Model" || step.op !== "update" || !id) continue;
    const registers = (CONTENT_KEYS.Model ?? []).some((k) => JSON.stringify(step.old?.inputs[k]) !== JSON.stringify(step.new?.inputs[k]));
    if (registers) registering.set(id, { name: name(step), from: num(step.old?.outputs.version) });
  }
  const out: VersionChange[] = [];
  for (const step of steps) {
    if (kindOf(step.type) !== "Service" || step.op === "delete") continue;
    const olds = served(step.old?.inputs);
    for (const n of served(step.new?.inputs)) {
      if (!n.modelId) continue;
      const from = olds.find((o) => o.modelId === n.modelId)?.version;
      if (from !== undefined && from === n.version) continue;
      const registers = n.version === undefined || (registering.has(n.modelId) && n.version !== from);
      out.push({ modelId: n.modelId, modelName: names.get(n.modelId), subject: `service \`${name(step)}\``, from, to: n.version, registers });
    }
  }
  // A model registering a version no service moves to yet still gets its line.
  for (const [modelId, { name: modelName, from }] of registering) {
    if (!out.some((c) => c.modelId === modelId)) out.push({ modelId, modelName, subject: `model \`${modelName}\``, from, to: undefined, registers: true });
  }
  return out;
}

/**
 * Adds what the deployment itself knows: a perf job this deployment replaces still carries, in its old
 * outputs, the figures it measured for the version it benchmarked (the platform forgets them once the job
 * is replaced).
 */
export function withPerfFromSteps(facts: ModelFacts, steps: readonly ResolvedStep[], stack: string | undefined): ModelFacts {
  const out: ModelFacts = structuredClone(facts);
  for (const step of steps) {
    if (kindOf(step.type) !== "PerfJob" || !step.old) continue;
    const { inputs, outputs } = step.old;
    const modelId = str(inputs.modelId);
    const version = num(inputs.modelVersion);
    const tasks = Array.isArray(outputs.tasks) ? outputs.tasks.filter(isObject) : [];
    if (!modelId || version === undefined || tasks.length === 0) continue;
    const model = (out[modelId] ??= { versions: {} });
    const entry = (model.versions[version] ??= { perf: [] });
    if (entry.perf.length > 0) continue;
    const task = [...tasks].sort((a, b) => (num(b.concurrency) ?? 0) - (num(a.concurrency) ?? 0))[0]!;
    entry.perf.push({
      perfJob: str(outputs.name) ?? name(step), stack, status: str(outputs.status) ?? "Succeeded", sloMet: typeof outputs.sloMet === "boolean" ? outputs.sloMet : undefined,
      concurrency: num(task.concurrency) ?? 0, p50Ms: num(task.p50Ms), p99Ms: num(task.p99Ms), throughput: num(task.throughput),
    });
  }
  return out;
}

const fmt = (v: number | undefined, digits = 4) => (v === undefined ? "–" : String(+v.toFixed(digits)));

function delta(a: number | undefined, b: number | undefined, digits = 4): string {
  if (a === undefined || b === undefined) return "";
  const d = b - a;
  if (d === 0) return "±0";
  const pct = a !== 0 ? ` (${d > 0 ? "+" : ""}${+((d / Math.abs(a)) * 100).toFixed(1)}%)` : "";
  return `${d > 0 ? "+" : ""}${+d.toFixed(digits)}${pct}`;
}

function perfOf(facts: VersionFacts | undefined): PerfFigures | undefined {
  return facts?.perf.find((p) => p.status === "Succeeded") ?? facts?.perf[0];
}

function measuredBy(p: PerfFigures | undefined): string {
  if (!p) return "no perf job";
  return `perf job \`${p.perfJob}\`${p.stack ? ` (stack \`${p.stack}\`)` : ""}, ${p.status}${p.sloMet === undefined ? "" : p.sloMet ? ", SLO met" : ", SLO missed"}`;
}

/** One short statement for a promotion: the version and what its perf job measured, where. */
export function promotionNote(change: VersionChange, facts: ModelFacts, currentStack: string | undefined): string | undefined {
  if (change.to === undefined) return undefined;
  const model = facts[change.modelId];
  const perf = perfOf(model?.versions[change.to]);
  if (!perf || !perf.stack || perf.stack === currentStack) return undefined;
  const figures = [perf.p50Ms !== undefined ? `p50 ${fmt(perf.p50Ms, 1)} ms` : "", perf.p99Ms !== undefined ? `p99 ${fmt(perf.p99Ms, 1)} ms` : "", perf.throughput !== undefined ? `${fmt(perf.throughput, 1)} req/s` : ""].filter(Boolean).join(", ");
  return `${change.subject} is promoted to model \`${model?.name ?? change.modelId}\` v${change.to}, as measured in stack \`${perf.stack}\` by perf job \`${perf.perfJob}\` (${perf.status}${perf.sloMet === undefined ? "" : perf.sloMet ? ", SLO met" : ", SLO missed"}${figures ? `; ${figures} at concurrency ${perf.concurrency}` : ""})`;
}

/** Markdown: one table per version change, old and new side by side with deltas. */
export function versionTables(changes: readonly VersionChange[], facts: ModelFacts): string[] {
  const lines: string[] = [];
  for (const c of changes) {
    const model = facts[c.modelId];
    const label = `model \`${model?.name ?? c.modelName ?? c.modelId}\``;
    const old = c.from === undefined ? undefined : model?.versions[c.from];
    const next = c.to === undefined ? undefined : model?.versions[c.to];
    const fromHead = c.from === undefined ? "before" : `v${c.from}`;
    const toHead = c.to === undefined ? "new version" : `v${c.to}`;
    lines.push(`**${c.subject}: ${label} ${fromHead} → ${toHead}**`, "");
    const [po, pn] = [perfOf(old), perfOf(next)];
    const metricNames = [...new Set([...Object.keys(old?.metrics ?? {}), ...Object.keys(next?.metrics ?? {})])].sort();
    if (c.registers) lines.push(`*${toHead} is registered by this deployment: its metrics and perf figures are known after apply.*`, "");
    if (metricNames.length === 0 && !po && !pn) {
      lines.push(`*No training metrics or perf figures are recorded for ${c.registers ? fromHead : `${fromHead} or ${toHead}`}.*`, "");
      continue;
    }
    lines.push(`| | ${fromHead} | ${toHead} | Δ |`, "|---|---|---|---|");
    for (const m of metricNames) lines.push(`| ${m} | ${fmt(old?.metrics?.[m])} | ${fmt(next?.metrics?.[m])} | ${delta(old?.metrics?.[m], next?.metrics?.[m])} |`);
    const perfRow = (label: string, pick: (p: PerfFigures) => number | undefined, digits: number) =>
      lines.push(`| ${label} | ${fmt(po && pick(po), digits)} | ${fmt(pn && pick(pn), digits)} | ${delta(po && pick(po), pn && pick(pn), digits)} |`);
    if (po || pn) {
      perfRow("p50 latency (ms)", (p) => p.p50Ms, 2);
      perfRow("p99 latency (ms)", (p) => p.p99Ms, 2);
      perfRow("throughput (req/s)", (p) => p.throughput, 1);
      const slo = (p?: PerfFigures) => (p?.sloMet === undefined ? "–" : p.sloMet ? "yes" : "**no**");
      lines.push(`| SLO met | ${slo(po)} | ${slo(pn)} | |`);
    }
    lines.push("", `<sub>${fromHead}: ${measuredBy(po)} · ${toHead}: ${measuredBy(pn)}</sub>`, "");
  }
  return lines;
}
