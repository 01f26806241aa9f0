// The `__provider` texts that earlier releases of mlplatform serialized into Pulumi state
// (pulumi.runtime.serializeFunction of that release's provider/shim.ts), byte for byte, by the commit that
// introduced each: states written by them must keep working with the handlers installed today.
import texts from "./legacy-shims.json";

/** [release, { kind: text }] per earlier release. */
export const LEGACY_SHIMS = Object.entries(texts) as [string, Record<string, string>][];
