// The mlplatform package directory: the default project directory (workDir) of the commands, so
// `mlplatform/...` and `@pulumi/pulumi` resolve from it and the examples' relative paths stay inside it.
import { existsSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";

export function packageRoot(from: string = __dirname): string {
  for (let dir = from; ; dir = dirname(dir)) {
    const pkg = join(dir, "package.json");
    if (existsSync(pkg)) {
      try {
        if (JSON.parse(readFileSync(pkg, "utf8")).name === "mlplatform") return dir;
      } catch {
        /* not ours; keep looking */
      }
    }
    if (dirname(dir) === dir) throw new Error(`cannot find the mlplatform package directory above ${from}`);
  }
}
