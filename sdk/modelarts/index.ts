// The Huawei ModelArts backend: its configuration (the env vars the vendor's SDKs read, endpoints per region,
// the project id and the OBS bucket for local sources), its kind rules, and the driver.
import { resolveCloudConfig, CloudConfigError, type CloudSettings, type CloudVendorSpec } from "../cloud/config";
import { ModelArtsPlatform, type ModelArtsPlatformOptions } from "./platform";

export { MODELARTS_RULES } from "./rules";
export { ModelArtsPlatform, normaliseObsPath, versionNumber, versionString } from "./platform";
export { ModelArtsApi } from "./api";

export const MODELARTS: CloudVendorSpec = {
  vendor: "ModelArts",
  backend: "modelarts",
  // HUAWEICLOUD_SDK_AK/SK/PROJECT_ID are what huaweicloudsdkcore's EnvCredentials read.
  accessKeyEnv: ["HUAWEICLOUD_SDK_AK", "HUAWEICLOUD_ACCESS_KEY"],
  secretKeyEnv: ["HUAWEICLOUD_SDK_SK", "HUAWEICLOUD_SECRET_KEY"],
  regionEnv: ["HUAWEICLOUD_SDK_REGION", "HUAWEICLOUD_REGION"],
  sessionTokenEnv: ["HUAWEICLOUD_SDK_SECURITY_TOKEN"],
  defaultRegion: "cn-north-4",
  endpointFor: (region) => `https://modelarts.${region}.myhuaweicloud.com`,
  objectStoreEndpointFor: (region) => `https://obs.${region}.myhuaweicloud.com`,
};

export interface ModelArtsSettings extends CloudSettings {
  projectId?: string;
  /** mlplatform:objectStoreBucket (the setting every cloud driver reads for local sources). */
  objectStoreBucket?: string;
}

export function openModelArts(
  settings: ModelArtsSettings,
  tuning: Omit<ModelArtsPlatformOptions, "config" | "projectId" | "bucket"> = {},
  env: NodeJS.ProcessEnv = process.env,
): ModelArtsPlatform {
  const config = resolveCloudConfig(MODELARTS, settings, env);
  const projectId = settings.projectId || env.HUAWEICLOUD_SDK_PROJECT_ID;
  if (!projectId)
    throw new CloudConfigError(`ModelArts: no project id: set mlplatform:projectId or HUAWEICLOUD_SDK_PROJECT_ID (console: My Credentials → Projects, for region ${config.region})`);
  return new ModelArtsPlatform({ config, projectId, bucket: settings.objectStoreBucket || env.MODELARTS_OBS_BUCKET, ...tuning });
}
