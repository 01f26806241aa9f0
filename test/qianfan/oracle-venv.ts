// The Qianfan oracle venv: the vendor's own Python SDK (`qianfan`, with the `bce-python-sdk` signer it calls),
// installed once per machine by scripts/python-venv.sh under ~/.cache/mlplatform/venvs and reused.
import { execFileSync } from "node:child_process";
import { join, resolve } from "node:path";
import { AREAS } from "../../sdk/qianfan/api";

export const REPO_ROOT = resolve(__dirname, "../..");
export const ORACLE_REQUIREMENTS = ["qianfan==0.4.12.3", "bce-python-sdk==0.9.79", "moto[server]==5.2.5"];

let cached: string | undefined;

/** Path of the venv's python, creating the venv on first use (minutes on a fresh machine, then instant). */
export function qianfanPython(): string {
  if (cached) return cached;
  const dir = execFileSync("bash", [join(REPO_ROOT, "scripts/python-venv.sh"), "qianfan-oracle", ...ORACLE_REQUIREMENTS], {
    encoding: "utf8",
    stdio: ["ignore", "pipe", "inherit"],
    timeout: 15 * 60_000,
  }).trim().split("\n").pop()!;
  cached = join(dir, "bin", "python");
  return cached;
}

/** Every action sdk/qianfan sends (the oracle must send each through the vendor SDK). */
export const DRIVER_ACTIONS: string[] = Object.values(AREAS).flat();
