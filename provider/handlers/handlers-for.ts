// The wiring: one kind's definition turned into the provider methods (configure, check, diff, create, read,
// update, delete) that each kind module exports and the shim stored in Pulumi state calls at run time.
import "./compile-cache"; // first: the rest of the handlers load through the compile cache
import { backendCheck, effectiveDefinition } from "./backend-rules";
import { check } from "./check";
import { configure as configureContext, type ProviderSettings } from "./context";
import { diff } from "./diff";
import type { CheckFailure, KindDefinition, Props } from "./kind-definition";
import { create, remove, update } from "./lifecycle";
import { exitWhenEngineGone } from "./orphan-guard";
import { read } from "./read";

/**
 * A failure as the engine should print it. Given a property, the engine prints "property P value {V} has a
 * problem", where V is the top-level input named P, so a nested path (or a missing value) reads
 * `{<nil>}`; without one it prints "has a problem: <reason>", so the path goes into the reason.
 */
export function forEngine(f: CheckFailure): CheckFailure {
  return f.property ? { property: "", reason: `${f.property}: ${f.reason}` } : f;
}

/** What the shim's configure hands over: Pulumi's dynamic.ConfigureRequest (only its config is read). */
export interface ConfigureRequestLike {
  config: { get(key: string): string | undefined };
}

/** Stack config keys the provider reads (`mlplatform:<key>`); cloud secrets (accessKey, secretKey) live only in memory. */
const CONFIG_KEYS = ["backend", "endpoint", "token", "region", "accessKey", "secretKey", "objectStoreEndpoint", "objectStoreBucket", "projectId"] as const;

export function settingsFromConfig(config: ConfigureRequestLike["config"]): ProviderSettings {
  return Object.fromEntries(CONFIG_KEYS.map((k) => [k, config.get(`mlplatform:${k}`)])) as ProviderSettings;
}

/** The six provider methods (plus configure) for one kind: what the shims stored in Pulumi state call. */
export function handlersFor(def: KindDefinition) {
  exitWhenEngineGone();
  const configureFromRequest = (req: ConfigureRequestLike) => configureContext(settingsFromConfig(req.config));
  // Each call runs with the selected backend's kind rules applied (configure may select another backend).
  const methods = {
    check: async (olds: Props, news: Props) => {
      const eff = effectiveDefinition(def);
      const result = await check(eff, olds, news);
      // A declared spec value missing from the inputs is one the schema refused.
      const refused = Object.keys(news ?? {}).some((k) => news[k] !== undefined && k in eff.specSchema.shape && !(k in result.inputs));
      result.failures.push(...backendCheck(eff, news, result.inputs, refused));
      return { inputs: result.inputs, failures: result.failures.map(forEngine) };
    },
    diff: (id: string, olds: Props, news: Props) => diff(effectiveDefinition(def), id, olds, news),
    create: (inputs: Props) => create(effectiveDefinition(def), inputs),
    read: (id: string, props: Props) => read(effectiveDefinition(def), id, props),
    update: (id: string, olds: Props, news: Props) => update(effectiveDefinition(def), id, olds, news),
    delete: (id: string, props: Props) => remove(effectiveDefinition(def), id, props),
  };
  return {
    definition: def,
    /** What today's shim (provider/shim.ts) hands the engine: a dynamic ResourceProvider whose configure takes the engine's request. */
    provider: { configure: configureFromRequest, ...methods },
    /** Settings as the shims of releases before 0917c62 pass them (still stored in older states). */
    configure: (settings: ProviderSettings) => configureContext(settings),
    /** The engine's configure request, as the shims of 0917c62 up to the hand-written one pass it: stack config `mlplatform:*` (secrets arrive decrypted). */
    configureFromRequest,
    ...methods,
  };
}
export type KindHandlers = ReturnType<typeof handlersFor>;
