// Rules every kind's validate shares: unique names (with the dry-run exception for the provider's own
// objects) and where a user path may point. Kind-specific rules live in each controller's validate.
import { URN_TAG } from "../../schemas/index";
import type { KindName, PlatformContext, Problem, ValidateOptions } from "./types";

/** 409 when another object of the kind already has the name. */
export function nameProblem(ctx: PlatformContext, kind: KindName, noun: string, spec: { name: string; tags?: Record<string, string> }, opts: ValidateOptions = {}): Problem | undefined {
  const taken = ctx.store.getByName(kind, spec.name);
  if (!taken) return undefined;
  // The provider creates with its URN tag and, finding an object with that tag, takes it over instead of
  // creating a second one: a dry run of that create must not call it a conflict.
  const urn = spec.tags?.[URN_TAG];
  if (opts.dryRun && urn !== undefined && taken.tags?.[URN_TAG] === urn) return undefined;
  return { status: 409, field: "name", message: `a ${noun} named "${spec.name}" already exists` };
}
