// The part of the provider that Pulumi serializes into state (`__provider`), once per kind. It holds no
// logic, no credentials and no paths: each method loads the installed handler at RUN time, from the
// directory the dynamic-provider process runs in (the Pulumi project), and delegates. So refresh and
// destroy run the handlers installed today, not code frozen into state, and the closure stays tiny.
//
// Rules for the code below (it is serialized as source text): capture nothing but `kind` (a string) and the
// loader that uses it; no `this`, no imports from this file, no `pulumi.*` inside the methods.
import type * as pulumi from "@pulumi/pulumi";
import { KIND_REGISTRY, perKind, type KindModule } from "../schemas/kinds";

/** Handler modules, as named under the package's `mlplatform/handlers/*` export. */
export type HandlerModule = KindModule;

export function makeShimProvider(kind: HandlerModule): pulumi.dynamic.ResourceProvider {
  // One loader, captured by every method: the serialized text holds it once instead of seven times.
  const handler = () => require("node:module").createRequire(process.cwd() + "/")("mlplatform/handlers/" + kind);
  return {
    // The handler reads the stack config from the request (mlplatform:*): the serialized text stays short.
    configure: async (req: pulumi.dynamic.ConfigureRequest) => handler().configureFromRequest(req),
    check: async (olds: any, news: any) => handler().check(olds, news),
    diff: async (id: string, olds: any, news: any) => handler().diff(id, olds, news),
    create: async (inputs: any) => handler().create(inputs),
    read: async (id: string, props: any) => handler().read(id, props),
    update: async (id: string, olds: any, news: any) => handler().update(id, olds, news),
    delete: async (id: string, props: any) => handler().delete(id, props),
  };
}

/** One provider object per kind, module-level, so Pulumi serializes each once per program. */
export const providers = perKind((kind) => makeShimProvider(KIND_REGISTRY[kind].module));
