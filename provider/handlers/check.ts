// check: validates a resource's inputs against its kind's spec schema property by property (values only known
// after apply skip their own validation), refuses flavors the backend does not offer, and digests a local
// source's content so a changed file behind the same path is an input change.
import { z } from "zod";
import { contentDigest } from "../../sdk/digest";
import { knownFlavors } from "./context";
import { PROVIDER_KEYS, ProviderInputs, type CheckFailure, type KindDefinition, type Props } from "./kind-definition";
import { withSchemaDefaults } from "./outputs";
import { containsUnknown, readableLocalPath, withoutUndefined } from "./values";

export async function check(def: KindDefinition, _olds: Props, news: Props): Promise<{ inputs: Props; failures: CheckFailure[] }> {
  const failures: CheckFailure[] = [];
  const specIn: Props = {};
  const providerIn: Props = {};
  for (const [k, v] of Object.entries(news ?? {})) {
    if (k === "__provider") continue;
    if (PROVIDER_KEYS.includes(k)) providerIn[k] = v;
    else specIn[k] = v;
  }
  const shape = def.specSchema.shape as Record<string, z.ZodType>;
  const inputs: Props = {};
  let anyUnknown = false;
  for (const [key, value] of Object.entries(specIn)) {
    if (!(key in shape)) failures.push({ property: key, reason: `unknown property "${key}" of a ${def.noun} (known: ${[...Object.keys(shape), ...Object.keys(ProviderInputs.shape).filter((k) => k !== "sourceDigest")].join(", ")})` });
  }
  // Property by property, so a value only known after apply skips its own validation and nothing else's.
  // Returns false when the value is still unknown (preview).
  const checkProperty = (key: string, schema: z.ZodType, value: unknown): boolean => {
    if (containsUnknown(value)) {
      inputs[key] = value;
      return false;
    }
    const r = schema.safeParse(value);
    // The declared value, not the parsed one: schema defaults are applied at send time (withSchemaDefaults),
    // never frozen into the inputs.
    if (r.success) {
      if (value !== undefined) inputs[key] = value;
    } else failures.push(...issuesToFailures(r.error.issues, [key]));
    return true;
  };
  for (const [key, schema] of Object.entries(shape) as [string, z.ZodType][]) {
    if (!checkProperty(key, schema, specIn[key])) anyUnknown = true;
  }
  // Whole-object rules (e.g. service weights add up to 100) need every value known.
  if (!anyUnknown && failures.length === 0) {
    const r = def.specSchema.safeParse(inputs);
    if (!r.success) failures.push(...issuesToFailures(r.error.issues, []));
  }
  for (const [key, schema] of Object.entries(ProviderInputs.shape) as [string, z.ZodType][]) checkProperty(key, schema, providerIn[key]);

  if (def.flavorPaths) {
    // The flavor the platform will get: a default one (not in the inputs) is refused here too when not offered.
    const effective: Props = { ...inputs };
    for (const k of Object.keys(shape)) if (!containsUnknown(inputs[k])) effective[k] = withSchemaDefaults(def, k, inputs[k]);
    const wanted = def.flavorPaths(effective).filter((f) => typeof f.flavor === "string" && !containsUnknown(f.flavor));
    if (wanted.length) {
      const flavors = await knownFlavors();
      if (flavors) {
        const names = flavors.map((f) => f.name);
        for (const f of wanted)
          if (!names.includes(f.flavor as string))
            failures.push({ property: f.path, reason: `flavor "${f.flavor}" is not offered by this platform (available: ${names.join(", ")})` });
      }
    }
  }

  // A path's content may change while its string does not: the digest makes that an input change.
  delete inputs.sourceDigest;
  if (def.digestKey) {
    const local = readableLocalPath(inputs[def.digestKey]);
    if (local) inputs.sourceDigest = await contentDigest(local);
  }
  return { inputs: withoutUndefined(inputs), failures };
}

function issuesToFailures(issues: z.core.$ZodIssue[], prefix: (string | number)[]): CheckFailure[] {
  return issues.map((issue) => {
    const path = [...prefix, ...(issue.path as (string | number)[])];
    const received = issue.code === "invalid_type" && /received undefined/.test(issue.message);
    return { property: propertyPath(path), reason: received ? "is required" : issue.message };
  });
}

/** Pulumi's property path spelling: models[0].weight */
export function propertyPath(path: (string | number | symbol)[]): string {
  let out = "";
  for (const seg of path) out += typeof seg === "number" ? `[${seg}]` : out ? `.${String(seg)}` : String(seg);
  return out;
}

/** check() as one error listing every failure (for callers outside the engine, e.g. the manifest loader). */
export function failuresMessage(def: KindDefinition, name: string, failures: CheckFailure[]): string {
  return `${def.noun} "${name}" has ${failures.length} problem(s):\n` + failures.map((f) => `  - ${f.property}: ${f.reason}`).join("\n");
}
