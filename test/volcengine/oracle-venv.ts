// The oracle venv: the vendor's own Python SDK (volcengine) and moto's S3 server, installed once per machine
// by scripts/python-venv.sh under ~/.cache/mlplatform/venvs and reused by every test that needs them.
import { execFileSync } from "node:child_process";
import { join, resolve } from "node:path";

export const REPO_ROOT = resolve(__dirname, "../..");
export const ORACLE_REQUIREMENTS = ["volcengine==1.0.229", "moto[server]==5.2.5"];

let cached: string | undefined;

/** Path of the venv's python, creating the venv on first use (minutes on a fresh machine, then instant). */
export function oraclePython(): string {
  if (cached) return cached;
  const dir = execFileSync("bash", [join(REPO_ROOT, "scripts/python-venv.sh"), "volcengine-oracle", ...ORACLE_REQUIREMENTS], {
    encoding: "utf8",
    stdio: ["ignore", "pipe", "inherit"],
    timeout: 15 * 60_000,
  }).trim().split("\n").pop()!;
  cached = join(dir, "bin", "python");
  return cached;
}

/** Every action sdk/volcengine sends (the driver test checks it sends nothing outside this list). */
export const DRIVER_ACTIONS = [
  "GetTOSUploadPath", "CreateModel", "GetModel", "ListModels", "UpdateModel", "ListModelVersions", "GetModelVersion", "UpdateModelVersion",
  "DeleteModelVersion", "DeleteModel", "CreatePerfJob", "ListPerfJobs", "ListPerfTasks", "CancelPerfJob", "ListResource",
  "CreateService", "GetService", "ListServices", "UpdateService", "StartService", "StopService", "DeleteService",
];
