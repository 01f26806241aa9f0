// Flavor checks for services: the flavor must exist (core's requireFlavor: 422 listing the local ones),
// and a service may not run more replicas per model entry than its flavor allows.
import type { LocalFlavor } from "../../schemas/index";
import { requireFlavor } from "../core/flavors";
import { HttpError } from "../core/errors";

export { requireFlavor };

export function requireReplicasWithin(flavor: LocalFlavor, replicas: number, field: string): void {
  if (replicas > flavor.maxReplicas) {
    throw HttpError.unprocessable(`flavor ${flavor.name} allows at most ${flavor.maxReplicas} replicas per model, got ${replicas}`, field);
  }
}
