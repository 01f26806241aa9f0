// Secret values in a manifest (`env: { DB_URL: { secretFromEnv: DB_URL } }` or `{ secretFromFile: path }`):
// checked with the rest of the manifest (a missing variable or file is a file:line problem), and read only
// when the program declares the resources, straight into pulumi.secret — so the value never sits in the
// manifest, and the engine encrypts it in the state and masks it in previews, reviews and drift reports.
import { existsSync, readFileSync } from "node:fs";
import { resolve } from "node:path";
import * as pulumi from "@pulumi/pulumi";
import type { Section } from "../../schemas/manifest";
import { problemAt, type ManifestSource } from "./source";
import type { ManifestProblem } from "./problems";

/** The sections whose `env` may hold secret values. */
export const SECRET_ENV_SECTIONS: readonly Section[] = ["trainingJobs", "services"];

type SecretRef = { secretFromEnv: string } | { secretFromFile: string };

export function isSecretRef(v: unknown): v is SecretRef {
  return !!v && typeof v === "object" && !Array.isArray(v) && ("secretFromEnv" in v || "secretFromFile" in v);
}

/** Where a secret comes from, or the reason it cannot be read. */
function readSecret(ref: SecretRef, manifestDir: string, env: NodeJS.ProcessEnv): { value: string } | { problem: string } {
  if ("secretFromEnv" in ref) {
    const value = env[ref.secretFromEnv];
    return value === undefined ? { problem: `environment variable ${ref.secretFromEnv} is not set (it holds this secret)` } : { value };
  }
  const path = resolve(manifestDir, ref.secretFromFile);
  if (!existsSync(path)) return { problem: `secret file ${ref.secretFromFile} does not exist (relative paths are relative to the manifest's directory ${manifestDir})` };
  return { value: readFileSync(path, "utf8").replace(/\r?\n$/, "") };
}

/** Problems with the manifest's secret values (a variable not set, a file missing), with file:line. */
export function secretProblems(src: ManifestSource, raw: Record<string, any>, manifestDir: string, env: NodeJS.ProcessEnv = process.env): ManifestProblem[] {
  const problems: ManifestProblem[] = [];
  for (const section of SECRET_ENV_SECTIONS) {
    for (const [key, spec] of Object.entries((raw[section] ?? {}) as Record<string, any>)) {
      for (const [name, value] of Object.entries((spec?.env ?? {}) as Record<string, unknown>)) {
        if (!isSecretRef(value)) continue;
        const read = readSecret(value, manifestDir, env);
        if ("problem" in read) problems.push(problemAt(src, [section, key, "env", name], read.problem));
      }
    }
  }
  return problems;
}

/** `env` with each secret reference replaced by its value wrapped in pulumi.secret. */
export function resolveSecretEnv(env: Record<string, unknown>, manifestDir: string, processEnv: NodeJS.ProcessEnv = process.env): Record<string, unknown> {
  return Object.fromEntries(
    Object.entries(env).map(([name, value]) => {
      if (!isSecretRef(value)) return [name, value];
      const read = readSecret(value, manifestDir, processEnv);
      if ("problem" in read) throw new Error(`env.${name}: ${read.problem}`);
      return [name, pulumi.secret(read.value)];
    }),
  );
}
