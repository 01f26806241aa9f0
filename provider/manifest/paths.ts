// Local paths in a manifest are written relative to the manifest's directory. Resources get them relative
// to the project directory (the Pulumi workDir, where the dynamic provider runs), never as absolute
// paths, so state stays portable between machines and checkouts.
import { existsSync } from "node:fs";
import { isAbsolute, relative, resolve, sep } from "node:path";
import type { Section } from "../../schemas/manifest";
import { parseTemplate } from "./references";

/** The properties that hold local paths, per section. */
export const PATH_PROPERTIES: Partial<Record<Section, readonly string[]>> = {
  datasets: ["source"],
  trainingJobs: ["workingDir"],
  models: ["source"],
};

const URI = /^[A-Za-z][A-Za-z0-9+.-]*:\/\//;

/** True when the value is a plain local path (not a URI such as mlp://…, and without references). */
export function isLocalPath(value: string): boolean {
  if (URI.test(value)) return false;
  // A malformed reference is reported as such, not as a missing file.
  const { parts, error } = parseTemplate(value);
  return !error && parts.every((p) => typeof p === "string");
}

/** `value` (relative to the manifest's directory) as the resource will carry it: relative to workDir. */
export function rebasePath(value: string, manifestDir: string, workDir: string): string {
  if (isAbsolute(value)) return value;
  const rel = relative(workDir, resolve(manifestDir, value));
  return (rel || ".").split(sep).join("/");
}

export function localPathExists(value: string, manifestDir: string): boolean {
  return existsSync(resolve(manifestDir, value));
}
