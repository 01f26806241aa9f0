// bce-auth-v1 as the vendor signs it: fixed vectors produced by the vendor's own Python signer
// (test/qianfan/oracle/sign_vectors.py: baidubce.auth.bce_v1_signer.sign, called as the qianfan SDK calls it)
// must be reproduced byte for byte by sdk/qianfan/signer.ts; what the signature covers (and does not) is pinned.
import { describe, expect, it } from "vitest";
import { authorization, parseAuthorization } from "../../sdk/qianfan/signer";

// Output of `python test/qianfan/oracle/sign_vectors.py` (bce-python-sdk 0.9.79).
const VECTORS: { ak: string; sk: string; path: string; query: Record<string, string>; headers: Record<string, string>; expiration: number; authorization: string }[] = [
  {
    ak: "AKIDexample", sk: "c2VjcmV0LWtleQ==", path: "/v2/finetuning", query: { Action: "CreateFineTuningJob" },
    headers: { "Content-Type": "application/json", Host: "qianfan.baidubce.com", "request-source": "qianfan_py_sdk_v0.4.12.3", "x-bce-date": "2026-12-02T06:00:00Z" },
    expiration: 300,
    authorization: "bce-auth-v1/AKIDexample/2026-12-02T06:00:00Z/300/content-type;host;request-source;x-bce-date/f3a78d2efb8719c88d9a36567295e3cfea3e2036455b80a7a56ab8fe8c4d8389",
  },
  {
    ak: "ak-2", sk: "sk with spaces/and+plus", path: "/v2/dataset", query: { Action: "DescribeDatasets", extra: "a b/c" },
    headers: { "Content-Type": "application/json", Host: "127.0.0.1:8080", "request-source": "mlplatform", "x-bce-date": "2026-01-31T23:59:59Z" },
    expiration: 1800,
    authorization: "bce-auth-v1/ak-2/2026-01-31T23:59:59Z/1800/content-type;host;request-source;x-bce-date/8744ff1e358e475b800bec422dad5a1d2f00d78250e5a8af3b4003edadb1d2f0",
  },
];

const signOf = (v: (typeof VECTORS)[number], over: Partial<{ headers: Record<string, string>; query: Record<string, string>; path: string }> = {}) =>
  authorization({
    method: "POST", path: over.path ?? v.path, query: over.query ?? v.query, headers: over.headers ?? v.headers, accessKeyId: v.ak, secretAccessKey: v.sk,
    timestamp: v.headers["x-bce-date"], expirationSeconds: v.expiration,
  });

describe("bce-auth-v1 signer", () => {
  it("reproduces the vendor signer's fixed vectors", () => {
    for (const v of VECTORS) expect(signOf(v)).toBe(v.authorization);
  });

  it("covers host, content-type, x-bce-date, request-source, the path and the query; not other headers", () => {
    const v = VECTORS[0];
    expect(signOf(v, { headers: { ...v.headers, Host: "evil.example" } })).not.toBe(v.authorization);
    expect(signOf(v, { headers: { ...v.headers, "request-source": "other" } })).not.toBe(v.authorization);
    expect(signOf(v, { query: { Action: "DeleteFineTuningJob" } })).not.toBe(v.authorization);
    expect(signOf(v, { path: "/v2/service" })).not.toBe(v.authorization);
    expect(signOf(v, { headers: { ...v.headers, "User-Agent": "anything" } })).toBe(v.authorization);
  });

  it("parses what it signs, in any header order the SDK's set produces", () => {
    const p = parseAuthorization(VECTORS[0].authorization.replace("content-type;host;request-source;x-bce-date", "x-bce-date;host;content-type;request-source"))!;
    expect(p).toMatchObject({ accessKeyId: "AKIDexample", timestamp: "2026-12-02T06:00:00Z", expirationSeconds: 300 });
    expect(p.signedHeaders).toEqual(["x-bce-date", "host", "content-type", "request-source"]);
    expect(parseAuthorization("AWS4-HMAC-SHA256 Credential=x")).toBeUndefined();
  });
});
