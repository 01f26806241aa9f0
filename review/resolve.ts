// What a preview's unknowns really mean. During preview the engine gives a dynamic resource that is updated
// no outputs, so every value that flows from it into another resource arrives as "unknown", and the
// provider's diff must call that a change: a dataset whose description is edited makes its training job
// look re-run, its model look re-registered and its service look rolled. None of that happens at apply.
// This module traces each unknown input back to the resource that produces it — by the value it had
// before (a version number, an id, an output URI), since events carry no dependency list — predicts that
// producer's outputs with the kinds' own rules (the provider's replace keys, else the kind's from
// schemas/kinds.ts; a dataset keeps its version unless its content digest changes; a model registers a
// version only for a new source), and
// re-plans each step on the resolved inputs: a step left with no change is dropped, a replace whose
// replace-forcing inputs turn out unchanged becomes an update, and a change that truly depends on apply
// (a remote dataset's content) keeps its unknowns but carries the condition in words.
import { replaceKeysOf } from "../schemas/kinds";
import { kindOf, kindNoun, type Kind } from "./kinds";
import { deepEqual, isInternalKey } from "./property-diff";
import type { Deployment, ResourceStep } from "./steps";
import { isObject, isSecretValue, isUnknownValue, UNKNOWN_VALUE } from "./values";

/** A step as it will really happen: `condition` set when it happens only if that holds at apply. */
export interface ResolvedStep extends ResourceStep {
  /** "the content at `s3://…` differs from dataset `iris` v3": the step happens only if this holds. */
  condition?: string;
}

/** What a producer's outputs will be after this deployment, with the condition under which each unknown one changes. */
interface Prediction {
  id?: string;
  kind?: Kind;
  /** The outputs before this deployment (what consumers' old inputs were computed from). */
  before: Record<string, unknown>;
  /** The outputs after it: known values, or UNKNOWN_VALUE for what only apply decides. */
  after: Record<string, unknown>;
  /** Output key → condition under which it changes; absent for a certain change. */
  conditions: Map<string, string>;
}

type Path = (string | number)[];

/** Inputs whose change makes a dataset ingest, or a model register, a new version (else the version stays). */
export const CONTENT_KEYS: Partial<Record<Kind, readonly string[]>> = {
  Dataset: ["source", "sourceDigest"],
  Model: ["source", "format", "sourceDigest"],
};

const num = (v: unknown): number | undefined => (typeof v === "number" && Number.isFinite(v) ? v : undefined);

function getAt(value: unknown, path: Path): unknown {
  let v = value;
  for (const seg of path) {
    if (Array.isArray(v) && typeof seg === "number") v = v[seg];
    else if (isObject(v) && typeof seg === "string") v = v[seg];
    else return undefined;
  }
  return v;
}

/** Every unknown leaf of a value, with its path. */
function unknownLeaves(value: unknown, path: Path = []): Path[] {
  if (isUnknownValue(value)) return [path];
  if (Array.isArray(value)) return value.flatMap((v, i) => unknownLeaves(v, [...path, i]));
  if (isObject(value)) return Object.entries(value).flatMap(([k, v]) => unknownLeaves(v, [...path, k]));
  return [];
}

function setAt(target: Record<string, unknown>, path: Path, value: unknown): Record<string, unknown> {
  const copy = structuredClone(target);
  let v: any = copy;
  for (const seg of path.slice(0, -1)) v = v[seg as any];
  v[path[path.length - 1] as any] = value;
  return copy;
}

/** Every string the inputs hold (ids above all), to tell which of several matching producers is meant. */
function strings(value: unknown, out = new Set<string>()): Set<string> {
  if (typeof value === "string") out.add(value);
  else if (Array.isArray(value)) value.forEach((v) => strings(v, out));
  else if (isObject(value)) Object.values(value).forEach((v) => strings(v, out));
  return out;
}

interface Match {
  producer: Prediction;
  key: string;
  /** The old input held the output as part of a longer string (`${outputUri}/model.json`). */
  partOf: boolean;
}

/** Producers whose old output equals (or is embedded in) the old input value. */
function producersOf(old: unknown, predictions: readonly Prediction[]): Match[] {
  const matches: Match[] = [];
  for (const producer of predictions) {
    for (const [key, value] of Object.entries(producer.before)) {
      if (isInternalKey(key) || value === undefined) continue;
      if (deepEqual(value, old)) matches.push({ producer, key, partOf: false });
      // Ids and URIs are long enough to be unambiguous inside another string.
      else if (typeof value === "string" && typeof old === "string" && value.length >= 8 && old.includes(value)) matches.push({ producer, key, partOf: true });
    }
  }
  return matches;
}

