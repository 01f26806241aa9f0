// Where the SDK finds its platform: explicit settings first, then MLPLATFORM_ENDPOINT/TOKEN, then the
// running local platform's platform.json and token files under the data directory.
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { resolveConnection } from "../../sdk";

const dir = mkdtempSync(join(tmpdir(), "mlp-conn-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("resolveConnection", () => {
  it("prefers explicit settings, then the environment, then the local platform's files", () => {
    writeFileSync(join(dir, "platform.json"), JSON.stringify({ endpoint: "http://127.0.0.1:7000/", pid: 1, version: "0" }));
    writeFileSync(join(dir, "token"), "file-token\n");
    const env = { MLPLATFORM_DATA_DIR: dir } as NodeJS.ProcessEnv;
    expect(resolveConnection({}, env)).toMatchObject({ backend: "local", endpoint: "http://127.0.0.1:7000", token: "file-token" });
    const env2 = { ...env, MLPLATFORM_ENDPOINT: "http://127.0.0.1:8000", MLPLATFORM_TOKEN: "env-token" };
    expect(resolveConnection({}, env2)).toMatchObject({ endpoint: "http://127.0.0.1:8000", token: "env-token", source: "environment" });
    expect(resolveConnection({ endpoint: "http://h:1", token: "cfg" }, env2)).toMatchObject({ endpoint: "http://h:1", token: "cfg", source: "stack config" });
  });

  it("explains what is missing", () => {
    expect(() => resolveConnection({}, { MLPLATFORM_DATA_DIR: join(dir, "nope") } as NodeJS.ProcessEnv)).toThrow(/MLPLATFORM_ENDPOINT.*mlplatform platform start/);
    expect(() => resolveConnection({ endpoint: "http://h:1" }, {} as NodeJS.ProcessEnv)).toThrow(/no token/);
    expect(() => resolveConnection({ backend: "sagemaker" }, {} as NodeJS.ProcessEnv)).toThrow(/backend "sagemaker" is not available \(supported: local, volcengine, qianfan, modelarts/);
  });
});
