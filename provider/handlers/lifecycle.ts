// create, update and delete: create is idempotent (a retried or interrupted create finds its object by key or
// tag), adopt takes over an existing object, converge patches the live object until it matches the declared
// spec (retrying on 412), and delete stops what runs, deletes and waits until the platform forgets the object.
import { URN_TAG } from "../../schemas";
import { ConflictError, InvalidError, NotFoundError, PreconditionFailedError, type KindClient, type Platform } from "../../sdk";
import { platform, waitChunkMs } from "./context";
import { ProviderError } from "./errors";
import type { KindDefinition, Obj, Props } from "./kind-definition";
import { outputsOf, platformBody, specOf } from "./outputs";
import { canonicalJson, deepEqual, sha256 } from "./values";
import { deadlineOf, waitUntilReady } from "./wait";

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
        throw new ProviderError(
          `cannot create ${def.noun} "${body.name}": ${e.message}` +
            (taken ? `. It already exists as ${taken.id}; to manage it from this program set adopt: "${taken.id}"` : ""),
          "name-taken",
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
  throw new ProviderError(`cannot create ${def.noun} "${body.name}": the platform replayed a deleted object twice`, "replayed");
}

async function adoptExisting(def: KindDefinition, client: KindClient<any, any, any>, id: string, name: unknown): Promise<Obj> {
  let obj: Obj;
  try {
    obj = await client.get(id);
  } catch (e) {
    if (e instanceof NotFoundError) throw new ProviderError(`adopt: no ${def.noun} with id "${id}" exists on the platform`, "adopt");
    if (e instanceof InvalidError) throw new ProviderError(`adopt: "${id}" is not a ${def.noun} id (${e.message})`, "adopt");
    throw e;
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
async function converge(def: KindDefinition, p: Platform, obj: Obj, inputs: Props, olds: Props): Promise<Obj> {
  const client = def.client(p);
  const spec = specOf(def, inputs);
  const desired = platformBody(def, spec, inputs.logicalName);
  for (let attempt = 0; ; attempt++) {
    const live = def.liveSpec(obj);
    // A key the backend does not store has no live value to judge immutable against: it lives in state.
    const kept = def.keptInState ?? [];
    const immutable = def.replaceKeys.filter((k) => k in desired && !deepEqual(live[k], desired[k]) && !def.pathKeys.includes(k) && !kept.includes(k));
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
