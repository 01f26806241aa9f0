// The two shapes the engine describes a deployment in, reduced to one: `ResourceStep`.
// - `pulumi preview --json` prints a PreviewDigest (pkg/backend/display/json.go, ShowPreviewDigest):
//   `steps[]` with `op`, `urn`, `oldState`/`newState` (apitype.ResourceV3, secrets as "[secret]"),
//   `diffReasons`, `replaceReasons`, `detailedDiff`, plus `changeSummary`.
// - The Automation API streams EngineEvents (`onEvent`, or the NDJSON `--event-log`): a
//   `resourcePreEvent.metadata` per step with `op`, `urn`, `type`, `old`/`new` (StepEventStateMetadata),
//   `keys` (replace reasons), `diffs`, `detailedDiff`; `resOutputsEvent` after a step ran, whose `op` for a
//   refresh is the result (same/update/delete, pkg/engine/plugin_events + RefreshStep.ResultOp).
// Replacements arrive as create-replacement + replace + delete-replaced in the event stream, but only as
// the logical `replace` in the JSON document; both collapse to one `replace` here.
import type { EngineEvent, StepEventMetadata, StepEventStateMetadata } from "@pulumi/pulumi/automation";
import { deepEqual } from "./property-diff";
import { isObject } from "./values";

export type ResourceOp = "create" | "update" | "replace" | "delete" | "import";

export interface StateSnapshot {
  id?: string;
  inputs: Record<string, unknown>;
  outputs: Record<string, unknown>;
}

export interface ResourceStep {
  op: ResourceOp;
  urn: string;
  /** The type token, e.g. `pulumi-nodejs:dynamic/mlplatform:Service`. */
  type: string;
  /** The resource's name in the program (last part of the URN). */
  name: string;
  old?: StateSnapshot;
  new?: StateSnapshot;
  /** Keys the engine says changed (diffReasons / diffs / detailedDiff keys). Often empty for dynamic resources. */
  diffKeys: string[];
  /** Keys that force a replacement (replaceReasons / keys). */
  replaceKeys: string[];
}

/** The subset of a `pulumi preview --json` document this package reads. */
export interface PreviewDigest {
  steps?: PreviewDigestStep[];
  changeSummary?: Record<string, number>;
  diagnostics?: { urn?: string; message: string; severity: string }[];
}

export interface PreviewDigestStep {
  op: string;
  urn: string;
  provider?: string;
  oldState?: DigestResource;
  newState?: DigestResource;
  diffReasons?: string[];
  replaceReasons?: string[];
  detailedDiff?: Record<string, { kind: string; inputDiff?: boolean }>;
}

/** apitype.ResourceV3, the fields we use. */
export interface DigestResource {
  urn: string;
  type: string;
  id?: string;
  custom?: boolean;
  inputs?: Record<string, unknown>;
  outputs?: Record<string, unknown>;
}

export interface Deployment {
  /** The stack and project the engine worked on, read from the URNs (`urn:pulumi:<stack>::<project>::…`). */
  stack?: string;
  project?: string;
  steps: ResourceStep[];
  /** Resources the engine leaves as they are (from changeSummary / summaryEvent). */
  unchanged: number;
  /** Error diagnostics the engine reported (a failed preview must not read as "no changes"). */
  errors: string[];
  /** mlplatform resources the stack's state holds, and how many of them the previewed program keeps (not deleted). */
  ours?: { inState: number; kept: number; declared: number };
}

/** Counts mlplatform resources on each side of a preview, to tell a stack's own program from another one. */
function countOurs(raw: readonly RawStep[]): { inState: number; kept: number; declared: number } {
  const ours = (s: RawStep) => (s.type ?? urnType(s.urn)).startsWith("pulumi-nodejs:dynamic/mlplatform:");
  const inState = new Set(raw.filter((s) => ours(s) && s.old && s.op !== "create").map((s) => s.urn));
  const deleted = new Set(raw.filter((s) => ours(s) && (s.op === "delete" || s.op === "discard")).map((s) => s.urn));
  const declared = new Set(raw.filter((s) => ours(s) && s.new && s.op !== "delete").map((s) => s.urn));
  return { inState: inState.size, kept: [...inState].filter((u) => !deleted.has(u)).length, declared: declared.size };
}

const REPLACEMENT_OPS = new Set(["replace", "create-replacement", "delete-replaced"]);

export function urnName(urn: string): string {
  const i = urn.lastIndexOf("::");
  return i >= 0 ? urn.slice(i + 2) : urn;
}

/** The stack and project a URN belongs to: `urn:pulumi:<stack>::<project>::<type>::<name>`. */
export function urnStack(urn: string): { stack: string; project: string } | undefined {
  const m = /^urn:pulumi:([^:]+)::([^:]+)::/.exec(urn);
  return m ? { stack: m[1]!, project: m[2]! } : undefined;
}

