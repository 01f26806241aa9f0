// The manifest loader: ml.yaml → validated spec → Pulumi resources wired by their outputs.
// Everything is checked first (check.ts), so an invalid manifest declares nothing; all problems are
// reported at once.
import * as pulumi from "@pulumi/pulumi";
import { OBJECT_OPTION_KEYS } from "../../schemas/manifest";
import { KIND_BY_SECTION, perSection } from "../../schemas/kinds";
import type { Section } from "../../schemas/manifest";
import { RESOURCE_CLASSES } from "../resources";
import { checkManifest, type CheckedManifest, type LoadOptions } from "./check";
import { parseTemplate, STACKS_SECTION } from "./references";
import { isLocalPath, PATH_PROPERTIES, rebasePath } from "./paths";
import { resolveSecretEnv, SECRET_ENV_SECTIONS } from "./secrets";

export { ManifestError, formatProblem, type ManifestProblem } from "./problems";
export { checkManifest, type CheckedManifest, type LoadOptions } from "./check";

type AnyResource = pulumi.CustomResource & Record<string, unknown>;

/** The declared resources, by section and key. */
export type ManifestResources = { [S in Section]: Record<string, InstanceType<(typeof RESOURCE_CLASSES)[(typeof KIND_BY_SECTION)[S]]>> };

export interface DeclaredManifest {
  resources: ManifestResources;
  /**
   * Stack outputs: `services` (per key: name, endpoint, served models with their names and versions),
   * `models` (per key: id, name, version registered, latestVersion), plus the manifest's own `outputs`.
   */
  outputs: Record<string, pulumi.Output<unknown>>;
}

/** Reads, checks and declares the manifest's resources; returns them and the stack outputs. */
export function declareManifest(path: string, opts: LoadOptions = {}): DeclaredManifest {
  return declareChecked(checkManifest(path, opts));
}

export function declareChecked(checked: CheckedManifest): DeclaredManifest {
  const { manifest, graph, manifestDir, workDir } = checked;
  const resources = perSection(() => ({})) as ManifestResources;
  const lookup = (section: string, key: string) => (resources as unknown as Record<string, Record<string, AnyResource>>)[section][key];
  const stackRefs = new Map<string, pulumi.StackReference>();
  const outputOf = (section: string, key: string, output: string): pulumi.Output<unknown> => {
    if (section === STACKS_SECTION) {
      // One StackReference per declared stack; requireOutput fails the run, naming the output, when it is missing.
      let ref = stackRefs.get(key);
      if (!ref) stackRefs.set(key, (ref = new pulumi.StackReference(`stacks-${key}`, { name: (manifest.stacks as Record<string, string>)[key]! })));
      return ref.requireOutput(output);
    }
    const r = lookup(section, key);
    if (output === "id") return r.id;
    const value = r[output];
    if (!pulumi.Output.isInstance(value)) throw new Error(`${section}.${key} does not expose the output "${output}"`);
    return value as pulumi.Output<unknown>;
  };
  const resolveValue = (value: unknown): unknown => resolveReferences(value, outputOf);

  for (const { section, key } of graph.order) {
    const spec = { ...manifest[section][key] } as Record<string, unknown>;
    const options: Record<string, unknown> = {};
    for (const k of OBJECT_OPTION_KEYS) {
      if (k in spec) options[k] = spec[k];
      delete spec[k];
    }
    for (const prop of PATH_PROPERTIES[section] ?? []) {
      const v = spec[prop];
      if (typeof v === "string" && isLocalPath(v)) spec[prop] = rebasePath(v, manifestDir, workDir);
    }
    const args = resolveValue(spec) as Record<string, unknown>;
    // After the references: a secret is an Output, which the reference walk would take apart.
    if (SECRET_ENV_SECTIONS.includes(section) && args.env && typeof args.env === "object") args.env = resolveSecretEnv(args.env as Record<string, unknown>, manifestDir);
    if (options.deadlineSeconds !== undefined) args.deadlineSeconds = options.deadlineSeconds;
    if (options.adopt !== undefined) args.adopt = options.adopt;
    const dependsOn = ((options.dependsOn as string[] | undefined) ?? []).map((d) => {
      const [s, k] = d.split(".");
      return lookup(s, k);
    });
    const Kind = RESOURCE_CLASSES[KIND_BY_SECTION[section]] as unknown as new (name: string, args: unknown, opts?: pulumi.CustomResourceOptions) => AnyResource;
    (resources[section] as unknown as Record<string, AnyResource>)[key] = new Kind(key, args, dependsOn.length ? { dependsOn } : undefined);
  }

  const outputs: Record<string, pulumi.Output<unknown>> = {};
  if (Object.keys(resources.services).length)
    outputs.services = pulumi.output(
      Object.fromEntries(Object.entries(resources.services).map(([k, s]) => [k, { name: s.name, endpoint: s.endpoint, models: s.servedModels }])),
    );
  if (Object.keys(resources.models).length)
    outputs.models = pulumi.output(
      Object.fromEntries(Object.entries(resources.models).map(([k, m]) => [k, { id: m.id, name: m.name, version: m.version, latestVersion: m.latestVersion }])),
    );
  for (const [name, value] of Object.entries((manifest.outputs as Record<string, string> | undefined) ?? {}))
    outputs[name] = pulumi.output(resolveValue(value));
  return { resources, outputs };
}

/** Replaces references with outputs: a whole-string reference keeps the output's type, others interpolate. */
export function resolveReferences(value: unknown, outputOf: (section: string, key: string, output: string) => pulumi.Output<unknown>): unknown {
  if (typeof value === "string") {
    const { parts } = parseTemplate(value);
    if (parts.length === 1 && typeof parts[0] === "string") return parts[0];
    if (parts.length === 1 && typeof parts[0] !== "string") return outputOf(parts[0].section, parts[0].key, parts[0].output);
    const pieces = parts.map((p) => (typeof p === "string" ? p : outputOf(p.section, p.key, p.output)));
    return pulumi.all(pieces).apply((vs) => vs.map((v) => (typeof v === "string" ? v : JSON.stringify(v))).join(""));
  }
  if (Array.isArray(value)) return value.map((v) => resolveReferences(v, outputOf));
  if (value && typeof value === "object")
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, resolveReferences(v, outputOf)]));
  return value;
}
