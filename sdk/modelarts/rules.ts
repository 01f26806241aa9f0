// What Huawei ModelArts does differently from the kinds' defaults, as data the handlers apply
// (sdk/kind-rules.ts). Sources: seeds 002/004 (digest-modelarts-*.md) and CLOUD-NOTES.md.
import { z } from "zod";
import { TrainingJobSpec } from "../../schemas";
import type { BackendRules } from "../kind-rules";

const NOT_MAPPED = "not mapped by this driver yet";
/** The evaluation metrics a ModelArts model carries (model_metrics, seed Table 7-17). */
export const MODEL_METRICS = ["f1", "recall", "precision", "accuracy"];

/** A ModelArts preset AI engine (training-job-engines: engine_name + engine_version). */
export const ModelArtsEngine = z.strictObject({
  name: z.string().min(1).describe('engine_name, e.g. "PyTorch"'),
  version: z.string().min(1).describe('engine_version, e.g. "pytorch_1.8.0-cuda_10.2-py_3.7-ubuntu_18.04-x86_64"'),
});

/**
 * A ModelArts training job (v2 /training-jobs), the TrainingJob kind's spec for this backend: the run is a boot
 * file in a code directory (uploaded to OBS when local and changed) on a preset engine, or a command in a custom
 * SWR image; inputs are a ModelArts dataset version, outputs an OBS directory; flavor and node count pick the
 * machines. Keys the local platform uses and ModelArts has no place for are kept optional here and refused
 * by name (unsupported) instead of "unknown property".
 */
export const ModelArtsTrainingJobSpec = TrainingJobSpec.extend({
  name: z.string().regex(/^[A-Za-z0-9_-]{1,64}$/, "a ModelArts training job name has 1-64 letters, digits, - or _"),
  engine: ModelArtsEngine.optional().describe("a preset AI engine that runs bootFile (exactly one of engine and image)"),
  image: z.string().min(1).optional().describe("a custom SWR image (org/name:tag) that runs command (exactly one of engine and image)"),
  command: z.array(z.string()).min(1).optional().describe("custom image only: the boot command (argv, joined with shell quoting)"),
  workingDir: z.string().min(1).describe("the code directory: a local directory (uploaded to OBS when its content changed) or an obs:// directory"),
  bootFile: z.string().min(1).optional().describe("engine only: the entry script, relative to workingDir (it must be inside it)"),
  flavor: z.string().min(1).describe("a ModelArts training flavor (training-job-flavors), e.g. modelarts.vm.cpu.8u"),
  instanceCount: z.number().int().min(1).max(16).default(1).describe("node_count: how many nodes run the job"),
  outputDir: z
    .string()
    .regex(/^obs:\/\/[^/]+\/.+\/$/, "an OBS directory: obs://bucket/path/")
    .optional()
    .describe("where the job writes its output (algorithm.outputs train_url); default obs://<bucket>/mlplatform/training-output/<name>/<run>/, one directory per distinct run"),
  maxRuntimeSeconds: z.number().int().optional(),
});
export type ModelArtsTrainingJobSpec = z.infer<typeof ModelArtsTrainingJobSpec>;

