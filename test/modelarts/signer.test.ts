// Signing: the driver's SDK-HMAC-SHA256 signer must produce exactly what the vendor's Python signer
// (huaweicloudsdkcore.signer.Signer) produces. The vectors below were printed by oracle/sign_vectors.py; the
// second test re-runs that script in the oracle venv so a change on either side is caught.
import { execFileSync } from "node:child_process";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { parseAuthorization, sign } from "../../sdk/modelarts/signer";
import { modelartsOraclePython } from "./oracle-venv";

interface Case {
  name: string;
  method: string;
  path: string;
  query: Record<string, string>;
  headers: Record<string, string>;
  body: string;
  ak: string;
  sk: string;
  projectId: string;
  sdkDate: string;
  expectedAuthorization: string;
}

function dateOf(x: string): Date {
  return new Date(`${x.slice(0, 4)}-${x.slice(4, 6)}-${x.slice(6, 8)}T${x.slice(9, 11)}:${x.slice(11, 13)}:${x.slice(13, 15)}Z`);
}

function signCase(c: Case) {
  return sign({ method: c.method, path: c.path, query: c.query, headers: c.headers, body: c.body, accessKeyId: c.ak, secretAccessKey: c.sk, date: dateOf(c.sdkDate) }).headers;
}

const CASES: Case[] = [
  {
    "name": "create model (JSON POST)",
    "method": "POST",
    "path": "/v1/0a1b2c3d4e5f/models",
    "query": {},
    "headers": {
      "Host": "modelarts.cn-north-4.myhuaweicloud.com",
      "Content-Type": "application/json",
      "User-Agent": "huaweicloud-usdk-python/3.0",
      "X-Project-Id": "0a1b2c3d4e5f"
    },
    "body": "{\"model_name\":\"iris\",\"model_version\":\"1.0.1\",\"source_location\":\"obs://bkt/models/iris/\"}",
    "ak": "HPUAEXAMPLEAK",
    "sk": "exampleSecretKey0123",
    "projectId": "0a1b2c3d4e5f",
    "sdkDate": "20261202T065500Z",
    "expectedAuthorization": "SDK-HMAC-SHA256 Access=HPUAEXAMPLEAK, SignedHeaders=content-type;host;user-agent;x-project-id;x-sdk-date, Signature=c13ae71a06006533f0e40194e96b72affbb1fef90955331625097f4c472825ad"
  },
  {
    "name": "list models by name (GET with query, empty body)",
    "method": "GET",
    "path": "/v1/0a1b2c3d4e5f/models",
    "query": {
      "model_name": "iris model",
      "limit": "100"
    },
    "headers": {
      "Host": "127.0.0.1:8443",
      "Content-Type": "application/json",
      "User-Agent": "huaweicloud-usdk-python/3.0",
      "X-Project-Id": "0a1b2c3d4e5f"
    },
    "body": "",
    "ak": "HPUAEXAMPLEAK",
    "sk": "exampleSecretKey0123",
    "projectId": "0a1b2c3d4e5f",
    "sdkDate": "20261202T065501Z",
    "expectedAuthorization": "SDK-HMAC-SHA256 Access=HPUAEXAMPLEAK, SignedHeaders=content-type;host;user-agent;x-project-id;x-sdk-date, Signature=5b7bfcde5418b810211c13418d9ee422e2b6d422e7001c9d3770c91cec535913"
  },
  {
    "name": "delete service (path segment with id)",
    "method": "DELETE",
    "path": "/v1/0a1b2c3d4e5f/services/5c7e1b0a-0000-4000-8000-000000000001",
    "query": {},
    "headers": {
      "Host": "modelarts.cn-north-4.myhuaweicloud.com",
      "Content-Type": "application/json",
      "User-Agent": "huaweicloud-usdk-python/3.0",
      "X-Project-Id": "0a1b2c3d4e5f"
    },
    "body": "",
    "ak": "HPUAEXAMPLEAK",
    "sk": "exampleSecretKey0123",
    "projectId": "0a1b2c3d4e5f",
    "sdkDate": "20261202T065502Z",
    "expectedAuthorization": "SDK-HMAC-SHA256 Access=HPUAEXAMPLEAK, SignedHeaders=content-type;host;user-agent;x-project-id;x-sdk-date, Signature=717b4535a919de28afa4d6a614cc2d7200746bf4cd82abdced26148220955a7c"
  }
];

describe("ModelArts SDK-HMAC-SHA256 signer", () => {
  it.each(CASES.map((c) => [c.name, c] as const))("matches the vendor's Python signer: %s", (_name, c) => {
    const h = signCase(c);
    expect(h.Authorization).toBe(c.expectedAuthorization);
    expect(h["X-Sdk-Date"]).toBe(c.sdkDate);
  });

  it("a different secret, body or header gives a different signature", () => {
    const c = CASES[0];
    const good = parseAuthorization(signCase(c).Authorization)!.signature;
    expect(parseAuthorization(signCase({ ...c, sk: c.sk + "x" }).Authorization)!.signature).not.toBe(good);
    expect(parseAuthorization(signCase({ ...c, body: c.body + " " }).Authorization)!.signature).not.toBe(good);
    expect(parseAuthorization(signCase({ ...c, headers: { ...c.headers, "X-Project-Id": "other" } }).Authorization)!.signature).not.toBe(good);
  });

  it("agrees with the vendor's signer run now in the oracle venv", () => {
    const out = execFileSync(modelartsOraclePython(), [join(__dirname, "oracle/sign_vectors.py")], { input: JSON.stringify(CASES), encoding: "utf8" });
    const live = JSON.parse(out) as { name: string; authorization: string }[];
    for (const c of CASES) expect(signCase(c).Authorization).toBe(live.find((l) => l.name === c.name)!.authorization);
  }, 15 * 60_000);
});
