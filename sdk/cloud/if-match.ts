// The update precondition of a cloud object: no vendor offers a conditional update, so a driver reads the
// live object first, and an If-Match that is not its etag (a hash of its content, poll.ts etagOf) means it
// changed since the caller read it.
import { PreconditionFailedError } from "../errors";

/** Throws PreconditionFailedError when `ifMatch` is given and `live` no longer has that etag; `what` names it ("model m-1"). */
export function checkIfMatch(live: { etag: string }, ifMatch: string | undefined, what: string): void {
  if (ifMatch && ifMatch !== live.etag) throw new PreconditionFailedError(`${what} changed since it was read`, 412, "precondition_failed");
}
