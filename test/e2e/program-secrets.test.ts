// Issue 13, item 2 for TypeScript programs: a `pulumi.secret` in a resource's env stays secret end to end —
// encrypted in every state file (current, backups, history) after up and refresh, sealed in the platform's
// database — while the job still receives the value.
import { readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, expect, it } from "vitest";
import * as pulumi from "@pulumi/pulumi";
import { makeProjectDir, openE2EStack, removeDir, startPlatformProcess, type E2EPlatform } from "./harness";
import { Dataset, TrainingJob } from "../../provider/resources";

const SECRET = "s3cr3t-program-value-61d0c2";
let dir: string;
let platform: E2EPlatform;

beforeAll(async () => {
  dir = makeProjectDir("program-secrets");
  writeFileSync(join(dir, "d.csv"), "x\n1\n");
  // The job proves it got the value without printing it: it writes the value's length.
  writeFileSync(join(dir, "job.js"), `require("fs").writeFileSync(require("path").join(process.env.MLP_OUTPUT_DIR, "len"), String(process.env.DB_URL.length));`);
  platform = await startPlatformProcess(join(dir, ".platform"), [dir]);
}, 120_000);
afterAll(async () => {
  await platform?.stop();
  if (dir) removeDir(dir);
});

function filesContaining(root: string, needle: string): string[] {
  return readdirSync(root, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile())
    .map((e) => join(e.parentPath, e.name))
    .filter((f) => readFileSync(f).includes(Buffer.from(needle)));
}

it("pulumi.secret in env is never plaintext in the state files or the platform's files", async () => {
  const stack = await openE2EStack({
    projectDir: dir,
    platform,
    env: { PULUMI_CONFIG_PASSPHRASE: "test-passphrase" },
    program: async () => {
      const ds = new Dataset("data", { format: "csv", source: "d.csv" });
      const job = new TrainingJob("job", { command: ["node", "job.js"], datasetId: ds.id, env: { PLAIN: "p", DB_URL: pulumi.secret(SECRET) } });
      return { status: job.status };
    },
  });
  expect((await stack.up()).summary.result).toBe("succeeded");
  await stack.refresh();
  const job = (await platform.api("GET", "/v1/training-jobs")).body.items[0];
  expect(job.status).toBe("Completed");
  expect(job.env.DB_URL).toBe(SECRET); // the API hands it back to the token holder
  expect(filesContaining(join(dir, ".state"), SECRET)).toEqual([]);
  expect(filesContaining(join(dir, ".platform"), SECRET)).toEqual([]);
  await stack.destroy();
}, 300_000);