/** The one stack every URN of a deployment names (the first one found). */
export function stackOf(urns: readonly string[]): { stack?: string; project?: string } {
  for (const urn of urns) {
    const found = urnStack(urn);
    if (found) return found;
  }
  return {};
}

export function urnType(urn: string): string {
  const parts = urn.split("::");
  const qualified = parts.length >= 2 ? parts[parts.length - 2]! : "";
  const i = qualified.lastIndexOf("$");
  return i >= 0 ? qualified.slice(i + 1) : qualified;
}

/** Stacks and provider instances are the engine's own bookkeeping, never a reviewer's concern. */
export function isBookkeeping(type: string): boolean {
  return type === "pulumi:pulumi:Stack" || type.startsWith("pulumi:providers:");
}

function snapshot(state: DigestResource | StepEventStateMetadata | undefined): StateSnapshot | undefined {
  if (!state) return undefined;
  return {
    id: state.id || undefined,
    inputs: isObject(state.inputs) ? state.inputs : {},
    outputs: isObject(state.outputs) ? state.outputs : {},
  };
}

interface RawStep {
  op: string;
  urn: string;
  type?: string;
  old?: StateSnapshot;
  new?: StateSnapshot;
  diffKeys: string[];
  replaceKeys: string[];
}

/** Folds a replacement's several steps into one and drops steps that change nothing. */
function collapse(raw: RawStep[]): ResourceStep[] {
  const byUrn = new Map<string, RawStep[]>();
  for (const step of raw) {
    const list = byUrn.get(step.urn) ?? [];
    list.push(step);
    byUrn.set(step.urn, list);
  }
  const out: ResourceStep[] = [];
  for (const [urn, list] of byUrn) {
    const type = list.find((s) => s.type)?.type || urnType(urn);
    if (isBookkeeping(type)) continue;
    const union = (pick: (s: RawStep) => string[]) => [...new Set(list.flatMap(pick))];
    const replacement = list.filter((s) => REPLACEMENT_OPS.has(s.op));
    if (replacement.length > 0) {
      const logical = replacement.find((s) => s.op === "replace");
      const created = replacement.find((s) => s.op === "create-replacement");
      const deleted = replacement.find((s) => s.op === "delete-replaced");
      out.push({
        op: "replace", urn, type, name: urnName(urn),
        old: logical?.old ?? created?.old ?? deleted?.old,
        new: logical?.new ?? created?.new,
        diffKeys: union((s) => s.diffKeys),
        replaceKeys: union((s) => s.replaceKeys),
      });
      continue;
    }
    const last = list[list.length - 1]!;
    const op = normaliseOp(last.op);
    if (!op) continue;
    out.push({ op, urn, type, name: urnName(urn), old: last.old, new: last.new, diffKeys: last.diffKeys, replaceKeys: last.replaceKeys });
  }
  return out;
}

function normaliseOp(op: string): ResourceOp | undefined {
  switch (op) {
    case "create": case "update": case "delete": case "import": return op;
    case "import-replacement": return "replace";
    // same, read, refresh, discard, remove-pending-replace: nothing a reviewer needs to act on.
    default: return undefined;
  }
}

function diffKeysOf(diffs: string[] | undefined, detailed: Record<string, unknown> | undefined): string[] {
  return [...new Set([...(diffs ?? []), ...Object.keys(detailed ?? {})])];
}

/** Reads a saved `pulumi preview --json` document. Throws with a clear message if it is not one. */
export function deploymentFromPreviewDigest(doc: unknown): Deployment {
  if (!isObject(doc) || (doc.steps !== undefined && !Array.isArray(doc.steps))) {
    throw new Error("not a `pulumi preview --json` document: expected an object with a `steps` array");
  }
  const digest = doc as PreviewDigest;
  const raw: RawStep[] = (digest.steps ?? []).map((s, i) => {
    if (!isObject(s) || typeof s.op !== "string" || typeof s.urn !== "string") {
      throw new Error(`steps[${i}] is not a preview step: it needs string \`op\` and \`urn\``);
    }
    return {
      op: s.op, urn: s.urn,
      type: s.newState?.type ?? s.oldState?.type,
      old: snapshot(s.oldState), new: snapshot(s.newState),
      diffKeys: diffKeysOf(s.diffReasons, s.detailedDiff),
      replaceKeys: s.replaceReasons ?? [],
    };
  });
  const errors = (digest.diagnostics ?? []).filter((d) => d.severity === "error").map((d) => d.message.trim());
  // The document always lists the root stack's step, and changeSummary counts the stack among the sames.
  const stackSame = raw.some((s) => s.op === "same" && s.type === "pulumi:pulumi:Stack") ? 1 : 0;
  const sames = raw.filter((s) => s.op === "same" && !isBookkeeping(s.type ?? urnType(s.urn))).length;
  const unchanged = Math.max(sames, (digest.changeSummary?.same ?? 0) - stackSame);
  return { ...stackOf(raw.map((s) => s.urn)), steps: collapse(raw), unchanged, errors, ours: countOurs(raw) };
}

