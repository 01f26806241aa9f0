// The `ml.yaml` manifest format. Each section maps a logical key to that kind's spec (the very schemas the
// platform and the provider use, widened only where a value may be a reference), so the manifest cannot
// drift from the resources it declares.
//
// References: a string `${<section>.<key>.<output>}` stands for an output of another object of the same
// manifest, e.g. `${trainingJobs.train.outputUri}` or `${models.iris.latestVersion}`. A string that is
// exactly one reference takes the output's value and type (a number stays a number); references inside a
// longer string are interpolated as text (`"${trainingJobs.train.outputUri}/model.json"`). `$${` writes a
// literal `${`. References are the dependency graph: an object is created after the objects it refers to.
// `${stacks.<key>.<output>}` reads an output of another stack named in the `stacks:` section (a Pulumi
// StackReference): how prod takes the model version that passed its perf job in staging.
import { z } from "zod";
import { DatasetSpec } from "./dataset";
import { TrainingJobSpec } from "./training-job";
import { ModelSpec } from "./model";
import { PerfJobSpec } from "./perf-job";
import { ServedModel, ServiceSpec } from "./service";
import { KIND_REGISTRY, KINDS, perSection, type KindSection } from "./kinds";
import { EnvVarName, UserTags } from "./common";

export const MANIFEST_API_VERSION = "mlplatform/v1";

/** The manifest sections (one per kind, schemas/kinds.ts), in the order a reader meets them; also the first part of a reference. */
export const SECTIONS: readonly KindSection[] = KINDS.map((k) => KIND_REGISTRY[k].section);
export type Section = KindSection;

/** Logical keys: the Pulumi resource name, and (scoped by the stack, `<key>-<stack>`) the object's `name` when none is given. */
export const ManifestKey = z
  .string()
  .regex(/^[a-z][a-z0-9-]{0,61}[a-z0-9]$/, "keys are 2-63 characters of a-z, 0-9 and '-', start with a letter and do not end with '-' (the key, suffixed with the stack, is the default object name)");

/** The inside of a reference, `<section>.<key>.<output>`; the loader checks that all three exist. */
export const REFERENCE_BODY = /^([A-Za-z]+)\.([a-z][a-z0-9-]*)\.([A-Za-z]+)$/;
/** A string that is exactly one reference. */
export const REFERENCE_PATTERN = new RegExp(`^\\$\\{${REFERENCE_BODY.source.slice(1, -1)}\\}$`);

/** A value that may also be written as a reference (for the non-string properties references feed). */
function orReference<T extends z.ZodType>(schema: T, what: string, example: string) {
  const reference = z
    .string()
    .regex(REFERENCE_PATTERN, `must be ${what} or a reference such as \${${example}}`)
    .describe("a reference to another object's output: ${<section>.<key>.<output>}");
  return z.union([schema, reference]);
}

/**
 * A secret `env` value, read when the program runs and never written into the manifest: from an environment
 * variable of the deploying process, or from a file (relative to the manifest; one trailing newline is
 * dropped). The engine keeps it encrypted in the state, reviews and previews show it masked, and the platform
 * stores env values sealed.
 */
export const SecretValue = z
  .union([
    z.strictObject({ secretFromEnv: z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, "must be an environment variable name").describe("environment variable holding the value") }),
    z.strictObject({ secretFromFile: z.string().min(1).describe("file holding the value, relative to the manifest") }),
  ])
  .describe("a secret value: { secretFromEnv: NAME } or { secretFromFile: path }");
export type SecretValue = z.infer<typeof SecretValue>;

/** `env` in a manifest: plain strings (references allowed) or secret values. */
const ManifestEnv = z.record(EnvVarName, z.union([z.string(), SecretValue])).optional();

/** What every manifest object may add to its kind's spec. */
const ObjectOptions = {
  deadlineSeconds: z
    .number()
    .int()
    .positive()
    .max(7 * 24 * 3600)
    .optional()
    .describe("how long create/update may wait for the object to become ready (Pulumi's customTimeouts do not reach dynamic providers)"),
  adopt: z
    .string()
    .min(1)
    .optional()
    .describe("id of an existing platform object to take over instead of creating a new one (dynamic resources cannot be `pulumi import`ed)"),
  dependsOn: z
    .array(z.string().regex(/^[A-Za-z]+\.[a-z][a-z0-9-]*$/, "must be <section>.<key>, e.g. perfJobs.latency"))
    .optional()
    .describe("objects to wait for without referring to their outputs, e.g. a service waiting for its perf job's SLO gate"),
};

/** `name` defaults to `<key>-<stack>` (schemas/common.ts stackScopedName), so it is optional in a manifest; tags are the
 * user's (no reserved keys). */
const optionalName = { name: DatasetSpec.shape.name.optional(), tags: UserTags.optional() };

export function manifestDataset<T extends typeof DatasetSpec>(spec: T) {
  return spec.extend({ ...optionalName, ...ObjectOptions });
}
export const ManifestDataset = manifestDataset(DatasetSpec);

