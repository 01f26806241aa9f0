// The wiring: one kind's definition turned into the provider methods (configure, check, diff, create, read,
// update, delete) that each kind module exports and the shim stored in Pulumi state calls at run time.
import { check } from "./check";
import { configure as configureContext, currentBackend, type ProviderSettings } from "./context";
import { diff } from "./diff";
import { forBackend, type KindDefinition, type Props } from "./kind-definition";
import { create, remove, update } from "./lifecycle";
import { exitWhenEngineGone } from "./orphan-guard";
import { read } from "./read";

/** The six provider methods (plus configure) for one kind: what the shim delegates to. */
export function handlersFor(definition: KindDefinition) {
  exitWhenEngineGone();
  // The configured backend's facts (taggable, default deadline, ...) applied as data, per call.
  const def = () => forBackend(definition, currentBackend());
  return {
    definition,
    configure: (settings: ProviderSettings) => configureContext(settings),
    check: (olds: Props, news: Props) => check(def(), olds, news),
    diff: (id: string, olds: Props, news: Props) => diff(def(), id, olds, news),
    create: (inputs: Props) => create(def(), inputs),
    read: (id: string, props: Props) => read(def(), id, props),
    update: (id: string, olds: Props, news: Props) => update(def(), id, olds, news),
    delete: (id: string, props: Props) => remove(def(), id, props),
  };
}
export type KindHandlers = ReturnType<typeof handlersFor>;
