// The manifest checks, without Pulumi: every problem is reported at once with file:line:column and the
// property path, references are resolved or refused, cycles are found.
import { join, resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { checkManifest } from "../../provider/manifest/check";
import { ManifestError } from "../../provider/manifest/problems";
import { parseTemplate } from "../../provider/manifest/references";
import { rebasePath, isLocalPath } from "../../provider/manifest/paths";

const REPO = resolve(__dirname, "../..");
const FIXTURES = join(__dirname, "fixtures");
const fixture = (name: string) => join("test/manifest/fixtures", name);

function problemsOf(path: string, text?: string): string[] {
  try {
    checkManifest(path, { workDir: REPO, text });
  } catch (err) {
    expect(err).toBeInstanceOf(ManifestError);
    return (err as ManifestError).message.split("\n").slice(1).map((l) => l.replaceAll(FIXTURES, "<fixtures>"));
  }
  throw new Error(`${path} passed the checks`);
}

describe("checkManifest", () => {
  it("accepts a complete manifest and orders objects after what they refer to", () => {
    const checked = checkManifest(fixture("good.yaml"), { workDir: REPO });
    const order = checked.graph.order.map((o) => `${o.section}.${o.key}`);
    const before = (a: string, b: string) => expect(order.indexOf(a), `${a} before ${b} in ${order}`).toBeLessThan(order.indexOf(b));
    before("datasets.tiny", "trainingJobs.train");
    before("trainingJobs.train", "models.model");
    before("models.model", "perfJobs.bench");
    before("perfJobs.bench", "services.web");
    expect(order).toHaveLength(6);
  });

  it("reports every problem at once with file:line:column and the property path", () => {
    const f = fixture("many-errors.yaml");
    expect(problemsOf(f)).toEqual([
      `${f}:4:13: datasets.iris.format: Invalid option: expected one of "csv"|"jsonl"|"files"`,
      `${f}:5:13: datasets.iris.source: no such file or directory: data/missing.csv (relative paths are relative to the manifest's directory <fixtures>)`,
      `${f}:8:14: trainingJobs.train.command: Invalid input: expected array, received string`,
      `${f}:10:5: trainingJobs.train.colour: unknown property "colour"`,
      expect.stringMatching(new RegExp(`^${f}:13:13: models\\.m1\\.source: unknown reference \\$\\{trainingJobs\\.train\\.outputURI\\}: trainingJobs have no output "outputURI" \\(outputs: id, name, .*outputUri.*\\)$`)),
      `${f}:18:7: services.web.models: model weights must add up to 100`,
      `${f}:18:18: services.web.models.0.modelId: unknown reference \${models.nope.id}: there is no models.nope (models defined: m1)`,
      `${f}:19:18: services.web.models.0.version: must be a version number or a reference such as \${models.iris.version}`,
      `${f}:21:15: services.web.replicas: Too small: expected number to be >=1`,
      `${f}:22:3: services.x: invalid key "x": keys are 2-63 characters of a-z, 0-9 and '-', start with a letter and do not end with '-' (the key, suffixed with the stack, is the default object name)`,
      `${f}:25:17: services.x.dependsOn.0: reference cycle: services.x -> services.x`,
    ]);
  });

  it("reports a reference cycle across kinds at the reference that closes it", () => {
    const f = fixture("cycle.yaml");
    expect(problemsOf(f)).toEqual([
      `${f}:13:13: models.model.source: reference cycle: models.model -> trainingJobs.train -> perfJobs.bench -> models.model`,
    ]);
  });

  it("points at the missing property's parent when a required property is absent", () => {
    const text = ["apiVersion: mlplatform/v1", "models:", "  iris:", "    format: logreg-json", ""].join("\n");
    expect(problemsOf("inline.yaml", text)).toEqual(["inline.yaml:4:5: models.iris.source: required property is missing (string)"]);
  });

  it("reports YAML syntax errors with their position and checks nothing further", () => {
    expect(problemsOf("dup.yaml", "apiVersion: mlplatform/v1\napiVersion: x\ndatasets: 3\n")).toEqual(['dup.yaml:2:1: duplicate key "apiVersion" (first written on line 1); a key may appear once per mapping']);
  });

  it("refuses a wrong apiVersion and malformed references", () => {
    const text = ["apiVersion: mlplatform/v2", "outputs:", "  a: ${services.web}", "  b: ${oops", ""].join("\n");
    expect(problemsOf("refs.yaml", text)).toEqual([
      `refs.yaml:1:13: apiVersion: Invalid input: expected "mlplatform/v1"`,
      `refs.yaml:3:6: outputs.a: malformed reference "\${services.web}": expected \${<section>.<key>.<output>}, e.g. \${models.iris.latestVersion}`,
      `refs.yaml:4:6: outputs.b: "\${" without a closing "}" (write "$\${" for a literal "\${")`,
    ]);
  });

  it("refuses references to unknown sections", () => {
    const text = ["apiVersion: mlplatform/v1", "outputs:", "  a: ${clusters.gpu.id}", ""].join("\n");
    expect(problemsOf("s.yaml", text)).toEqual([
      "s.yaml:3:6: outputs.a: unknown reference ${clusters.gpu.id}: \"clusters\" is not a section (sections: datasets, trainingJobs, models, perfJobs, services, stacks)",
    ]);
  });

  it("reads other stacks' outputs only through the stacks it declares", () => {
    const text = ["apiVersion: mlplatform/v1", "stacks:", "  staging: staging", "outputs:", "  a: ${stacks.staging.promotedVersion}", "  b: ${stacks.qa.promotedVersion}", ""].join("\n");
    expect(problemsOf("s.yaml", text)).toEqual([
      "s.yaml:6:6: outputs.b: unknown reference ${stacks.qa.promotedVersion}: there is no stacks.qa (stacks declared: staging)",
    ]);
  });
});

describe("reference templates", () => {
  it("splits text and references, with $${ as a literal", () => {
    expect(parseTemplate("${models.iris.latestVersion}").parts).toEqual([{ section: "models", key: "iris", output: "latestVersion", text: "${models.iris.latestVersion}" }]);
    expect(parseTemplate("a $${b} ${datasets.d1.id}/x").parts).toEqual(["a ${b} ", { section: "datasets", key: "d1", output: "id", text: "${datasets.d1.id}" }, "/x"]);
    expect(parseTemplate("plain").parts).toEqual(["plain"]);
  });
});

describe("local paths", () => {
  it("are rebased from the manifest's directory onto the project directory, never absolute", () => {
    expect(rebasePath("data/iris.csv", "/p/examples/quickstart", "/p")).toBe("examples/quickstart/data/iris.csv");
    expect(rebasePath(".", "/p/examples/quickstart", "/p")).toBe("examples/quickstart");
    expect(rebasePath("../shared/x.csv", "/p/examples/quickstart", "/p")).toBe("examples/shared/x.csv");
    expect(rebasePath("/abs/x.csv", "/p/examples", "/p")).toBe("/abs/x.csv");
  });
  it("exclude URIs and references, also malformed ones", () => {
    expect(isLocalPath("mlp://training-jobs/tj-1/output")).toBe(false);
    expect(isLocalPath("${trainingJobs.t1.outputUri")).toBe(false);
    expect(isLocalPath("${trainingJobs.t1.outputUri}/model.json")).toBe(false);
    expect(isLocalPath("models/m.json")).toBe(true);
  });
});

describe("manifest outputs", () => {
  it("cannot take the names of the generated outputs", () => {
    const text = ["apiVersion: mlplatform/v1", "outputs:", "  services: x", ""].join("\n");
    expect(problemsOf("o.yaml", text)).toEqual([`o.yaml:3:3: outputs.services: invalid key "services": is the name of a generated stack output (services, models)`]);
  });
});
