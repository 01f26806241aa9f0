// The Baidu Qianfan backend (console API V2): its configuration (the env vars the vendor's SDK reads, the
// console host, Baidu BOS as the S3-protocol store for local dataset files), its kind rules, and the driver.
import { resolveCloudConfig, type CloudSettings, type CloudVendorSpec } from "../cloud/config";
import { QianfanPlatform, type QianfanPlatformOptions } from "./platform";

export { QIANFAN_RULES, QianfanHyperParameters } from "./rules";
export { QianfanPlatform } from "./platform";
export { QianfanApi } from "./api";

export const QIANFAN: CloudVendorSpec = {
  vendor: "Qianfan",
  backend: "qianfan",
  // QIANFAN_ACCESS_KEY/SECRET_KEY are the IAM keys the qianfan SDK signs console calls with (QIANFAN_AK/SK are
  // an application's inference keys and cannot call the console API).
  accessKeyEnv: ["QIANFAN_ACCESS_KEY"],
  secretKeyEnv: ["QIANFAN_SECRET_KEY"],
  // The console host is global; the region only places the BOS bucket (the SDK's BosHostRegion default "bj").
  regionEnv: ["QIANFAN_BOS_REGION"],
  objectStoreBucketEnv: ["QIANFAN_BOS_BUCKET"],
  defaultRegion: "bj",
  endpointFor: () => "https://qianfan.baidubce.com",
  objectStoreEndpointFor: (region) => `https://s3.${region}.bcebos.com`,
};

export function openQianfan(settings: CloudSettings, tuning: Omit<QianfanPlatformOptions, "config"> = {}, env: NodeJS.ProcessEnv = process.env): QianfanPlatform {
  return new QianfanPlatform({ config: resolveCloudConfig(QIANFAN, settings, env), ...tuning });
}
