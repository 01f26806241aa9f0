// What Baidu Qianfan (console API V2, seed 003 + the qianfan SDK) does differently from the kinds' defaults, as
// data the handlers apply (sdk/kind-rules.ts): a TrainingJob is a fine-tuning run of a vendor base model
// (its own inputs and ranges, checked at check time), a Model is a run published as a model version, a
// Service deploys one model version and cannot be deleted through the API, PerfJob does not exist. Nothing
// but a dataset's new source and a service's model version has an API to change it: every other change
// replaces the object, and keys the vendor does not keep are refused.
import { z } from "zod";
import { ModelFormat, ModelSpec, ServiceSpec, TrainingJobSpec } from "../../schemas";
import type { BackendRules } from "../kind-rules";

const NO_TAGS = "Qianfan objects keep no key/value tags";

/** Learning-rate bounds per base model family (vendor docs for createJob: ERNIE models vs the others). */
export function learningRateRange(baseModel: string): [number, number] {
  return /^ERNIE/i.test(baseModel) ? [0.00001, 0.00004] : [0.0000002, 0.0002];
}

/** A fine-tuning run's vendor inputs, in `hyperParameters` (the key the kinds already give run parameters). */
export const QianfanHyperParameters = z
  .strictObject({
    baseModel: z.string().min(1).describe("the Qianfan base model to fine-tune (CreateFineTuningJob.model), e.g. ERNIE-Speed-8K"),
    trainMode: z.enum(["SFT", "PostPretrain", "DPO", "KTO"]).default("SFT"),
    parameterScale: z.enum(["FullFineTuning", "PromptTuning", "LoRA"]).default("LoRA"),
    epoch: z.number().int().min(1).max(50).default(1),
    learningRate: z.number().positive().describe("ERNIE models: 0.00001–0.00004; others: 0.0000002–0.0002"),
    maxSeqLen: z.union([z.literal(4096), z.literal(8192)]).default(4096),
    splitRatio: z.number().int().min(0).max(50).default(20).describe("percent of the dataset held out for evaluation"),
  })
  .superRefine((hp, ctx) => {
    const [lo, hi] = learningRateRange(hp.baseModel);
    if (hp.learningRate < lo || hp.learningRate > hi)
      ctx.addIssue({ code: "custom", path: ["learningRate"], message: `${hp.learningRate} is outside the range Qianfan accepts for ${hp.baseModel} (${lo}–${hi})` });
  });
export type QianfanHyperParameters = z.infer<typeof QianfanHyperParameters>;

const NOT_A_COMMAND = "a Qianfan fine-tuning run trains a vendor base model (hyperParameters.baseModel); there is no user command, image or machine to choose";

/** What a Qianfan run takes; every other TrainingJob key (today's and any added later for local runs) is refused. */
const RUN_KEYS = ["name", "datasetId", "datasetVersion", "hyperParameters", "description"];
const RUN_REFUSALS: Record<string, string> = {
  ...Object.fromEntries(Object.keys(TrainingJobSpec.shape).filter((k) => !RUN_KEYS.includes(k)).map((k) => [k, NOT_A_COMMAND])),
  maxRuntimeSeconds: "Qianfan sets no run-time limit; deadlineSeconds is how long up waits",
  tags: NO_TAGS,
};

