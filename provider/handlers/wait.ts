// Waiting for an object to become usable: long-polls the platform until the kind's "ready" holds, a terminal
// failure shows, or the resource's deadline passes; the last two raise a ResourceInitError that keeps the
// object in state.
import { NotFoundError, type Platform } from "../../sdk";
import { waitChunkMs } from "./context";
import { ProviderError, ResourceInitError } from "./errors";
import type { KindDefinition, Obj, Props } from "./kind-definition";
import { outputsOf } from "./outputs";
import { withoutUndefined } from "./values";

export function deadlineOf(def: KindDefinition, inputs: Props): number {
  const s = typeof inputs.deadlineSeconds === "number" ? inputs.deadlineSeconds : def.defaultDeadlineSeconds;
  return Date.now() + s * 1000;
}

/** Waits (long-poll, no sleeps) until the object is usable, fails, or the deadline passes. */
export async function waitUntilReady(def: KindDefinition, p: Platform, obj: Obj, deadline: number, inputs: Props): Promise<Obj> {
  const client = def.client(p);
  let lastProgress = "";
  const started = Date.now();
  for (;;) {
    const progress = def.progress(obj);
    if (progress !== lastProgress) {
      console.log(`${def.noun} ${obj.name} (${obj.id}): ${progress}`);
      lastProgress = progress;
    }
    if (def.isReady(obj)) return obj;
    const failure = await def.failure(obj, p);
    if (failure) throw await initError(def, p, obj, inputs, `${def.noun} ${obj.name} (${obj.id}) failed: ${failure}`, [failure]);
    const remaining = deadline - Date.now();
    if (remaining <= 0) {
      const waited = Math.round((Date.now() - started) / 1000);
      const msg =
        `${def.noun} ${obj.name} (${obj.id}) did not become ${def.readyWhat} within its deadline ` +
        `(deadlineSeconds=${inputs.deadlineSeconds ?? def.defaultDeadlineSeconds}, waited ${waited}s); last status: ${progress}. ` +
        `It was left in place; raise deadlineSeconds and run up again to keep waiting.`;
      throw await initError(def, p, obj, inputs, msg, [msg]);
    }
    try {
      obj = await client.wait(obj.id, obj.etag, Math.min(remaining, waitChunkMs()));
    } catch (e) {
      if (e instanceof NotFoundError)
        throw new ProviderError(`${def.noun} ${obj.name} (${obj.id}) disappeared while waiting for it to become ${def.readyWhat}`, "disappeared");
      throw e;
    }
  }
}

async function initError(def: KindDefinition, p: Platform, obj: Obj, inputs: Props, message: string, reasons: string[]): Promise<ResourceInitError> {
  let properties: Props;
  try {
    properties = await outputsOf(def, p, obj, inputs);
  } catch {
    properties = withoutUndefined({ id: obj.id, name: obj.name, status: obj.status });
  }
  // The engine stores these as the resource's outputs; later read/delete need the provider's shim (__provider).
  if (inputs.__provider !== undefined) properties.__provider = inputs.__provider;
  return new ResourceInitError(message, obj.id, properties, reasons);
}
