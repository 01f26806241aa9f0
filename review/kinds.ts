// The mlplatform kinds (schemas/kinds.ts) as they appear in engine output. Dynamic resources get the type
// token `pulumi-nodejs:dynamic/mlplatform:<Kind>` (the module and type arguments of dynamic.Resource).
import { KIND_REGISTRY, KINDS, type Kind } from "../schemas/kinds";

export { KINDS, type Kind };

const TYPE_PREFIX = "pulumi-nodejs:dynamic/mlplatform:";

export function kindOf(type: string): Kind | undefined {
  if (!type.startsWith(TYPE_PREFIX)) return undefined;
  const kind = type.slice(TYPE_PREFIX.length);
  return (KINDS as readonly string[]).includes(kind) ? (kind as Kind) : undefined;
}

/** What a reader calls the kind: "training job", "perf job". */
export function kindNoun(kind: Kind): string {
  return KIND_REGISTRY[kind].noun;
}

/** Short label for a type token in headings and tables: the kind, or the token's last part. */
export function typeLabel(type: string): string {
  const kind = kindOf(type);
  if (kind) return kind;
  const i = type.lastIndexOf(":");
  return i >= 0 ? type.slice(i + 1) : type;
}
