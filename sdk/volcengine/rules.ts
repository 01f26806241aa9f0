// What the Volcengine ML Platform (API 2021-10-01, seeds 000/001) does differently from the kinds' defaults,
// as data the handlers apply (sdk/kind-rules.ts). Sources: the seed digest and CLOUD-NOTES.md.
import type { BackendRules } from "../kind-rules";

const NO_TAGS = "the 2021-10-01 API keeps no readable tags (ModelTags are write-only on a version; services and perf jobs have none)";

export const VOLCENGINE_RULES: BackendRules = {
  backend: "volcengine",
  vendor: "Volcengine ML Platform",
  offered: ["Model", "PerfJob", "Service"],
  notOffered: {
    Dataset: "the ML Platform API 2021-10-01 has no dataset registry",
    // The 2024-07-01 Job API (CreateJob/GetJob/StopJob/DeleteJob) runs an image's command, but a TrainingJob is
    // a run on a Dataset version (datasetId is required) and this backend has no datasets: it does not fit.
    TrainingJob: "a TrainingJob runs on a Dataset version (datasetId), and this backend has no datasets; the vendor's 2024-07-01 Job API (an image and a command, no dataset) is not mapped by this driver",
  },
  kinds: {
    Model: {
      // UpdateModel renames a model in place; a new source/format/framework is CreateModel with ModelID (a new
      // version); description, tensor config and metrics of the latest version change with UpdateModelVersion.
      replaceKeys: [],
      patchKeys: ["name", "source", "format", "framework", "inputs", "outputs", "metrics", "description"],
      unsupported: { tags: NO_TAGS },
      allowedValues: { format: { values: ["onnx"], why: "the platform serves registry formats (ONNX here); logreg-json is the local runtime's own format" } },
      taggable: false,
      check: (spec) => {
        const fw = spec.framework;
        if (typeof fw === "string" && !/^(TensorFlow|PyTorch|ONNX|Caffe|Caffe2|MXNet|TensorRT|Scikit_Learn|XGBoost|LightGBM):[^:\s]+$/.test(fw))
          return [{ property: "framework", reason: `Volcengine model types are "<framework>:<version>" with framework one of TensorFlow, PyTorch, ONNX, Caffe, Caffe2, MXNet, TensorRT, Scikit_Learn, XGBoost, LightGBM (got "${fw}")` }];
        const src = spec.source;
        if (typeof src === "string" && /^[a-z][a-z0-9+.-]*:\/\//i.test(src) && !src.startsWith("tos://"))
          return [{ property: "source", reason: `Volcengine models come from a local file/directory (uploaded to TOS) or a tos:// path, not ${src.split("://")[0]}:// (training jobs do not run on this backend)` }];
        return [];
      },
      onDestroy: "DeleteModel: the model and all of its versions (the TOS objects stay in the bucket)",
    },
    PerfJob: {
      // A perf job has no name, description or tags on the vendor and cannot change after create.
      replaceKeys: ["modelId", "modelVersion", "jobType", "flavors"],
      patchKeys: ["name", "slo"],
      keptInState: ["name", "slo"],
      unsupported: {
        tags: NO_TAGS,
        description: "perf jobs have no description on Volcengine",
        concurrency: "Volcengine perf tasks choose their own load (one task per flavor)",
        durationSeconds: "Volcengine perf tasks choose their own duration",
        batchSize: "Volcengine perf tasks choose their own batch size",
        sampleInput: "the tensor config (MinShape/MaxShape) is derived from the model version's inputs",
      },
      taggable: false,
      onDestroy: "CancelPerfJob when it is still running; the API has no delete, so the job stays in the platform's list",
    },
    Service: {
      // Renaming needs ModifyService with a cluster id the API does not return: name replaces.
      replaceKeys: ["name"],
      patchKeys: ["models", "replicas", "flavor", "env", "description"],
      unsupported: { tags: NO_TAGS },
      taggable: false,
      check: (spec) => {
        const models = spec.models as { weight?: number }[] | undefined;
        if (Array.isArray(models) && models.length !== 1)
          return [{ property: "models", reason: `a Volcengine service (API 2021-10-01) serves exactly one model version; got ${models.length} (traffic splitting is not offered)` }];
        return [];
      },
      onDestroy: "DeleteService (the service stops and is removed; the model versions it served stay)",
    },
  },
};
