// What a kind tells the generic handlers: its schema, which properties replace or patch, what "ready" means,
// how to read failures and which outputs to expose. Also the provider-only inputs (deadline, adopt, logical
// name, source digest) every kind accepts next to its spec, and the loose object shapes the handlers pass around.
import { z } from "zod";
import type { Kind } from "../../schemas/kinds";
import type { KindClient, Platform } from "../../sdk";

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

export interface KindDefinition {
  kind: Kind;
  /** How messages name it: "dataset", "training job". */
  noun: string;
  specSchema: z.ZodObject<any>;
  defaultDeadlineSeconds: number;
  /** Changes to these replace the object (everything else is patched in place). */
  replaceKeys: readonly string[];
  /** Keys a PATCH may carry. */
  patchKeys: readonly string[];
  /** Optional keys whose absence means "empty" (so removing them is a change); other optional keys compare only when set. */
  emptyDefaults: Record<string, unknown>;
  /** Keys holding local paths (resolved for the platform, reported back in the user's spelling). */
  pathKeys: readonly string[];
  /** Key whose local content is digested into `sourceDigest`. */
  digestKey?: string;
  /** Whether the platform accepts tags on create (the URN tag lets an interrupted create find its object). */
  taggable: boolean;
  /** What create/update wait for, in words ("Ready", "Running with every replica ready"). */
  readyWhat: string;
  client(p: Platform): KindClient<any, any, any>;
  isReady(obj: Obj): boolean;
  /** A terminal failure, explained (with the job's own error and log tail when there is one). */
  failure(obj: Obj, p: Platform): Promise<string | undefined>;
  progress(obj: Obj): string;
  /** The live object in the spec's shape (what diff and read compare with the user's inputs). */
  liveSpec(obj: Obj): Props;
  /** Kind-specific outputs beyond the live spec (status, versions, endpoint...). */
  /**
   * `mode` says whether we just wrote the object (create/update; `declared` are the inputs we wrote) or
   * only read it (refresh; `previous` are the outputs in state). Extras override the live spec's keys.
   */
  extraOutputs(obj: Obj, p: Platform, previous: Props, mode: "write" | "read", declared: Props): Promise<Props>;
  /**
   * A reason to update even when no input changed (the model version in state was deleted, the service
   * failed), reported under the output key `key` so reviews and refresh show it.
   */
  needsRepair?(olds: Props): { key: string; reason: string } | undefined;
  /** Patch keys to force when a repair is needed. */
  repairKeys?: readonly string[];
  /** Flavor-like values to refuse at check time when the backend does not offer them. */
  flavorPaths?(spec: Props): { path: string; flavor: unknown }[];
  /** Stop what runs before deleting (training jobs, perf jobs). */
  beforeDelete?(obj: Obj, p: Platform): Promise<void>;
}
