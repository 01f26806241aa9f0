// The ModelArts oracle venv: the vendor's own Python SDK (huaweicloudsdkcore + huaweicloudsdkmodelarts),
// installed once per machine by scripts/python-venv.sh under ~/.cache/mlplatform/venvs and reused by every
// test that needs it. (The S3 server, moto, comes from the Volcengine oracle venv: test/emulators/s3/moto.ts.)
import { REPO_ROOT, cachedVenvPython } from "../emulators/python-venv";

export { REPO_ROOT };
export const MODELARTS_ORACLE_REQUIREMENTS = ["huaweicloudsdkcore==3.1.219", "huaweicloudsdkmodelarts==3.1.219"];

/** Path of the venv's python, creating the venv on first use (a minute on a fresh machine, then instant). */
export function modelartsOraclePython(): string {
  return cachedVenvPython("modelarts-oracle", MODELARTS_ORACLE_REQUIREMENTS);
}
