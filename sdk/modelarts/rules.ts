// What Huawei ModelArts does differently from the kinds' defaults, as data the handlers apply
// (sdk/kind-rules.ts). Sources: seeds 002/004 (digest-modelarts-*.md) and CLOUD-NOTES.md.
import type { BackendRules } from "../kind-rules";

const NOT_MAPPED = "not mapped by this driver yet";

export const MODELARTS_RULES: BackendRules = {
  backend: "modelarts",
  vendor: "Huawei ModelArts",
  offered: ["Dataset", "Model", "Service"],
  notOffered: {
    PerfJob: "ModelArts has no performance-test job API (the seeds document none)",
    // Honest scope: the v2 training-job API exists on ModelArts but this driver does not map it yet. It needs an
    // engine or image and a boot file in an OBS code dir, which the neutral spec (command, workingDir) does not name.
    TrainingJob: `ModelArts training jobs (/v2/{project_id}/training-jobs: an engine or image, a boot file in an OBS code directory, OBS inputs/outputs) are ${NOT_MAPPED}; train elsewhere and register the result as a Model from a local directory or obs:// path`,
  },
  kinds: {
    Dataset: {
      // PUT changes dataset_name and description; data enters a dataset through import tasks (not mapped), so
      // new data (a new source or new bytes behind it) is a new dataset; the published version is immutable.
      // ("sourceDigest": new bytes behind the same local path are new data too.)
      replaceKeys: ["format", "source", "sourceDigest"],
      patchKeys: ["name", "description"],
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
      onDestroy: "DeleteDataset (the dataset and its versions; the uploaded OBS data stays in the bucket)",
    },
    Model: {
      // Models are immutable with (name, version) unique: a new source, framework or description registers the
      // next version of the same name (no update call exists).
      replaceKeys: ["name"],
      patchKeys: ["source", "format", "framework", "description"],
      unsupported: {
        tags: "ModelArts v1 models keep no tags",
        inputs: `model input tensors (ModelArts apis/input_params) are ${NOT_MAPPED}`,
        outputs: `model output tensors (ModelArts apis/output_params) are ${NOT_MAPPED}`,
        metrics: `model metrics are ${NOT_MAPPED}`,
      },
      allowedValues: { format: { values: ["onnx"], why: "ModelArts serves model files in a runtime; logreg-json is the local runtime's own format" } },
      keptInState: ["format"],
      taggable: false,
      check: (spec) => {
        const fw = spec.framework;
        const types = ["TensorFlow", "MXNet", "Caffe", "Spark_MLlib", "Scikit_Learn", "XGBoost", "Image", "PyTorch", "Template", "Custom"];
        if (typeof fw === "string" && !types.includes(fw))
          return [{ property: "framework", reason: `ModelArts model_type is one of ${types.join(", ")} (got "${fw}")` }];
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