export const MODELARTS_RULES: BackendRules = {
  backend: "modelarts",
  vendor: "Huawei ModelArts",
  offered: ["Dataset", "TrainingJob", "Model", "Service"],
  notOffered: {
    PerfJob: "ModelArts has no performance-test job API (the seeds document none)",
  },
  kinds: {
    TrainingJob: {
      specSchema: ModelArtsTrainingJobSpec,
      // PUT /training-jobs/{id} takes only the description; everything else defines the run (a new job).
      // ("sourceDigest": new bytes in the same local code directory are a new run too.)
      replaceKeys: ["name", "engine", "image", "command", "workingDir", "bootFile", "env", "datasetId", "datasetVersion", "hyperParameters", "flavor", "instanceCount", "outputDir", "sourceDigest"],
      patchKeys: ["description"],
      unsupported: {
        python: "ModelArts engines bring their own packages (put a pip requirements file in the code directory, or use a custom image)",
        maxRuntimeSeconds: `a ModelArts run-time limit (spec.auto_stop) is ${NOT_MAPPED}; deadlineSeconds is how long up waits`,
        tags: "ModelArts training-job tags are not mapped (the v2 tag API is separate); jobs are found by name",
      },
      // The vendor keeps the OBS copy of a local code directory, parameter values as strings and the command as one
      // shell line: state keeps what was declared. Neither can change on a live job, so there is no drift to miss.
      keptInState: ["workingDir", "hyperParameters", "command"],
      digestKey: "workingDir",
      taggable: false,
      check: (spec) => {
        const out: { property: string; reason: string }[] = [];
        const has = (k: string) => spec[k] !== undefined;
        if (has("engine") === has("image")) out.push({ property: has("engine") ? "image" : "engine", reason: "a ModelArts training job runs on exactly one of engine (a preset AI engine with bootFile) or image (a custom image with command)" });
        if (has("engine") && !has("bootFile")) out.push({ property: "bootFile", reason: "a job on a preset engine runs a boot file: set bootFile (relative to workingDir)" });
        if (has("engine") && has("command")) out.push({ property: "command", reason: "a job on a preset engine runs bootFile; command is for a custom image" });
        if (has("image") && !has("engine") && !has("command")) out.push({ property: "command", reason: "a job on a custom image runs its boot command: set command" });
        const wd = spec.workingDir;
        if (typeof wd === "string" && /^[a-z][a-z0-9+.-]*:\/\//i.test(wd) && !wd.startsWith("obs://"))
          out.push({ property: "workingDir", reason: `ModelArts code directories are local directories (uploaded to OBS) or obs:// paths, not ${wd.split("://")[0]}://` });
        const bf = spec.bootFile;
        if (typeof bf === "string" && (bf.startsWith("/") || bf.includes("://") || bf.split("/").includes("..")))
          out.push({ property: "bootFile", reason: "bootFile is relative to workingDir and inside it (ModelArts: the boot file must be stored in code_dir)" });
        const desc = spec.description;
        if (typeof desc === "string" && desc.length > 256) out.push({ property: "description", reason: "a ModelArts training job description has at most 256 characters" });
        return out;
      },
      onDestroy: "POST /actions {action_type: terminate} when it is still Creating/Pending/Running, then DELETE /training-jobs/{id} (its OBS output stays in the bucket)",
    },
    Dataset: {
      // PUT changes dataset_name and description; new data (a new source, or new bytes behind the same path) is
      // uploaded to OBS, imported into the same dataset (an import task) and published as its next version
      // (each version immutable once made).
      replaceKeys: ["format"],
      patchKeys: ["name", "description", "source"],
      unsupported: { tags: "ModelArts datasets keep no tags through this API" },
      // The vendor keeps neither the format nor the local path (its data_sources cannot change after create).
      keptInState: ["format", "source"],
      taggable: false,
      check: (spec) => {
        const out: { property: string; reason: string }[] = [];
        if (typeof spec.name === "string" && !/^[A-Za-z0-9_-]{1,100}$/.test(spec.name))
          out.push({ property: "name", reason: "a ModelArts dataset name has 1-100 letters, digits, - or _" });
        const desc = spec.description;
        if (typeof desc === "string" && (desc.length > 256 || /[\^!<>=&"']/.test(desc)))
          out.push({ property: "description", reason: "a ModelArts dataset description has at most 256 characters and none of ^ ! < > = & \" '" });
        const src = spec.source;
        if (typeof src === "string" && /^[a-z][a-z0-9+.-]*:\/\//i.test(src) && !src.startsWith("obs://"))
          out.push({ property: "source", reason: `ModelArts datasets come from a local file/directory (uploaded to OBS) or an obs:// path, not ${src.split("://")[0]}://` });
        return out;
      },
      onDestroy: "DeleteDataset (the dataset, its versions and imports; the uploaded OBS data stays in the bucket)",
    },
    Model: {
      // Models are immutable with (name, version) unique: a new source, framework, description or metrics registers
      // the next version of the same name (no update call exists).
      replaceKeys: ["name"],
      patchKeys: ["source", "format", "framework", "description", "metrics"],
      unsupported: {
        tags: "ModelArts v1 models keep no tags",
        inputs: `model input tensors (ModelArts apis/input_params) are ${NOT_MAPPED}`,
        outputs: `model output tensors (ModelArts apis/output_params) are ${NOT_MAPPED}`,
      },
      allowedValues: { format: { values: ["onnx"], why: "ModelArts serves model files in a runtime; logreg-json is the local runtime's own format" } },
      keptInState: ["format"],
      taggable: false,
      check: (spec) => {
        const fw = spec.framework;
        const types = ["TensorFlow", "MXNet", "Caffe", "Spark_MLlib", "Scikit_Learn", "XGBoost", "Image", "PyTorch", "Template", "Custom"];
        if (typeof fw === "string" && !types.includes(fw))
          return [{ property: "framework", reason: `ModelArts model_type is one of ${types.join(", ")} (got "${fw}")` }];
        const metrics = spec.metrics as Record<string, unknown> | undefined;
        const unknownMetric = Object.keys(metrics ?? {}).find((k) => !MODEL_METRICS.includes(k));
        if (unknownMetric !== undefined)
          return [{ property: `metrics.${unknownMetric}`, reason: `ModelArts keeps a model's evaluation metrics as ${MODEL_METRICS.join(", ")} (model_metrics); "${unknownMetric}" has no place there` }];
        const src = spec.source;
        if (typeof src === "string" && /^[a-z][a-z0-9+.-]*:\/\//i.test(src) && !src.startsWith("obs://"))
          return [{ property: "source", reason: `ModelArts models come from a local file/directory (uploaded to OBS) or an obs:// path, not ${src.split("://")[0]}://` }];
        const desc = spec.description;
        if (typeof desc === "string" && (desc.length > 100 || /[!<>=&'"]/.test(desc)))
          return [{ property: "description", reason: "a ModelArts model description has at most 100 characters and none of ! < > = & ' \"" }];
        return [];
      },
      onDestroy: "DeleteModel for every version of the name (after the services that deploy them are gone; ModelArts.3009 = still deployed, waited out)",
    },
    Service: {
      replaceKeys: ["name"],
      patchKeys: ["models", "replicas", "flavor", "env", "description"],
      unsupported: { tags: "classic ModelArts services keep no tags" },
      taggable: false,
      check: (spec) => {
        const out: { property: string; reason: string }[] = [];
        const models = spec.models as { modelId: string; version: number }[] | undefined;
        if (Array.isArray(models)) {
          const keys = models.map((m) => `${m.modelId}@${m.version}`);
          if (new Set(keys).size !== keys.length) out.push({ property: "models", reason: "a ModelArts real-time service deploys each model version once (ModelArts.3516)" });
        }
        if (typeof spec.replicas === "number" && spec.replicas > 5)
          out.push({ property: "replicas", reason: `a ModelArts real-time service runs at most 5 instances per model version (got ${spec.replicas}; more needs a service ticket)` });
        if (typeof spec.description === "string" && spec.description.length > 100)
          out.push({ property: "description", reason: "a ModelArts service description has at most 100 characters" });
        return out;
      },
      onDestroy: "DeleteService, waited until it is gone (the model versions it deployed are released then)",
    },
  },
};
