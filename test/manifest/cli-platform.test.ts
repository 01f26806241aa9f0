// How the commands find a running local platform: platform.json + token in the data directory, a live
// pid, and an answer from /v1/flavors with the token. Anything less counts as "not running".
import { createServer, type Server } from "node:http";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { findRunningPlatform } from "../../cli/platform";

const dataDir = mkdtempSync(join(tmpdir(), "mlp-cli-platform-"));
let server: Server;
let endpoint = "";
let requests: string[] = [];

beforeAll(async () => {
  server = createServer((req, res) => {
    requests.push(`${req.url} ${req.headers.authorization}`);
    const ok = req.url === "/v1/flavors" && req.headers.authorization === "Bearer secret-token";
    res.writeHead(ok ? 200 : 401, { "content-type": "application/json" }).end(ok ? "[]" : '{"code":"unauthorized","message":"no"}');
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  endpoint = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
});
afterAll(() => {
  server.close();
  rmSync(dataDir, { recursive: true, force: true });
});

function writeInfo(info: object, token = "secret-token") {
  writeFileSync(join(dataDir, "platform.json"), JSON.stringify(info));
  writeFileSync(join(dataDir, "token"), token + "\n");
}

describe("findRunningPlatform", () => {
  it("is undefined without platform.json", async () => {
    expect(await findRunningPlatform(join(dataDir, "nothing-here"))).toBeUndefined();
  });

  it("finds a platform whose pid lives and whose API answers with the token", async () => {
    writeInfo({ endpoint, pid: process.pid, version: "test" });
    requests = [];
    expect(await findRunningPlatform(dataDir)).toEqual({ endpoint, token: "secret-token", pid: process.pid, dataDir });
    expect(requests).toEqual(["/v1/flavors Bearer secret-token"]);
  });

  it("ignores a stale platform.json whose process is gone, without calling it", async () => {
    writeInfo({ endpoint, pid: 2 ** 22 + 12345 });
    requests = [];
    expect(await findRunningPlatform(dataDir)).toBeUndefined();
    expect(requests).toEqual([]);
  });

  it("does not count a platform that refuses the token", async () => {
    writeInfo({ endpoint, pid: process.pid }, "wrong-token");
    expect(await findRunningPlatform(dataDir)).toBeUndefined();
  });

  it("does not count an endpoint nobody listens on", async () => {
    writeInfo({ endpoint: "http://127.0.0.1:9", pid: process.pid });
    expect(await findRunningPlatform(dataDir)).toBeUndefined();
  });
});
