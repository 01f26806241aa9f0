// The errors the provider's handlers raise on purpose. A ProviderError is a refusal explained to the user
// (adopt names the wrong object, the name is taken, ...), typed by its reason so fronts and tests can tell it
// from a bug; a ResourceInitError carries the object's id and outputs, so an object that exists but never
// became usable stays in state. Platform failures arrive as the SDK's PlatformError family.
import type { Props } from "./kind-definition";

export type ProviderErrorReason =
  /** adopt: the id names no object of this kind, or one with another name. */
  | "adopt"
  /** create: another object already has the name. */
  | "name-taken"
  /** create: the platform kept answering with an object that no longer exists. */
  | "replayed"
  /** adopt/update: a property that only a replace can change differs. */
  | "immutable"
  /** wait: the object was deleted while we waited for it. */
  | "disappeared"
  /** delete: the object still exists after the resource's deadline. */
  | "delete-deadline"
  /** create: a replacement that keeps the name while the object it replaces lives (create-before-delete). */
  | "replace-order"
  /** delete: the platform refuses while something uses the object (a replace deletes first). */
  | "in-use";

export class ProviderError extends Error {
  constructor(
    message: string,
    readonly reason: ProviderErrorReason,
  ) {
    super(message);
    this.name = "ProviderError";
  }
}

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
