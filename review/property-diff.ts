// Property-level differences between two sets of resource inputs. Pulumi has no detailedDiff for dynamic
// resources (pulumi/pulumi#3080), so reviews and drift reports compute their own from the old and new
// inputs carried by every step.
import { formatPath, isObject, isSecretPath, isSecretValue, isUnknownValue } from "./values";

export type PropertyPath = (string | number)[];

export interface PropertyDifference {
  /** Where the value lives, e.g. ["models", 0, "version"]. */
  path: PropertyPath;
  kind: "add" | "delete" | "update";
  /** Raw values (unmasked; format them with `formatValue(value, path)`). Undefined when absent. */
  old?: unknown;
  new?: unknown;
  /** The values are hidden from us (both sides masked as secrets), but the engine says this key changed. */
  hiddenChange?: boolean;
}

/**
 * Inputs the engine or the provider add for their own use, never what a user declared: `__provider` (the
 * provider's shim, provider/shim.ts) and `logicalName` (the provider's idempotency key, `<project>/<stack>/<kind>/<name>`).
 * `sourceDigest` stays visible: it is how new content behind an unchanged `source` path shows up.
 */
export function isInternalKey(key: string): boolean {
  return key.startsWith("__") || key === "logicalName";
}

/**
 * Every leaf that differs between `olds` and `news`, in a stable order (old keys first, then new ones).
 * Objects are compared key by key, arrays index by index (a longer array adds entries, a shorter one
 * deletes them). An unknown new value counts as a change: it will be decided at apply time.
 */
export function diffProperties(
  olds: Record<string, unknown> | undefined,
  news: Record<string, unknown> | undefined,
): PropertyDifference[] {
  const out: PropertyDifference[] = [];
  diffObjects(stripInternal(olds ?? {}), stripInternal(news ?? {}), [], out);
  return out;
}

function stripInternal(props: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(props).filter(([k]) => !isInternalKey(k)));
}

function diffValues(oldValue: unknown, newValue: unknown, path: PropertyPath, out: PropertyDifference[]): void {
  if (oldValue === undefined && newValue === undefined) return;
  if (oldValue === undefined) {
    out.push({ path, kind: "add", new: newValue });
    return;
  }
  if (newValue === undefined) {
    out.push({ path, kind: "delete", old: oldValue });
    return;
  }
  // Secrets and unknowns are leaves even when they are objects on the wire.
  const leaf = (v: unknown) => isSecretValue(v) || isUnknownValue(v);
  if (!leaf(oldValue) && !leaf(newValue)) {
    if (isObject(oldValue) && isObject(newValue)) return diffObjects(oldValue, newValue, path, out);
    if (Array.isArray(oldValue) && Array.isArray(newValue)) return diffArrays(oldValue, newValue, path, out);
  }
  if (isUnknownValue(newValue) || !deepEqual(oldValue, newValue)) {
    out.push({ path, kind: "update", old: oldValue, new: newValue });
  }
}

function diffObjects(
  olds: Record<string, unknown>,
  news: Record<string, unknown>,
  path: PropertyPath,
  out: PropertyDifference[],
): void {
  const keys = [...Object.keys(olds), ...Object.keys(news).filter((k) => !(k in olds))];
  for (const key of keys) diffValues(olds[key], news[key], [...path, key], out);
}

function diffArrays(olds: unknown[], news: unknown[], path: PropertyPath, out: PropertyDifference[]): void {
  const length = Math.max(olds.length, news.length);
  for (let i = 0; i < length; i++) diffValues(olds[i], news[i], [...path, i], out);
}

export function deepEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (Array.isArray(a) && Array.isArray(b)) {
    return a.length === b.length && a.every((v, i) => deepEqual(v, b[i]));
  }
  if (isObject(a) && isObject(b)) {
    const ak = Object.keys(a);
    const bk = Object.keys(b);
    return ak.length === bk.length && ak.every((k) => k in b && deepEqual(a[k], b[k]));
  }
  return false;
}

/**
 * Adds the keys the engine reports as changed (diffReasons / detailedDiff) but which our comparison
 * cannot see, because both sides arrive masked as "[secret]". Without this a rotated secret would
 * silently vanish from the review.
 */
export function addHiddenChanges(
  differences: PropertyDifference[],
  engineKeys: readonly string[],
  olds: Record<string, unknown> | undefined,
  news: Record<string, unknown> | undefined,
): PropertyDifference[] {
  const seen = new Set(differences.map((d) => formatPath(d.path)));
  const seenTop = new Set(differences.map((d) => String(d.path[0])));
  const out = [...differences];
  for (const key of engineKeys) {
    const top = key.split(/[.[]/)[0] ?? key;
    if (isInternalKey(top) || seen.has(key) || seenTop.has(top)) continue;
    const oldValue = olds?.[top];
    const newValue = news?.[top];
    const masked = isSecretValue(oldValue) || isSecretValue(newValue) || isSecretPath([top]);
    if (!masked) continue;
    out.push({ path: [top], kind: "update", old: oldValue, new: newValue, hiddenChange: true });
    seen.add(top);
  }
  return out;
}
