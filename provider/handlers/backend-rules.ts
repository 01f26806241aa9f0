// Applies a backend's kind rules (sdk/kind-rules.ts, data from the selected driver) to a kind definition:
// the effective definition the generic handlers run with (replace/patch keys, tags, kept-in-state keys) and
// the check-time refusals (kind not offered, unsupported keys, values the backend cannot take). Local
// backends have no rules: the definition is used as written.
import { backendRules, type KindRule } from "../../sdk";
import type { CheckFailure, KindDefinition, Props } from "./kind-definition";
import { currentBackend } from "./context";
import { containsUnknown, pick } from "./values";

/** The selected backend's rule for this kind, if it has one. */
export function ruleFor(def: KindDefinition): KindRule | undefined {
  return backendRules(currentBackend())?.kinds[def.kind];
}

export function effectiveDefinition(def: KindDefinition): KindDefinition {
  const rule = ruleFor(def);
  if (!rule) return def;
  const kept = rule.keptInState ?? [];
  const ownKeys = rule.specSchema ? Object.keys(rule.specSchema.shape).filter((k) => !(k in def.specSchema.shape)) : [];
  return {
    ...def,
    specSchema: rule.specSchema ?? def.specSchema,
    // A backend's own spec may have keys of its own: the live object carries them too.
    liveSpec: (obj) => ({ ...pick(obj, ownKeys), ...def.liveSpec(obj) }),
    digestKey: rule.digestKey ?? def.digestKey,
    replaceKeys: rule.replaceKeys ?? def.replaceKeys,
    patchKeys: rule.patchKeys ?? def.patchKeys,
    taggable: rule.taggable ?? def.taggable,
    keptInState: kept,
    // The vendor does not store these: report what was declared (or what state had) instead of nothing.
    extraOutputs: async (o, p, previous, mode, declared) => ({ ...(await def.extraOutputs(o, p, previous, mode, declared)), ...pick(declared, kept) }),
  };
}

/**
 * Check-time refusals of the selected backend. `raw` are the inputs as the program sent them (to tell a
 * declared key from a schema default); defaulted unsupported keys are dropped from `inputs`. After schema
 * failures (`schemaFailed`) the whole-spec rules wait for a well-formed spec.
 */
export function backendCheck(def: KindDefinition, raw: Props, inputs: Props, schemaFailed = false): CheckFailure[] {
  const rules = backendRules(currentBackend());
  if (!rules) return [];
  if (!rules.offered.includes(def.kind)) {
    const why = rules.notOffered[def.kind] ? `: ${rules.notOffered[def.kind]}` : "";
    return [{ property: "", reason: `the ${rules.vendor} backend (mlplatform:backend=${rules.backend}) does not offer ${def.kind}${why}. It offers ${rules.offered.join(", ")}` }];
  }
  const rule = rules.kinds[def.kind] ?? {};
  const failures: CheckFailure[] = [];
  for (const [key, why] of Object.entries(rule.unsupported ?? {})) {
    if (raw?.[key] !== undefined) failures.push({ property: key, reason: `not supported by the ${rules.vendor} backend: ${why}` });
    delete inputs[key];
  }
  for (const [key, allowed] of Object.entries(rule.allowedValues ?? {})) {
    const v = inputs[key];
    if (v !== undefined && !containsUnknown(v) && !allowed.values.includes(v))
      failures.push({ property: key, reason: `${JSON.stringify(v)} is not available on the ${rules.vendor} backend (${allowed.why}; allowed: ${allowed.values.join(", ")})` });
  }
  // Whole-spec rules read well-formed values only (a value the schema refused is missing from the inputs).
  if (failures.length === 0 && !schemaFailed && rule.check && !containsUnknown(inputs)) failures.push(...rule.check(inputs));
  return failures;
}
