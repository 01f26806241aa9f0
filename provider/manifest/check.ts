// Every check of a manifest, before anything is declared: YAML syntax, the schema, references (unknown
// ones and cycles) and local paths. All problems are collected and thrown together as one ManifestError.
import { dirname, resolve } from "node:path";
import { SECTIONS, type Section } from "../../schemas/manifest";
import { ManifestError, type ManifestProblem } from "./problems";
import { parseManifestText, problemAt, readManifestSource, type ManifestSource } from "./source";
import { validateManifestSchema } from "./validate";
import { buildGraph, type ManifestGraph } from "./references";
import { isLocalPath, localPathExists, PATH_PROPERTIES } from "./paths";
import { secretProblems } from "./secrets";

export interface LoadOptions {
  /** The project directory the program runs in; local paths are made relative to it. Default: process.cwd(). */
  workDir?: string;
  /** Name shown in messages; default: the path as given. */
  displayName?: string;
  /** Manifest text, instead of reading `path` (the path still anchors relative paths). */
  text?: string;
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

  const { manifest, problems } = validateManifestSchema(source);
  // Reference and path checks run on the raw value even when the schema failed, so one run shows everything.
  const raw = (source.value ?? {}) as Record<string, any>;
  const graph = buildGraph(source, sectionsOnly(raw));
  problems.push(...graph.problems, ...pathProblems(source, raw, manifestDir), ...secretProblems(source, raw, manifestDir));
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

/** Local paths must exist when the manifest is loaded: a typo is cheaper to report here than mid-deploy. */
function pathProblems(src: ManifestSource, raw: Record<string, any>, manifestDir: string): ManifestProblem[] {
  const problems: ManifestProblem[] = [];
  for (const section of Object.keys(PATH_PROPERTIES) as Section[]) {
    if (!isRecord(raw[section])) continue;
    for (const [key, spec] of Object.entries(raw[section] as Record<string, unknown>)) {
      if (!isRecord(spec)) continue;
      for (const prop of PATH_PROPERTIES[section]!) {
        const v = spec[prop];
        if (typeof v === "string" && v && isLocalPath(v) && !localPathExists(v, manifestDir))
          problems.push(problemAt(src, [section, key, prop], `no such file or directory: ${v} (relative paths are relative to the manifest's directory ${manifestDir})`));
      }
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
