// The Qianfan oracle venv: the vendor's own Python SDK (`qianfan`, with the `bce-python-sdk` signer it calls),
// installed once per machine by scripts/python-venv.sh under ~/.cache/mlplatform/venvs and reused.
import { REPO_ROOT, cachedVenvPython } from "../emulators/python-venv";
import { AREAS } from "../../sdk/qianfan/api";

export { REPO_ROOT };
export const ORACLE_REQUIREMENTS = ["qianfan==0.4.12.3", "bce-python-sdk==0.9.79", "moto[server]==5.2.5"];

/** Path of the venv's python, creating the venv on first use (minutes on a fresh machine, then instant). */
export function qianfanPython(): string {
  return cachedVenvPython("qianfan-oracle", ORACLE_REQUIREMENTS);
}

/** Every action sdk/qianfan sends (the oracle must send each through the vendor SDK). */
export const DRIVER_ACTIONS: string[] = Object.values(AREAS).flat();
