// The resource classes TypeScript programs use. Thin fronts: they compute the logical name (which tags
// the platform object and keys idempotent creates), pass the args through, and declare the outputs. All
// logic lives in the handlers, reached through the shim stored in state (./shim.ts).
import * as pulumi from "@pulumi/pulumi";
import type { z } from "zod";
import type { DatasetSpec, ModelSpec, PerfJobSpec, ServiceSpec, TrainingJobSpec } from "../schemas";
import { KIND_REGISTRY, perKind, type Kind, type SpecOf } from "../schemas/kinds";
import { OUTPUT_EXTRAS, type OutputExtrasOf } from "./output-schemas";
import { stackScopedName } from "../schemas/common";
import type { ProviderInputs } from "./handlers/kind-definition";
import { SHIM_TEXTS } from "./shim";
import type { ModelArtsTrainingJobSpec } from "../sdk/modelarts/rules";

/** Every level of a value may be an Input (so `model.version` can sit inside `service.models[0]`). */
export type DeepInput<T> = T extends (infer U)[]
  ? pulumi.Input<DeepInput<U>[]>
  : T extends Record<string, any>
    ? pulumi.Input<{ [K in keyof T]: DeepInput<T[K]> }>
    : pulumi.Input<T>;

/** A spec with `name` optional: props() below defaults it to `<resource name>-<stack>`, as a manifest entry without `name:` is. */
type NameDefaulted<Spec> = Omit<Spec, "name"> & Partial<Pick<Spec, "name" & keyof Spec>>;

/** Resource args from a spec's zod input type (`name` optional), plus the provider's own inputs. */
export type ArgsOf<Spec> = { [K in keyof NameDefaulted<Spec>]: DeepInput<NameDefaulted<Spec>[K]> } & {
  /** Seconds create/update wait for the object to become usable before failing (default per kind). */
  deadlineSeconds?: pulumi.Input<number>;
  /** Id of an existing platform object to take over instead of creating one. */
  adopt?: pulumi.Input<string>;
};

type OutputsOf<T> = { readonly [K in Exclude<keyof T, "id">]-?: pulumi.Output<T[K]> };
type Bookkeeping = Pick<ProviderInputs, "deadlineSeconds" | "adopt" | "sourceDigest">;
/** A kind's outputs: its spec, the provider's bookkeeping, and the extras of provider/output-schemas.ts. */
type OutputsFor<K extends Kind> = SpecOf<K> & Bookkeeping & OutputExtrasOf<K>;

export type DatasetArgs = ArgsOf<z.input<typeof DatasetSpec>>;
export type DatasetOutputs = OutputsFor<"Dataset">;

/**
 * Keys one backend requires and another refuses are optional in the TypeScript type; check enforces them per
 * backend (the local platform runs a command; a Qianfan fine-tuning run has none, its models no format).
 */
type BackendRequired<Spec, K extends keyof Spec> = Omit<Spec, K> & Partial<Pick<Spec, K>>;

/**
 * The keys of the backends' own TrainingJob specs (KindRule.specSchema) that the kinds' spec lacks, optional:
 * a ModelArts job's engine or image, boot file and output directory. check refuses them on other backends.
 */
type BackendTrainingJobKeys = Partial<Omit<z.input<typeof ModelArtsTrainingJobSpec>, keyof z.input<typeof TrainingJobSpec>>>;

export type TrainingJobArgs = ArgsOf<BackendRequired<z.input<typeof TrainingJobSpec>, "command"> & BackendTrainingJobKeys>;
export type TrainingJobOutputs = OutputsFor<"TrainingJob">;

export type ModelArgs = ArgsOf<BackendRequired<z.input<typeof ModelSpec>, "format">>;
export type ModelOutputs = OutputsFor<"Model">;

export type PerfJobArgs = ArgsOf<z.input<typeof PerfJobSpec>>;
export type PerfJobOutputs = OutputsFor<"PerfJob">;

export type ServiceArgs = ArgsOf<z.input<typeof ServiceSpec>>;
export type ServiceOutputs = OutputsFor<"Service">;

/** The bookkeeping inputs a program may read back as outputs (logicalName stays internal). */
const BOOKKEEPING: (keyof Bookkeeping)[] = ["deadlineSeconds", "adopt", "sourceDigest"];
/**
 * Every output key of each kind (besides `id`), from the schemas; also what manifest references may read.
 * Every one is passed (undefined unless the user set it) so the engine registers it and the class exposes it.
 */
export const OUTPUT_KEYS: Record<Kind, string[]> = perKind((kind) => [
  ...BOOKKEEPING,
  ...Object.keys(KIND_REGISTRY[kind].spec.shape),
  ...Object.keys(OUTPUT_EXTRAS[kind].shape),
]);

/**
 * Platform names claimed in this run of the program, per kind. Names are unique per kind on the platform, so
 * two resources with one name would otherwise get through preview and fail at apply with the first one
 * already created. Keyed by the run's root stack resource (a new one per run, also for inline programs run
 * many times in one process); names known only at apply (outputs) are not checked here.
 */
const claimedNames = new WeakMap<object, Map<string, string>>();

