// Object ids of the local platform: `<kind prefix>-<12 hex>` (ds-, tj-, md-, pj-, sv-), random, never reused.
import { randomBytes } from "node:crypto";

/** `<prefix>-<12 hex>`: unguessable enough for a local platform, short enough to read in logs. */
export function newId(prefix: string): string {
  return `${prefix}-${randomBytes(6).toString("hex")}`;
}
