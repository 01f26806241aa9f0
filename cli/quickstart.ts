// `mlplatform quickstart`: the Node part of ./scripts/quickstart.sh. Starts the local platform when none
// answers, deploys examples/quickstart/ml.yaml (a local file backend under the data directory), then
// prints the service's endpoint and one real prediction made through it. Running it again changes nothing.
import { resolve } from "node:path";
import { defaultDataDir } from "../sdk/connection";
import { checkManifest } from "../provider/manifest/load";
import { ensurePlatform } from "./platform";
import { DEFAULT_MANIFEST, DEFAULT_STACK_NAME, openStack } from "./stack";
import { recoverInterruptedRun } from "./stack-recovery";
import { packageRoot } from "./package-root";

export interface QuickstartOptions {
  stack?: string;
  dataDir?: string;
  workDir?: string;
  /** Where progress and the result are written (default stdout). */
  out?: NodeJS.WritableStream;
}

export interface QuickstartResult {
  endpoint: string;
  modelName: string;
  modelVersion: number;
  /** The sample sent and what the service answered. */
  sample: number[];
  prediction: { label: string; probabilities: number[] };
}

/** One iris flower (the first row of the dataset), sent through the service's front endpoint. */
export const SAMPLE_FLOWER = [5.1, 3.5, 1.4, 0.2];

export async function runQuickstart(opts: QuickstartOptions = {}): Promise<QuickstartResult> {
  const out = opts.out ?? process.stdout;
  const say = (msg: string) => out.write(`\x1b[1m[mlplatform]\x1b[0m ${msg}\n`);
  const workDir = resolve(opts.workDir ?? packageRoot());
  const dataDir = resolve(opts.dataDir ?? defaultDataDir());
  checkManifest(DEFAULT_MANIFEST, { workDir });

  const platform = await ensurePlatform({ dataDir, allowedRoots: [workDir] }, say);
  say(`local platform: ${platform.endpoint} (data dir ${dataDir}; console: ${platform.endpoint}/ with the token in ${dataDir}/token)`);

  const { stack, backendUrl } = await openStack({ workDir, dataDir, stackName: opts.stack ?? DEFAULT_STACK_NAME, manifestPath: DEFAULT_MANIFEST, say });
  await recoverInterruptedRun(stack, backendUrl, say);
  say(`deploying ${DEFAULT_MANIFEST} to stack "${stack.name}" (state: ${backendUrl})`);
  const result = await stack.up({ onOutput: (t) => out.write(t) });

  const services = result.outputs.services?.value as Record<string, { endpoint: string; models: { modelName: string; version: number }[] }> | undefined;
  const service = services && Object.values(services)[0];
  if (!service?.endpoint) throw new Error("the quickstart stack has no service endpoint in its outputs");
  const served = service.models[0];
  const prediction = await predict(service.endpoint, served.modelName, SAMPLE_FLOWER);
  say(`service endpoint: ${service.endpoint}`);
  say(`model ${served.modelName} version ${served.version}: ${JSON.stringify(SAMPLE_FLOWER)} -> ${prediction.label} ` +
    `(probabilities ${prediction.probabilities.map((p) => p.toFixed(3)).join(", ")})`);
  say(`try it: curl -s -X POST ${service.endpoint}/v2/models/${served.modelName}/infer -H 'content-type: application/json' ` +
    `-d '${JSON.stringify(inferBody(SAMPLE_FLOWER))}'`);
  return { endpoint: service.endpoint, modelName: served.modelName, modelVersion: served.version, sample: SAMPLE_FLOWER, prediction };
}

export function inferBody(features: number[]) {
  return { inputs: [{ name: "input", datatype: "FP32", shape: [1, features.length], data: features }] };
}

/** One Open Inference Protocol (KServe v2) request; returns the first row's label and probabilities. */
export async function predict(endpoint: string, modelName: string, features: number[]): Promise<{ label: string; probabilities: number[] }> {
  const res = await fetch(`${endpoint}/v2/models/${encodeURIComponent(modelName)}/infer`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify(inferBody(features)),
    signal: AbortSignal.timeout(10_000),
  });
  const text = await res.text();
  if (!res.ok) throw new Error(`prediction failed: HTTP ${res.status} from ${endpoint}: ${text}`);
  const body = JSON.parse(text) as { outputs: { name: string; data: unknown[] }[] };
  const label = body.outputs.find((o) => o.name === "label")?.data[0];
  const probabilities = body.outputs.find((o) => o.name === "probabilities")?.data as number[] | undefined;
  if (typeof label !== "string") throw new Error(`prediction answer has no label output: ${text}`);
  return { label, probabilities: (probabilities ?? []).slice(0, 3) };
}
