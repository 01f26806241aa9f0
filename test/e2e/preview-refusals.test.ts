// Issue 12 under the real engine: a handful of the corpus's refusals through the real `mlplatform preview`
// command (exit code, file:line:col and property on stderr, no engine wording, nothing on the platform), a
// valid manifest that previews cleanly, and a TypeScript program whose check failures name the resource and
// the property without the engine's `value {<nil>}`.
import { spawn } from "node:child_process";
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Dataset, Service } from "../../provider/resources";
import { writeLogregArtifact } from "../platform/serving-fixtures";
import { REPO_ROOT, makeProjectDir, openE2EStack, removeDir, startPlatformProcess, type E2EPlatform } from "./harness";

let projectDir: string;
let platform: E2EPlatform;
const KINDS = ["datasets", "training-jobs", "models", "perf-jobs", "services"];

beforeAll(async () => {
  projectDir = makeProjectDir("refusals");
  mkdirSync(join(projectDir, "data"));
  writeFileSync(join(projectDir, "data", "iris.csv"), "a,b\n1,2\n");
  mkdirSync(join(projectDir, "models"));
  writeLogregArtifact(1, join(projectDir, "models"), "model.json");
  platform = await startPlatformProcess(join(projectDir, ".platform"), [projectDir]);
});
afterAll(async () => {
  await platform?.stop();
  if (projectDir) removeDir(projectDir);
});

async function expectPlatformEmpty(): Promise<void> {
  for (const kind of KINDS) expect((await platform.api("GET", `/v1/${kind}`)).body.items, kind).toEqual([]);
}

/** `mlplatform preview` as a user runs it, against the test platform, with a private Pulumi home and backend. */
function preview(manifest: string, text: string): Promise<{ code: number | null; stdout: string; stderr: string }> {
  writeFileSync(join(projectDir, manifest), text);
  const env = {
    ...process.env,
    MLPLATFORM_ENDPOINT: platform.endpoint,
    MLPLATFORM_TOKEN: platform.token,
    PULUMI_BACKEND_URL: `file://${join(projectDir, ".state")}`,
    PULUMI_HOME: join(projectDir, ".pulumi-home"),
    PULUMI_CONFIG_PASSPHRASE: "",
    PULUMI_SKIP_UPDATE_CHECK: "true",
    PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION: "true",
  };
  mkdirSync(join(projectDir, ".state"), { recursive: true });
  const args = [join(REPO_ROOT, "dist/cli/main.js"), "preview", "-m", manifest, "--work-dir", projectDir, "--data-dir", join(projectDir, ".platform"), "-s", "refusals"];
  return new Promise((resolve) => {
    const child = spawn(process.execPath, args, { cwd: projectDir, env });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d) => (stdout += d));
    child.stderr.on("data", (d) => (stderr += d));
    child.on("close", (code) => resolve({ code, stdout, stderr }));
  });
}

const H = "apiVersion: mlplatform/v1\n";
const MODEL = "models:\n  clf:\n    format: logreg-json\n    source: models/model.json\n";

describe("mlplatform preview refuses what apply would refuse, at the manifest's line", () => {
  const cases: [name: string, text: string, expected: RegExp][] = [
    ["replicas beyond the flavor", `${H}${MODEL}services:\n  web:\n    models:\n      - modelId: \${models.clf.id}\n        version: \${models.clf.version}\n    replicas: 8\n`, /ml\.yaml:11:15: services\.web\.replicas: flavor local\.small allows at most 4 replicas per model, got 8/],
    ["a source outside the allowed roots", `${H}datasets:\n  iris:\n    format: csv\n    source: /etc/passwd\n`, /ml\.yaml:5:13: datasets\.iris\.source: source "\/etc\/passwd" is outside the platform's allowed roots/],
    ["two objects with one name", `${H}datasets:\n  iris:\n    name: shared\n    format: csv\n    source: data/iris.csv\n  copy:\n    name: shared\n    format: csv\n    source: data/iris.csv\n`, /ml\.yaml:8:11: datasets\.copy\.name: name "shared" is also the name of datasets\.iris \(line 4\)/],
    ["CR-only line endings", `${H}datasets:\n  iris:\n    format: xml\n    source: data/iris.csv\n`.replace(/\n/g, "\r"), /ml\.yaml:4:13: datasets\.iris\.format: Invalid option/],
  ];
  for (const [name, text, expected] of cases) {
    it(name, async () => {
      const r = await preview("ml.yaml", text);
      expect(r.code, r.stdout + r.stderr).toBe(1);
      expect(r.stderr).toMatch(expected);
      expect(r.stderr).toMatch(/nothing was deployed/);
      expect(r.stdout + r.stderr).not.toMatch(/\{<nil>\}|pulumi-nodejs:dynamic/);
      await expectPlatformEmpty();
    }, 120_000);
  }

  it("a valid manifest previews with exit code 0 and creates nothing", async () => {
    const text = `${H}datasets:\n  iris:\n    format: csv\n    source: data/iris.csv\n${MODEL}services:\n  web:\n    models:\n      - modelId: \${models.clf.id}\n        version: \${models.clf.version}\n    replicas: 4\n`;
    const r = await preview("ok.yaml", text);
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect(r.stdout).toMatch(/\+ 4 to create/); // the stack and its three objects
    await expectPlatformEmpty();
  }, 180_000);
});

describe("a TypeScript program", () => {
  it("fails preview naming the resource and each property, without the engine's {<nil>}", async () => {
    const stack = await openE2EStack({
      projectDir,
      stackName: "ts-refusals",
      platform,
      program: async () => {
        new Service("web", { models: [{ modelId: "md-nope", version: 1 }], flavor: "gpu.a100", replicas: 2 });
      },
    });
    let output = "";
    const err = await stack.preview({ onOutput: (t) => (output += t) }).then(
      () => undefined,
      (e: Error) => e,
    );
    expect(err, output).toBeInstanceOf(Error);
    const all = `${output}\n${err!.message}`;
    expect(all).toMatch(/web.*has a problem: models\[0\]\.modelId: model "md-nope" does not exist/);
    expect(all).toMatch(/web.*has a problem: flavor: unknown flavor "gpu\.a100"/);
    expect(all).not.toMatch(/\{<nil>\}/);
    await expectPlatformEmpty();
  }, 180_000);

  it("with two resources of one kind claiming one platform name fails preview naming both, before anything is created", async () => {
    const stack = await openE2EStack({
      projectDir,
      stackName: "ts-same-name",
      platform,
      program: async () => {
        new Dataset("iris", { name: "shared", format: "csv", source: join(projectDir, "data", "iris.csv") });
        new Dataset("copy", { name: "shared", format: "csv", source: join(projectDir, "data", "iris.csv") });
      },
    });
    let output = "";
    // `pulumi up` previews first (unless --skip-preview), so this is where a user's `up` stops.
    const err = await stack.preview({ onOutput: (t) => (output += t) }).then(
      () => undefined,
      (e: Error) => e,
    );
    expect(err, output).toBeInstanceOf(Error);
    expect(`${output}\n${err!.message}`).toMatch(/Dataset "copy" has the platform name "shared", which Dataset "iris" of this program already has/);
    await expectPlatformEmpty();
  }, 180_000);
});
