// What goes to the platform and what comes back to the user: the spec picked from the inputs, the body with
// local paths resolved and the provider's tag added, and the outputs (live spec in the user's spelling,
// kind-specific extras, the provider's bookkeeping) that Pulumi stores.
import type { z } from "zod";
import { CREATING_TAG, URN_TAG } from "../../schemas";
import type { Platform } from "../../sdk";
import { BOOKKEEPING_KEYS, type KindDefinition, type Obj, type Props } from "./kind-definition";
import { NOTES_KEY, packNotes } from "./state-notes";
import { isLocalPath, pathTarget, pick, platformPath, userPath, userTags, withoutUndefined } from "./values";

export function specOf(def: KindDefinition, inputs: Props): Props {
  return pick(inputs, Object.keys(def.specSchema.shape));
}

/**
 * The one place schema defaults are applied: `value` as the platform gets it (nested defaults filled in,
 * e.g. a served model's weight), or the schema's default when the user declared nothing. check keeps the
 * inputs as declared, so a default that changes in a later release never reads as a change of the inputs.
 */
export function withSchemaDefaults(def: KindDefinition, key: string, value: unknown): unknown {
  const schema = (def.specSchema.shape as Record<string, z.ZodType>)[key];
  if (!schema) return value;
  const r = schema.safeParse(value);
  return r.success ? r.data : value;
}

/**
 * The body the platform gets: schema defaults applied, local paths resolved, the provider's tags added.
 * `creating` marks an object whose create has not finished yet (see CREATING_TAG).
 */
export function platformBody(def: KindDefinition, spec: Props, logicalName: string | undefined, creating = false): Props {
  const body: Props = {};
  for (const k of Object.keys(def.specSchema.shape)) {
    const v = withSchemaDefaults(def, k, spec[k]);
    if (v !== undefined) body[k] = v;
  }
  for (const k of def.pathKeys) if (typeof body[k] === "string") body[k] = platformPath(body[k]);
  if (def.taggable && logicalName) body.tags = { ...(body.tags ?? {}), [URN_TAG]: logicalName, ...(creating ? { [CREATING_TAG]: "true" } : {}) };
  return body;
}

/** The outputs users reference: live spec (paths in the user's spelling), extras, and our bookkeeping. */
export async function outputsOf(def: KindDefinition, p: Platform, obj: Obj, inputs: Props, previous: Props = {}, mode: "write" | "read" = "write"): Promise<Props> {
  const live = def.liveSpec(obj);
  for (const k of def.pathKeys) if (k in live) live[k] = userPath(live[k], inputs[k]);
  if ("tags" in live) live.tags = userTags(live.tags);
  const extras = await def.extraOutputs(obj, p, previous, mode, inputs);
  const outs: Props = { ...live, ...extras };
  // What each reported path points to (resolved now, in this project directory), so a later diff sees
  // through a new spelling, or a new project directory, of the same place.
  const targets: Record<string, string> = {};
  for (const k of def.pathKeys) if (typeof outs[k] === "string" && isLocalPath(outs[k])) targets[k] = pathTarget(outs[k]);
  const pathTargets = Object.keys(targets).length ? targets : undefined;
  // The object's id is the resource's id (the engine keeps it apart): not repeated among the outputs.
  return withoutUndefined({ ...outs, ...bookkeepingOutputs(def, inputs, pathTargets) });
}

/**
 * The provider's bookkeeping as outputs store it: the keys programs may read (deadline, adopt, source digest)
 * as they are, the rest (declared keys, path targets, logical name) as one string of notes (./state-notes.ts).
 */
export function bookkeepingOutputs(def: KindDefinition, inputs: Props, pathTargets?: Record<string, string>): Props {
  const { logicalName, ...readable } = pick(inputs, BOOKKEEPING_KEYS);
  const inputKeys = Object.keys(inputs).filter((k) => k in def.specSchema.shape);
  return { ...readable, [NOTES_KEY]: packNotes({ inputKeys, pathTargets, logicalName: logicalName as string | undefined }) };
}
