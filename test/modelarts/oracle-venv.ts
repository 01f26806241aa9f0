// The ModelArts oracle venv: the vendor's own Python SDK (huaweicloudsdkcore + huaweicloudsdkmodelarts),
// installed once per machine by scripts/python-venv.sh under ~/.cache/mlplatform/venvs and reused by every
// test that needs it. (The S3 server, moto, comes from the Volcengine oracle venv: test/emulators/s3/moto.ts.)
import { execFileSync } from "node:child_process";
import { join, resolve } from "node:path";

export const REPO_ROOT = resolve(__dirname, "../..");
export const MODELARTS_ORACLE_REQUIREMENTS = ["huaweicloudsdkcore==3.1.219", "huaweicloudsdkmodelarts==3.1.219"];

let cached: string | undefined;

/** Path of the venv's python, creating the venv on first use (a minute on a fresh machine, then instant). */
export function modelartsOraclePython(): string {
  if (cached) return cached;
  const dir = execFileSync("bash", [join(REPO_ROOT, "scripts/python-venv.sh"), "modelarts-oracle", ...MODELARTS_ORACLE_REQUIREMENTS], {
    encoding: "utf8",
    stdio: ["ignore", "pipe", "inherit"],
    timeout: 15 * 60_000,
  }).trim().split("\n").pop()!;
  cached = join(dir, "bin", "python");
  return cached;
}
