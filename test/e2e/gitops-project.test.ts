// Issue 11 under the real Pulumi engine and the real local platform: a user's own TypeScript project (its
// own Pulumi.yaml, state backend and a program that imports `mlplatform`), deployed as plain `pulumi up`
// would deploy it (no Node language host here: its program is loaded in-process, cli/project.ts), then
// `mlplatform drift` / `review` run in its directory with no other flags.
// - drift names a service scaled by hand through the platform API (exit 2); a missing stack, a stack
//   without mlplatform resources, a program that is not the stack's → exit 1 with a sentence;
// - a description-only edit reviews as exactly that, nothing downstream;
// - dev and prod of the same program live side by side on one platform (names scoped per stack).
import { cpSync, mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import * as auto from "@pulumi/pulumi/automation";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DRIFT_EXIT, runDrift } from "../../cli/drift";
import { projectProgram, readProject } from "../../cli/project";
import { REVIEW_EXIT, runReview } from "../../cli/review";
import { Dataset } from "../../provider";
import { REPO_ROOT, makeProjectDir, pulumiCommand, removeDir, startPlatformProcess, type E2EPlatform } from "./harness";

let projectDir: string;
let platform: E2EPlatform;
const savedEnv = { ...process.env };
const savedCwd = process.cwd();

/** The user's program: plain CommonJS, as `tsc` would emit it. */
function writeProgram(description: string): void {
  writeFileSync(
    join(projectDir, "index.js"),
    `// A user's program: four mlplatform resources, wired by outputs.
const pulumi = require("@pulumi/pulumi");
const { Dataset, TrainingJob, Model, Service } = require("mlplatform");
const data = new Dataset("iris", { format: "csv", source: "quickstart/data/iris.csv", description: ${JSON.stringify(description)} });
const train = new TrainingJob("train", {
  command: ["node", "train.ts"], workingDir: "quickstart", datasetId: data.id, datasetVersion: data.latestVersion,
  hyperParameters: { learning_rate: 0.5, epochs: 50 }, maxRuntimeSeconds: 120,
});
const model = new Model("model", {
  source: pulumi.interpolate\`\${train.outputUri}/model.json\`, format: "logreg-json",
  inputs: [{ name: "input", datatype: "FP32", shape: [-1, 4] }], metrics: train.metrics,
});
const service = new Service("web", { models: [{ modelId: model.id, version: model.version, weight: 100 }], replicas: 1 });
exports.endpoint = service.endpoint;
`,
  );
}

/** `pulumi up` of the project as the language host would run it: Pulumi.yaml's main, the project's backend. */
async function deploy(stackName: string): Promise<auto.UpResult> {
  const project = readProject(projectDir);
  const stack = await auto.LocalWorkspace.createOrSelectStack(
    { stackName, projectName: project.name, program: projectProgram(project) },
    { workDir: projectDir, pulumiCommand: await pulumiCommand() },
  );
  return stack.up();
}

async function serviceNamed(name: string): Promise<any> {
  const r = await platform.api("GET", `/v1/services?name=${name}`);
  expect(r.body.items).toHaveLength(1);
  return r.body.items[0];
}

beforeAll(async () => {
  projectDir = makeProjectDir("gitops");
  mkdirSync(join(projectDir, "quickstart"));
  cpSync(join(REPO_ROOT, "examples/quickstart/data"), join(projectDir, "quickstart/data"), { recursive: true });
  cpSync(join(REPO_ROOT, "examples/quickstart/train.ts"), join(projectDir, "quickstart/train.ts"));
  cpSync(join(REPO_ROOT, "examples/quickstart/package.json"), join(projectDir, "quickstart/package.json"));
  writeFileSync(join(projectDir, "Pulumi.yaml"), `name: userproj\nruntime: nodejs\nmain: index.js\nbackend:\n  url: file://${projectDir}/.state\n`);
  mkdirSync(join(projectDir, ".state"));
  writeProgram("Fisher's iris measurements");
  platform = await startPlatformProcess(join(projectDir, ".platform"), [projectDir]);
  // The environment a user's shell would have; the commands get nothing else (no flags but --stack).
  delete process.env.PULUMI_BACKEND_URL;
  Object.assign(process.env, {
    PULUMI_CONFIG_PASSPHRASE: "", PULUMI_HOME: join(projectDir, ".pulumi-home"), PULUMI_SKIP_UPDATE_CHECK: "true",
    PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION: "true", MLPLATFORM_ENDPOINT: platform.endpoint, MLPLATFORM_TOKEN: platform.token,
    MLPLATFORM_DATA_DIR: join(projectDir, ".mlplatform"),
  });
  process.chdir(projectDir);
  expect((await deploy("dev")).summary.result).toBe("succeeded");
}, 300_000);

