// Platform clients: the per-kind interface, typed errors, connection resolution and the drivers.
import { resolveConnection, type ConnectionSettings } from "./connection";
import { LocalPlatform, type LocalPlatformOptions } from "./local";
import type { Platform } from "./platform";

export * from "./errors";
export * from "./platform";
export * from "./connection";
export { LocalPlatform, requestStats, type LocalPlatformOptions, type RequestStats } from "./local";

/** Opens the configured backend's driver (resolving endpoint and token now, i.e. at run time). */
export function openPlatform(
  settings: ConnectionSettings = {},
  tuning: Omit<LocalPlatformOptions, "endpoint" | "token"> = {},
): Platform {
  const conn = resolveConnection(settings);
  switch (conn.backend) {
    case "local":
      return new LocalPlatform({ endpoint: conn.endpoint, token: conn.token, ...tuning });
  }
}
