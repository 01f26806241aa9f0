// Platform clients: the per-kind interface, typed errors, connection resolution and the drivers.
import { resolveBackend, resolveConnection, type ConnectionSettings } from "./connection";
import type { BackendRules } from "./kind-rules";
import { LocalPlatform, type LocalPlatformOptions } from "./local";
import type { Platform } from "./platform";
import { QIANFAN_RULES } from "./qianfan/rules";
import { MODELARTS_RULES } from "./modelarts/rules";
import { VOLCENGINE_RULES } from "./volcengine/rules";

// The cloud drivers (and the S3 client they share) load only when their backend is opened: a process
// that talks to the local platform, such as every dynamic-provider process of a local stack, never pays
// for them (issue 18 §2: loading the handlers is a fixed cost of every preview, refresh and up).
interface CloudDrivers {
  qianfan: typeof import("./qianfan");
  modelarts: typeof import("./modelarts");
  volcengine: typeof import("./volcengine");
}
const drivers: Partial<CloudDrivers> = {};

/**
 * Hands over driver modules already loaded. For test runners that run the TypeScript sources (vitest): there
 * a plain `require("./qianfan")` finds no compiled file, and the runner's own instances of the modules must be
 * the ones used (test/setup/cloud-drivers.ts). The compiled package never needs it.
 */
export function provideCloudDrivers(loaded: Partial<CloudDrivers>): void {
  Object.assign(drivers, loaded);
}

const driver = <K extends keyof CloudDrivers>(name: K): CloudDrivers[K] => (drivers[name] ??= require(`./${name}`) as CloudDrivers[K]);
const qianfan = () => driver("qianfan");
const modelarts = () => driver("modelarts");
const volcengine = () => driver("volcengine");

export * from "./errors";
export * from "./platform";
export * from "./connection";
export * from "./kind-rules";
export { LocalPlatform, requestStats, type LocalPlatformOptions, type RequestStats } from "./local";

/** Each cloud backend's kind rules (the local platform has none: the kinds' defaults are its rules). */
const RULES: Record<string, BackendRules> = { volcengine: VOLCENGINE_RULES, qianfan: QIANFAN_RULES, modelarts: MODELARTS_RULES };

export function backendRules(backend: string): BackendRules | undefined {
  return RULES[backend];
}

/** Opens the configured backend's driver (resolving endpoint and credentials now, i.e. at run time). */
export function openPlatform(
  settings: ConnectionSettings = {},
  tuning: Omit<LocalPlatformOptions, "endpoint" | "token"> = {},
): Platform {
  const backend = resolveBackend(settings.backend ?? process.env.MLPLATFORM_BACKEND);
  switch (backend) {
    case "local": {
      const conn = resolveConnection(settings);
      return new LocalPlatform({ endpoint: conn.endpoint, token: conn.token, ...tuning });
    }
    case "modelarts":
      return modelarts().openModelArts(settings, {
        requestTimeoutMs: tuning.requestTimeoutMs,
        retry: { retries: tuning.retryLimit, baseMs: tuning.retryBaseMs, maxMs: tuning.retryMaxMs },
      });
    case "volcengine":
      return volcengine().openVolcengine(settings, {
        requestTimeoutMs: tuning.requestTimeoutMs,
        retry: { retries: tuning.retryLimit, baseMs: tuning.retryBaseMs, maxMs: tuning.retryMaxMs },
      });
    case "qianfan":
      return qianfan().openQianfan(settings, {
        requestTimeoutMs: tuning.requestTimeoutMs,
        retry: { retries: tuning.retryLimit, baseMs: tuning.retryBaseMs, maxMs: tuning.retryMaxMs },
      });
  }
}
