// The errors the provider's handlers raise on purpose and the engine treats specially: a ResourceInitError
// carries the object's id and outputs, so an object that exists but never became usable stays in state.
import type { Props } from "./kind-definition";

/** Thrown by create/update when the object exists but did not become usable: the engine keeps it in state. */
export class ResourceInitError extends Error {
  constructor(
    message: string,
    readonly id: string,
    readonly properties: Props,
    readonly reasons: string[],
  ) {
    super(message);
    this.name = "ResourceInitError";
  }
}
