// Random hex for names the platform makes by the thousand (etags, object ids, staging file names): bytes are
// drawn from the CSPRNG in blocks, so a create costs no crypto call of its own (issue 18 §4: one
// randomBytes call per id and per staging name showed in the API's CPU profile). Every byte handed out is
// fresh CSPRNG output used once; only the number of calls changes.
import { randomBytes } from "node:crypto";

const BLOCK = 4096;
let pool = Buffer.alloc(0);
let at = 0;

/** `bytes` random bytes (at most 256) as lowercase hex. */
export function randomHex(bytes: number): string {
  if (!Number.isInteger(bytes) || bytes <= 0 || bytes > 256) throw new RangeError(`randomHex takes 1 to 256 bytes, got ${bytes}`);
  if (at + bytes > pool.length) {
    pool = randomBytes(BLOCK);
    at = 0;
  }
  return pool.toString("hex", at, (at += bytes));
}
