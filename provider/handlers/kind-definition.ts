// What a kind tells the generic handlers: its schema, which properties replace or patch, what "ready" means,
// how to read failures and which outputs to expose. Also the provider-only inputs (deadline, adopt, logical
// name, source digest) every kind accepts next to its spec, and the loose object shapes the handlers pass around.
import { z } from "zod";
import { KIND_REGISTRY, patchKeysOf, replaceKeysOf, type Kind, type ObjectOf, type SpecOf } from "../../schemas/kinds";
import type { KindClient, Platform } from "../../sdk";
import type { OutputExtrasOf } from "../output-schemas";

export type Obj = { id: string; name: string; etag: string; status: string; tags?: Record<string, string>; statusMessage?: string } & Record<string, any>;
export type Props = Record<string, any>;

export interface CheckFailure {
  property: string;
  reason: string;
}

/** Inputs only the provider understands (never sent to the platform). */
export const ProviderInputs = z.strictObject({
  deadlineSeconds: z.number().int().positive().max(7 * 24 * 3600).optional().describe("how long create/update wait for the object to become usable"),
  adopt: z.string().min(1).optional().describe("id of an existing object to take over instead of creating one"),
  logicalName: z.string().min(1).optional().describe("<project>/<stack>/<type>/<name>: tags the object and keys idempotent creates"),
  sourceDigest: z.string().optional().describe("content digest of a local source, computed by check"),
});
export type ProviderInputs = z.infer<typeof ProviderInputs>;
export const PROVIDER_KEYS = [...Object.keys(ProviderInputs.shape), "__provider"];

/** The provider's bookkeeping keys carried in state next to the spec (deadline, adopt, logical name, digest). */
export const BOOKKEEPING_KEYS = Object.keys(ProviderInputs.shape) as (keyof ProviderInputs)[];

/** Facts each kind states about its waits and tagging; a backend's differences are its kind rules (sdk/kind-rules.ts). */
export interface BackendFacts {
  /** Whether the platform accepts tags on create (the URN tag lets an interrupted create find its object). */
  taggable: boolean;
  /** Keys the backend does not store (its kind rules' keptInState): never judged immutable against the live object. */
  keptInState?: readonly string[];
  defaultDeadlineSeconds: number;
  /** What create/update wait for, in words ("Ready", "Running with every replica ready"). */
  readyWhat: string;
}

type SpecKey<K extends Kind> = keyof SpecOf<K> & string;

/**
 * What a kind writes by hand, typed against its own schemas (registry in schemas/kinds.ts). Its noun, spec
 * schema, patch and replace keys, client and default live spec come from the registry (defineKind).
 */
