// The part of the provider that Pulumi keeps in state (`__provider`), one text per kind. It holds no logic,
// no credentials and no paths: it loads the installed handler at RUN time, from the directory the
// dynamic-provider process runs in (the Pulumi project). So refresh and destroy run the handlers installed
// today, not code frozen into state.
//
// Written here as text rather than serialized from a provider object by `pulumi.runtime.serializeFunction`
// (what `pulumi.dynamic.Resource` does): all Pulumi's dynamic-provider process does with it is
// `requireFromString(text).handler()` and cache the result per text (@pulumi/pulumi
// cmd/dynamic-provider/index.js, getProvider), so one line does. The serialized shim was ~2.3 KB (a
// function wrapper per method), stored twice per state entry and sent, logged and parsed with every check,
// diff and read: issue 18 §2 measured it as a quarter of the engine's debug log in a refresh of 1,000
// resources. This text is ~120 bytes. The texts of earlier releases stay in users' states; the handler
// modules keep the entry points those call (test/provider/legacy-shims.json).
import { KIND_REGISTRY, perKind, type KindModule } from "../schemas/kinds";

/** Handler modules, as named under the package's `mlplatform/handlers/*` export. */
export type HandlerModule = KindModule;

/**
 * The `__provider` text of one kind: a CommonJS module whose `handler()` returns the kind module's
 * `provider` (provider/handlers/handlers-for.ts), resolved from the project's node_modules.
 */
export function shimText(module: HandlerModule): string {
  const specifier = JSON.stringify(`mlplatform/handlers/${module}`);
  return `exports.handler = () => require("node:module").createRequire(process.cwd() + "/")(${specifier}).provider;\n`;
}

/** Each kind's `__provider` text. */
export const SHIM_TEXTS = perKind((kind) => shimText(KIND_REGISTRY[kind].module));
