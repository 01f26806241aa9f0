// The Volcengine ML Platform backend: its configuration (env vars the vendor's SDKs read, endpoints per
// region), its kind rules, and the driver.
import { resolveCloudConfig, type CloudSettings, type CloudVendorSpec } from "../cloud/config";
import { VolcenginePlatform, type VolcenginePlatformOptions } from "./platform";

export { VOLCENGINE_RULES } from "./rules";
export { VolcenginePlatform } from "./platform";
export { VolcengineApi, API_VERSION, SERVICE } from "./api";

export const VOLCENGINE: CloudVendorSpec = {
  vendor: "Volcengine",
  backend: "volcengine",
  // VOLC_* are what the ML Platform SDK reads; VOLCENGINE_* what the newer volcengine-python-sdk reads.
  accessKeyEnv: ["VOLC_ACCESSKEY", "VOLCENGINE_ACCESS_KEY"],
  secretKeyEnv: ["VOLC_SECRETKEY", "VOLCENGINE_SECRET_KEY"],
  regionEnv: ["VOLC_REGION", "VOLCENGINE_REGION"],
  sessionTokenEnv: ["VOLC_SESSION_TOKEN", "VOLCENGINE_SESSION_TOKEN"],
  defaultRegion: "cn-beijing",
  endpointFor: () => "https://open.volcengineapi.com",
  objectStoreEndpointFor: (region) => `https://tos-s3-${region}.volces.com`,
};

export function openVolcengine(settings: CloudSettings, tuning: Omit<VolcenginePlatformOptions, "config"> = {}, env: NodeJS.ProcessEnv = process.env): VolcenginePlatform {
  return new VolcenginePlatform({ config: resolveCloudConfig(VOLCENGINE, settings, env), ...tuning });
}
