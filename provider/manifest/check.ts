// Every check of a manifest, before anything is declared: YAML syntax, the schema, references (unknown
// ones, cycles, wrong types), names used twice, and local paths. All problems are collected and thrown
// together as one ManifestError. (platform-check.ts adds the platform's own rules, by its dry run.)
import { statSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { OBJECT_OPTION_KEYS, SECTIONS, type Section } from "../../schemas/manifest";
import { KIND_BY_SECTION } from "../../schemas/kinds";
import { backendRules } from "../../sdk";
import { ManifestError, type ManifestProblem } from "./problems";
import { parseManifestText, problemAt, readManifestSource, type ManifestSource } from "./source";
import { validateManifestSchema } from "./validate";
import { buildGraph, referenceTypeProblems, walkStrings, type ManifestGraph } from "./references";
import { isLocalPath, localPathExists, PATH_PROPERTIES } from "./paths";
import { secretProblems } from "./secrets";

export interface LoadOptions {
  /** The project directory the program runs in; local paths are made relative to it. Default: process.cwd(). */
  workDir?: string;
  /** Name shown in messages; default: the path as given. */
  displayName?: string;
  /** Manifest text, instead of reading `path` (the path still anchors relative paths). */
  text?: string;
  /** The backend the manifest is for; "local" (the default) reads local paths only, no URIs but mlp://. */
  backend?: string;
}

/** A manifest that passed every check, ready to declare. */
export interface CheckedManifest {
  source: ManifestSource;
  manifest: Record<string, any>;
  graph: ManifestGraph;
  manifestDir: string;
  workDir: string;
}

/** Runs every check; throws ManifestError listing all problems. Declares nothing. */
export function checkManifest(path: string, opts: LoadOptions = {}): CheckedManifest {
  const workDir = resolve(opts.workDir ?? process.cwd());
  const manifestDir = dirname(resolve(workDir, path));
  const display = opts.displayName ?? path;
  const source = opts.text !== undefined ? parseManifestText(opts.text, display) : readManifestSource(resolve(workDir, path), display);
  if (source.syntaxProblems.length) throw new ManifestError(display, source.syntaxProblems);

  const { manifest, problems } = validateManifestSchema(source, opts.backend ?? "local");
  // Reference and path checks run on the raw value even when the schema failed, so one run shows everything.
  const raw = (source.value ?? {}) as Record<string, any>;
  const graph = buildGraph(source, sectionsOnly(raw));
  problems.push(...graph.problems, ...pathProblems(source, raw, manifestDir, opts.backend ?? "local"), ...secretProblems(source, raw, manifestDir), ...duplicateNameProblems(source, raw), ...controlCharacterProblems(source, raw), ...backendRuleProblems(source, raw, opts.backend ?? "local"));
  // A reference of the wrong type says more than the schema's "expected array, received string" there.
  const typed: ManifestProblem[] = [];
  for (const section of SECTIONS)
    if (isRecord(raw[section]))
      for (const [key, spec] of Object.entries(raw[section] as Record<string, unknown>)) if (isRecord(spec)) typed.push(...referenceTypeProblems(source, section, key, spec));
  if (typed.length) {
    const paths = new Set(typed.map((p) => p.path));
    problems.splice(0, problems.length, ...problems.filter((p) => !paths.has(p.path)), ...typed);
  }
  if (problems.length || !manifest) throw new ManifestError(display, dedupe(problems));
  return { source, manifest: raw, graph, manifestDir, workDir };
}

function sectionsOnly(raw: Record<string, any>): Record<string, any> {
  const out: Record<string, any> = { outputs: isRecord(raw.outputs) ? raw.outputs : undefined, stacks: isRecord(raw.stacks) ? raw.stacks : undefined };
  for (const s of SECTIONS) if (isRecord(raw[s])) out[s] = Object.fromEntries(Object.entries(raw[s]).filter(([, v]) => isRecord(v)));
  return out;
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return !!v && typeof v === "object" && !Array.isArray(v);
}

/**
 * Local paths must exist when the manifest is loaded (a typo is cheaper to report here than mid-deploy),
 * a working directory must be a directory, and the local platform reads no URIs but its own mlp://.
 */
function pathProblems(src: ManifestSource, raw: Record<string, any>, manifestDir: string, backend: string): ManifestProblem[] {
  const problems: ManifestProblem[] = [];
  for (const section of Object.keys(PATH_PROPERTIES) as Section[]) {
    if (!isRecord(raw[section])) continue;
    for (const [key, spec] of Object.entries(raw[section] as Record<string, unknown>)) {
      if (!isRecord(spec)) continue;
      for (const prop of PATH_PROPERTIES[section]!) {
        const v = spec[prop];
        if (typeof v !== "string" || !v) continue;
        const at = [section, key, prop];
        const scheme = /^([A-Za-z][A-Za-z0-9+.-]*):\/\//.exec(v)?.[1];
        if (scheme && backend === "local" && !(scheme === "mlp" && section === "models")) {
          problems.push(problemAt(src, at, `${scheme}:// is not something the local platform reads; give a local path (relative to the manifest's directory)${section === "models" ? " or a training job's output (${trainingJobs.<key>.outputUri})" : ""}`));
          continue;
        }
        if (!isLocalPath(v)) continue;
        if (!localPathExists(v, manifestDir)) problems.push(problemAt(src, at, `no such file or directory: ${v} (relative paths are relative to the manifest's directory ${manifestDir})`));
        else if (prop === "workingDir" && !statSync(resolve(manifestDir, v)).isDirectory()) problems.push(problemAt(src, at, `workingDir ${v} is a file; it must name a directory (the command runs there)`));
      }
    }
  }
  return problems;
}

/**
 * The backend's kind rules (sdk/kind-rules.ts), as the provider's check applies them, but with the file's
 * line: kinds it does not offer, keys it cannot take, values it does not have, and its whole-spec rules
 * (once no value is a reference, which only apply knows).
 */
function backendRuleProblems(src: ManifestSource, raw: Record<string, any>, backend: string): ManifestProblem[] {
  const rules = backendRules(backend);
  if (!rules) return [];
  const problems: ManifestProblem[] = [];
  for (const section of SECTIONS) {
    if (!isRecord(raw[section])) continue;
    const kind = KIND_BY_SECTION[section];
    for (const [key, spec] of Object.entries(raw[section] as Record<string, unknown>)) {
      if (!isRecord(spec)) continue;
      if (!rules.offered.includes(kind)) {
        const why = rules.notOffered[kind] ? `: ${rules.notOffered[kind]}` : "";
        problems.push(problemAt(src, [section, key], `the ${rules.vendor} backend (mlplatform:backend=${rules.backend}) does not offer ${kind}${why}. It offers ${rules.offered.join(", ")}`, "key"));
        continue;
      }
      const rule = rules.kinds[kind] ?? {};
      const before = problems.length;
      for (const [prop, why] of Object.entries(rule.unsupported ?? {}))
        if (spec[prop] !== undefined) problems.push(problemAt(src, [section, key, prop], `not supported by the ${rules.vendor} backend: ${why}`, "key"));
      for (const [prop, allowed] of Object.entries(rule.allowedValues ?? {}))
        if (spec[prop] !== undefined && !hasReference(spec[prop]) && !allowed.values.includes(spec[prop]))
          problems.push(problemAt(src, [section, key, prop], `${JSON.stringify(spec[prop])} is not available on the ${rules.vendor} backend (${allowed.why}; allowed: ${allowed.values.join(", ")})`));
      if (problems.length > before || !rule.check || hasReference(spec)) continue;
      const body = Object.fromEntries(Object.entries(spec).filter(([k]) => !(OBJECT_OPTION_KEYS as string[]).includes(k)));
      for (const f of rule.check(body)) problems.push(problemAt(src, [section, key, ...f.property.split(".").filter(Boolean)], f.reason));
    }
  }
  return problems;
}

function hasReference(value: unknown): boolean {
  let found = false;
  walkStrings(value, [], (v) => (found ||= v.includes("${")));
  return found;
}

/** A value written with an escape ("\0", "\x07") carries a control character into paths, commands or names. */
function controlCharacterProblems(src: ManifestSource, raw: Record<string, any>): ManifestProblem[] {
  const problems: ManifestProblem[] = [];
  walkStrings(raw, [], (value, path) => {
    const m = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]/.exec(value);
    if (m) problems.push(problemAt(src, path, `contains the control character U+${m[0].charCodeAt(0).toString(16).toUpperCase().padStart(4, "0")}${m[0] === "\0" ? " (NUL)" : ""}, which no name, path or command may hold`));
  });
  return problems;
}

