// read (refresh and import): the live object as outputs, and the inputs that would reproduce it — the keys
// the user declared with their live values, plus empty-by-default keys someone set outside of Pulumi (drift).
// A vanished object answers with an empty id so the engine drops it from state.
import { URN_TAG } from "../../schemas";
import { NotFoundError, type KindClient } from "../../sdk";
import { inDynamicProviderProcess } from "./compile-cache";
import { platform } from "./context";
import { normalizeForCompare } from "./diff";
import { BOOKKEEPING_KEYS, type KindDefinition, type Obj, type Props } from "./kind-definition";
import { outputsOf } from "./outputs";
import { notesOf } from "./state-notes";
import { deepEqual, pick, withoutUndefined } from "./values";

export async function read(def: KindDefinition, id: string, props: Props): Promise<{ id: string; props: Props; inputs?: Props }> {
  const p = platform();
  const notes = notesOf(props);
  let obj: Obj;
  try {
    obj = await stackReader(def.client(p), stackPrefix(notes.logicalName))(id);
  } catch (e) {
    // Gone: an empty id tells the engine to drop it from state (a throw would abort the whole refresh).
    if (e instanceof NotFoundError) return { id: "", props: {} };
    throw e;
  }
  const declared = notes.inputKeys ?? Object.keys(def.specSchema.shape);
  const carried = withoutUndefined({ ...pick(props, BOOKKEEPING_KEYS), logicalName: notes.logicalName });
  // Every declared key is present, with no value where state has none, so the notes keep all of them.
  const declaredValues = Object.fromEntries(declared.map((k) => [k, props[k]]));
  const outs = await outputsOf(def, p, obj, { ...declaredValues, ...carried }, props, "read");
  // Undeclared properties with an empty default (env, tags, description) are declared empty: a value set
  // outside of Pulumi is drift, so the inputs that reproduce the live object must carry it too.
  const setOutOfBand = Object.keys(def.emptyDefaults).filter(
    (k) => !declared.includes(k) && !deepEqual(normalizeForCompare(k, outs[k] ?? def.emptyDefaults[k]), normalizeForCompare(k, def.emptyDefaults[k])),
  );
  // Inputs that reproduce the live object: the keys the user declared, with live values.
  const inputs: Props = withoutUndefined({ ...pick(outs, [...declared, ...setOutOfBand]), ...carried });
  return { id: obj.id, props: outs, inputs };
}

/** At most this many ids per request (the platform's page size). */
const BATCH_MAX = 200;
const batchers = new WeakMap<object, (id: string) => Promise<Obj>>();

/**
 * `get`, with the reads that arrive together sharing one request (issue 18 §2: a refresh read every resource
 * with its own GET). The engine refreshes up to --parallel resources at once: while one batch is in flight
 * the next gathers, so nothing waits on a timer and a lone read is sent at once. An id the batch did not
 * bring back (gone, or a platform that ignores the ids filter) is read with its own `get`, which also
 * reports "not found" as before. A backend without `getMany` reads one at a time.
 */
