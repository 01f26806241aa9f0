// The generic core of every kind's handler: check/diff/create/read/update/delete written once, driven by a
// small per-kind definition (which properties replace, what "ready" means, how to read failures, which
// outputs to expose). The shim stored in Pulumi state loads these functions at run time.
import { z } from "zod";
import { URN_TAG } from "../../schemas";
import { ConflictError, InvalidError, NotFoundError, PreconditionFailedError, type KindClient, type Platform } from "../../sdk";
import { contentDigest } from "../../sdk/digest";
import { exitWhenEngineGone } from "./orphan-guard";
import { configure as configureContext, knownFlavors, platform, waitChunkMs, type ProviderSettings } from "./context";
import { canonicalJson, containsUnknown, deepEqual, pick, platformPath, readableLocalPath, sha256, userPath, userTags, withoutUndefined } from "./values";

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
const PROVIDER_KEYS = [...Object.keys(ProviderInputs.shape), "__provider"];

export interface KindDefinition {
  kind: "Dataset" | "TrainingJob" | "Model" | "PerfJob" | "Service";
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

/** Thrown by create/update when the object exists but did not become usable: the engine keeps it in state. */
export class ResourceInitError extends Error {
  constructor(
    message: string,
    readonly id: string,
    readonly properties: Props,
    readonly reasons: string[],
  ) {
    super(message);
    this.name = "ResourceInitError";
  }
}

// ---------------------------------------------------------------------------------------------- check

export async function check(def: KindDefinition, _olds: Props, news: Props): Promise<{ inputs: Props; failures: CheckFailure[] }> {
  const failures: CheckFailure[] = [];
  const specIn: Props = {};
  const providerIn: Props = {};
  for (const [k, v] of Object.entries(news ?? {})) {
    if (k === "__provider") continue;
    if (PROVIDER_KEYS.includes(k)) providerIn[k] = v;
    else specIn[k] = v;
  }
  const shape = def.specSchema.shape as Record<string, z.ZodType>;
  const inputs: Props = {};
  let anyUnknown = false;
  for (const [key, value] of Object.entries(specIn)) {
    if (!(key in shape)) failures.push({ property: key, reason: `unknown property "${key}" of a ${def.noun} (known: ${[...Object.keys(shape), ...Object.keys(ProviderInputs.shape).filter((k) => k !== "sourceDigest")].join(", ")})` });
  }
  // Property by property, so a value only known after apply skips its own validation and nothing else's.
  // Returns false when the value is still unknown (preview).
  const checkProperty = (key: string, schema: z.ZodType, value: unknown): boolean => {
    if (containsUnknown(value)) {
      inputs[key] = value;
      return false;
    }
    const r = schema.safeParse(value);
    if (r.success) {
      if (r.data !== undefined) inputs[key] = r.data;
    } else failures.push(...issuesToFailures(r.error.issues, [key]));
    return true;
  };
  for (const [key, schema] of Object.entries(shape) as [string, z.ZodType][]) {
    if (!checkProperty(key, schema, specIn[key])) anyUnknown = true;
  }
  // Whole-object rules (e.g. service weights add up to 100) need every value known.
  if (!anyUnknown && failures.length === 0) {
    const r = def.specSchema.safeParse(inputs);
    if (!r.success) failures.push(...issuesToFailures(r.error.issues, []));
  }
  for (const [key, schema] of Object.entries(ProviderInputs.shape) as [string, z.ZodType][]) checkProperty(key, schema, providerIn[key]);
  inputs.deadlineSeconds ??= def.defaultDeadlineSeconds;

  if (def.flavorPaths) {
    const wanted = def.flavorPaths(inputs).filter((f) => typeof f.flavor === "string" && !containsUnknown(f.flavor));
    if (wanted.length) {
      const flavors = await knownFlavors();
      if (flavors) {
        const names = flavors.map((f) => f.name);
        for (const f of wanted)
          if (!names.includes(f.flavor as string))
            failures.push({ property: f.path, reason: `flavor "${f.flavor}" is not offered by this platform (available: ${names.join(", ")})` });
      }
    }
  }

  // A path's content may change while its string does not: the digest makes that an input change.
  delete inputs.sourceDigest;
  if (def.digestKey) {
    const local = readableLocalPath(inputs[def.digestKey]);
    if (local) inputs.sourceDigest = await contentDigest(local);
  }
  return { inputs: withoutUndefined(inputs), failures };
}

function issuesToFailures(issues: z.core.$ZodIssue[], prefix: (string | number)[]): CheckFailure[] {
  return issues.map((issue) => {
    const path = [...prefix, ...(issue.path as (string | number)[])];
    const received = issue.code === "invalid_type" && /received undefined/.test(issue.message);
    return { property: propertyPath(path), reason: received ? "is required" : issue.message };
  });
}

/** Pulumi's property path spelling: models[0].weight */
export function propertyPath(path: (string | number | symbol)[]): string {
  let out = "";
  for (const seg of path) out += typeof seg === "number" ? `[${seg}]` : out ? `.${String(seg)}` : String(seg);
  return out;
}

/** check() as one error listing every failure (for callers outside the engine, e.g. the manifest loader). */
export function failuresMessage(def: KindDefinition, name: string, failures: CheckFailure[]): string {
  return `${def.noun} "${name}" has ${failures.length} problem(s):\n` + failures.map((f) => `  - ${f.property}: ${f.reason}`).join("\n");
}

// ----------------------------------------------------------------------------------------------- diff

export interface DiffResult {
  changes: boolean;
  replaces: string[];
  deleteBeforeReplace: boolean;
  /** Which properties differ (our own detailed diff; the dynamic protocol drops it, reviews use it). */
  changedKeys: string[];
}

/** olds: the previous outputs; news: the checked inputs. Only what the user declared is compared. */
export function diff(def: KindDefinition, _id: string, olds: Props, news: Props): DiffResult {
  const changedKeys: string[] = [];
  const keys = [...Object.keys(def.specSchema.shape), "sourceDigest", "deadlineSeconds"];
  for (const key of keys) {
    const next = news[key];
    if (containsUnknown(next)) {
      changedKeys.push(key);
      continue;
    }
    const desired = next ?? def.emptyDefaults[key];
    if (desired === undefined) {
      // Not declared: the platform's value (a normalised default) is never a change. A digest that can
      // no longer be computed (the path vanished) is not a change either: the platform reports that.
      continue;
    }
    const current = olds[key] ?? def.emptyDefaults[key];
    if (!deepEqual(normalizeForCompare(key, current), normalizeForCompare(key, desired))) changedKeys.push(key);
  }
  const repair = def.needsRepair?.(olds);
  if (repair && !changedKeys.includes(repair.key)) changedKeys.push(repair.key);
  const replaces = changedKeys.filter((k) => def.replaceKeys.includes(k));
  const nameKept = !replaces.includes("name");
  return { changes: changedKeys.length > 0, replaces, deleteBeforeReplace: replaces.length > 0 && nameKept, changedKeys };
}

function normalizeForCompare(key: string, value: unknown): unknown {
  if (key === "tags") return userTags(value as Record<string, string>);
  return value;
}

// -------------------------------------------------------------------------------------------- helpers

function specOf(def: KindDefinition, inputs: Props): Props {
  return pick(inputs, Object.keys(def.specSchema.shape));
}

/** The body the platform gets: local paths resolved, the provider's tag added. */
function platformBody(def: KindDefinition, spec: Props, logicalName: string | undefined): Props {
  const body: Props = { ...spec };
  for (const k of def.pathKeys) if (typeof body[k] === "string") body[k] = platformPath(body[k]);
  if (def.taggable && logicalName) body.tags = { ...(body.tags ?? {}), [URN_TAG]: logicalName };
  return body;
}

function deadlineOf(def: KindDefinition, inputs: Props): number {
  const s = typeof inputs.deadlineSeconds === "number" ? inputs.deadlineSeconds : def.defaultDeadlineSeconds;
  return Date.now() + s * 1000;
}

/** The outputs users reference: live spec (paths in the user's spelling), extras, and our bookkeeping. */
async function outputsOf(def: KindDefinition, p: Platform, obj: Obj, inputs: Props, previous: Props = {}, mode: "write" | "read" = "write"): Promise<Props> {
  const live = def.liveSpec(obj);
  for (const k of def.pathKeys) if (k in live) live[k] = userPath(live[k], inputs[k]);
  if ("tags" in live) live.tags = userTags(live.tags);
  const extras = await def.extraOutputs(obj, p, previous, mode, inputs);
  const bookkeeping = pick(inputs, ["deadlineSeconds", "adopt", "logicalName", "sourceDigest"]);
  const inputKeys = Object.keys(inputs).filter((k) => k in def.specSchema.shape);
  return withoutUndefined({ ...live, ...extras, id: obj.id, ...bookkeeping, inputKeys });
}

/** Waits (long-poll, no sleeps) until the object is usable, fails, or the deadline passes. */
export async function waitUntilReady(def: KindDefinition, p: Platform, obj: Obj, deadline: number, inputs: Props): Promise<Obj> {
  const client = def.client(p);
  let lastProgress = "";
  const started = Date.now();
  for (;;) {
    const progress = def.progress(obj);
    if (progress !== lastProgress) {
      console.log(`${def.noun} ${obj.name} (${obj.id}): ${progress}`);
      lastProgress = progress;
    }
    if (def.isReady(obj)) return obj;
    const failure = await def.failure(obj, p);
    if (failure) throw await initError(def, p, obj, inputs, `${def.noun} ${obj.name} (${obj.id}) failed: ${failure}`, [failure]);
    const remaining = deadline - Date.now();
    if (remaining <= 0) {
      const waited = Math.round((Date.now() - started) / 1000);
      const msg =
        `${def.noun} ${obj.name} (${obj.id}) did not become ${def.readyWhat} within its deadline ` +
        `(deadlineSeconds=${inputs.deadlineSeconds ?? def.defaultDeadlineSeconds}, waited ${waited}s); last status: ${progress}. ` +
        `It was left in place; raise deadlineSeconds and run up again to keep waiting.`;
      throw await initError(def, p, obj, inputs, msg, [msg]);
    }
    try {
      obj = await client.wait(obj.id, obj.etag, Math.min(remaining, waitChunkMs()));
    } catch (e) {
      if (e instanceof NotFoundError) throw new Error(`${def.noun} ${obj.name} (${obj.id}) disappeared while waiting for it to become ${def.readyWhat}`);
      throw e;
    }
  }
}

async function initError(def: KindDefinition, p: Platform, obj: Obj, inputs: Props, message: string, reasons: string[]): Promise<ResourceInitError> {
  let properties: Props;
  try {
    properties = await outputsOf(def, p, obj, inputs);
  } catch {
    properties = withoutUndefined({ id: obj.id, name: obj.name, status: obj.status });
  }
  // The engine stores these as the resource's outputs; later read/delete need the serialized provider.
  if (inputs.__provider !== undefined) properties.__provider = inputs.__provider;
  return new ResourceInitError(message, obj.id, properties, reasons);
}

// --------------------------------------------------------------------------------------------- create

export async function create(def: KindDefinition, inputs: Props): Promise<{ id: string; outs: Props }> {
  const p = platform();
  const client = def.client(p);
  const spec = specOf(def, inputs);
  const logicalName = inputs.logicalName as string | undefined;
  const body = platformBody(def, spec, logicalName);
  let obj: Obj;
  let adopted = false;

  if (inputs.adopt) {
    obj = await adoptExisting(def, client, inputs.adopt, spec.name);
    adopted = true;
  } else {
    const found = def.taggable && logicalName ? await client.listAll({ tag: { key: URN_TAG, value: logicalName } }) : [];
    const mine = found.find((o: Obj) => o.name === spec.name);
    if (mine) {
      console.log(`${def.noun} ${mine.name}: found ${mine.id} from an earlier interrupted run; taking it over`);
      obj = mine;
      adopted = true;
    } else {
      obj = await createOnce(def, client, body, logicalName);
    }
  }
  if (adopted) obj = await converge(def, p, obj, inputs, {});
  obj = await waitUntilReady(def, p, obj, deadlineOf(def, inputs), inputs);
  return { id: obj.id, outs: await outputsOf(def, p, obj, inputs) };
}

async function createOnce(def: KindDefinition, client: KindClient<any, any, any>, body: Props, logicalName: string | undefined): Promise<Obj> {
  // The same logical resource with the same spec always sends the same key, so a retried or repeated
  // create returns the first object. If that object has since been deleted (destroy, then up again), the
  // replay names a dead id: then a fresh key makes a new object.
  const baseKey = sha256(`${def.kind}\n${logicalName ?? body.name}\n${canonicalJson(body)}`);
  for (const key of [baseKey, sha256(`${baseKey}\n${Date.now()}\n${Math.random()}`)]) {
    let obj: Obj;
    try {
      obj = await client.create(body, { idempotencyKey: key });
    } catch (e) {
      if (e instanceof ConflictError) {
        const taken = (await client.listAll({ name: body.name }))[0] as Obj | undefined;
        throw new Error(
          `cannot create ${def.noun} "${body.name}": ${e.message}` +
            (taken ? `. It already exists as ${taken.id}; to manage it from this program set adopt: "${taken.id}"` : ""),
        );
      }
      throw e;
    }
    try {
      return await client.get(obj.id);
    } catch (e) {
      if (!(e instanceof NotFoundError)) throw e;
    }
  }
  throw new Error(`cannot create ${def.noun} "${body.name}": the platform replayed a deleted object twice`);
}

async function adoptExisting(def: KindDefinition, client: KindClient<any, any, any>, id: string, name: unknown): Promise<Obj> {
  let obj: Obj;
  try {
    obj = await client.get(id);
  } catch (e) {
    if (e instanceof NotFoundError) throw new Error(`adopt: no ${def.noun} with id "${id}" exists on the platform`);
    if (e instanceof InvalidError) throw new Error(`adopt: "${id}" is not a ${def.noun} id (${e.message})`);
    throw e;
  }
  if (obj.name !== name)
    throw new Error(`adopt: ${def.noun} ${id} is named "${obj.name}" but this resource declares name "${name}"; names cannot change, so declare name: "${obj.name}"`);
  console.log(`${def.noun} ${obj.name}: adopting existing ${obj.id}`);
  return obj;
}

// --------------------------------------------------------------------------------------------- update

/**
 * Patches the live object until it matches the declared spec. Immutable differences cannot be patched
 * (that is a replace, decided by diff; for adoption it is an error). 412 means someone changed it (or
 * our own retried PATCH already landed): re-read and recompute.
 */
async function converge(def: KindDefinition, p: Platform, obj: Obj, inputs: Props, olds: Props): Promise<Obj> {
  const client = def.client(p);
  const spec = specOf(def, inputs);
  const desired = platformBody(def, spec, inputs.logicalName);
  for (let attempt = 0; ; attempt++) {
    const live = def.liveSpec(obj);
    const immutable = def.replaceKeys.filter((k) => k in desired && !deepEqual(live[k], desired[k]) && !def.pathKeys.includes(k));
    if (immutable.length)
      throw new Error(
        `${def.noun} ${obj.name} (${obj.id}) differs in properties that cannot change in place: ` +
          immutable.map((k) => `${k} (live ${JSON.stringify(live[k])}, declared ${JSON.stringify(desired[k])})`).join(", "),
      );
    const patch: Props = {};
    for (const k of def.patchKeys) {
      const want = desired[k] ?? def.emptyDefaults[k];
      if (want === undefined) continue;
      const have = live[k] ?? def.emptyDefaults[k];
      if (!deepEqual(have, want)) patch[k] = want;
    }
    // Same path, new content: send the source again so the platform ingests/registers a new version.
    if (def.digestKey && inputs.sourceDigest && olds.sourceDigest && inputs.sourceDigest !== olds.sourceDigest) patch[def.digestKey] = desired[def.digestKey];
    const repair = def.needsRepair?.(olds);
    if (repair) {
      console.log(`${def.noun} ${obj.name} (${obj.id}): ${repair.reason}`);
      for (const k of def.repairKeys ?? []) if (desired[k] !== undefined) patch[k] = desired[k];
    }
    if (Object.keys(patch).length === 0) return obj;
    try {
      console.log(`${def.noun} ${obj.name} (${obj.id}): updating ${Object.keys(patch).join(", ")}`);
      return await client.update(obj.id, patch, { ifMatch: obj.etag });
    } catch (e) {
      if (!(e instanceof PreconditionFailedError) || attempt >= 5) throw e;
      // Recompute against the current object: keys that already match (our own retried PATCH that landed)
      // drop out. Forced keys (new content, repair) are re-sent: the platform dedupes them by digest.
      obj = await client.get(obj.id);
    }
  }
}

export async function update(def: KindDefinition, id: string, olds: Props, news: Props): Promise<{ outs: Props }> {
  const p = platform();
  let obj = (await def.client(p).get(id)) as Obj;
  obj = await converge(def, p, obj, news, olds);
  obj = await waitUntilReady(def, p, obj, deadlineOf(def, news), news);
  return { outs: await outputsOf(def, p, obj, news, olds) };
}

// ----------------------------------------------------------------------------------------------- read

export async function read(def: KindDefinition, id: string, props: Props): Promise<{ id: string; props: Props; inputs?: Props }> {
  const p = platform();
  let obj: Obj;
  try {
    obj = await def.client(p).get(id);
  } catch (e) {
    // Gone: an empty id tells the engine to drop it from state (a throw would abort the whole refresh).
    if (e instanceof NotFoundError) return { id: "", props: {} };
    throw e;
  }
  const declared = Array.isArray(props.inputKeys) ? (props.inputKeys as string[]) : Object.keys(def.specSchema.shape);
  const carried = pick(props, ["deadlineSeconds", "adopt", "logicalName", "sourceDigest"]);
  const outs = await outputsOf(def, p, obj, { ...pick(props, declared), ...carried }, props, "read");
  outs.inputKeys = declared;
  // Undeclared properties with an empty default (env, tags, description) are declared empty: a value set
  // outside of Pulumi is drift, so the inputs that reproduce the live object must carry it too.
  const setOutOfBand = Object.keys(def.emptyDefaults).filter(
    (k) => !declared.includes(k) && !deepEqual(normalizeForCompare(k, outs[k] ?? def.emptyDefaults[k]), normalizeForCompare(k, def.emptyDefaults[k])),
  );
  // Inputs that reproduce the live object: the keys the user declared, with live values.
  const inputs: Props = withoutUndefined({ ...pick(outs, [...declared, ...setOutOfBand]), ...carried });
  return { id: obj.id, props: outs, inputs };
}

// --------------------------------------------------------------------------------------------- delete

export async function remove(def: KindDefinition, id: string, props: Props): Promise<void> {
  const p = platform();
  const client = def.client(p);
  let obj: Obj;
  try {
    obj = await client.get(id);
  } catch (e) {
    if (e instanceof NotFoundError) return;
    throw e;
  }
  await def.beforeDelete?.(obj, p);
  try {
    await client.delete(id);
  } catch (e) {
    if (e instanceof NotFoundError) return;
    throw e;
  }
  // Deletion may finish in the background (replicas stopping): wait until the platform forgets it.
  const deadline = deadlineOf(def, props);
  for (;;) {
    try {
      obj = await client.get(id);
    } catch (e) {
      if (e instanceof NotFoundError) return;
      throw e;
    }
    const remaining = deadline - Date.now();
    if (remaining <= 0) throw new Error(`${def.noun} ${obj.name} (${id}) was asked to delete but still exists after its deadline (status ${obj.status})`);
    try {
      await client.wait(id, obj.etag, Math.min(remaining, waitChunkMs()));
    } catch (e) {
      if (e instanceof NotFoundError) return;
      throw e;
    }
  }
}

// ---------------------------------------------------------------------------------------------- wiring

/** The six provider methods (plus configure) for one kind: what the shim delegates to. */
export function handlersFor(def: KindDefinition) {
  exitWhenEngineGone();
  return {
    definition: def,
    configure: (settings: ProviderSettings) => configureContext(settings),
    check: (olds: Props, news: Props) => check(def, olds, news),
    diff: (id: string, olds: Props, news: Props) => diff(def, id, olds, news),
    create: (inputs: Props) => create(def, inputs),
    read: (id: string, props: Props) => read(def, id, props),
    update: (id: string, olds: Props, news: Props) => update(def, id, olds, news),
    delete: (id: string, props: Props) => remove(def, id, props),
  };
}
export type KindHandlers = ReturnType<typeof handlersFor>;
