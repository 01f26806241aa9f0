// The platform's own rules for a manifest, before the engine starts: each object goes through the same
// server-side dry run the provider's check uses (allowed roots, unique names, flavor limits, servable
// formats, objects that must exist), and every refusal comes back as a manifest problem with the file's
// line:column and the property path. References are not known before apply, so they are sent as unknown
// values and whatever depends on them is left to apply.
import { resolve } from "node:path";
import type { Section } from "../../schemas/manifest";
import { stackScopedName } from "../../schemas/common";
import type { ConnectionSettings } from "../../sdk";
import { serverFailures } from "../handlers/check";
import type { KindDefinition } from "../handlers/kind-definition";
import { configure } from "../handlers/context";
import { UNKNOWN } from "../handlers/values";
import { datasetDefinition } from "../handlers/dataset";
import { modelDefinition } from "../handlers/model";
import { perfJobDefinition } from "../handlers/perf-job";
import { serviceDefinition } from "../handlers/service";
import { trainingJobDefinition } from "../handlers/training-job";
import type { CheckedManifest } from "./check";
import { isLocalPath, PATH_PROPERTIES } from "./paths";
import { ManifestError, type ManifestProblem } from "./problems";
import { parseTemplate } from "./references";
import { isSecretRef } from "./secrets";
import { problemAt } from "./source";

const DEFINITIONS: Record<Section, KindDefinition> = {
  datasets: datasetDefinition,
  trainingJobs: trainingJobDefinition,
  models: modelDefinition,
  perfJobs: perfJobDefinition,
  services: serviceDefinition,
};

export interface PlatformCheckOptions {
  /** Where the platform is (default: the environment, else the local platform of the default data dir). */
  settings?: ConnectionSettings;
  /**
   * `<project>/<stack>`: the objects' logical names start with it, so a dry run recognises the stack's own
   * objects (their names are not "taken"). Without it every object is checked as a new one.
   */
  stackPrefix?: string;
}

/** `<project>/<stack>` → the stack's name, which unnamed objects carry in theirs (`<key>-<stack>`). */
function stackOf(prefix: string | undefined): string | undefined {
  return prefix?.split("/")[1];
}

/** Runs the platform's dry run for every object; throws ManifestError listing every refusal. */
export async function checkManifestOnPlatform(checked: CheckedManifest, opts: PlatformCheckOptions = {}): Promise<void> {
  configure(opts.settings ?? {});
  const { manifest, graph, manifestDir, source } = checked;
  const results = await Promise.all(
    graph.order.map(async ({ section, key }) => {
      const def = DEFINITIONS[section];
      const spec = manifest[section][key] as Record<string, unknown>;
      const spelled = new Map<string, string>();
      const inputs: Record<string, unknown> = {};
      // dependsOn orders the engine's work; it is nothing the platform sees.
      for (const [k, v] of Object.entries(spec)) if (k !== "dependsOn") inputs[k] = unknownReferences(v);
      // The name the resource class gives it (provider/resources.ts): its key when adopted, else `<key>-<stack>`.
      const stack = stackOf(opts.stackPrefix);
      inputs.name ??= inputs.adopt !== undefined || stack === undefined ? key : stackScopedName(key, stack);
      for (const prop of PATH_PROPERTIES[section] ?? []) {
        const v = inputs[prop];
        if (typeof v === "string" && isLocalPath(v)) {
          const absolute = resolve(manifestDir, v);
          spelled.set(absolute, v);
          inputs[prop] = absolute;
        }
      }
      if (opts.stackPrefix) inputs.logicalName = `${opts.stackPrefix}/${def.kind}/${key}`;
      const failures = await serverFailures(def, {}, inputs);
      return failures.map((f): ManifestProblem => {
        let reason = f.reason;
        for (const [absolute, user] of spelled) reason = reason.replaceAll(`"${absolute}"`, `"${user}"`);
        return problemAt(source, [section, key, ...pathOf(f.property)], reason);
      });
    }),
  );
  const problems = results.flat();
  if (problems.length) throw new ManifestError(source.file, problems);
}

/**
 * References (whole or embedded) are values the engine only knows at apply; a secret ({ secretFromEnv } or
 * { secretFromFile }) is read only when the program runs, and its value never goes to a dry run.
 */
function unknownReferences(value: unknown): unknown {
  if (isSecretRef(value)) return UNKNOWN;
  if (typeof value === "string") return parseTemplate(value).parts.some((p) => typeof p !== "string") ? UNKNOWN : value;
  if (Array.isArray(value)) return value.map(unknownReferences);
  if (value && typeof value === "object") return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, unknownReferences(v)]));
  return value;
}

/** `models[0].version` → ["models", 0, "version"]. */
function pathOf(property: string): (string | number)[] {
  if (!property) return [];
  return property
    .replace(/\[(\d+)\]/g, ".$1")
    .split(".")
    .filter((s) => s !== "")
    .map((s) => (/^\d+$/.test(s) ? Number(s) : s));
}
