// References between manifest objects: `${<section>.<key>.<output>}` inside string values, and the
// `dependsOn: [<section>.<key>]` lists. This module finds them, checks that they name something real, and
// orders the objects so each comes after everything it refers to (a cycle is an error).
import { z } from "zod";
import * as S from "../../schemas";
import { OBJECT_OPTION_KEYS, REFERENCE_BODY, SECTIONS, type Section } from "../../schemas/manifest";
import { perSection } from "../../schemas/kinds";
import { OUTPUT_KEYS } from "../resources";
import { problemAt, type ManifestSource } from "./source";
import type { ManifestProblem } from "./problems";

// What a reference may read: `id` and the outputs of each resource class (provider/resources.ts).
const withId = (outputs: readonly string[]) => ["id", "name", ...outputs.filter((k) => k !== "name")] as const;
export const REFERENCEABLE_OUTPUTS: Record<Section, readonly string[]> = perSection((kind) => withId(OUTPUT_KEYS[kind]));

/** `${stacks.<key>.<output>}`: an output of another stack, declared in the manifest's `stacks:` section. */
export const STACKS_SECTION = "stacks";

type JsonType = "string" | "number" | "boolean" | "object" | "array";

/** Each kind's platform spec schema: what a manifest object becomes once its references are resolved. */
const SPEC_SCHEMAS: Record<Section, z.ZodType> = {
  datasets: S.DatasetSpec,
  trainingJobs: S.TrainingJobSpec,
  models: S.ModelSpec,
  perfJobs: S.PerfJobSpec,
  services: S.ServiceSpec,
};

/**
 * The JSON type of each output a reference may read, from the schemas of the spec and the platform object,
 * plus the outputs the provider adds (version, versions, metrics, servedModels, bookkeeping).
 */
const OUTPUT_TYPES: Record<Section, Record<string, JsonType>> = (() => {
  const typeOf = (schema: z.ZodType): JsonType | undefined => {
    const t = (z.toJSONSchema(schema, { io: "output", unrepresentable: "any" }) as { type?: string }).type;
    return t === "integer" ? "number" : (t as JsonType | undefined);
  };
  const shapes = (...objects: z.ZodObject<any>[]) => Object.assign({}, ...objects.map((o) => o.shape)) as Record<string, z.ZodType>;
  const sources: Record<Section, [Record<string, z.ZodType>, Record<string, JsonType>]> = {
    datasets: [shapes(S.DatasetSpec, S.Dataset), {}],
    trainingJobs: [shapes(S.TrainingJobSpec, S.TrainingJob), { metrics: "object" }],
    models: [shapes(S.ModelSpec, S.Model), { version: "number", versions: "array" }],
    perfJobs: [shapes(S.PerfJobSpec, S.PerfJob), {}],
    services: [shapes(S.ServiceSpec, S.Service), { servedModels: "array", models: "array" }],
  };
  const out = {} as Record<Section, Record<string, JsonType>>;
  for (const section of SECTIONS) {
    const [shape, extra] = sources[section];
    const types: Record<string, JsonType> = { id: "string", deadlineSeconds: "number", adopt: "string", sourceDigest: "string" };
    for (const key of REFERENCEABLE_OUTPUTS[section]) {
      const t = extra[key] ?? (shape[key] ? typeOf(shape[key]) : undefined);
      if (t) types[key] = t;
    }
    out[section] = { ...types, ...extra };
  }
  return out;
})();

const SAMPLES: Record<JsonType, unknown> = { string: "x", number: 1, boolean: true, object: {}, array: [] };
const A: Record<JsonType, string> = { string: "a string", number: "a number", boolean: "a boolean", object: "a map", array: "a list" };

/**
 * A whole-string reference takes its output's type, so `version: ${models.x.name}` gives a string where a
 * number belongs. Each reference is replaced by a sample of its output's type and the object is checked
 * with its kind's spec schema: a type error at the reference is the reference's.
 */
