// What goes to the platform and what comes back to the user: the spec picked from the inputs, the body with
// local paths resolved and the provider's tag added, and the outputs (live spec in the user's spelling,
// kind-specific extras, the provider's bookkeeping) that Pulumi stores.
import { URN_TAG } from "../../schemas";
import type { Platform } from "../../sdk";
import { BOOKKEEPING_KEYS, type KindDefinition, type Obj, type Props } from "./kind-definition";
import { pick, platformPath, userPath, userTags, withoutUndefined } from "./values";

export function specOf(def: KindDefinition, inputs: Props): Props {
  return pick(inputs, Object.keys(def.specSchema.shape));
}

/** The body the platform gets: local paths resolved, the provider's tag added. */
export function platformBody(def: KindDefinition, spec: Props, logicalName: string | undefined): Props {
  const body: Props = { ...spec };
  for (const k of def.pathKeys) if (typeof body[k] === "string") body[k] = platformPath(body[k]);
  if (def.taggable && logicalName) body.tags = { ...(body.tags ?? {}), [URN_TAG]: logicalName };
  return body;
}

/** The outputs users reference: live spec (paths in the user's spelling), extras, and our bookkeeping. */
export async function outputsOf(def: KindDefinition, p: Platform, obj: Obj, inputs: Props, previous: Props = {}, mode: "write" | "read" = "write"): Promise<Props> {
  const live = def.liveSpec(obj);
  for (const k of def.pathKeys) if (k in live) live[k] = userPath(live[k], inputs[k]);
  if ("tags" in live) live.tags = userTags(live.tags);
  const extras = await def.extraOutputs(obj, p, previous, mode, inputs);
  const bookkeeping = pick(inputs, BOOKKEEPING_KEYS);
  const inputKeys = Object.keys(inputs).filter((k) => k in def.specSchema.shape);
  return withoutUndefined({ ...live, ...extras, id: obj.id, ...bookkeeping, inputKeys });
}
