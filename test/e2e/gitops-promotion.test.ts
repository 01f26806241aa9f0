// examples/gitops under the real engine and the real local platform: ml.yaml deployed to `staging` (dev is
// the same manifest, in its own stack), prod.yaml deployed to `prod` serving exactly the model version whose
// perf job passed in staging, read through a stack reference (`stacks:` + `${stacks.staging.<output>}`).
// Then staging retrains (a hyper-parameter bump) and prod's review says what is promoted, what staging's
// perf job measured for it and how the training metrics and perf figures moved; prod's up rolls to it.
import { cpSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { REVIEW_EXIT, runReview } from "../../cli/review";
import { openStack } from "../../cli/stack";
import { REPO_ROOT, makeProjectDir, removeDir, startPlatformProcess, type E2EPlatform } from "./harness";

let projectDir: string;
let platform: E2EPlatform;
const savedEnv = { ...process.env };

async function up(stackName: string, manifest: string): Promise<Record<string, unknown>> {
  const { stack } = await openStack({ workDir: projectDir, stackName, manifestPath: manifest, dataDir: join(projectDir, ".mlplatform") });
  const result = await stack.up();
  expect(result.summary.result).toBe("succeeded");
  return Object.fromEntries(Object.entries(result.outputs).map(([k, v]) => [k, v.value]));
}

async function get(path: string): Promise<any> {
  const r = await platform.api("GET", path);
  expect(r.status).toBe(200);
  return r.body;
}

async function byName(kind: string, name: string): Promise<any> {
  const items = (await get(`/v1/${kind}?name=${name}`)).items;
  expect(items).toHaveLength(1);
  return items[0];
}

beforeAll(async () => {
  projectDir = makeProjectDir("promotion");
  mkdirSync(join(projectDir, "examples"));
  for (const dir of ["quickstart", "gitops"]) cpSync(join(REPO_ROOT, "examples", dir), join(projectDir, "examples", dir), { recursive: true });
  platform = await startPlatformProcess(join(projectDir, ".platform"), [projectDir]);
  Object.assign(process.env, {
    PULUMI_BACKEND_URL: `file://${join(projectDir, ".state")}`, PULUMI_CONFIG_PASSPHRASE: "", PULUMI_HOME: join(projectDir, ".pulumi-home"),
    PULUMI_SKIP_UPDATE_CHECK: "true", PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION: "true",
    MLPLATFORM_ENDPOINT: platform.endpoint, MLPLATFORM_TOKEN: platform.token, MLPLATFORM_DATA_DIR: join(projectDir, ".mlplatform"),
  });
  mkdirSync(join(projectDir, ".state"));
}, 120_000);

afterAll(async () => {
  process.env = savedEnv;
  await platform?.stop();
  if (projectDir) removeDir(projectDir);
});

describe.sequential("promotion dev → staging → prod through a stack reference", () => {
  it("prod serves exactly the model version whose perf job passed in staging", async () => {
    const staging = await up("staging", "examples/gitops/ml.yaml");
    expect(staging).toMatchObject({ promotedVersion: 1, sloMet: true });
    const prod = await up("prod", "examples/gitops/prod.yaml");
    expect(prod.servedVersion).toBe(1);

    const model = await byName("models", "iris-staging");
    expect(staging.promotedModelId).toBe(model.id);
    const perf = await byName("perf-jobs", "iris-latency-staging");
    expect(perf).toMatchObject({ modelId: model.id, modelVersion: 1, status: "Succeeded", sloMet: true });
    const service = await byName("services", "iris-prod");
    expect(service.models.map((m: any) => [m.modelId, m.version, m.weight])).toEqual([[model.id, 1, 100]]);
  }, 600_000);

  it("after staging retrains, prod's review says what is promoted and what staging measured; up rolls prod to it", async () => {
    const manifest = join(projectDir, "examples/gitops/ml.yaml");
    writeFileSync(manifest, readFileSync(manifest, "utf8").replace("learning_rate: 0.5", "learning_rate: 0.3"));
    expect(await up("staging", "examples/gitops/ml.yaml")).toMatchObject({ promotedVersion: 2, sloMet: true });

    const review = await runReview({ workDir: projectDir, stack: "prod" });
    expect([review.exitCode, review.error]).toEqual([REVIEW_EXIT.changes, undefined]);
    const md = review.markdown;
    expect(md).toContain("service `iris-prod` rolls from model `iris-staging` v1 to v2");
    expect(md).toMatch(/service `iris-prod` is promoted to model `iris-staging` v2, as measured in stack `staging` by perf job `iris-latency-staging` \(Succeeded, SLO met; p50 [\d.]+ ms, p99 [\d.]+ ms, [\d.]+ req\/s at concurrency 4\)/);
    // Old and new side by side with deltas: training metrics and perf figures.
    expect(md).toContain("**service `iris-prod`: model `iris-staging` v1 → v2**");
    expect(md).toMatch(/\| accuracy \| [\d.]+ \| [\d.]+ \| [^|]+ \|/);
    expect(md).toMatch(/\| loss \| [\d.]+ \| [\d.]+ \| [+-][\d.]+ \([+-]?[\d.]+%\) \|/);
    // v1's perf job was replaced by v2's in staging, so only v2's figures are still on the platform.
    expect(md).toMatch(/\| p99 latency \(ms\) \| – \| [\d.]+ \| +\|/);
    expect(md).toContain("| SLO met | – | yes | |");
    expect(md).toContain("v2: perf job `iris-latency-staging` (stack `staging`), Succeeded, SLO met");

    expect((await up("prod", "examples/gitops/prod.yaml")).servedVersion).toBe(2);
    const model = await byName("models", "iris-staging");
    expect((await byName("services", "iris-prod")).models.map((m: any) => [m.modelId, m.version])).toEqual([[model.id, 2]]);
  }, 900_000);
});
