// review and drift under the real Pulumi engine (Automation API, inline program, real dynamic-provider
// process), against a fake provider so the platform is not needed. Skipped when no Pulumi CLI is found
// ($MLP_PULUMI_ROOT/bin, else node_modules/.pulumi-root/bin as scripts/toolchain.sh installs it).
import { createHash } from "node:crypto";
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import type * as auto from "@pulumi/pulumi/automation";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runDrift } from "../../cli/drift";
import type { OpenStack } from "../../cli/preview-stack";
import { runReview } from "../../cli/review";

const root = join(__dirname, "..", "..");
const pulumiRoot = [process.env.MLP_PULUMI_ROOT, join(root, "node_modules/.pulumi-root")].find((r) => r && existsSync(join(r, "bin", "pulumi")));
const load = createRequire(__filename);
// Loaded with Node's own require, so the program and the Automation API share one @pulumi/pulumi runtime.
const automation: typeof auto = load("@pulumi/pulumi/automation");
const { program } = load("./fixtures/fake-stack.cjs") as { program: (v: object) => auto.PulumiFn };

describe.skipIf(!pulumiRoot)("review and drift with the real engine", () => {
  const dir = mkdtempSync(join(tmpdir(), "mlp-review-engine-"));
  const live = join(dir, "live.json");
  const state = join(dir, "state");
  const v1 = { version: 1, replicas: 2, token: "tok-one", lr: 0.1 };
  const v2 = { version: 2, replicas: 3, token: "tok-two", lr: 0.05 };

  async function open(variant: object): Promise<auto.Stack> {
    const pulumiCommand = await automation.PulumiCommand.get({ root: pulumiRoot!, skipVersionCheck: true });
    return automation.LocalWorkspace.createOrSelectStack(
      { stackName: "dev", projectName: "review-engine", program: program(variant) },
      {
        workDir: dir,
        pulumiCommand,
        envVars: {
          PULUMI_BACKEND_URL: `file://${state}`, PULUMI_CONFIG_PASSPHRASE: "test", PULUMI_HOME: join(dir, "home"),
          PULUMI_SKIP_UPDATE_CHECK: "true", PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION: "true",
          MLP_REVIEW_FAKE_LIVE: live,
          // node for the provider process, and the pulumi-resource-pulumi-nodejs script shipped in @pulumi/pulumi.
          PATH: [dirname(process.execPath), join(root, "node_modules/@pulumi/pulumi"), process.env.PATH].join(":"),
        },
      },
    );
  }
  const opener = (variant: object): OpenStack => async () => open(variant);
  const stateDigest = () => {
    const files = (d: string): string[] => readdirSync(d, { withFileTypes: true })
      .flatMap((e) => (e.isDirectory() ? files(join(d, e.name)) : [join(d, e.name)]))
      .filter((f) => f.endsWith(".json") && !f.includes(".pulumi/history") && !f.includes("/backups/"));
    const stackFiles = files(state).sort();
    expect(stackFiles.some((f) => f.includes("/stacks/"))).toBe(true);
    return createHash("sha256").update(stackFiles.map((f) => readFileSync(f)).join("\n")).digest("hex");
  };

  beforeAll(async () => {
    mkdirSync(state, { recursive: true });
    symlinkSync(join(root, "node_modules"), join(dir, "node_modules"));
    await (await open(v1)).up({ onOutput: () => {} });
  }, 120_000);
  afterAll(async () => {
    await (await open(v1)).destroy({ onOutput: () => {} }).catch(() => {});
    rmSync(dir, { recursive: true, force: true });
  }, 120_000);

  it("reviews a live preview: the roll, the re-run, the secret kept out", async () => {
    const result = await runReview({ openStack: opener(v2) });
    expect(result.error).toBeUndefined();
    expect(result.exitCode).toBe(3);
    expect(result.markdown).toContain("service `iris` rolls from model `md-1` v1 to v2; replicas 2 → 3");
    expect(result.markdown).toContain("training job `train` will re-run because `hyperParameters.lr` changed (its last run took 2m 14s, Running)");
    expect(result.markdown).toContain("Secret input `apiToken`");
    expect(result.markdown).not.toContain("tok-");
    const same = await runReview({ openStack: opener(v1) });
    expect([same.exitCode, same.report?.unchanged]).toEqual([0, 2]);
  }, 120_000);

  it("reports drift and deletion out of band without writing the state", async () => {
    expect((await runDrift({ openStack: opener(v1) })).exitCode).toBe(0);
    const objects = JSON.parse(readFileSync(live, "utf8"));
    objects["obj-iris"].replicas = 1;
    delete objects["obj-train"];
    writeFileSync(live, JSON.stringify(objects));
    const before = stateDigest();
    const result = await runDrift({ openStack: opener(v1), json: true });
    expect(result.exitCode).toBe(2);
    expect(result.report!.resources.map((r) => [r.name, r.status, r.properties.map((p) => `${p.property}: ${p.inState} → ${p.live}`)]))
      .toEqual(expect.arrayContaining([["iris", "drifted", ["replicas: 2 → 1"]], ["train", "deleted", []]]));
    expect(stateDigest()).toBe(before);
    // A second check sees the same drift: nothing was adopted into the state.
    expect((await runDrift({ openStack: opener(v1) })).report!.resources).toHaveLength(2);
  }, 120_000);
});
