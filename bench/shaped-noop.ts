// The provider of the scale bench's "shaped" baseline (bench/provider-scale.ts): no-ops whose state entry has
// the keys and about the bytes of ours — the same six inputs, the same outputs per kind (our bookkeeping
// included) — answered at once, with no platform behind them. Loaded the way our handlers are, by a one-line
// `__provider` (provider/shim.ts), so ours vs shaped is what our handlers cost and shaped vs the plain no-op
// what the resource shape costs the Pulumi SDK and engine.
import type * as pulumi from "@pulumi/pulumi";

/** A content digest of ours' length; the shaped resources also pass it as their `sourceDigest` input. */
export const DIGEST = "d1375206051da3fdb937a19d056b30b9d33815b0cbbff4866cf25a2ce9c0135e";
const PATH_TARGET = "f150b4e4d7d269e62005bfe504e4b82d";

/**
 * The outputs ours stores for these inputs, per kind (as `pulumi stack export` shows them for the bench's
 * stacks): the inputs but the logical name, the kind's extras, and our notes in one string
 * (provider/handlers/state-notes.ts).
 */
function outputs(inputs: Record<string, unknown>): Record<string, unknown> {
  const { logicalName, ...rest } = inputs;
  const notes = JSON.stringify({ inputKeys: ["format", "name", "source"], pathTargets: { source: PATH_TARGET }, logicalName });
  const common = { ...rest, tags: {}, status: "Ready", latestVersion: 1, __mlplatform: notes };
  // The kind is the logical name's third part (`<project>/<stack>/<Kind>/<name>`), as in ours.
  return String(logicalName).split("/")[2] === "Dataset" ? { ...common, digest: DIGEST, sampleCount: 2, sizeBytes: 22 } : { ...common, metrics: {}, version: 1, versions: [1] };
}

export const provider: pulumi.dynamic.ResourceProvider = {
  async create(inputs: any) {
    return { id: `noop-${inputs.name}`, outs: outputs(inputs) };
  },
  async diff() {
    return { changes: false };
  },
  async read(id: string, props: any) {
    return { id, props };
  },
  async delete() {},
};
