// The drift model: what a refresh found different from the state, per resource and property, and which
// objects were deleted out of band; rendered as a table for people and as JSON for machines.
// Drift is about what the code declares: the provider's `read` returns the inputs that reproduce the live
// object, so comparing the inputs in state with the refreshed inputs names the drifted properties in the
// user's own terms; an object (or a model's registered version) that is gone is drift too. Everything else a
// refresh sees change in the outputs (status, ready replicas, endpoint, …) is health: reported in its own
// section, never counted as drift, because a replica restarting is not a change behind the code's back.
import { typeLabel } from "./kinds";
import { diffProperties, type PropertyDifference } from "./property-diff";
import { toChange } from "./report";
import type { RefreshedResource } from "./steps";
import { maskDeep, SECRET_TEXT } from "./values";

export interface DriftProperty {
  property: string;
  kind: "add" | "delete" | "update";
  /** Value recorded in the Pulumi state (masked). */
  inState: string;
  /** Value the platform has now (masked). */
  live: string;
  /** The same values as JSON (masked; absent when the property is absent on that side), for machines. */
  inStateValue?: unknown;
  liveValue?: unknown;
  secret: boolean;
  /** Whether the difference was found in the inputs (declared properties) or only in the outputs. */
  source: "inputs" | "outputs";
}

export interface DriftedResource {
  status: "drifted" | "deleted";
  urn: string;
  name: string;
  type: string;
  kind: string;
  properties: DriftProperty[];
}

/** An output that changed without any declared property changing: the object's health, not drift. */
export interface HealthChange {
  urn: string;
  name: string;
  kind: string;
  property: string;
  /** Value recorded in the Pulumi state (masked; empty when absent). */
  inState: string;
  /** Value the platform reports now (masked; empty when absent). */
  live: string;
}

export interface DriftReport {
  schemaVersion: 1;
  stack?: string;
  /** Resources the refresh read (stack and provider bookkeeping excluded). */
  checked: number;
  drifted: number;
  deleted: number;
  /** No declared property differs and nothing was deleted (health changes do not count). */
  clean: boolean;
  resources: DriftedResource[];
  /** Live status that differs from the state (status, readyReplicas, endpoint, …): informational. */
  health: HealthChange[];
  errors: string[];
}

/** Outputs that change on every write; not even worth a health line. */
const VOLATILE_OUTPUTS = new Set(["etag", "updatedAt", "createdAt"]);

/**
 * Outputs that stand for existence, not health: a model's `version` is the version this resource
 * registered, and 0 means it was deleted out of band (provider/handlers/model.ts).
 */
const EXISTENCE_OUTPUTS: Record<string, readonly string[]> = { Model: ["version"] };

/**
 * Outputs that echo a declared input as the platform holds it (a Service's `servedModels` is its `models`
 * with the model names added). A hand edit of the input already shows as drift of the input; the echo would
 * say it again under Health, so it counts as accounted for whenever the input is declared.
 */
const MIRRORED_OUTPUTS: Record<string, Record<string, string>> = { Service: { servedModels: "models" } };

function stripVolatile(outputs: Record<string, unknown> | undefined): Record<string, unknown> {
  return Object.fromEntries(Object.entries(outputs ?? {}).filter(([k]) => !VOLATILE_OUTPUTS.has(k)));
}

function driftProperty(d: PropertyDifference, source: DriftProperty["source"]): DriftProperty {
  const change = toChange(d, false);
  const masked = (value: unknown) => (value === undefined ? undefined : change.secret ? SECRET_TEXT : maskDeep(value, d.path));
  return {
    property: change.property, kind: change.kind, inState: change.old, live: change.new,
    inStateValue: masked(d.old), liveValue: masked(d.new), secret: change.secret, source,
  };
}

