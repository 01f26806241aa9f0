// Per-backend kind rules: DATA each cloud driver attaches to itself, saying where the vendor differs from
// the kinds' defaults (which kinds it offers, what changes in place, what it cannot take, what it does not
// keep). The handlers apply them generically (provider/handlers/backend-rules.ts), so diff, preview,
// review and drift say what this vendor will do, with no `if (backend === ...)` anywhere in the handlers.
import type { z } from "zod";
import type { Kind } from "../schemas/kinds";

/** A kind of the registry (schemas/kinds.ts). */
export type KindName = Kind;

export interface KindRule {
  /**
   * The backend's own spec schema for this kind, checked instead of the registry's: where the vendor's object
   * takes inputs of its own (a fine-tuning run's base model and hyper-parameter ranges instead of a command).
   * Derive it from the registry's schema (`.extend`) so the shared keys keep their rules.
   */
  specSchema?: z.ZodObject<any>;
  /** Replaces the kind's own list: changes to these replace the object. */
  replaceKeys?: readonly string[];
  /** Replaces the kind's own list: keys an update may change in place. */
  patchKeys?: readonly string[];
  /** Spec keys this backend cannot take, with the reason; declaring one fails check. */
  unsupported?: Readonly<Record<string, string>>;
  /** Values this backend accepts for a key, with the reason; any other fails check. */
  allowedValues?: Readonly<Record<string, { values: readonly unknown[]; why: string }>>;
  /**
   * A key holding a local path whose content this backend uploads (a code directory): its digest goes into
   * `sourceDigest`, so new bytes behind the same path are an input change (list "sourceDigest" in replaceKeys
   * when that makes a new object).
   */
  digestKey?: string;
  /** Keys the vendor does not store: outputs carry the declared value (never compared with the vendor). */
  keptInState?: readonly string[];
  /** Whether the vendor stores tags (the URN tag lets an interrupted create find its object). */
  taggable?: boolean;
  /** Whole-spec rules beyond single keys (e.g. one model per service). */
  check?(spec: Record<string, unknown>): { property: string; reason: string }[];
  /** What destroy does with this kind on this backend, in words (README, review notes). */
  onDestroy?: string;
}

export interface BackendRules {
  backend: string;
  /** Vendor name users know. */
  vendor: string;
  /** Kinds this backend offers; check refuses the others with `notOffered[kind]`. */
  offered: readonly KindName[];
  notOffered: Readonly<Partial<Record<KindName, string>>>;
  kinds: Readonly<Partial<Record<KindName, KindRule>>>;
}