/**
 * The platform keeps names unique per kind: two objects of one section may not end up with the same name.
 * Only written names can collide (an unnamed object is `<key>-<stack>`, keys are unique), and adopted
 * objects, which keep their key as the name.
 */
function duplicateNameProblems(src: ManifestSource, raw: Record<string, any>): ManifestProblem[] {
  const problems: ManifestProblem[] = [];
  for (const section of SECTIONS) {
    if (!isRecord(raw[section])) continue;
    const first = new Map<string, string>();
    for (const [key, spec] of Object.entries(raw[section] as Record<string, unknown>)) {
      if (!isRecord(spec)) continue;
      const name = spec.name ?? (spec.adopt !== undefined ? key : undefined);
      if (typeof name !== "string" || name.includes("${")) continue;
      const other = first.get(name);
      if (other === undefined) {
        first.set(name, key);
        continue;
      }
      const otherNamed = (raw[section] as Record<string, any>)[other].name !== undefined;
      const where = problemAt(src, [section, other, ...(otherNamed ? ["name"] : [])], "", otherNamed ? "value" : "key");
      const path = spec.name === undefined ? [section, key] : [section, key, "name"];
      problems.push(problemAt(src, path, `name "${name}" is also the name of ${section}.${other} (line ${where.line}); names are unique per kind on the platform`, spec.name === undefined ? "key" : "value"));
    }
  }
  return problems;
}

/** The schema and the reference checks can both flag one value; say it once. */
function dedupe(problems: ManifestProblem[]): ManifestProblem[] {
  const seen = new Set<string>();
  return problems.filter((p) => {
    const k = `${p.line}:${p.column}:${p.path}:${p.message}`;
    if (seen.has(k)) return false;
    seen.add(k);
    return true;
  });
}