export function buildDriftReport(
  refresh: { resources: readonly RefreshedResource[]; errors: readonly string[] },
  context: { stack?: string } = {},
): DriftReport {
  const resources: DriftedResource[] = [];
  const health: HealthChange[] = [];
  for (const r of refresh.resources) {
    const base = { urn: r.urn, name: r.name, type: r.type, kind: typeLabel(r.type) };
    if (r.result === "delete") {
      resources.push({ ...base, status: "deleted", properties: [] });
    } else if (r.result === "update") {
      const declared = diffProperties(r.old?.inputs, r.new?.inputs).map((d) => driftProperty(d, "inputs"));
      // Outputs the inputs do not already account for: existence (drift) or health (not drift).
      const declaredTop = new Set([...Object.keys(r.old?.inputs ?? {}), ...Object.keys(r.new?.inputs ?? {})]);
      const existence = EXISTENCE_OUTPUTS[base.kind] ?? [];
      const mirrors = MIRRORED_OUTPUTS[base.kind] ?? {};
      const accountedFor = (top: string) => declaredTop.has(top) || (top in mirrors && declaredTop.has(mirrors[top]));
      const outputs = diffProperties(stripVolatile(r.old?.outputs), stripVolatile(r.new?.outputs))
        .filter((d) => !accountedFor(String(d.path[0])));
      const gone = outputs.filter((d) => existence.includes(String(d.path[0]))).map((d) => driftProperty(d, "outputs"));
      for (const d of outputs.filter((d) => !existence.includes(String(d.path[0])))) {
        const p = driftProperty(d, "outputs");
        health.push({ urn: base.urn, name: base.name, kind: base.kind, property: p.property, inState: p.inState, live: p.live });
      }
      const properties = [...declared, ...gone];
      if (properties.length > 0) resources.push({ ...base, status: "drifted", properties });
    }
  }
  health.sort((a, b) => a.name.localeCompare(b.name) || a.property.localeCompare(b.property));
  const deleted = resources.filter((r) => r.status === "deleted").length;
  return {
    schemaVersion: 1,
    stack: context.stack,
    checked: refresh.resources.length,
    drifted: resources.length - deleted,
    deleted,
    clean: resources.length === 0 && refresh.errors.length === 0,
    resources,
    health,
    errors: [...refresh.errors],
  };
}

/** Plain-text table for a terminal or a CI log. */
export function renderDriftTable(report: DriftReport): string {
  const where = report.stack ? ` in stack ${report.stack}` : "";
  const lines: string[] = [];
  for (const e of report.errors) lines.push(`error: ${e}`);
  if (report.resources.length === 0) {
    lines.push(report.errors.length > 0
      ? `Drift check${where} did not complete.`
      : `No drift${where}: the declared properties of ${report.checked} ${report.checked === 1 ? "resource match" : "resources match"} the state.`);
    lines.push(...healthSection(report));
    return lines.join("\n") + "\n";
  }
  const differ = report.drifted + report.deleted;
  lines.push(`Drift${where}: ${differ} of ${report.checked} resources differ from the state` +
    ` (${report.drifted} changed, ${report.deleted} deleted out of band).`, "");
  const rows: string[][] = [["RESOURCE", "KIND", "PROPERTY", "IN STATE", "LIVE"]];
  for (const r of report.resources) {
    if (r.status === "deleted") {
      rows.push([r.name, r.kind, "(whole object)", "exists", "deleted out of band"]);
    } else if (r.properties.length === 0) {
      rows.push([r.name, r.kind, "(provider reported drift; no property differs)", "", ""]);
    } else {
      for (const p of r.properties) {
        const property = p.source === "outputs" ? `${p.property} (output)` : p.property;
        rows.push([r.name, r.kind, property, p.kind === "add" ? "(absent)" : p.inState, p.kind === "delete" ? "(absent)" : p.live]);
      }
    }
  }
  lines.push(...table(rows));
  lines.push("", "Run `mlplatform up --refresh` (or `pulumi up --refresh`) to put the declared state back, or change the code to accept the live values.");
  lines.push(...healthSection(report));
  return lines.join("\n") + "\n";
}

function table(rows: string[][]): string[] {
  const widths = rows[0]!.map((_, c) => Math.max(...rows.map((row) => row[c]!.length)));
  return rows.map((row) => row.map((cell, c) => (c === row.length - 1 ? cell : cell.padEnd(widths[c]!))).join("  ").trimEnd());
}

function healthSection(report: DriftReport): string[] {
  if (report.health.length === 0) return [];
  const rows = [["RESOURCE", "KIND", "PROPERTY", "IN STATE", "LIVE"], ...report.health.map((h) => [h.name, h.kind, h.property, h.inState || "(absent)", h.live || "(absent)"])];
  return ["", "Health (not drift; does not change the exit code):", "", ...table(rows)];
}

export function renderDriftJson(report: DriftReport): string {
  return JSON.stringify(report, null, 2) + "\n";
}
