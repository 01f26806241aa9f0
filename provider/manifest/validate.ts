// Schema validation of a parsed manifest: every zod issue becomes a problem at the node it is about.
import type { z } from "zod";
import { Manifest } from "../../schemas/manifest";
import { problemAt, locate, type ManifestSource } from "./source";
import type { ManifestProblem } from "./problems";

export function validateManifestSchema(src: ManifestSource): { manifest?: z.infer<typeof Manifest>; problems: ManifestProblem[] } {
  const result = Manifest.safeParse(src.value ?? {});
  if (result.success) return { manifest: result.data, problems: [] };
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
