// The vendor-neutral cloud configuration and error table: where credentials come from (stack config first,
// then the vendor's env vars), one clear error naming both ways when they are missing, credentials that never
// show in JSON or inspection, and vendor codes mapped to the typed errors handlers act on.
import { inspect } from "node:util";
import { describe, expect, it } from "vitest";
import { CloudConfigError, resolveCloudConfig } from "../../sdk/cloud/config";
import { kindOfVendorError } from "../../sdk/volcengine/api";
import { VOLCENGINE } from "../../sdk/volcengine";

describe("cloud configuration", () => {
  it("takes stack config over the environment, and the vendor's env vars otherwise", () => {
    const env = { VOLC_ACCESSKEY: "AKenv", VOLC_SECRETKEY: "SKenv", VOLC_REGION: "cn-shanghai" };
    const fromConfig = resolveCloudConfig(VOLCENGINE, { accessKey: "AKcfg", secretKey: "SKcfg" }, env);
    expect(fromConfig).toMatchObject({ region: "cn-shanghai", endpoint: "https://open.volcengineapi.com", objectStoreEndpoint: "https://tos-s3-cn-shanghai.volces.com" });
    expect(fromConfig.credentials.accessKeyId).toBe("AKcfg");
    expect(fromConfig.credentialSource).toMatch(/stack config/);
    const fromEnv = resolveCloudConfig(VOLCENGINE, {}, { VOLCENGINE_ACCESS_KEY: "AK2", VOLCENGINE_SECRET_KEY: "SK2" });
    expect(fromEnv).toMatchObject({ region: "cn-beijing", credentialSource: "environment (VOLCENGINE_ACCESS_KEY / VOLCENGINE_SECRET_KEY)" });
  });

  it("names both ways to set missing credentials, and a half-set pair", () => {
    expect(() => resolveCloudConfig(VOLCENGINE, {}, {})).toThrow(CloudConfigError);
    expect(() => resolveCloudConfig(VOLCENGINE, {}, {})).toThrow(/mlplatform:accessKey and mlplatform:secretKey .*VOLC_ACCESSKEY and VOLC_SECRETKEY/);
    expect(() => resolveCloudConfig(VOLCENGINE, {}, { VOLC_ACCESSKEY: "AK" })).toThrow(/VOLC_ACCESSKEY is set, no secret key/);
    expect(() => resolveCloudConfig(VOLCENGINE, { accessKey: "AK" }, {})).toThrow(/sets only one of mlplatform:accessKey and mlplatform:secretKey/);
  });

  it("never shows the secret in JSON, inspection or logs of the config", () => {
    const cfg = resolveCloudConfig(VOLCENGINE, { accessKey: "AKLTabcdef", secretKey: "super-secret-value" }, {});
    const shown = [JSON.stringify(cfg), inspect(cfg, { depth: 5 }), `${JSON.stringify(cfg.credentials)}`].join("\n");
    expect(shown).not.toContain("super-secret-value");
    expect(shown).not.toContain("AKLTabcdef");
    expect(cfg.credentials.secretAccessKey).toBe("super-secret-value");
  });
});

describe("vendor error codes", () => {
  it.each([
    ["FlowLimitExceeded", 429, "throttled"],
    ["RequestLimitExceeded", 400, "throttled"],
    ["SignatureDoesNotMatch", 403, "unauthorized"],
    ["InvalidAccessKey", 401, "unauthorized"],
    ["ServiceNotFound", 404, "not_found"],
    ["ModelNameDuplicated", 409, "conflict"],
    ["ResourceInUse", 409, "conflict"],
    ["InvalidParameter.FlavorID", 400, "invalid"],
    ["InternalError", 500, "unavailable"],
    ["InvalidActionOrVersion", 404, "invalid"],
    [undefined, 404, "internal"],
    [undefined, 502, "unavailable"],
  ] as const)("%s (HTTP %d) is %s", (code, status, kind) => {
    expect(kindOfVendorError(code, status)).toBe(kind);
  });
});
