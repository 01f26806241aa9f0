// check: validates a resource's inputs against its kind's spec schema property by property (values only known
// after apply skip their own validation), then asks the platform for a dry run of the create (whatever apply
// would refuse, preview refuses), refuses flavors the backend does not offer, and digests a local source's
// content (through a stat-keyed cache) so a changed file behind the same path is an input change.
import { z } from "zod";
import { UserTags } from "../../schemas";
import { cachedContentDigest } from "../../sdk/digest";
import { knownFlavors, quickPlatform } from "./context";
import { normalizeForCompare } from "./diff";
import { PROVIDER_KEYS, ProviderInputs, type CheckFailure, type KindDefinition, type Props } from "./kind-definition";
import { platformBody, specOf, withSchemaDefaults } from "./outputs";
import { containsUnknown, deepEqual, readableLocalPath, UNKNOWN, withoutUndefined } from "./values";

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
  // The provider writes the reserved tags itself; declared ones would be refused by the platform's rule.
  if (inputs.tags && !containsUnknown(inputs.tags) && "tags" in shape) {
    const r = UserTags.safeParse(inputs.tags);
    if (!r.success) failures.push(...issuesToFailures(r.error.issues, ["tags"]));
  }

  // What apply would refuse, preview refuses: the platform's own rules, by a server-side dry run (once
  // the inputs themselves are well-formed: the platform would only repeat the schema's complaints).
  const schemaValid = failures.length === 0;
  if (schemaValid) failures.push(...(await serverFailures(def, _olds ?? {}, inputs)));

  if (def.flavorPaths) {
    // The flavor the platform will get: a default one (not in the inputs) is refused here too when not offered.
    const effective: Props = { ...inputs };
    for (const k of Object.keys(shape)) if (!containsUnknown(inputs[k])) effective[k] = withSchemaDefaults(def, k, inputs[k]);
    const wanted = def.flavorPaths(effective).filter((f) => typeof f.flavor === "string" && !containsUnknown(f.flavor) && !failures.some((x) => x.property === f.path));
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

  // A path's content may change while its string does not: the digest makes that an input change. Cached per
  // file by its stat (sdk/digest.ts), so a preview of an unchanged large source reads nothing.
  delete inputs.sourceDigest;
  if (def.digestKey) {
    const local = readableLocalPath(inputs[def.digestKey]);
    if (local) inputs.sourceDigest = await cachedContentDigest(local);
  }
  return { inputs: withoutUndefined(inputs), failures };
}

/**
 * The platform's dry run of this create: every rule it enforces at apply (allowed roots, unique names,
 * flavor limits, servable formats, objects that must exist). Values unknown in preview are sent as
 * placeholders of their type and whatever the platform says about them is dropped. On an update (`olds`
 * set), only problems with properties that change are kept: an unchanged property is not what the update
 * does. Nothing when the platform does not answer quickly, or when the object is adopted.
 */
export async function serverFailures(def: KindDefinition, olds: Props, inputs: Props): Promise<CheckFailure[]> {
  if (inputs.adopt !== undefined) return [];
  const isUpdate = Object.keys(olds).some((k) => k in def.specSchema.shape);
  const changed = (key: string) => !isUpdate || !deepEqual(normalizeForCompare(key, olds[key]), normalizeForCompare(key, inputs[key]));
  // The body holds spec keys only, and on an update a problem with an unchanged key is dropped below: an
  // unchanged resource (every preview and up of a stack at rest) has nothing to ask the platform.
  if (isUpdate && !Object.keys(def.specSchema.shape).some(changed)) return [];
  const p = quickPlatform();
  if (!p) return [];
  const spec = specOf(def, inputs);
  const unknownPaths: (string | number)[][] = [];
  const body = withPlaceholders(def.specSchema, platformBody(def, spec, containsUnknown(inputs.logicalName) ? undefined : inputs.logicalName), unknownPaths);
  const client = def.client(p);
  if (!client.validate) return []; // a backend without a dry run: apply is the first to say
  let problems;
  try {
    problems = await client.validate(body);
  } catch {
    return []; // not reachable, or too old to dry-run: apply validates anyway
  }
  const failures: CheckFailure[] = [];
  for (const problem of problems) {
    const path = problem.field ? problem.field.split(".").map((s) => (/^\d+$/.test(s) ? Number(s) : s)) : [];
    const overlaps = (u: (string | number)[]) => u.every((s, i) => i >= path.length || path[i] === s) || path.every((s, i) => u[i] === s);
    if (unknownPaths.some(overlaps)) continue;
    if (path.length ? !changed(String(path[0])) : isUpdate) continue;
    failures.push({ property: propertyPath(path), reason: problem.message });
  }
  return failures;
}

/**
 * `body` with each unknown value replaced by a placeholder the spec schema accepts at that place (a string,
 * a number, a boolean, an empty list or map), so the platform can still check everything else. Records
 * where they were.
 */
function withPlaceholders(schema: z.ZodType, body: Props, unknownPaths: (string | number)[][]): Props {
  const out = structuredClone(body);
  const visit = (value: unknown, path: (string | number)[]): void => {
    // platformBody has already made a relative path absolute, so an unknown path now ends in the sentinel.
    if (typeof value === "string" && value.includes(UNKNOWN)) {
      unknownPaths.push(path);
      return;
    }
    if (Array.isArray(value)) value.forEach((v, i) => visit(v, [...path, i]));
    else if (value && typeof value === "object") for (const [k, v] of Object.entries(value)) visit(v, [...path, k]);
  };
  visit(out, []);
  const set = (path: (string | number)[], v: unknown) => {
    let at: any = out;
    for (const s of path.slice(0, -1)) at = at[s];
    at[path[path.length - 1]] = v;
  };
  for (const path of unknownPaths) {
    const fits = (candidate: unknown) => {
      set(path, candidate);
      const r = schema.safeParse(out);
      return r.success || !r.error.issues.some((i) => i.path.length >= path.length && path.every((s, n) => i.path[n] === s));
    };
    if (![`placeholder-${"x".repeat(4)}`, 1, true, [], {}].some(fits)) set(path, "placeholder");
  }
  return out;
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
