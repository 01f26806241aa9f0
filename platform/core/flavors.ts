// The local platform's flavors. maxConcurrency bounds in-flight requests per replica for services and the
// number of training jobs of the flavor that run at once (the rest wait Pending); maxReplicas bounds a
// service's replicas. Cloud flavor names are refused with the list of these.
import type { LocalFlavor } from "../../schemas/index";
import { HttpError } from "./errors";

export const LOCAL_FLAVORS: readonly LocalFlavor[] = [
  { name: "local.small", cpuShare: 0.5, maxReplicas: 4, maxConcurrency: 4, description: "half a core; up to 4 replicas, 4 parallel jobs or in-flight requests per replica" },
  { name: "local.medium", cpuShare: 1, maxReplicas: 8, maxConcurrency: 16, description: "one core; up to 8 replicas, 16 parallel jobs or in-flight requests per replica" },
  { name: "local.large", cpuShare: 2, maxReplicas: 16, maxConcurrency: 64, description: "two cores; up to 16 replicas, 64 parallel jobs or in-flight requests per replica" },
];

export function findFlavor(name: string): LocalFlavor | undefined {
  return LOCAL_FLAVORS.find((f) => f.name === name);
}

/** The flavor called `name`, or 422 naming `field` and listing the local flavors. */
export function requireFlavor(name: string, field: string): LocalFlavor {
  const flavor = findFlavor(name);
  if (!flavor) {
    throw HttpError.unprocessable(`unknown flavor "${name}"; the local platform offers: ${LOCAL_FLAVORS.map((f) => f.name).join(", ")}`, field);
  }
  return flavor;
}
