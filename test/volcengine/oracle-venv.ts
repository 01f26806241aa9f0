// The oracle venv: the vendor's own Python SDK (volcengine) and moto's S3 server, installed once per machine
// by scripts/python-venv.sh under ~/.cache/mlplatform/venvs and reused by every test that needs them.
import { REPO_ROOT, cachedVenvPython } from "../emulators/python-venv";

export { REPO_ROOT };
export const ORACLE_REQUIREMENTS = ["volcengine==1.0.229", "moto[server]==5.2.5"];

/** Path of the venv's python, creating the venv on first use (minutes on a fresh machine, then instant). */
export function oraclePython(): string {
  return cachedVenvPython("volcengine-oracle", ORACLE_REQUIREMENTS);
}

/** Every action sdk/volcengine sends (the driver test checks it sends nothing outside this list). */
export const DRIVER_ACTIONS = [
  "GetTOSUploadPath", "CreateModel", "GetModel", "ListModels", "UpdateModel", "ListModelVersions", "GetModelVersion", "UpdateModelVersion",
  "DeleteModelVersion", "DeleteModel", "CreatePerfJob", "ListPerfJobs", "ListPerfTasks", "CancelPerfJob", "ListResource",
  "CreateService", "GetService", "ListServices", "UpdateService", "StartService", "StopService", "DeleteService",
];
