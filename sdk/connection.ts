// Where the platform is and how to authenticate, resolved at RUN time (inside provider methods), never at
// program time: anything resolved in the program would be serialized into state with the provider.
// Order: explicit settings (stack config) → environment → the running local platform's own files.
import { readFileSync } from "node:fs";
import { homedir } from "node:os";
import { join } from "node:path";

export const BACKENDS = ["local", "volcengine", "qianfan", "modelarts"] as const;
export type Backend = (typeof BACKENDS)[number];

export interface ConnectionSettings {
  /** "local" (default) or a cloud backend ("volcengine", "qianfan", "modelarts"). */
  backend?: string;
  /** Cloud backends: region, credentials (stack secrets) and the object store endpoint override. */
  region?: string;
  accessKey?: string;
  secretKey?: string;
  objectStoreEndpoint?: string;
  /** Bucket local sources are uploaded to, where the vendor API names none (Baidu BOS for Qianfan datasets). */
  objectStoreBucket?: string;
  /** Cloud backends that scope requests by project (ModelArts: the region's project id). */
  projectId?: string;
  endpoint?: string;
  token?: string;
  /** Data directory of the local platform (default $MLPLATFORM_DATA_DIR, else ~/.mlplatform). */
  dataDir?: string;
}

export interface Connection {
  backend: "local";
  endpoint: string;
  token: string;
  /** Where each value came from, for error messages ("token from MLPLATFORM_TOKEN"). */
  source: string;
}

export function defaultDataDir(env: NodeJS.ProcessEnv = process.env): string {
  return env.MLPLATFORM_DATA_DIR || join(homedir(), ".mlplatform");
}

export function resolveBackend(name: string | undefined): Backend {
  const backend = name || "local";
  if (!(BACKENDS as readonly string[]).includes(backend)) {
    throw new Error(
      `mlplatform backend "${backend}" is not available (supported: ${BACKENDS.join(", ")}); ` +
        `set mlplatform:backend (or MLPLATFORM_BACKEND) to one of them, or remove it for the local platform`,
    );
  }
  return backend as Backend;
}

/** The local platform's connection (cloud backends resolve their own configuration, sdk/cloud/config.ts). */
export function resolveConnection(settings: ConnectionSettings = {}, env: NodeJS.ProcessEnv = process.env): Connection {
  const backend = resolveBackend(settings.backend ?? env.MLPLATFORM_BACKEND);
  if (backend !== "local") throw new Error(`resolveConnection is for the local platform; backend "${backend}" resolves its own configuration`);
  if (settings.endpoint) {
    const token = settings.token ?? env.MLPLATFORM_TOKEN;
    if (!token) throw new Error(`mlplatform endpoint ${settings.endpoint} is configured but no token: set mlplatform:token (as a secret) or MLPLATFORM_TOKEN`);
    return { backend, endpoint: trimSlash(settings.endpoint), token, source: "stack config" };
  }
  if (env.MLPLATFORM_ENDPOINT) {
    const token = settings.token ?? env.MLPLATFORM_TOKEN;
    if (!token) throw new Error(`MLPLATFORM_ENDPOINT is set but no token: set MLPLATFORM_TOKEN or mlplatform:token`);
    return { backend, endpoint: trimSlash(env.MLPLATFORM_ENDPOINT), token, source: "environment" };
  }
  const dataDir = settings.dataDir ?? defaultDataDir(env);
  const infoPath = join(dataDir, "platform.json");
  let info: { endpoint?: string };
  try {
    info = JSON.parse(readFileSync(infoPath, "utf8"));
  } catch {
    throw new Error(
      `no mlplatform endpoint: set mlplatform:endpoint/mlplatform:token, or MLPLATFORM_ENDPOINT/MLPLATFORM_TOKEN, ` +
        `or start the local platform (mlplatform platform start); nothing found at ${infoPath}`,
    );
  }
  if (!info.endpoint) throw new Error(`${infoPath} names no endpoint`);
  const token = settings.token ?? env.MLPLATFORM_TOKEN ?? readToken(join(dataDir, "token"));
  return { backend, endpoint: trimSlash(info.endpoint), token, source: `local platform (${infoPath})` };
}

function readToken(path: string): string {
  try {
    return readFileSync(path, "utf8").trim();
  } catch {
    throw new Error(`the local platform's token is not readable at ${path}: set MLPLATFORM_TOKEN`);
  }
}

function trimSlash(url: string): string {
  return url.replace(/\/+$/, "");
}