export const QIANFAN_RULES: BackendRules = {
  backend: "qianfan",
  vendor: "Baidu Qianfan",
  offered: ["Dataset", "TrainingJob", "Model", "Service"],
  notOffered: {
    PerfJob: "Qianfan has no performance-benchmark API (its evaluation scores answer quality, not latency); run the PerfJob on the local backend against the service endpoint, or omit it",
  },
  kinds: {
    Dataset: {
      // A new source is a new dataset version (CreateDatasetVersion + CreateImportTask + PublishDatasetVersion);
      // nothing else of a dataset can change through the API.
      replaceKeys: ["name", "format", "description"],
      patchKeys: ["source"],
      unsupported: { tags: NO_TAGS },
      allowedValues: { format: { values: ["jsonl"], why: "Qianfan fine-tuning reads prompt/response JSON lines (dataFormat PromptResponse)" } },
      // The live source is the BOS copy; the declared (local) spelling is reported, its content digest decides.
      keptInState: ["source"],
      taggable: false,
      onDestroy: "DeleteDataset (every version; the BOS objects stay in the bucket)",
    },
    TrainingJob: {
      specSchema: TrainingJobSpec.extend({
        command: z.array(z.string()).optional(),
        flavor: z.string().optional(),
        instanceCount: z.number().int().optional(),
        maxRuntimeSeconds: z.number().int().optional(),
        hyperParameters: QianfanHyperParameters,
      }),
      replaceKeys: ["name", "datasetId", "datasetVersion", "hyperParameters", "description"],
      patchKeys: [],
      unsupported: RUN_REFUSALS,
      taggable: false,
      onDestroy: "StopFineTuningTask when it runs, then DeleteFineTuningTask and DeleteFineTuningJob",
    },
    Model: {
      specSchema: ModelSpec.extend({ format: ModelFormat.optional() }),
      // A new source (another finished run) is a new version of the model set (CreateCustomModel); a version's
      // description is fixed at publish (the set has none), so a new description is a new model set.
      replaceKeys: ["name", "description"],
      patchKeys: ["source"],
      unsupported: {
        format: "Qianfan publishes models from its own fine-tuning runs; the format is the base model's",
        framework: "Qianfan publishes models from its own fine-tuning runs; there is no framework to declare",
        inputs: "Qianfan models are chat/completion models; there are no tensors to declare",
        outputs: "Qianfan models are chat/completion models; there are no tensors to declare",
        metrics: "Qianfan keeps a run's own metrics; declared metrics have nowhere to go",
        tags: NO_TAGS,
      },
      taggable: false,
      check: (spec) => {
        const src = spec.source;
        if (typeof src === "string" && !/^qianfan:\/\/finetuning\/[^/]+\/[^/]+$/.test(src))
          return [{ property: "source", reason: `Qianfan publishes models only from its own fine-tuning runs: set source to a TrainingJob's outputUri (qianfan://finetuning/<jobId>/<taskId>), not "${src}"` }];
        return [];
      },
      onDestroy: "DeleteModel for each version, then DeleteModelSet (fails while a service serves a version)",
    },
    Service: {
      specSchema: z.strictObject({
        ...ServiceSpec.shape,
        flavor: z.enum(["public", "private"]).default("public").describe("Qianfan resource pool: public (pay as you go) or private (prepaid: waits for payment in the console)"),
      }),
      // ModifyService moves a service to another model version in place; replicas, pool and name were fixed
      // at CreateService.
      replaceKeys: ["name", "replicas", "flavor", "description"],
      patchKeys: ["models"],
      unsupported: { env: "Qianfan services run the vendor's serving stack; there is no environment to set", tags: NO_TAGS },
      taggable: false,
      check: (spec) => {
        const models = spec.models as { weight?: number }[] | undefined;
        if (Array.isArray(models) && models.length !== 1)
          return [{ property: "models", reason: `a Qianfan service serves exactly one model version; got ${models.length} (there is no traffic split)` }];
        if (Array.isArray(models) && (models[0]?.weight ?? 100) !== 100)
          return [{ property: "models[0].weight", reason: "a Qianfan service sends all traffic to its one model version: weight must be 100" }];
        const name = spec.name;
        if (typeof name === "string" && name.length > 20)
          return [{ property: "name", reason: `Qianfan service names (and URL suffixes) are 2–20 characters; "${name}" has ${name.length}` }];
        return [];
      },
      onDestroy:
        "NOT deleted: Qianfan has no API to delete a service. destroy fails and says so; delete it in the Qianfan console, then remove it from state (pulumi state delete), or set retainOnDelete: true on the resource to release it from state without deleting",
    },
  },
};