afterAll(async () => {
  process.chdir(savedCwd);
  process.env = savedEnv;
  await platform?.stop();
  if (projectDir) removeDir(projectDir);
});

describe.sequential("mlplatform review and drift on a user's own Pulumi project", () => {
  it("drift in the project directory: clean, then a service scaled by hand through the API is named (exit 2)", async () => {
    const clean = await runDrift({ stack: "dev" });
    expect([clean.exitCode, clean.error]).toEqual([DRIFT_EXIT.clean, undefined]);
    expect(clean.report!.checked).toBe(4);

    const service = await serviceNamed("web-dev");
    expect((await platform.api("PATCH", `/v1/services/${service.id}`, { replicas: 2 })).status).toBe(200);
    const drifted = await runDrift({ stack: "dev" });
    expect(drifted.exitCode).toBe(DRIFT_EXIT.drift);
    expect(drifted.output).toContain("Drift in stack dev");
    expect(drifted.report!.resources.map((r) => [r.name, r.kind, r.properties.map((p) => `${p.property}: ${p.inState} → ${p.live}`)]))
      .toEqual([["web", "Service", ["replicas: 1 → 2"]]]);
    expect((await platform.api("PATCH", `/v1/services/${service.id}`, { replicas: 1 })).status).toBe(200);
  }, 300_000);

  it("a missing stack and a stack without mlplatform resources are errors with a sentence, never 'no drift'", async () => {
    const missing = await runDrift({ stack: "nope" });
    expect(missing.exitCode).toBe(DRIFT_EXIT.error);
    expect(missing.error).toContain(`stack "nope" does not exist in project "userproj"`);
    expect(missing.error).toContain("stacks there: dev");

    await auto.LocalWorkspace.createStack({ stackName: "empty", projectName: "userproj", program: async () => {} }, { workDir: projectDir, pulumiCommand: await pulumiCommand() });
    const empty = await runDrift({ stack: "empty" });
    expect(empty.exitCode).toBe(DRIFT_EXIT.error);
    expect(empty.error).toContain("stack `empty` has no mlplatform resources in its state");
    const emptyReview = await runReview({ stack: "empty", program: async () => {} });
    expect(emptyReview.exitCode).toBe(REVIEW_EXIT.error);
    expect(emptyReview.error).toContain("stack `empty` has no mlplatform resources, and the program previewed declares none");
  }, 300_000);

  it("review of a program that is not the stack's says so (exit 1)", async () => {
    const other = await runReview({ stack: "dev", program: async () => { new Dataset("unrelated", { format: "csv", source: "quickstart/data/iris.csv" }); } });
    expect(other.exitCode).toBe(REVIEW_EXIT.error);
    expect(other.error).toContain("the program previewed is not stack `dev`'s: it would delete all 4 mlplatform resources the stack has and create 1 others");
  }, 300_000);

  it("review of a description-only edit of the project's program says exactly that, nothing downstream", async () => {
    writeProgram("Fisher's iris measurements, 150 samples");
    try {
      const review = await runReview({ stack: "dev" });
      expect([review.exitCode, review.error]).toEqual([REVIEW_EXIT.changes, undefined]);
      expect(review.markdown).toContain("### mlplatform review — stack `dev`");
      expect(review.markdown).toContain("**1 to update** · 3 unchanged");
      expect(review.report!.resources.flatMap((r) => r.notes)).toEqual(["dataset `iris-dev`: description changes"]);
      expect(review.markdown).not.toMatch(/re-run|registers|rolls|known after apply/);
    } finally {
      writeProgram("Fisher's iris measurements");
    }
  }, 300_000);

  it("dev and prod of one program deploy side by side on one platform", async () => {
    expect((await deploy("prod")).summary.result).toBe("succeeded");
    const [dev, prod] = [await serviceNamed("web-dev"), await serviceNamed("web-prod")];
    expect(dev.id).not.toBe(prod.id);
    expect(prod.models[0].modelName).toBe("model-prod");
    // Each stack still sees only its own objects: no drift in either.
    for (const stack of ["dev", "prod"]) expect((await runDrift({ stack })).exitCode).toBe(DRIFT_EXIT.clean);
  }, 600_000);
});
