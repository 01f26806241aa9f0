// Node's on-disk compile cache for the dynamic-provider process: the engine starts a new one for every
// preview, refresh and up, and each loads the handlers (our modules, zod and the schemas) from scratch;
// with the cache they load from V8's cached bytecode instead of being compiled again (issue 18 §2).
// Imported first by the handlers (handlers-for.ts), so it takes effect before the rest of them load. Only
// inside the dynamic-provider process: a program or a CLI importing the package is left as it is.
import { enableCompileCache } from "node:module";
import { homedir } from "node:os";
import { join } from "node:path";

/** Where the cache lives: outside any project, per user; NODE_COMPILE_CACHE (Node's own variable) wins. */
export function compileCacheDir(env: NodeJS.ProcessEnv = process.env): string {
  return env.NODE_COMPILE_CACHE || join(env.XDG_CACHE_HOME || join(homedir(), ".cache"), "mlplatform", "node-compile-cache");
}

/** True in Pulumi's dynamic-provider process (its main module is @pulumi/pulumi's cmd/dynamic-provider). */
export function inDynamicProviderProcess(main: string | undefined = require.main?.filename): boolean {
  return main !== undefined && /[\\/]cmd[\\/]dynamic-provider[\\/]index\.js$/.test(main);
}

if (inDynamicProviderProcess()) {
  try {
    // Node ≥ 22.1; NODE_DISABLE_COMPILE_CACHE turns it off, and a cache that cannot be written is skipped.
    enableCompileCache?.(compileCacheDir());
  } catch {
    /* no cache: load as usual */
  }
}
