// Object ids of the local platform: `<kind's id prefix>-<12 hex>` (ds-, tj-, md-, pj-, sv-: schemas/kinds.ts),
// random, never reused.
import { KIND_BY_COLLECTION, KIND_REGISTRY } from "../../schemas/kinds";
import type { KindName } from "./types";
import { randomHex } from "./random-pool";

/** `<prefix>-<12 hex>`: unguessable enough for a local platform, short enough to read in logs. */
export function newId(kind: KindName): string {
  return `${KIND_REGISTRY[KIND_BY_COLLECTION[kind]].idPrefix}-${randomHex(6)}`;
}
