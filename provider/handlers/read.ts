// read (refresh and import): the live object as outputs, and the inputs that would reproduce it — the keys
// the user declared with their live values, plus empty-by-default keys someone set outside of Pulumi (drift).
// A vanished object answers with an empty id so the engine drops it from state.
import { NotFoundError } from "../../sdk";
import { platform } from "./context";
import { normalizeForCompare } from "./diff";
import { BOOKKEEPING_KEYS, type KindDefinition, type Obj, type Props } from "./kind-definition";
import { outputsOf } from "./outputs";
import { deepEqual, pick, withoutUndefined } from "./values";

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
  const carried = pick(props, BOOKKEEPING_KEYS);
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
