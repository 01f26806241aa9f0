// `mlplatform check -m ml.yaml`: every check `preview` runs before the engine (the manifest's own rules,
// then the platform's by its dry run), without the engine: exit 0 when nothing would be refused, 1 with
// every problem as file:line:column: property: message. Fast enough for an editor hook or a CI step.
// A manifest for a cloud backend meets that backend's rules: its URIs are read, and the local platform's
// dry run (its paths, flavors and limits) is not asked, since no cloud driver offers a dry run.
import { relative, resolve } from "node:path";
import type { ConnectionSettings } from "../sdk";
import { resolveBackend } from "../sdk/connection";
import { checkManifest, ManifestError } from "../provider/manifest/load";
import { checkManifestOnPlatform } from "../provider/manifest/platform-check";

export interface CheckCommandOptions {
  manifest: string;
  /** Project directory local paths are rebased onto (default: the current directory). */
  workDir?: string;
  /** Where the platform is; `false`: only the manifest's own checks. */
  platform?: ConnectionSettings | false;
  /** `<project>/<stack>`, so the stack's own objects do not count as taken names. */
  stackPrefix?: string;
  /** The backend the manifest is deployed to (default: $MLPLATFORM_BACKEND, else the local platform). */
  backend?: string;
}

export async function runCheck(opts: CheckCommandOptions): Promise<{ exitCode: 0 | 1; output: string; error?: ManifestError }> {
  const workDir = resolve(opts.workDir ?? process.cwd());
  const displayName = relative(process.cwd(), resolve(workDir, opts.manifest)) || opts.manifest;
  const backend = resolveBackend(opts.backend ?? process.env.MLPLATFORM_BACKEND);
  try {
    const checked = checkManifest(opts.manifest, { workDir, displayName, backend });
    if (opts.platform !== false && backend === "local") await checkManifestOnPlatform(checked, { settings: opts.platform ?? {}, stackPrefix: opts.stackPrefix });
    return { exitCode: 0, output: `${displayName}: no problems` };
  } catch (err) {
    if (err instanceof ManifestError) return { exitCode: 1, output: err.message, error: err };
    throw err;
  }
}