interface Resolution {
  /** Known value, or UNKNOWN_VALUE. */
  value: unknown;
  /** For a still-unknown value: the condition under which it changes (absent: it certainly changes). */
  condition?: string;
}

function resolveLeaf(old: unknown, consumerStrings: Set<string>, predictions: readonly Prediction[]): Resolution {
  // A property the old state did not have cannot be traced: it is new, hence a change.
  if (old === undefined || isUnknownValue(old)) return { value: UNKNOWN_VALUE };
  let matches = producersOf(old, predictions);
  if (matches.length === 0) return { value: UNKNOWN_VALUE };
  const changes = (m: Match) => !deepEqual(m.producer.after[m.key], m.producer.before[m.key]);
  // Several producers held the same value (version 1 of a dataset and of a model): the one whose id the
  // consumer also refers to is meant.
  if (matches.some(changes) && new Set(matches.map((m) => m.producer)).size > 1) {
    const referred = matches.filter((m) => m.producer.id !== undefined && consumerStrings.has(m.producer.id));
    if (referred.length > 0) matches = referred;
  }
  const values = matches.map((m): Resolution => {
    const after = m.producer.after[m.key];
    if (isUnknownValue(after)) return { value: UNKNOWN_VALUE, condition: m.producer.conditions.get(m.key) };
    if (!m.partOf) return { value: after };
    return { value: (old as string).split(m.producer.before[m.key] as string).join(after as string) };
  });
  const first = values[0]!;
  if (values.every((v) => deepEqual(v.value, first.value) && v.condition === first.condition)) return first;
  return { value: UNKNOWN_VALUE };
}

/**
 * Top-level input keys that differ (unknown counts as different), without the engine's and provider's own;
 * plus the keys the engine reports changed whose values are masked secrets (equal-looking, yet changed).
 */