export function referenceTypeProblems(src: ManifestSource, section: Section, key: string, spec: Record<string, unknown>): ManifestProblem[] {
  const object: Record<string, unknown> = structuredClone(spec);
  for (const k of OBJECT_OPTION_KEYS) delete object[k];
  object.name ??= key;
  const refs: { path: PropertyKey[]; token: ReferenceToken; type: JsonType }[] = [];
  const replace = (value: unknown, path: PropertyKey[], set: (v: unknown) => void): void => {
    if (typeof value === "string") {
      const { parts, error } = parseTemplate(value);
      if (error || parts.length !== 1 || typeof parts[0] === "string") return;
      const token = parts[0];
      const type = OUTPUT_TYPES[token.section as Section]?.[token.output];
      if (!type) return; // unknown reference: reported as such
      refs.push({ path, token, type });
      set(SAMPLES[type]);
    } else if (Array.isArray(value)) value.forEach((v, i) => replace(v, [...path, i], (x) => (value[i] = x)));
    else if (value && typeof value === "object")
      for (const [k, v] of Object.entries(value)) replace(v, [...path, k], (x) => ((value as Record<string, unknown>)[k] = x));
  };
  replace(object, [], () => undefined);
  if (refs.length === 0) return [];
  const r = SPEC_SCHEMAS[section].safeParse(object);
  if (r.success) return [];
  const problems: ManifestProblem[] = [];
  for (const ref of refs) {
    const issue = r.error.issues.find((i) => i.code === "invalid_type" && i.path.length === ref.path.length && i.path.every((s, n) => String(s) === String(ref.path[n])));
    if (!issue) continue;
    const wanted = (issue as { expected?: string }).expected ?? "another type";
    problems.push(problemAt(src, [section, key, ...ref.path], `${ref.token.text} is ${A[ref.type]}, but this property takes ${wanted === "object" || wanted === "record" ? "a map" : wanted === "array" ? "a list" : `a ${wanted}`}`));
  }
  return problems;
}

export interface ReferenceToken {
  section: string;
  key: string;
  output: string;
  text: string;
}
/** A string split into literal text and references. */
export type StringPart = string | ReferenceToken;

