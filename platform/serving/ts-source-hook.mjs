// Only used when the platform runs from its TypeScript sources (tests): lets Node's type stripping
// resolve the extensionless relative imports tsc wants ("./runtimes/index" → "./runtimes/index.ts").
// The compiled dist/ replica is plain JS and never loads this.
import { registerHooks } from "node:module";

registerHooks({
  resolve(specifier, context, next) {
    try {
      return next(specifier, context);
    } catch (err) {
      if (specifier.startsWith(".") && context.parentURL?.endsWith(".ts")) return next(`${specifier}.ts`, context);
      throw err;
    }
  },
});