function changedKeys(step: ResourceStep): string[] {
  const a = step.old?.inputs ?? {};
  const b = step.new?.inputs ?? {};
  const hidden = [...step.diffKeys, ...step.replaceKeys].map((k) => k.split(/[.[]/)[0]!).filter((k) => isSecretValue(a[k]) || isSecretValue(b[k]));
  return [...new Set([...Object.keys(a), ...Object.keys(b)])]
    .filter((k) => !isInternalKey(k) && k !== "deadlineSeconds")
    .filter((k) => unknownLeaves(b[k]).length > 0 || !deepEqual(a[k], b[k]) || hidden.includes(k));
}

function predict(step: ResolvedStep, kind: Kind | undefined, changed: readonly string[], stepCondition: string | undefined): Prediction {
  const before = { ...(step.old?.outputs ?? {}) };
  const id = typeof step.old?.id === "string" ? step.old.id : typeof before.id === "string" ? before.id : undefined;
  if (id !== undefined) before.id ??= id;
  const after: Record<string, unknown> = { ...before };
  const conditions = new Map<string, string>();
  const unknown = (key: string, condition = stepCondition) => {
    after[key] = UNKNOWN_VALUE;
    if (condition) conditions.set(key, condition);
  };
  // Whatever is declared flows through to the outputs of the same name.
  for (const [k, v] of Object.entries(step.new?.inputs ?? {})) if (!isInternalKey(k)) after[k] = v;
  if (step.op === "create" || step.op === "replace" || !kind) {
    // A new object: everything the platform computes is new.
    for (const k of Object.keys(before)) if (!(k in (step.new?.inputs ?? {}))) unknown(k);
    unknown("id");
    return { id, kind, before, after, conditions };
  }
  const content = CONTENT_KEYS[kind] ?? [];
  if (!changed.some((k) => content.includes(k))) return { id, kind, before, after, conditions };
  if (kind === "Dataset") {
    // The platform makes a new version only when the ingested content differs from the latest one.
    const digestOld = step.old?.inputs.sourceDigest;
    const digestNew = step.new?.inputs.sourceDigest;
    const latest = num(before.latestVersion);
    const knownDigests = typeof digestOld === "string" && typeof digestNew === "string";
    if (knownDigests && digestOld === digestNew) return { id, kind, before, after, conditions };
    const condition = knownDigests
      ? stepCondition
      : `the content at \`${String(step.new?.inputs.source)}\` differs from dataset \`${displayName(step)}\`${latest ? ` v${latest}` : ""}`;
    if (knownDigests && latest !== undefined && !stepCondition) after.latestVersion = latest + 1;
    else unknown("latestVersion", condition);
    for (const k of ["digest", "sampleCount", "sizeBytes"]) if (k in before) unknown(k, condition);
    return { id, kind, before, after, conditions };
  }
  // Model: a new source (or format) registers the next version.
  const latest = num(before.latestVersion) ?? num(before.version);
  if (latest !== undefined && !stepCondition) {
    after.version = latest + 1;
    after.latestVersion = latest + 1;
  } else {
    unknown("version");
    unknown("latestVersion");
  }
  unknown("versions");
  return { id, kind, before, after, conditions };
}

function displayName(step: ResourceStep): string {
  const name = step.new?.inputs.name ?? step.old?.inputs.name;
  return typeof name === "string" && !isUnknownValue(name) ? name : step.name;
}

/**
 * The deployment as it will really happen: unknown inputs resolved through their producers, steps that
 * change nothing dropped (counted as unchanged), replaces that only looked forced turned into updates,
 * and steps that depend on apply marked with their condition.
 */
export function resolveDeployment(deployment: Deployment): Omit<Deployment, "steps"> & { steps: ResolvedStep[] } {
  const predictions: Prediction[] = [];
  const steps: ResolvedStep[] = [];
  let unchanged = deployment.unchanged;
  for (const original of deployment.steps) {
    const kind = kindOf(original.type);
    if (original.op === "delete" || original.op === "import" || !original.new) {
      steps.push(original);
      continue;
    }
    let step: ResolvedStep = { ...original };
    const conditions = new Set<string>();
    let certainUnknown = false;
    if (original.op !== "create" && original.old) {
      const consumerStrings = strings([original.old.inputs, original.new.inputs]);
      let inputs = original.new.inputs;
      for (const path of unknownLeaves(original.new.inputs)) {
        const resolved = resolveLeaf(getAt(original.old.inputs, path), consumerStrings, predictions);
        if (!isUnknownValue(resolved.value)) inputs = setAt(inputs, path, resolved.value);
        else if (resolved.condition) conditions.add(resolved.condition);
        else certainUnknown = true;
      }
      step = { ...step, new: { ...original.new, inputs } };
    }
    const changed = original.op === "create" ? [] : changedKeys(step);
    if (kind && original.op !== "create") {
      if (changed.length === 0) {
        // Every apparent change came from producers that keep their outputs: nothing happens here.
        unchanged++;
        predictions.push(predict({ ...step, op: "update" }, kind, [], undefined));
        continue;
      }
      // The provider's own verdict when it gave one (it knows the backend's kind rules), else the kind's.
      const engineReplaceKeys = step.replaceKeys.map((k) => k.split(/[.[]/)[0]!);
      const replaceKeys = engineReplaceKeys.length > 0 ? engineReplaceKeys : replaceKeysOf(kind);
      const replaces = changed.filter((k) => replaceKeys.includes(k));
      step = {
        ...step,
        op: replaces.length > 0 ? "replace" : "update",
        replaceKeys: replaces.length > 0 ? step.replaceKeys.filter((k) => replaces.includes(k.split(/[.[]/)[0]!)).concat(replaces.filter((k) => !step.replaceKeys.includes(k))) : [],
        diffKeys: step.diffKeys.filter((k) => changed.includes(k.split(/[.[]/)[0]!)),
      };
      // Only conditional unknowns and nothing else changes: the step itself is conditional.
      const certain = certainUnknown || changed.some((k) => unknownLeaves(step.new?.inputs[k]).length === 0);
      if (!certain && conditions.size > 0) step.condition = [...conditions].join(" and ");
    }
    steps.push(step);
    predictions.push(predict(step, kind, changed, step.condition));
  }
  return { ...deployment, steps, unchanged };
}

/** "dataset `iris`", for conditions and notes. */
export function subjectOf(step: ResourceStep): string {
  const kind = kindOf(step.type);
  return `${kind ? kindNoun(kind) : step.type} \`${displayName(step)}\``;
}