/** `${a.b.c}` with `$${` as the escape for a literal `${`. */
const TOKEN = /\$\$\{|\$\{([^}]*)\}|\$\{/g;

/** Splits a string into parts; `error` is set when a `${` is not a well-formed reference. */
export function parseTemplate(s: string): { parts: StringPart[]; error?: string } {
  const parts: StringPart[] = [];
  let literal = "";
  let last = 0;
  for (const m of s.matchAll(TOKEN)) {
    literal += s.slice(last, m.index);
    last = m.index! + m[0].length;
    if (m[0] === "$${") {
      literal += "${";
      continue;
    }
    if (m[1] === undefined) return { parts, error: `"\${" without a closing "}" (write "$\${" for a literal "\${")` };
    const body = REFERENCE_BODY.exec(m[1].trim());
    if (!body) return { parts, error: `malformed reference "${m[0]}": expected \${<section>.<key>.<output>}, e.g. \${models.iris.latestVersion}` };
    if (literal) parts.push(literal);
    literal = "";
    parts.push({ section: body[1], key: body[2], output: body[3], text: m[0] });
  }
  literal += s.slice(last);
  if (literal || parts.length === 0) parts.push(literal);
  return { parts };
}

export type NodeId = `${Section}.${string}`;

export interface ManifestGraph {
  /** Objects in an order where each comes after what it refers to. */
  order: { section: Section; key: string }[];
  problems: ManifestProblem[];
}

interface Edge {
  to: NodeId;
  /** Where the reference is written, for messages. */
  path: PropertyKey[];
}

/** Finds every reference and dependsOn entry, checks them, and orders the objects. */
export function buildGraph(src: ManifestSource, manifest: Record<string, unknown>): ManifestGraph {
  const problems: ManifestProblem[] = [];
  const sections = manifest as Partial<Record<Section, Record<string, Record<string, unknown>>>>;
  const exists = (section: string, key: string) =>
    (SECTIONS as readonly string[]).includes(section) && sections[section as Section]?.[key] !== undefined;
  const edges = new Map<NodeId, Edge[]>();

  const stackRefs = (manifest.stacks ?? {}) as Record<string, unknown>;
  const checkTarget = (path: PropertyKey[], section: string, key: string, output?: string, text?: string): boolean => {
    const what = text ?? `${section}.${key}`;
    // Another stack's outputs: the key must be declared under `stacks:`; which outputs it has is known at run time.
    if (section === STACKS_SECTION) {
      if (output === undefined) problems.push(problemAt(src, path, `${what}: a stack reference has no object to wait for; refer to one of its outputs, \${stacks.${key}.<output>}`));
      else if (!(key in stackRefs)) problems.push(problemAt(src, path, `unknown reference ${what}: there is no stacks.${key} (stacks declared: ${Object.keys(stackRefs).join(", ") || "none"})`));
      return false;
    }
    if (!(SECTIONS as readonly string[]).includes(section)) {
      problems.push(problemAt(src, path, `unknown reference ${what}: "${section}" is not a section (sections: ${[...SECTIONS, STACKS_SECTION].join(", ")})`));
      return false;
    }
    if (!exists(section, key)) {
      const keys = Object.keys(sections[section as Section] ?? {});
      problems.push(problemAt(src, path, `unknown reference ${what}: there is no ${section}.${key} (${section} defined: ${keys.length ? keys.join(", ") : "none"})`));
      return false;
    }
    if (output !== undefined && !REFERENCEABLE_OUTPUTS[section as Section].includes(output)) {
      problems.push(problemAt(src, path, `unknown reference ${what}: ${section} have no output "${output}" (outputs: ${REFERENCEABLE_OUTPUTS[section as Section].join(", ")})`));
      return false;
    }
    return true;
  };

  for (const section of SECTIONS) {
    for (const [key, spec] of Object.entries(sections[section] ?? {})) {
      const from: NodeId = `${section}.${key}`;
      const out: Edge[] = [];
      edges.set(from, out);
      walkStrings(spec, [section, key], (value, path) => {
        const { parts, error } = parseTemplate(value);
        if (error) problems.push(problemAt(src, path, error));
        for (const part of parts) {
          if (typeof part === "string") continue;
          if (checkTarget(path, part.section, part.key, part.output, part.text)) out.push({ to: `${part.section as Section}.${part.key}`, path });
        }
      }, new Set(["dependsOn"]));
      const dependsOn = (spec as { dependsOn?: unknown }).dependsOn;
      // Malformed lists are the schema's to report; only well-formed entries become edges.
      (Array.isArray(dependsOn) ? dependsOn : []).forEach((entry: unknown, i) => {
        if (typeof entry !== "string" || !entry.includes(".")) return;
        const [s, k] = entry.split(".");
        const path = [section, key, "dependsOn", i];
        if (checkTarget(path, s, k)) out.push({ to: `${s as Section}.${k}`, path });
      });
    }
  }
  // Stack outputs may refer to anything; they only need to exist.
  for (const [name, value] of Object.entries((manifest.outputs as Record<string, unknown> | undefined) ?? {})) {
    if (typeof value !== "string") continue;
    const path = ["outputs", name];
    const { parts, error } = parseTemplate(value);
    if (error) problems.push(problemAt(src, path, error));
    for (const part of parts) if (typeof part !== "string") checkTarget(path, part.section, part.key, part.output, part.text);
  }

  return { order: topologicalOrder(src, edges, problems), problems };
}

/** Depth-first post-order; a back edge is a cycle, reported once with the chain that closes it. */
function topologicalOrder(src: ManifestSource, edges: Map<NodeId, Edge[]>, problems: ManifestProblem[]): ManifestGraph["order"] {
  const order: ManifestGraph["order"] = [];
  const state = new Map<NodeId, "visiting" | "done">();
  const stack: NodeId[] = [];
  const visit = (node: NodeId) => {
    state.set(node, "visiting");
    stack.push(node);
    for (const edge of edges.get(node) ?? []) {
      const s = state.get(edge.to);
      if (s === "visiting") {
        // Start the chain at the object holding the reported reference: "a -> b -> … -> a".
        const loop = stack.slice(stack.indexOf(edge.to));
        const cycle = [node, ...loop.slice(0, -1), node];
        problems.push(problemAt(src, edge.path, `reference cycle: ${cycle.join(" -> ")}`));
      } else if (s === undefined) {
        visit(edge.to);
      }
    }
    stack.pop();
    state.set(node, "done");
    const dot = node.indexOf(".");
    order.push({ section: node.slice(0, dot) as Section, key: node.slice(dot + 1) });
  };
  for (const node of edges.keys()) if (!state.has(node)) visit(node);
  return order;
}

/** Calls `fn` for every string in a value, with its path; `skipKeys` are not descended into at the top. */
export function walkStrings(value: unknown, path: PropertyKey[], fn: (s: string, path: PropertyKey[]) => void, skipKeys = new Set<string>()): void {
  if (typeof value === "string") fn(value, path);
  else if (Array.isArray(value)) value.forEach((v, i) => walkStrings(v, [...path, i], fn));
  else if (value && typeof value === "object")
    for (const [k, v] of Object.entries(value)) if (!skipKeys.has(k)) walkStrings(v, [...path, k], fn);
}
