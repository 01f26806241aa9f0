// The Qianfan example: fine-tune a Qianfan base model on a local JSON-lines dataset (uploaded to BOS first),
// publish the finished run as a model version and deploy it. Nothing here names the backend:
// `mlplatform:backend: qianfan` (or MLPLATFORM_BACKEND) selects it; the IAM keys come from stack config
// secrets (mlplatform:accessKey/secretKey) or QIANFAN_ACCESS_KEY/QIANFAN_SECRET_KEY, the BOS bucket from
// mlplatform:objectStoreBucket or QIANFAN_BOS_BUCKET, all at run time.
import { Dataset, Model, Service, TrainingJob } from "../../provider";

export interface QianfanProgramOptions {
  /** The dataset file relative to the Pulumi project directory. */
  dataFile?: string;
  prefix?: string;
  /** Qianfan has no API to delete a service: with true, destroy releases it from state and leaves it running. */
  retainService?: boolean;
}

export function program(opts: QianfanProgramOptions = {}) {
  const p = opts.prefix ?? "faq";
  const dataset = new Dataset("dataset", {
    name: `${p}-sft`,
    format: "jsonl",
    source: opts.dataFile ?? "examples/qianfan/train.jsonl",
    description: "prompt/response pairs for supervised fine-tuning",
  });
  // A new dataset version is a new run (every input of a run replaces it), which the model publishes as its
  // next version and the service switches to in place.
  const run = new TrainingJob("finetune", {
    name: `${p}-lora`,
    datasetId: dataset.id,
    datasetVersion: dataset.latestVersion,
    hyperParameters: { baseModel: "ERNIE-Speed-8K", trainMode: "SFT", parameterScale: "LoRA", epoch: 3, learningRate: 0.00003, maxSeqLen: 4096, splitRatio: 20 },
  });
  const model = new Model("model", { name: `${p}-model`, source: run.outputUri, description: "ERNIE-Speed-8K LoRA on the FAQ set" });
  const service = new Service(
    "service",
    { name: `${p}-svc`, models: [{ modelId: model.id, version: model.version }], replicas: 1, flavor: "public" },
    { retainOnDelete: opts.retainService ?? false },
  );
  return { datasetVersion: dataset.latestVersion, runStatus: run.status, modelVersion: model.version, endpoint: service.endpoint, serviceStatus: service.status };
}