export function batchedGet(client: KindClient<any, any, any>): (id: string) => Promise<Obj> {
  const getMany = client.getMany?.bind(client);
  if (!getMany) return (id) => client.get(id) as Promise<Obj>;
  const existing = batchers.get(client);
  if (existing) return existing;
  const queue = new Map<string, { resolve: (o: Obj) => void; reject: (e: unknown) => void }[]>();
  let scheduled = false;
  let inFlight = false;
  const flush = async () => {
    scheduled = false;
    if (inFlight || queue.size === 0) return;
    const ids = [...queue.keys()].slice(0, BATCH_MAX);
    const batch = new Map(ids.map((id) => [id, queue.get(id)!]));
    for (const id of ids) queue.delete(id);
    inFlight = true;
    let found = new Map<string, Obj>();
    try {
      found = new Map(((await getMany(ids)) as Obj[]).map((o) => [o.id, o]));
    } catch {
      // The batch failed as a whole: each read goes on its own and gets its own answer (or error).
    } finally {
      inFlight = false;
      schedule();
    }
    for (const [id, waiters] of batch) {
      const one: Promise<Obj> = found.has(id) ? Promise.resolve(found.get(id)!) : (client.get(id) as Promise<Obj>);
      one.then(
        (o) => waiters.forEach((w) => w.resolve(o)),
        (e) => waiters.forEach((w) => w.reject(e)),
      );
    }
  };
  const schedule = () => {
    if (scheduled || inFlight || queue.size === 0) return;
    scheduled = true;
    setImmediate(flush);
  };
  const get = (id: string) =>
    new Promise<Obj>((resolve, reject) => {
      queue.set(id, [...(queue.get(id) ?? []), { resolve, reject }]);
      schedule();
    });
  batchers.set(client, get);
  return get;
}

/** `<project>/<stack>/<Kind>/` of a logical name `<project>/<stack>/<Kind>/<name>` (project and stack hold no '/'). */
export function stackPrefix(logicalName: string | undefined): string | undefined {
  const parts = logicalName?.split("/");
  return parts && parts.length >= 4 ? `${parts.slice(0, 3).join("/")}/` : undefined;
}

/** Reads of one stack's objects of a kind answered one batch at a time before the rest come from one listing. */
const LIST_AFTER_READS = 16;
/** How long a listing answers reads: a refresh reads its stack within seconds; a read after that lists anew. */
const LISTING_TTL_MS = 60_000;

interface Listing {
  reads: number;
  listedAt: number;
  objects?: Promise<Map<string, Obj>>;
}
const listings = new WeakMap<object, Map<string, Listing>>();

/**
 * `get` for a refresh: once a stack has read more than a few objects of a kind, the rest are answered from
 * one listing of the stack's objects of that kind (by their URN tag, `<project>/<stack>/<Kind>/…`) instead of
 * a batched request per few reads (issue 18 §2: at 1,000 resources ~330 batched requests cost the
 * dynamic-provider process, the bottleneck of a refresh, ~0.1 s and the platform ~0.1 s of CPU; a listing
 * is 3 pages of 200 per kind). Each listed object answers one read: a second read of it, an object the
 * listing does not hold (untagged, adopted, gone) and every read after the listing's TTL go to the platform
 * again. Only in Pulumi's dynamic-provider process, which lives for one operation; elsewhere (and with a
 * backend that cannot list by a tag's prefix) every read is a batched `get`.
 */
export function stackReader(
  client: KindClient<any, any, any>,
  prefix: string | undefined,
  opts: { enabled?: boolean; listAfter?: number } = {},
): (id: string) => Promise<Obj> {
  const batched = batchedGet(client);
  const listTagPrefix = client.listTagPrefix?.bind(client);
  if (!(opts.enabled ?? inDynamicProviderProcess()) || !prefix || !listTagPrefix) return batched;
  let byPrefix = listings.get(client);
  if (!byPrefix) listings.set(client, (byPrefix = new Map()));
  const listing = byPrefix.get(prefix) ?? { reads: 0, listedAt: 0 };
  byPrefix.set(prefix, listing);
  return async (id) => {
    listing.reads++;
    if (listing.reads <= (opts.listAfter ?? LIST_AFTER_READS)) return batched(id);
    if (!listing.objects || Date.now() - listing.listedAt > LISTING_TTL_MS) {
      listing.listedAt = Date.now();
      // A listing that fails answers nothing: every read goes to the platform on its own, as before.
      listing.objects = listTagPrefix(URN_TAG, prefix).then(
        (items: Obj[]) => new Map(items.map((o) => [o.id, o])),
        () => new Map<string, Obj>(),
      );
    }
    const objects = await listing.objects;
    const listed = objects.get(id);
    if (!listed) return batched(id);
    objects.delete(id);
    return listed;
  };
}
