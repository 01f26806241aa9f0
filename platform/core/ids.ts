import { randomBytes } from "node:crypto";

/** `<prefix>-<12 hex>`: unguessable enough for a local platform, short enough to read in logs. */
export function newId(prefix: string): string {
  return `${prefix}-${randomBytes(6).toString("hex")}`;
}
