// Schema validation of a parsed manifest: every zod issue becomes a problem at the node it is about. A backend
// whose kinds take specs of their own (KindRule.specSchema) has its sections validated against those.
import type { z } from "zod";
import { Manifest, manifestSchemaWith } from "../../schemas/manifest";
import { KIND_REGISTRY, KINDS } from "../../schemas/kinds";
import { backendRules } from "../../sdk";
import { problemAt, locate, type ManifestSource } from "./source";
import type { ManifestProblem } from "./problems";

const perBackend = new Map<string, z.ZodType>();

/** The manifest schema for a backend: the kinds' own, with its kind rules' spec schemas where it has them. */
export function manifestSchemaFor(backend = "local"): z.ZodType {
  let schema = perBackend.get(backend);
  if (!schema) {
    const rules = backendRules(backend);
    const specs = Object.fromEntries(KINDS.flatMap((k) => (rules?.kinds[k]?.specSchema ? [[KIND_REGISTRY[k].section, rules.kinds[k]!.specSchema!]] : [])));
    schema = Object.keys(specs).length ? manifestSchemaWith(specs) : Manifest;
    perBackend.set(backend, schema);
  }
  return schema;
}

export function validateManifestSchema(src: ManifestSource, backend = "local"): { manifest?: z.infer<typeof Manifest>; problems: ManifestProblem[] } {
  const result = manifestSchemaFor(backend).safeParse(src.value ?? {});
  if (result.success) return { manifest: result.data as z.infer<typeof Manifest>, problems: [] };
  return { problems: result.error.issues.flatMap((issue) => issueToProblems(src, issue)) };
}

function issueToProblems(src: ManifestSource, issue: z.core.$ZodIssue): ManifestProblem[] {
  const path = issue.path;
  switch (issue.code) {
    case "unrecognized_keys":
      return issue.keys.map((key) => problemAt(src, [...path, key], `unknown property "${key}"`, "key"));
    case "invalid_key":
      return [problemAt(src, path, `invalid key "${String(path[path.length - 1])}": ${issue.issues.map((i) => i.message).join("; ")}`, "key")];
    case "invalid_union":
      return [problemAt(src, path, unionMessage(issue))];
    case "invalid_type":
      if (!locate(src, path).exists) return [problemAt(src, path, `required property is missing (${issue.expected})`)];
      return [problemAt(src, path, issue.message)];
    default:
      return [problemAt(src, path, issue.message)];
  }
}

/** A union failure lists what each alternative wanted; a pattern message (ours) says it best. */
function unionMessage(issue: z.core.$ZodIssueInvalidUnion): string {
  const branches = issue.errors.flat();
  const pattern = branches.find((i) => i.code === "invalid_format");
  if (pattern) return pattern.message;
  const messages = [...new Set(branches.map((i) => i.message))];
  return messages.length ? messages.join(", or ") : issue.message;
}
