// Records the review golden inputs of issue 11 from the real engine (skipped unless RECORD_GOLDEN=1):
// the quickstart and canary manifests are deployed to a scratch platform as stack `dev`, then each
// scenario edits a copy of its manifest (or data), previews it, and writes the engine events as NDJSON to
// test/review/golden/<scenario>.ndjson, with the scratch directory replaced by /project.
//   RECORD_GOLDEN=1 npx vitest run test/review/record-golden.test.ts && UPDATE_GOLDEN=1 npx vitest run test/review/golden.test.ts
import { appendFileSync, cpSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type * as auto from "@pulumi/pulumi/automation";
import { afterAll, beforeAll, describe, it } from "vitest";
import { declareManifest } from "../../provider/manifest/load";
import { REPO_ROOT, makeProjectDir, openE2EStack, removeDir, startPlatformProcess, type E2EPlatform } from "../e2e/harness";

const GOLDEN = join(__dirname, "golden");
/** One project directory per manifest (a workspace's Pulumi.yaml names one project), and one platform. */
const projectDirs: Partial<Record<"quickstart" | "canary", string>> = {};
let platform: E2EPlatform;
let platformDir: string;

interface Scenario {
  name: string;
  manifest: "quickstart" | "canary";
  edit: (dir: string) => void;
}

function replaceIn(file: string, from: string, to: string): void {
  const text = readFileSync(file, "utf8");
  if (!text.includes(from)) throw new Error(`${file}: "${from}" not found`);
  writeFileSync(file, text.replace(from, to));
}

const QUICKSTART = (dir: string) => join(dir, "quickstart/ml.yaml");
const CANARY = (dir: string) => join(dir, "canary/ml.yaml");

const SCENARIOS: Scenario[] = [
  { name: "description-only", manifest: "quickstart", edit: (d) => replaceIn(QUICKSTART(d), "description: Fisher's iris measurements, 150 samples, 4 features, 3 species", "description: Fisher's iris data (1936)") },
  { name: "tags-only", manifest: "quickstart", edit: (d) => replaceIn(QUICKSTART(d), "    format: csv\n", "    format: csv\n    tags: { team: ml, data-owner: botany }\n") },
  { name: "hyper-parameter", manifest: "quickstart", edit: (d) => replaceIn(QUICKSTART(d), "learning_rate: 0.5", "learning_rate: 0.4") },
  { name: "new-content", manifest: "quickstart", edit: (d) => appendFileSync(join(d, "quickstart/data/iris.csv"), "5.0,3.4,1.5,0.2,setosa\n") },
  { name: "traffic-shift", manifest: "canary", edit: (d) => { replaceIn(CANARY(d), "weight: 90", "weight: 50"); replaceIn(CANARY(d), "weight: 10", "weight: 50"); } },
  { name: "scale", manifest: "quickstart", edit: (d) => replaceIn(QUICKSTART(d), "    replicas: 2\n", "    replicas: 3\n    flavor: local.medium\n") },
  { name: "replica-only", manifest: "quickstart", edit: (d) => replaceIn(QUICKSTART(d), "    replicas: 2\n", "    replicas: 3\n") },
];

const stacks: Partial<Record<Scenario["manifest"], auto.Stack>> = {};

describe.skipIf(process.env.RECORD_GOLDEN !== "1")("record review golden inputs from the real engine", () => {
  beforeAll(async () => {
    for (const manifest of ["quickstart", "canary"] as const) {
      const projectDir = (projectDirs[manifest] = makeProjectDir(`golden-${manifest}`));
      cpSync(join(REPO_ROOT, "examples/quickstart"), join(projectDir, "quickstart"), { recursive: true });
      cpSync(join(REPO_ROOT, "examples/canary"), join(projectDir, "canary"), { recursive: true });
    }
    platformDir = mkdtempSync(join(tmpdir(), "mlp-golden-platform-"));
    platform = await startPlatformProcess(platformDir, Object.values(projectDirs) as string[]);
    for (const manifest of ["quickstart", "canary"] as const) {
      const projectDir = projectDirs[manifest]!;
      const path = join(projectDir, manifest, "ml.yaml");
      stacks[manifest] = await openE2EStack({
        projectDir, platform, stackName: "dev", projectName: `golden-${manifest}`,
        program: async () => declareManifest(path, { workDir: projectDir }).outputs,
      });
      await stacks[manifest]!.up();
    }
  }, 900_000);
  afterAll(async () => {
    await platform?.stop();
    if (platformDir) removeDir(platformDir);
    for (const dir of Object.values(projectDirs)) removeDir(dir!);
  });

  for (const scenario of SCENARIOS) {
    it(`records ${scenario.name}`, async () => {
      const projectDir = projectDirs[scenario.manifest]!;
      const dir = join(projectDir, scenario.manifest);
      const backup = join(projectDir, `${scenario.manifest}.backup`);
      cpSync(dir, backup, { recursive: true });
      try {
        scenario.edit(projectDir);
        const events: unknown[] = [];
        await stacks[scenario.manifest]!.preview({ onEvent: (e) => events.push(e) });
        const text = events.map((e) => JSON.stringify(e)).join("\n").split(projectDir).join("/project");
        writeFileSync(join(GOLDEN, `${scenario.name}.ndjson`), text + "\n");
      } finally {
        removeDir(dir);
        cpSync(backup, dir, { recursive: true });
        removeDir(backup);
      }
    }, 300_000);
  }
});
