// diff: compares the checked inputs with the outputs in state, key by key, and says which changes patch in place
// and which replace the object. Only what the user declared is compared; the platform's defaults never count.
import type { KindDefinition, Props } from "./kind-definition";
import { withSchemaDefaults } from "./outputs";
import { notesOf } from "./state-notes";
import { containsUnknown, deepEqual, isLocalPath, pathTarget, samePath, userTags } from "./values";

export interface DiffResult {
  changes: boolean;
  replaces: string[];
  deleteBeforeReplace: boolean;
  /** Which properties differ (our own detailed diff; the dynamic protocol drops it, reviews use it). */
  changedKeys: string[];
}

/** olds: the previous outputs; news: the checked inputs. Only what the user declared is compared. */
export function diff(def: KindDefinition, id: string, olds: Props, news: Props): DiffResult {
  const changedKeys: string[] = [];
  const keys = [...Object.keys(def.specSchema.shape), "sourceDigest", "deadlineSeconds"];
  let recordedTargets: Record<string, string> | undefined; // read from state once, at the first path
  for (const key of keys) {
    const next = news[key];
    if (containsUnknown(next)) {
      changedKeys.push(key);
      continue;
    }
    const inSpec = key in def.specSchema.shape;
    // Declared values compare with the schema's (nested) defaults applied. An undeclared key compares with
    // the schema default only where a change patches in place; an undeclared key that would replace the
    // object never does (what it ran with stands), so a new default in a later release re-runs nothing.
    let desired: unknown;
    if (next !== undefined) desired = inSpec ? withSchemaDefaults(def, key, next) : next;
    else if (def.patchKeys.includes(key)) desired = withSchemaDefaults(def, key, undefined) ?? def.emptyDefaults[key];
    else desired = def.emptyDefaults[key];
    if (desired === undefined) {
      // Not declared: the platform's value (a normalised default) is never a change. A digest that can
      // no longer be computed (the path vanished) is not a change either: the platform reports that.
      continue;
    }
    const current = olds[key] ?? def.emptyDefaults[key];
    if (def.pathKeys.includes(key) && typeof desired === "string") {
      // Paths compare by what they point to: the target recorded in state when there is one (it survives a
      // new project directory), else both spellings resolved here.
      const recorded = (recordedTargets ??= notesOf(olds).pathTargets ?? {})[key];
      const same = typeof recorded === "string" && isLocalPath(desired) ? recorded === pathTarget(desired) : samePath(current, desired);
      if (!same) changedKeys.push(key);
      continue;
    }
    if (!deepEqual(normalizeForCompare(key, current), normalizeForCompare(key, desired))) changedKeys.push(key);
  }
  const repair = def.needsRepair?.(olds);
  if (repair) {
    console.log(`${def.noun} ${olds.name ?? ""} (${id}): ${repair.reason}`);
    if (!changedKeys.includes(repair.key)) changedKeys.push(repair.key);
  }
  const settled = def.settledKeys?.(olds) ?? [];
  const replaces = changedKeys.filter((k) => (def.replaceKeys.includes(k) && !settled.includes(k)) || (repair?.replace && k === repair.key));
  const nameKept = !replaces.includes("name");
  return { changes: changedKeys.length > 0, replaces, deleteBeforeReplace: replaces.length > 0 && nameKept, changedKeys };
}

export function normalizeForCompare(key: string, value: unknown): unknown {
  if (key === "tags") return userTags(value as Record<string, string>);
  return value;
}
