// The kind registry: the five kinds and every name each one goes by, in one table. The provider shim's
// handler modules, the SDK's client properties and URL collections, the platform's stored kinds, console
// titles, OpenAPI component names, review nouns, manifest sections and id prefixes are all read from here,
// and each kind's spec, patch and object schemas with them. Code that needs something per kind maps over
// `Kind`, so a kind added here without its handler, controller or client fails to compile.
import type { z } from "zod";
import { Dataset, DatasetPatch, DatasetSpec } from "./dataset";
import { Model, ModelPatch, ModelSpec } from "./model";
import { PerfJob, PerfJobPatch, PerfJobSpec } from "./perf-job";
import { Service, ServicePatch, ServiceSpec } from "./service";
import { TrainingJob, TrainingJobPatch, TrainingJobSpec } from "./training-job";

export interface KindEntry {
  /** Handler module under the package's `mlplatform/handlers/*` export (the shim in Pulumi state loads it). */
  module: string;
  /** URL collection of the platform API (`/v1/<collection>`), and the platform's stored kind. */
  collection: string;
  /** Manifest section, and the SDK platform's client property. */
  section: string;
  /** What messages call one object: "training job". */
  noun: string;
  /** Heading for a list of them (the console). */
  title: string;
  /** Object ids start `<idPrefix>-`. */
  idPrefix: string;
  /** What a user declares. */
  spec: z.ZodObject;
  /** What may change in place (a PATCH body); every other spec key replaces the object. */
  patch: z.ZodObject;
  /** What the platform answers with. */
  object: z.ZodObject;
}

export const KIND_REGISTRY = {
  Dataset: { module: "dataset", collection: "datasets", section: "datasets", noun: "dataset", title: "Datasets", idPrefix: "ds", spec: DatasetSpec, patch: DatasetPatch, object: Dataset },
  TrainingJob: { module: "training-job", collection: "training-jobs", section: "trainingJobs", noun: "training job", title: "Training jobs", idPrefix: "tj", spec: TrainingJobSpec, patch: TrainingJobPatch, object: TrainingJob },
  Model: { module: "model", collection: "models", section: "models", noun: "model", title: "Models", idPrefix: "md", spec: ModelSpec, patch: ModelPatch, object: Model },
  PerfJob: { module: "perf-job", collection: "perf-jobs", section: "perfJobs", noun: "perf job", title: "Perf jobs", idPrefix: "pj", spec: PerfJobSpec, patch: PerfJobPatch, object: PerfJob },
  Service: { module: "service", collection: "services", section: "services", noun: "service", title: "Services", idPrefix: "sv", spec: ServiceSpec, patch: ServicePatch, object: Service },
} as const satisfies Record<string, KindEntry>;

export type Kind = keyof typeof KIND_REGISTRY;
type Registry = typeof KIND_REGISTRY;
/** Handler module names: "perf-job". */
export type KindModule = Registry[Kind]["module"];
/** API collections and stored kinds: "perf-jobs". */
export type KindCollection = Registry[Kind]["collection"];
/** Manifest sections and SDK client properties: "perfJobs". */
export type KindSection = Registry[Kind]["section"];

/** The kinds in the order a reader meets them (data, training, registry, benchmark, serving). */
export const KINDS = Object.keys(KIND_REGISTRY) as Kind[];

export type SpecOf<K extends Kind> = z.infer<Registry[K]["spec"]>;
export type PatchOf<K extends Kind> = z.infer<Registry[K]["patch"]>;
export type ObjectOf<K extends Kind> = z.infer<Registry[K]["object"]>;

/** The kind whose `field` is `value` (e.g. the kind of collection "perf-jobs"). */
function indexBy<F extends "module" | "collection" | "section">(field: F) {
  return Object.fromEntries(KINDS.map((k) => [KIND_REGISTRY[k][field], k])) as { [K in Kind as Registry[K][F]]: K };
}
export const KIND_BY_MODULE = indexBy("module");
export const KIND_BY_COLLECTION = indexBy("collection");
export const KIND_BY_SECTION = indexBy("section");

/** One value per kind, keyed by the kind. */
export function perKind<V>(value: (kind: Kind) => V): Record<Kind, V> {
  return Object.fromEntries(KINDS.map((k) => [k, value(k)])) as Record<Kind, V>;
}
/** One value per kind, keyed by its manifest section (= its SDK client property). */
export function perSection<V>(value: (kind: Kind, section: KindSection) => V): Record<KindSection, V> {
  return Object.fromEntries(KINDS.map((k) => [KIND_REGISTRY[k].section, value(k, KIND_REGISTRY[k].section)])) as Record<KindSection, V>;
}
/** One value per kind, keyed by its handler module name. */
export function perModule<V>(value: (kind: Kind, module: KindModule) => V): Record<KindModule, V> {
  return Object.fromEntries(KINDS.map((k) => [KIND_REGISTRY[k].module, value(k, KIND_REGISTRY[k].module)])) as Record<KindModule, V>;
}

/** The spec keys a PATCH may carry (the patch schema's), in the spec's order. */
export function patchKeysOf(kind: Kind): string[] {
  const patch = KIND_REGISTRY[kind].patch.shape;
  return Object.keys(KIND_REGISTRY[kind].spec.shape).filter((k) => k in patch);
}
/** The spec keys whose change replaces the object: every one the patch schema does not carry. */
export function replaceKeysOf(kind: Kind): string[] {
  const patch = KIND_REGISTRY[kind].patch.shape;
  return Object.keys(KIND_REGISTRY[kind].spec.shape).filter((k) => !(k in patch));
}
