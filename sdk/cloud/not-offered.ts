// A kind a vendor's API does not have (Volcengine: Dataset, TrainingJob; ModelArts and Qianfan: PerfJob): a
// client whose every call fails with one clear error. The kind rules refuse such resources at check time
// already (provider/handlers/backend-rules.ts); this is the driver's answer to a direct SDK call.
import { InvalidError } from "../errors";

/** Every KindClient method and every kind's extra ones (versions, logs, metrics, stop, cancel), each failing. */
export function notOffered(vendor: string, kind: string) {
  const fail = async () => {
    throw new InvalidError(`the ${vendor} backend does not offer ${kind}`, 400);
  };
  return { create: fail, get: fail, update: fail, delete: fail, list: fail, listAll: fail, wait: fail, versions: fail, logs: fail, metrics: fail, stop: fail, cancel: fail };
}