export interface KindBehaviour<K extends Kind> extends BackendFacts {
  kind: K;
  /** Optional keys whose absence means "empty" (so removing them is a change); other optional keys compare only when set. */
  emptyDefaults: Partial<Record<SpecKey<K>, unknown>>;
  /** Keys holding local paths (resolved for the platform, reported back in the user's spelling). */
  pathKeys: readonly SpecKey<K>[];
  /** Key whose local content is digested into `sourceDigest`. */
  digestKey?: SpecKey<K>;
  isReady(obj: ObjectOf<K>): boolean;
  /** A terminal failure, explained (with the job's own error and log tail when there is one). */
  failure(obj: ObjectOf<K>, p: Platform): Promise<string | undefined>;
  progress(obj: ObjectOf<K>): string;
  /** The live object in the spec's shape, when picking the spec's keys from it is not enough. */
  liveSpec?(obj: ObjectOf<K>): Props;
  /**
   * Kind-specific outputs beyond the live spec (status, versions, endpoint...). `mode` says whether we just
   * wrote the object (create/update; `declared` are the inputs we wrote) or only read it (refresh;
   * `previous` are the outputs in state). Extras override the live spec's keys.
   */
  extraOutputs(obj: ObjectOf<K>, p: Platform, previous: Props, mode: "write" | "read", declared: Props): Promise<OutputExtrasOf<K> & Props>;
  /**
   * A reason to act even when no input changed (the model version in state was deleted, the service or the
   * run failed), reported under the output key `key` so reviews and refresh show it. `replace`: the repair is
   * a new object (a failed run runs again); otherwise an in-place update that forces `repairKeys`.
   */
  needsRepair?(olds: Props): { key: string; reason: string; replace?: boolean } | undefined;
  /** Patch keys to force when an in-place repair is needed (the platform re-applies them). */
  repairKeys?: readonly SpecKey<K>[];
  /**
   * Replace keys that no longer matter once the object is over (a finished run's max runtime, flavor,
   * instance count): a change of them updates the state without a re-run. `olds` are the outputs in state.
   */
  settledKeys?(olds: Props): readonly SpecKey<K>[];
  /**
   * Versioned objects: a patch carrying any `on` key makes a new version, which the platform builds from the
   * patch alone, so the declared `with` keys are sent along (a model's new source keeps its metrics).
   */
  newVersion?: { on: readonly SpecKey<K>[]; with: readonly SpecKey<K>[] };
  /** Flavor-like values to refuse at check time when the backend does not offer them. */
  flavorPaths?(spec: Props): { path: string; flavor: unknown }[];
  /** Stop what runs before deleting (training jobs, perf jobs). */
  beforeDelete?(obj: ObjectOf<K>, p: Platform): Promise<void>;
}

/**
 * A kind's behaviour completed from the registry: what the generic handlers (check, diff, lifecycle, read,
 * wait) run on. They treat every kind alike, so here objects and specs are plain records; each kind's own
 * code was type-checked against its schemas when it was written as a KindBehaviour.
 */
export interface KindDefinition extends BackendFacts {
  kind: Kind;
  /** How messages name it: "dataset", "training job". */
  noun: string;
  specSchema: z.ZodObject;
  /** Changes to these replace the object: the spec keys the patch schema does not carry. */
  replaceKeys: readonly string[];
  /** Keys a PATCH may carry: the patch schema's. */
  patchKeys: readonly string[];
  emptyDefaults: Record<string, unknown>;
  pathKeys: readonly string[];
  digestKey?: string;
  client(p: Platform): KindClient<any, any, any>;
  isReady(obj: Obj): boolean;
  failure(obj: Obj, p: Platform): Promise<string | undefined>;
  progress(obj: Obj): string;
  /** The live object in the spec's shape (what diff and read compare with the user's inputs). */
  liveSpec(obj: Obj): Props;
  extraOutputs(obj: Obj, p: Platform, previous: Props, mode: "write" | "read", declared: Props): Promise<Props>;
  needsRepair?(olds: Props): { key: string; reason: string; replace?: boolean } | undefined;
  repairKeys?: readonly string[];
  settledKeys?(olds: Props): readonly string[];
  newVersion?: { on: readonly string[]; with: readonly string[] };
  flavorPaths?(spec: Props): { path: string; flavor: unknown }[];
  beforeDelete?(obj: Obj, p: Platform): Promise<void>;
}

/** Completes a kind's behaviour from the registry: its names, schemas, patch/replace keys, client and live spec. */
export function defineKind<K extends Kind>(behaviour: KindBehaviour<K>): KindDefinition {
  const entry = KIND_REGISTRY[behaviour.kind];
  const specKeys = Object.keys(entry.spec.shape);
  const completed = {
    noun: entry.noun,
    specSchema: entry.spec,
    replaceKeys: replaceKeysOf(behaviour.kind),
    patchKeys: patchKeysOf(behaviour.kind),
    client: (p: Platform) => p[entry.section],
    liveSpec: (obj: Obj) => Object.fromEntries(specKeys.map((k) => [k, obj[k]])),
    ...behaviour,
  };
  // The one place the kind's types are erased: past here the generic handlers see records.
  return completed as unknown as KindDefinition;
}