/** A training job's manifest entry over a spec schema: the kind's, or a backend's own (KindRule.specSchema). */
export function manifestTrainingJob<T extends typeof TrainingJobSpec>(spec: T) {
  return spec.extend({
    ...optionalName,
    env: ManifestEnv,
    datasetVersion: orReference(TrainingJobSpec.shape.datasetVersion.unwrap(), "a version number", "datasets.iris.latestVersion").optional(),
    ...ObjectOptions,
  });
}
export const ManifestTrainingJob = manifestTrainingJob(TrainingJobSpec);

/** A model's manifest entry over a spec schema: the kind's, or a backend's own. */
export function manifestModel<T extends typeof ModelSpec>(spec: T) {
  return spec.extend({
    ...optionalName,
    // A model may take its metrics from the training job that produced it: `${trainingJobs.train.metrics}`.
    metrics: orReference(ModelSpec.shape.metrics.unwrap(), "a map of metric names to numbers", "trainingJobs.train.metrics").optional(),
    ...ObjectOptions,
  });
}
export const ManifestModel = manifestModel(ModelSpec);

export function manifestPerfJob<T extends typeof PerfJobSpec>(spec: T) {
  return spec.extend({
    ...optionalName,
    modelVersion: orReference(PerfJobSpec.shape.modelVersion, "a version number", "models.iris.version"),
    ...ObjectOptions,
  });
}
export const ManifestPerfJob = manifestPerfJob(PerfJobSpec);

export const ManifestServedModel = ServedModel.extend({ version: orReference(ServedModel.shape.version, "a version number", "models.iris.version") });

// ServiceSpec carries the weights-add-up-to-100 refinement, which zod will not carry over to an object whose
// property types change; re-attach ServiceSpec's own checks (they only read `models[].weight`) instead of
// writing the rule twice.
export function manifestService<T extends typeof ServiceSpec>(spec: T) {
  // The kind's own whole-service rules (weights add up to 100) hold on every backend.
  const checks = (ServiceSpec._zod.def.checks ?? []) as z.core.$ZodCheck<unknown>[];
  return z
    .strictObject({
      ...spec.shape,
      ...optionalName,
      models: z.array(ManifestServedModel).min(1).max(4),
      env: ManifestEnv,
      ...ObjectOptions,
    })
    .check(...checks);
}
export const ManifestService = manifestService(ServiceSpec);

/** Stack outputs the loader always produces; a manifest's own outputs cannot take these names. */
export const GENERATED_OUTPUTS = ["services", "models"];

/** The spec schema of each section (its kind's spec, widened where references may stand): one per kind. */
export const SECTION_SCHEMAS = {
  datasets: ManifestDataset,
  trainingJobs: ManifestTrainingJob,
  models: ManifestModel,
  perfJobs: ManifestPerfJob,
  services: ManifestService,
} as const satisfies Record<KindSection, z.ZodType>;

/** How each section's entry is built from a spec schema (the kind's, or a backend's own). */
const SECTION_BUILDERS: Record<KindSection, (spec: any) => z.ZodType> = {
  datasets: manifestDataset,
  trainingJobs: manifestTrainingJob,
  models: manifestModel,
  perfJobs: manifestPerfJob,
  services: manifestService,
};

const section = <T extends z.ZodType>(spec: T) => z.record(ManifestKey, spec).optional();
const sections = perSection((_kind, s) => section(SECTION_SCHEMAS[s])) as unknown as {
  [S in KindSection]: z.ZodOptional<z.ZodRecord<typeof ManifestKey, (typeof SECTION_SCHEMAS)[S]>>;
};

/**
 * The manifest for a backend whose kinds take specs of their own (KindRule.specSchema, e.g. a ModelArts
 * training job's engine and boot file): those sections validate against the backend's spec, widened for
 * manifests exactly as the kind's own. Without overrides it is `Manifest`.
 */
export function manifestSchemaWith(specs: Partial<Record<KindSection, z.ZodObject<any>>>) {
  const overridden = Object.fromEntries(Object.entries(specs).map(([s, spec]) => [s, section(SECTION_BUILDERS[s as KindSection](spec))]));
  return Manifest.extend(overridden);
}

export const Manifest = z.strictObject({
  apiVersion: z.literal(MANIFEST_API_VERSION),
  description: z.string().optional(),
  ...sections,
  stacks: z
    .record(ManifestKey, z.string().regex(/^[A-Za-z0-9._-]+(\/[A-Za-z0-9._-]+){0,2}$/, "a stack name: <stack>, <project>/<stack> or <organization>/<project>/<stack>"))
    .optional()
    .describe(
      "stack references (Pulumi StackReference): key → another stack, whose outputs `${stacks.<key>.<output>}` reads, " +
        "e.g. prod serving the model version staging benchmarked: `stacks: { staging: organization/mlplatform/staging }`",
    ),
  outputs: z
    .record(
      z
        .string()
        .regex(/^[A-Za-z_][A-Za-z0-9_]*$/, "output names are identifiers")
        .refine((n) => !GENERATED_OUTPUTS.includes(n), "is the name of a generated stack output (services, models)"),
      z.string(),
    )
    .optional()
    .describe("extra stack outputs: name → a reference or a string with references"),
});
export type Manifest = z.infer<typeof Manifest>;


/** Manifest-only properties: never sent to the platform as part of the spec. */
export const OBJECT_OPTION_KEYS = Object.keys(ObjectOptions) as (keyof typeof ObjectOptions)[];
