// create, update and delete: create is idempotent (a retried or interrupted create finds its object by key or
// tag), adopt takes over an existing object, converge patches the live object until it matches the declared
// spec (retrying on 412), and delete stops what runs, deletes and waits until the platform forgets the object.
import { CREATING_TAG, URN_TAG } from "../../schemas";
import { ConflictError, InvalidError, NotFoundError, PreconditionFailedError, type KindClient, type Platform } from "../../sdk";
import { platform, waitChunkMs } from "./context";
import { ProviderError } from "./errors";
import type { KindDefinition, Obj, Props } from "./kind-definition";
import { bookkeepingOutputs, outputsOf, platformBody, specOf } from "./outputs";
import { ResourceInitError } from "./errors";
import { canonicalJson, deepEqual, samePath, sha256, withoutUndefined } from "./values";
import { deadlineOf, waitUntilReady } from "./wait";

// --------------------------------------------------------------------------------------------- create

/**
 * Ids this provider process deleted. The engine runs one provider process per operation, so this is "deleted
 * during this operation": a delete-before-replace deletes the old object, then creates with the same inputs,
 * and a leftover `adopt:` naming the deleted object then means "create its replacement", not an error.
 */
const deletedThisOperation = new Set<string>();

export async function create(def: KindDefinition, inputs: Props): Promise<{ id: string; outs: Props }> {
  const p = platform();
  const client = def.client(p);
  const spec = specOf(def, inputs);
  const logicalName = inputs.logicalName as string | undefined;
  let obj: Obj | undefined;
  let adopted = false;

  if (inputs.adopt) {
    obj = await adoptExisting(def, client, inputs.adopt, spec.name, logicalName);
    adopted = obj !== undefined;
  }
  if (!obj) {
    // An object of this resource whose create never handed its id to the engine (the run was interrupted)
    // is taken over. One whose create completed is the object this create replaces (create-before-delete,
    // e.g. `up --replace` with deleteBeforeReplace: false): never taken over, or the engine would then
    // delete the replacement along with it.
    const found: Obj[] = def.taggable && logicalName ? await client.listAll({ tag: { key: URN_TAG, value: logicalName } }) : [];
    const sameName = found.filter((o) => o.name === spec.name);
    const interrupted = sameName.find((o) => o.tags?.[CREATING_TAG] !== undefined);
    if (interrupted) {
      console.log(`${def.noun} ${interrupted.name}: found ${interrupted.id} from an earlier interrupted run; taking it over`);
      obj = interrupted;
      adopted = true;
    } else if (sameName.length > 0) {
      throw new ProviderError(
        `cannot create a replacement for ${def.noun} "${spec.name}" while the object it replaces (${sameName[0].id}) still exists: ` +
          `${def.noun} names are unique on the platform, so a replace that keeps the name must delete first. ` +
          `Keep the resource option deleteBeforeReplace (the default of mlplatform resources) or change the name.`,
        "replace-order",
      );
    } else {
      obj = await createOnce(def, client, platformBody(def, spec, logicalName, true), logicalName);
    }
  }
  if (adopted) obj = await converge(def, p, obj, inputs, {}, true);
  try {
    obj = await waitUntilReady(def, p, obj, deadlineOf(def, inputs), inputs);
  } catch (e) {
    if (e instanceof ResourceInitError) {
      // It failed, but it is the engine's now (the error carries its id): no later create may take it over.
      await handOver(def, client, obj, spec, logicalName).catch(() => undefined);
      throw e;
    }
    // The platform accepted the create: whatever happened meanwhile (it stopped answering), its id must reach
    // the state, so the next up keeps waiting for it and destroy deletes it.
    throw acceptedButUnfinished(def, obj, inputs, e as Error);
  }
  obj = await handOver(def, client, obj, spec, logicalName);
  return { id: obj.id, outs: await outputsOf(def, p, obj, inputs) };
}

/**
 * The create hands its object to the engine: the creating tag goes (a tags-only patch), so no later create
 * takes it over. Nothing else is sent: the object was made from this spec, and a full converge would compare
 * the live spec with the declared one, which on a backend that stores sources elsewhere (a TOS path for a
 * local file) differ in spelling and would register a second version.
 */
