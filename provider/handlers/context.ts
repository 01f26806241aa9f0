// The platform connection the handlers use, resolved at run time: settings from the stack config (passed
// in by `configure`), else the environment, else the running local platform (sdk/connection.ts).
// Module state on purpose: the dynamic-provider process loads this module once and every kind shares it.
import { openPlatform, type ConnectionSettings, type LocalPlatformOptions, type Platform } from "../../sdk";
import type { LocalFlavor } from "../../schemas";
import { sha256 } from "./values";

export interface ProviderSettings extends ConnectionSettings {
  /** Driver tuning (tests and slow networks); env MLPLATFORM_REQUEST_TIMEOUT_MS also sets the timeout. */
  requestTimeoutMs?: number;
  retryLimit?: number;
  retryBaseMs?: number;
  retryMaxMs?: number;
  /** Longest single long-poll of a wait (ms). Default 30 s. */
  waitChunkMs?: number;
}

let settings: ProviderSettings = {};
let cached: { settings: ProviderSettings; env: (string | undefined)[]; platform: Platform } | undefined;
let flavorCache: { key: string; flavors: LocalFlavor[] | undefined } | undefined;

/** Called by the shim's `configure` with the stack config (mlplatform:endpoint, :token, :backend). */
export function configure(next: ProviderSettings): void {
  settings = Object.fromEntries(Object.entries(next).filter(([, v]) => v !== undefined && v !== "")) as ProviderSettings;
  cached = undefined;
  flavorCache = undefined;
}

/** The selected backend's name (stack config, else MLPLATFORM_BACKEND, else local), without connecting. */
export function currentBackend(): string {
  return settings.backend || process.env.MLPLATFORM_BACKEND || "local";
}

export function currentSettings(): ProviderSettings {
  return settings;
}

export function platform(): Platform {
  // The connection is remade when configure replaced `settings` or the environment changed; compared as
  // they are rather than hashed on every handler call (the connection made from them holds the token anyway).
  const env = [process.env.MLPLATFORM_ENDPOINT, process.env.MLPLATFORM_TOKEN, process.env.MLPLATFORM_DATA_DIR, process.env.MLPLATFORM_BACKEND];
  if (cached?.settings === settings && cached.env.every((v, i) => v === env[i])) return cached.platform;
  const envTimeout = Number(process.env.MLPLATFORM_REQUEST_TIMEOUT_MS) || undefined;
  const tuning: Omit<LocalPlatformOptions, "endpoint" | "token"> = {
    requestTimeoutMs: settings.requestTimeoutMs ?? envTimeout,
    retryLimit: settings.retryLimit,
    retryBaseMs: settings.retryBaseMs,
    retryMaxMs: settings.retryMaxMs,
  };
  const p = openPlatform(settings, { ...tuning, asProvider: true });
  cached = { settings, env, platform: p };
  return p;
}

/**
 * A connection for check's server-side dry run: it must answer quickly or not at all (check works
 * offline, e.g. a preview before the platform is started; apply validates again).
 */
export function quickPlatform(): Platform | undefined {
  try {
    return openPlatform(settings, { requestTimeoutMs: 2_000, retryLimit: 0, asProvider: true });
  } catch {
    return undefined;
  }
}

export function waitChunkMs(): number {
  return settings.waitChunkMs ?? 30_000;
}

/**
 * The backend's flavors when it answers quickly, else undefined (check must work offline, e.g. in a
 * preview before the platform is started; the platform validates again at create).
 */
export async function knownFlavors(): Promise<LocalFlavor[] | undefined> {
  let conn: Platform;
  try {
    conn = openPlatform(settings, { requestTimeoutMs: 2_000, retryLimit: 0 });
  } catch {
    return undefined;
  }
  const key = sha256(JSON.stringify(settings) + (process.env.MLPLATFORM_ENDPOINT ?? "") + (process.env.MLPLATFORM_BACKEND ?? ""));
  if (flavorCache?.key === key) return flavorCache.flavors;
  let flavors: LocalFlavor[] | undefined;
  try {
    flavors = await conn.flavors();
  } catch {
    flavors = undefined;
  }
  flavorCache = { key, flavors };
  return flavors;
}
