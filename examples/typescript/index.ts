// The quickstart stack as a TypeScript program: the same five resources as examples/quickstart/ml.yaml,
// wired by outputs instead of ${…} references. In your own project import the resources from "mlplatform"
// and the stack helpers from "mlplatform/automation"; inside this repository both come from the source tree.
//
// Run it (after `npm run build`):  node dist/examples/typescript/index.js [up|preview|destroy] [--work-dir D]
// or use `program` as the inline program of your own Automation API stack.
import { resolve } from "node:path";
import * as pulumi from "@pulumi/pulumi";
import { Dataset, Model, PerfJob, Service, TrainingJob } from "../../provider";
import { defaultDataDir, ensurePlatform, openStack, packageRoot } from "../../automation";

export interface ProgramOptions {
  /** The quickstart directory relative to the Pulumi project directory (paths in state stay relative). */
  quickstartDir?: string;
  /** Prefix of platform object names, so this stack can live beside the YAML quickstart. */
  prefix?: string;
  learningRate?: number;
  epochs?: number;
}

export function program(opts: ProgramOptions = {}) {
  const dir = opts.quickstartDir ?? "examples/quickstart";
  const p = opts.prefix ?? "iris-ts";

  const data = new Dataset("iris", {
    name: p,
    format: "csv",
    source: `${dir}/data/iris.csv`,
    description: "Fisher's iris measurements, 150 samples, 4 features, 3 species",
  });

  const train = new TrainingJob("train", {
    name: `${p}-train`,
    command: ["node", "train.ts"],
    workingDir: dir,
    datasetId: data.id,
    datasetVersion: data.latestVersion,
    hyperParameters: { learning_rate: opts.learningRate ?? 0.5, epochs: opts.epochs ?? 300 },
    maxRuntimeSeconds: 300,
    description: "multinomial logistic regression by gradient descent (train.ts)",
  });

  // The job's outputUri names the job: a retrained job is a new source, hence a new model version.
  const model = new Model("model", {
    name: p,
    source: pulumi.interpolate`${train.outputUri}/model.json`,
    format: "logreg-json",
    inputs: [{ name: "input", datatype: "FP32", shape: [-1, 4] }],
    metrics: train.metrics,
    description: "iris species from sepal and petal measurements",
  });

  const latency = new PerfJob("latency", {
    name: `${p}-latency`,
    modelId: model.id,
    modelVersion: model.version,
    concurrency: [1, 4],
    durationSeconds: 2,
    sampleInput: [{ name: "input", datatype: "FP32", shape: [1, 4], data: [5.1, 3.5, 1.4, 0.2] }],
    slo: { p99LatencyMs: 1000, maxErrorRate: 0.01 },
    description: "latency gate before the service rolls",
  });

  const service = new Service(
    "service",
    {
      name: p,
      models: [{ modelId: model.id, version: model.version, weight: 100 }],
      replicas: 2,
      description: "iris classifier, Open Inference Protocol",
    },
    // Roll only after the new version's benchmark met its SLO.
    { dependsOn: [latency] },
  );

  return { endpoint: service.endpoint, modelName: model.name, modelVersion: model.version, sloMet: latency.sloMet };
}

/** A tiny runner: one stack operation on the local platform, through the same helper as the CLI. */
async function main(action: string, workDir: string): Promise<void> {
  if (!process.env.MLPLATFORM_ENDPOINT) await ensurePlatform({ dataDir: defaultDataDir(), allowedRoots: [workDir] }, console.log);
  const { stack } = await openStack({ workDir, stackName: "typescript", program: async () => program() });
  const onOutput = (t: string) => process.stdout.write(t);
  if (action === "destroy") await stack.destroy({ onOutput });
  else if (action === "preview") await stack.preview({ onOutput });
  else {
    const result = await stack.up({ onOutput });
    console.log(`endpoint: ${result.outputs.endpoint?.value}`);
  }
}

if (require.main === module) {
  const i = process.argv.indexOf("--work-dir");
  const workDir = i > 0 && process.argv[i + 1] ? resolve(process.argv[i + 1]) : packageRoot();
  main(process.argv[2] && !process.argv[2].startsWith("--") ? process.argv[2] : "up", workDir).catch((err) => {
    console.error(err instanceof Error ? err.message : err);
    process.exitCode = 1;
  });
}
