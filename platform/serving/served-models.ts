// Looking up the model versions a service or perf job names: they must exist, be Ready and be in a
// format a local runtime serves. Errors are 422 naming the property (e.g. models.1.version).
import type { ModelVersion } from "../../schemas/index";
import { type PlatformContext, type StoredObject } from "../core/types";
import { HttpError } from "../core/errors";
import { canServe, servableFormats } from "./runtimes/index";

export interface ResolvedVersion {
  modelId: string;
  modelName: string;
  version: ModelVersion;
}

/** `fieldPrefix` is the path of the object holding modelId/version: "models.1." or "" (perf jobs use modelVersion). */
export function resolveModelVersion(ctx: PlatformContext, modelId: string, version: number, fields: { modelId: string; version: string }): ResolvedVersion {
  const model = ctx.store.get<StoredObject>("models", modelId);
  if (!model) throw HttpError.unprocessable(`model "${modelId}" does not exist`, fields.modelId);
  const found = ctx.store.getChild<ModelVersion>("models", modelId, "versions", String(version));
  if (!found) {
    const known = ctx.store.listChildren<ModelVersion>("models", modelId, "versions").map((v) => v.version);
    throw HttpError.unprocessable(`model "${model.name}" has no version ${version} (versions: ${known.join(", ") || "none"})`, fields.version);
  }
  if (found.status !== "Ready") {
    throw HttpError.unprocessable(`model "${model.name}" version ${version} is ${found.status}, not Ready${found.statusMessage ? `: ${found.statusMessage}` : ""}`, fields.version);
  }
  if (!canServe(found.format)) {
    throw HttpError.unprocessable(`model "${model.name}" version ${version} has format ${found.format}, which the local platform cannot serve (servable: ${servableFormats().join(", ")})`, fields.version);
  }
  return { modelId, modelName: model.name, version: found };
}