function rawFromMetadata(m: StepEventMetadata): RawStep {
  return {
    op: m.op, urn: m.urn, type: m.type,
    old: snapshot(m.old), new: snapshot(m.new),
    diffKeys: diffKeysOf(m.diffs, m.detailedDiff),
    replaceKeys: m.keys ?? [],
  };
}

function errorsOf(events: readonly EngineEvent[]): string[] {
  return events
    .filter((e) => e.diagnosticEvent?.severity === "error")
    .map((e) => `${e.diagnosticEvent!.prefix ?? ""}${e.diagnosticEvent!.message}`.replace(/\x1b\[[0-9;]*m|<\{%[^%]*%\}>/g, "").trim());
}

/** Reads the events of a preview (`stack.preview({ onEvent })` or a saved event log). */
export function deploymentFromPreviewEvents(events: readonly EngineEvent[]): Deployment {
  const raw = events.flatMap((e) => (e.resourcePreEvent ? [rawFromMetadata(e.resourcePreEvent.metadata)] : []));
  // The stream has a step for every resource, sames included; count those (the summary's count includes the stack).
  const sames = raw.filter((s) => s.op === "same" && !isBookkeeping(s.type ?? urnType(s.urn))).length;
  return { ...stackOf(raw.map((s) => s.urn)), steps: collapse(raw), unchanged: sames, errors: errorsOf(events), ours: countOurs(raw) };
}

/** One resource as a refresh found it: `new` is absent when the object no longer exists. */
export interface RefreshedResource {
  /** The engine's verdict: same, update (drifted) or delete (gone). */
  result: "same" | "update" | "delete";
  urn: string;
  type: string;
  name: string;
  old?: StateSnapshot;
  new?: StateSnapshot;
  diffKeys: string[];
}

function refreshResult(op: string, raw: RawStep): RefreshedResource["result"] {
  if (op === "delete" || !raw.new) return "delete";
  if (op === "update" || op === "same") return op;
  // Engines that report the step's own op ("refresh") leave the verdict to us: did anything change?
  return deepEqual(raw.old?.inputs, raw.new.inputs) && deepEqual(raw.old?.outputs, raw.new.outputs) ? "same" : "update";
}

/** Reads the events of a refresh preview (`stack.previewRefresh({ onEvent })` or a saved event log). */
export function refreshFromEvents(events: readonly EngineEvent[]): { stack?: string; project?: string; resources: RefreshedResource[]; errors: string[] } {
  const resources: RefreshedResource[] = [];
  const urns = events.flatMap((e) => [e.resOutputsEvent?.metadata.urn, e.resourcePreEvent?.metadata.urn]).filter((u): u is string => Boolean(u));
  for (const e of events) {
    const m = e.resOutputsEvent?.metadata;
    if (!m) continue;
    const type = m.type || urnType(m.urn);
    if (isBookkeeping(type)) continue;
    const raw = rawFromMetadata(m);
    resources.push({ result: refreshResult(m.op, raw), urn: m.urn, type, name: urnName(m.urn), old: raw.old, new: raw.new, diffKeys: raw.diffKeys });
  }
  return { ...stackOf(urns), resources, errors: errorsOf(events) };
}

/** Parses an NDJSON engine event log (one EngineEvent a line, as `--event-log` writes it). */
export function parseEventLog(text: string): EngineEvent[] {
  return text.split(/\r?\n/).filter((line) => line.trim() !== "").map((line, i) => {
    try {
      return JSON.parse(line) as EngineEvent;
    } catch (err) {
      throw new Error(`event log line ${i + 1} is not JSON: ${(err as Error).message}`);
    }
  });
}

/**
 * Decides what a saved file holds: a preview document (`{ "steps": [...] }`), a JSON array of events, or
 * an NDJSON event log.
 */
export function parseSavedPreview(text: string): Deployment {
  const trimmed = text.trim();
  if (trimmed === "") throw new Error("the preview file is empty");
  let doc: unknown;
  try {
    doc = JSON.parse(trimmed);
  } catch {
    return deploymentFromPreviewEvents(parseEventLog(trimmed));
  }
  if (Array.isArray(doc)) return deploymentFromPreviewEvents(doc as EngineEvent[]);
  if (isObject(doc) && ("resourcePreEvent" in doc || "sequence" in doc)) return deploymentFromPreviewEvents([doc as unknown as EngineEvent]);
  return deploymentFromPreviewDigest(doc);
}