function claimName(kind: Kind, resourceName: string, platformName: unknown): void {
  if (typeof platformName !== "string") return;
  const run = pulumi.runtime.getStackResource();
  if (!run) return;
  let claimed = claimedNames.get(run);
  if (!claimed) claimedNames.set(run, (claimed = new Map()));
  const key = `${kind}\0${platformName}`;
  const first = claimed.get(key);
  if (first !== undefined) {
    throw new Error(
      `mlplatform: ${kind} "${resourceName}" has the platform name "${platformName}", which ${kind} "${first}" of this program already has: ` +
        `names are unique per kind on the platform; give one of them another \`name\` (or leave \`name\` out: it defaults to "<resource name>-<stack>")`,
    );
  }
  claimed.set(key, resourceName);
}

function props(kind: Kind, name: string, args: object): pulumi.Inputs {
  if ((args as pulumi.Inputs).__provider !== undefined) {
    throw new Error(`mlplatform: ${kind} "${name}" sets \`__provider\`: that input is the provider's own (the shim stored in state); remove it from the arguments`);
  }
  const out: pulumi.Inputs = {};
  for (const k of OUTPUT_KEYS[kind]) out[k] = undefined;
  Object.assign(out, args);
  // Default the platform name to the resource name scoped by the stack (schemas/common.ts), so the stacks
  // of one program share a platform; an explicit name is kept as written, and an adopted object keeps the
  // resource name (existing objects were named before stacks were part of names).
  out.name ??= out.adopt !== undefined ? name : stackScopedName(name, pulumi.getStack());
  out.logicalName = `${pulumi.getProject()}/${pulumi.getStack()}/${kind}/${name}`;
  claimName(kind, name, out.name);
  out.__provider = SHIM_TEXTS[kind];
  return out;
}

/**
 * Every kind's names are unique on the platform, so a replace that keeps the name can only delete first.
 * The engine asks `diff` for the order, except for `up --replace`, which skips diff: so delete-before-replace
 * is the default option of every resource here (a program may still pass `deleteBeforeReplace: false`; a
 * same-name replacement then fails with a message instead of taking over the old object).
 */
function withReplaceOrder(opts: pulumi.CustomResourceOptions | undefined): pulumi.CustomResourceOptions {
  return { deleteBeforeReplace: true, ...opts };
}

/**
 * The dynamic resource every kind extends: what `pulumi.dynamic.Resource` registers (the type
 * `pulumi-nodejs:dynamic/mlplatform:<Kind>`, run by Pulumi's dynamic-provider process), with our own
 * hand-written `__provider` (./shim.ts) instead of a serialized provider object.
 *
 * The Pulumi Node SDK makes four promises per declared output while constructing a resource and stamps each
 * with `new Error().stack`, kept only for PULUMI_DEBUG_PROMISE_LEAKS (runtime/debuggable.ts); with ~15
 * outputs per kind that was ~1.4 ms of CPU per resource, most of the program's registration time (issue 18
 * §2). So stacks are off while the SDK builds our outputs, unless that variable asks for them. The
 * resource's source position is unaffected: the SDK takes its own stack with an unlimited depth. A
 * construction error gets the caller's stack back.
 */
abstract class MlplatformResource extends pulumi.CustomResource {
  constructor(kind: Kind, name: string, args: object, opts: pulumi.CustomResourceOptions | undefined) {
    const limit = Error.stackTraceLimit;
    if (!process.env.PULUMI_DEBUG_PROMISE_LEAKS) Error.stackTraceLimit = 0;
    try {
      super(`pulumi-nodejs:dynamic/mlplatform:${kind}`, name, props(kind, name, args), withReplaceOrder(opts));
    } catch (e) {
      Error.stackTraceLimit = limit;
      if (e instanceof Error) Error.captureStackTrace(e, MlplatformResource);
      throw e;
    } finally {
      Error.stackTraceLimit = limit;
    }
  }
}

export interface Dataset extends OutputsOf<DatasetOutputs> {}
/** Named data with versions: a local file or directory ingested, checksummed and counted. */
export class Dataset extends MlplatformResource {
  constructor(name: string, args: DatasetArgs, opts?: pulumi.CustomResourceOptions) {
    super("Dataset", name, args, opts);
  }
}

export interface TrainingJob extends OutputsOf<TrainingJobOutputs> {}
/** One run of a training command on a dataset version; create waits until it Completed. */
export class TrainingJob extends MlplatformResource {
  constructor(name: string, args: TrainingJobArgs, opts?: pulumi.CustomResourceOptions) {
    super("TrainingJob", name, args, opts);
  }
}

export interface Model extends OutputsOf<ModelOutputs> {}
/** A registry entry; each new source registers a new numbered version. */
export class Model extends MlplatformResource {
  constructor(name: string, args: ModelArgs, opts?: pulumi.CustomResourceOptions) {
    super("Model", name, args, opts);
  }
}

export interface PerfJob extends OutputsOf<PerfJobOutputs> {}
/** A benchmark of one model version on flavors x concurrency levels. */
export class PerfJob extends MlplatformResource {
  constructor(name: string, args: PerfJobArgs, opts?: pulumi.CustomResourceOptions) {
    super("PerfJob", name, args, opts);
  }
}

export interface Service extends OutputsOf<ServiceOutputs> {}
/** Online inference over the Open Inference Protocol, routing traffic between model versions by weight. */
export class Service extends MlplatformResource {
  constructor(name: string, args: ServiceArgs, opts?: pulumi.CustomResourceOptions) {
    super("Service", name, args, opts);
  }
}

/** Each kind's resource class (the manifest loader declares through these). */
export const RESOURCE_CLASSES = { Dataset, TrainingJob, Model, PerfJob, Service } satisfies Record<Kind, unknown>;