async function handOver(def: KindDefinition, client: KindClient<any, any, any>, obj: Obj, spec: Props, logicalName: string | undefined): Promise<Obj> {
  if (!def.taggable || obj.tags?.[CREATING_TAG] === undefined) return obj;
  return (await client.update(obj.id, { tags: platformBody(def, spec, logicalName).tags })) as Obj;
}

/** A partial failure with the id of an accepted object and outputs made from what was declared. */
function acceptedButUnfinished(def: KindDefinition, obj: Obj, inputs: Props, cause: Error): ResourceInitError {
  const message =
    `${def.noun} ${obj.name} (${obj.id}) was created, but waiting for it to become ${def.readyWhat} failed: ${cause.message}. ` +
    `Its id is kept in the state: run up again to keep waiting (destroy deletes it).`;
  // The declared spec stands in for the live one, so the next diff sees no change (and no re-run) and the
  // engine's update resumes the wait.
  const properties: Props = withoutUndefined({
    ...specOf(def, inputs),
    ...bookkeepingOutputs(def, inputs),
    name: obj.name,
    status: obj.status,
  });
  if (inputs.__provider !== undefined) properties.__provider = inputs.__provider;
  return new ResourceInitError(message, obj.id, properties, [message]);
}

async function createOnce(def: KindDefinition, client: KindClient<any, any, any>, body: Props, logicalName: string | undefined): Promise<Obj> {
  // The same logical resource with the same spec always sends the same key, so a retried or repeated
  // create returns the first object. If the replayed object has since been deleted (destroy, then up
  // again), or its create completed long ago (it is the object a `--replace` replaces), the replay is not
  // this create's object: then a fresh key makes a new one.
  const baseKey = sha256(`${def.kind}\n${logicalName ?? body.name}\n${canonicalJson(body)}`);
  for (const key of [baseKey, sha256(`${baseKey}\n${Date.now()}\n${Math.random()}`)]) {
    let obj: Obj;
    try {
      obj = await client.create(body, { idempotencyKey: key });
    } catch (e) {
      if (e instanceof ConflictError) {
        const taken = (await client.listAll({ name: body.name }))[0] as Obj | undefined;
        throw new ProviderError(
          `cannot create ${def.noun} "${body.name}": ${e.message}` +
            (taken ? `. It already exists as ${taken.id}; to manage it from this program set adopt: "${taken.id}"` : ""),
          "name-taken",
        );
      }
      throw e;
    }
    // Without a logical name (a direct handler call, not the engine) the create carries no tags to tell a
    // replay of an old object from this create's: the replay is taken, as before the creating tag.
    const ours = (o: Obj) => !def.taggable || !logicalName || o.tags?.[CREATING_TAG] !== undefined;
    try {
      const current = (await client.get(obj.id)) as Obj;
      if (ours(current)) return current;
    } catch (e) {
      // Accepted, then the platform stopped answering: go on with what the create returned, so the wait
      // that follows turns the outage into a partial failure that keeps the id.
      if (!(e instanceof NotFoundError) && ours(obj)) return obj;
      if (!(e instanceof NotFoundError)) throw e;
    }
  }
  throw new ProviderError(`cannot create ${def.noun} "${body.name}": the platform replayed an earlier object twice`, "replayed");
}

/**
 * The object `adopt` names, to take over; undefined when this create is a replacement instead: the adopted
 * object was deleted by this operation (delete-before-replace), or it already belongs to this resource and
 * its create completed (adoption happened when the resource was first created; a rename replaces it).
 */
async function adoptExisting(def: KindDefinition, client: KindClient<any, any, any>, id: string, name: unknown, logicalName: string | undefined): Promise<Obj | undefined> {
  let obj: Obj;
  try {
    obj = await client.get(id);
  } catch (e) {
    if (e instanceof NotFoundError && deletedThisOperation.has(id)) {
      console.log(`${def.noun} ${name}: adopt: ${id} was deleted by this replace; creating its replacement`);
      return undefined;
    }
    if (e instanceof NotFoundError) throw new ProviderError(`adopt: no ${def.noun} with id "${id}" exists on the platform`, "adopt");
    if (e instanceof InvalidError) throw new ProviderError(`adopt: "${id}" is not a ${def.noun} id (${e.message})`, "adopt");
    throw e;
  }
  if (logicalName && obj.tags?.[URN_TAG] === logicalName && obj.tags?.[CREATING_TAG] === undefined) {
    console.log(`${def.noun} ${name}: adopt: ${id} is already managed by this resource; this create makes its replacement`);
    return undefined;
  }
  if (obj.name !== name)
    throw new ProviderError(
      `adopt: ${def.noun} ${id} is named "${obj.name}" but this resource declares name "${name}"; names cannot change, so declare name: "${obj.name}"`,
      "adopt",
    );
  console.log(`${def.noun} ${obj.name}: adopting existing ${obj.id}`);
  return obj;
}

