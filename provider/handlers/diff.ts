// diff: compares the checked inputs with the outputs in state, key by key, and says which changes patch in place
// and which replace the object. Only what the user declared is compared; the platform's defaults never count.
import type { KindDefinition, Props } from "./kind-definition";
import { containsUnknown, deepEqual, userTags } from "./values";

export interface DiffResult {
  changes: boolean;
  replaces: string[];
  deleteBeforeReplace: boolean;
  /** Which properties differ (our own detailed diff; the dynamic protocol drops it, reviews use it). */
  changedKeys: string[];
}

/** olds: the previous outputs; news: the checked inputs. Only what the user declared is compared. */
export function diff(def: KindDefinition, _id: string, olds: Props, news: Props): DiffResult {
  const changedKeys: string[] = [];
  const keys = [...Object.keys(def.specSchema.shape), "sourceDigest", "deadlineSeconds"];
  for (const key of keys) {
    const next = news[key];
    if (containsUnknown(next)) {
      changedKeys.push(key);
      continue;
    }
    const desired = next ?? def.emptyDefaults[key];
    if (desired === undefined) {
      // Not declared: the platform's value (a normalised default) is never a change. A digest that can
      // no longer be computed (the path vanished) is not a change either: the platform reports that.
      continue;
    }
    const current = olds[key] ?? def.emptyDefaults[key];
    if (!deepEqual(normalizeForCompare(key, current), normalizeForCompare(key, desired))) changedKeys.push(key);
  }
  const repair = def.needsRepair?.(olds);
  if (repair && !changedKeys.includes(repair.key)) changedKeys.push(repair.key);
  const replaces = changedKeys.filter((k) => def.replaceKeys.includes(k));
  const nameKept = !replaces.includes("name");
  return { changes: changedKeys.length > 0, replaces, deleteBeforeReplace: replaces.length > 0 && nameKept, changedKeys };
}

export function normalizeForCompare(key: string, value: unknown): unknown {
  if (key === "tags") return userTags(value as Record<string, string>);
  return value;
}