// --------------------------------------------------------------------------------------------- update

/**
 * Patches the live object until it matches the declared spec. Immutable differences cannot be patched
 * (that is a replace, decided by diff; for adoption it is an error). 412 means someone changed it (or
 * our own retried PATCH already landed): re-read and recompute.
 */
async function converge(def: KindDefinition, p: Platform, obj: Obj, inputs: Props, olds: Props, creating = false): Promise<Obj> {
  const client = def.client(p);
  const spec = specOf(def, inputs);
  const desired = platformBody(def, spec, inputs.logicalName, creating);
  const settled = def.settledKeys?.(olds) ?? [];
  for (let attempt = 0; ; attempt++) {
    const live = def.liveSpec(obj);
    // Only what was declared can be in the way (an undeclared key keeps what the object has); a key the
    // backend does not store has no live value to judge immutable against (it lives in state); a finished
    // run's settled keys change in state only.
    const kept = def.keptInState ?? [];
    const immutable = def.replaceKeys.filter(
      (k) => k in spec && !deepEqual(live[k], desired[k]) && !def.pathKeys.includes(k) && !kept.includes(k) && !settled.includes(k),
    );
    if (immutable.length)
      throw new ProviderError(
        `${def.noun} ${obj.name} (${obj.id}) differs in properties that cannot change in place: ` +
          immutable.map((k) => `${k} (live ${JSON.stringify(live[k])}, declared ${JSON.stringify(desired[k])})`).join(", "),
        "immutable",
      );
    const patch: Props = {};
    for (const k of def.patchKeys) {
      const want = desired[k] ?? def.emptyDefaults[k];
      if (want === undefined) continue;
      const have = live[k] ?? def.emptyDefaults[k];
      const same = def.pathKeys.includes(k) ? samePath(have, want) : deepEqual(have, want);
      if (!same) patch[k] = want;
    }
    // Same path, new content: send the source again so the platform ingests/registers a new version.
    if (def.digestKey && inputs.sourceDigest && olds.sourceDigest && inputs.sourceDigest !== olds.sourceDigest) patch[def.digestKey] = desired[def.digestKey];
    const repair = def.needsRepair?.(olds);
    if (repair) {
      console.log(`${def.noun} ${obj.name} (${obj.id}): ${repair.reason}`);
      for (const k of def.repairKeys ?? []) if (desired[k] !== undefined) patch[k] = desired[k];
    }
    // Keys the platform keeps per version travel together (a new source registers a version with the metrics).
    if (def.newVersion?.on.some((k) => k in patch)) for (const k of def.newVersion.with) if (desired[k] !== undefined) patch[k] = desired[k];
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
  deletedThisOperation.add(id);
  try {
    await client.delete(id);
  } catch (e) {
    if (e instanceof NotFoundError) return;
    deletedThisOperation.delete(id);
    if (e instanceof ConflictError)
      throw new ProviderError(
        `cannot delete ${def.noun} ${obj.name} (${id}): ${e.message}. ` +
          `A replace deletes first (names are unique on the platform): point what uses it elsewhere, or delete it ` +
          `(e.g. pulumi destroy --target <its urn>), then replace this; or give this resource a new name instead.`,
        "in-use",
      );
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
    if (remaining <= 0)
      throw new ProviderError(`${def.noun} ${obj.name} (${id}) was asked to delete but still exists after its deadline (status ${obj.status})`, "delete-deadline");
    try {
      await client.wait(id, obj.etag, Math.min(remaining, waitChunkMs()));
    } catch (e) {
      if (e instanceof NotFoundError) return;
      throw e;
    }
  }
}
