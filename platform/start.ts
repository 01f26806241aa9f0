// Starting the local platform in this process: store, artifact store, controllers (recovered to a defined
// state), the HTTP app on 127.0.0.1, and <dataDir>/platform.json so clients can find it.
import { chmodSync, mkdirSync, readFileSync, rmSync, writeFileSync, existsSync } from "node:fs";
import { resolve, join } from "node:path";
import { registerConsole } from "./console/index";
import { perfJobController } from "./perf/controller";
import { serviceController } from "./serving/controller";
import { ArtifactCollector, ArtifactScrubber } from "./core/artifact-gc";
import { CasArtifactStore } from "./core/artifacts";
import { ContainedPath } from "./core/contained";
import { buildApp } from "./core/http";
import { IdempotencyKeys } from "./core/idempotency";
import { resolveUserPath } from "./core/paths";
import { SqliteObjectStore } from "./core/store";
import { ensureToken } from "./core/token";
import { fileLog, stderrLog } from "./core/log";
import type { KindController, KindName, PlatformContext } from "./core/types";
import { datasetController } from "./datasets/controller";
import { modelController } from "./models/controller";
import { trainingJobController } from "./training/controller";

export interface StartOptions {
  dataDir: string;
  /** 0: any free port. */
  port?: number;
  host?: string;
  /** Directories user paths may name; the first anchors relative paths. Default: the current directory. */
  allowedRoots?: string[];
  /** Where log lines go; default: `logFile` when given, else JSON lines on stderr (both redacted). */
  log?: PlatformContext["log"];
  /** The platform's own log file, rotated by size (see core/log.ts). */
  logFile?: string;
  logMaxBytes?: number;
  /** Serve HTTPS with these PEM files; required to listen beyond loopback unless allowInsecureRemote. */
  tls?: { certFile: string; keyFile: string };
  /** Listen beyond loopback over plain HTTP anyway (the token then crosses the network in clear). */
  allowInsecureRemote?: boolean;
  /** What a response that breaks its published schema does (see HttpOptions); default "log". */
  responseViolations?: "log" | "refuse";
}

export interface RunningPlatform {
  endpoint: string;
  token: string;
  dataDir: string;
  ctx: PlatformContext;
  /** Stops jobs and replicas (controllers' shutdown), the HTTP server and the store. Idempotent. */
  close(): Promise<void>;
}

export function platformVersion(): string {
  try {
    return JSON.parse(readFileSync(join(__dirname, "..", "package.json"), "utf8")).version;
  } catch {
    try {
      return JSON.parse(readFileSync(join(__dirname, "..", "..", "package.json"), "utf8")).version;
    } catch {
      return "0.0.0";
    }
  }
}

/** One controller per stored kind; typed over the registry, so a kind without its controller does not compile. */
function controllers(): Record<KindName, KindController> {
  return {
    datasets: datasetController,
    "training-jobs": trainingJobController,
    models: modelController,
    "perf-jobs": perfJobController,
    services: serviceController,
  };
}

/** Loopback addresses: only local processes can reach them. */
export function isLoopbackHost(host: string): boolean {
  return host === "localhost" || host === "::1" || /^127(\.\d{1,3}){3}$/.test(host);
}

/**
 * Beyond loopback the bearer token crosses a network: that needs TLS, or an explicit opt-out that is said out
 * loud. Returns the warning to log, or throws.
 */
function checkExposure(host: string, opts: StartOptions): string | undefined {
  if (isLoopbackHost(host) || opts.tls) return undefined;
  if (!opts.allowInsecureRemote) {
    throw new Error(`refusing to listen on ${host} over plain HTTP: the bearer token would cross the network in clear; give --tls-cert and --tls-key, or --insecure-listen to accept that`);
  }
  return `WARNING: listening on ${host} over plain HTTP (--insecure-listen): anyone on the network path can read the bearer token and every request`;
}

/**
 * Two platforms on one data dir would each "recover" the other's running jobs, so the second one refuses.
 * The recorded platform counts as running when its pid is alive and its endpoint answers with the dir's
 * token (a pid alone may have been reused since a crash).
 */
async function refuseIfOwned(dataDir: string): Promise<void> {
  const infoPath = join(dataDir, "platform.json");
  let info: { pid?: number; endpoint?: string };
  let token: string;
  try {
    info = JSON.parse(readFileSync(infoPath, "utf8"));
    token = readFileSync(join(dataDir, "token"), "utf8").trim();
  } catch {
    return;
  }
  if (!info.pid || info.pid === process.pid || !info.endpoint) return;
  try {
    process.kill(info.pid, 0);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ESRCH") return; // it died: the data dir is free
  }
  try {
    const res = await fetch(`${info.endpoint}/v1/flavors`, { headers: { authorization: `Bearer ${token}` }, signal: AbortSignal.timeout(1500) });
    if (res.status !== 200) return;
  } catch {
    return;
  }
  throw new Error(`another platform (pid ${info.pid}, ${info.endpoint}) is running on data dir ${dataDir}`);
}

export async function startPlatform(opts: StartOptions): Promise<RunningPlatform> {
  const dataDir = resolve(opts.dataDir);
  mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  // New files are private by the entry points' umask; a data dir an earlier version made 0755 is closed here
  // once, which shuts other users out of everything below it.
  chmodSync(dataDir, 0o700);
  const allowedRoots = (opts.allowedRoots?.length ? opts.allowedRoots : [process.cwd()]).map((r) => resolve(r));
  await refuseIfOwned(dataDir);
  const host = opts.host ?? "127.0.0.1";
  const exposureWarning = checkExposure(host, opts);
  const https = opts.tls ? { cert: readFileSync(opts.tls.certFile), key: readFileSync(opts.tls.keyFile) } : undefined;
  const token = ensureToken(dataDir);
  const log = opts.log ?? (opts.logFile ? fileLog(opts.logFile, { maxBytes: opts.logMaxBytes, secrets: [token] }) : stderrLog([token]));
  const store = new SqliteObjectStore(dataDir, log);
  const ctx: PlatformContext = {
    dataDir,
    allowedRoots,
    store,
    artifacts: new CasArtifactStore(join(dataDir, "cas")),
    controllers: controllers(),
    resolvePath: (path, field) => resolveUserPath(path, field, allowedRoots),
    openPath: (path, field) => ContainedPath.open(path, field, allowedRoots),
    log,
  };
  const version = platformVersion();
  const collector = new ArtifactCollector(ctx);
  const app = buildApp({ ctx, token, idempotency: new IdempotencyKeys(store), version, registerConsole, https, onDeleted: () => collector.schedule(), responseViolations: opts.responseViolations });

  for (const c of Object.values(ctx.controllers)) {
    try {
      await c.recover(ctx);
    } catch (err) {
      ctx.log("recovery failed", { kind: c.kind, error: String((err as Error).stack ?? err) });
    }
  }

  collector.schedule(); // what earlier runs left behind
  collector.start();
  const scrubber = new ArtifactScrubber(ctx);
  scrubber.start();
  await app.listen({ port: opts.port ?? 0, host });
  const addr = app.server.address();
  if (!addr || typeof addr === "string") throw new Error("the platform is not listening on a TCP port");
  const endpoint = `${https ? "https" : "http"}://${addr.family === "IPv6" ? `[${addr.address}]` : addr.address}:${addr.port}`;
  if (exposureWarning) {
    ctx.log(exposureWarning);
    process.stderr.write(`\n${exposureWarning}\n\n`);
  }
  const infoPath = join(dataDir, "platform.json");
  writeFileSync(infoPath, JSON.stringify({ endpoint, pid: process.pid, version }, null, 2) + "\n");
  ctx.log("platform started", { endpoint, dataDir, allowedRoots });

  let closing: Promise<void> | undefined;
  const close = () =>
    (closing ??= (async () => {
      await app.close();
      for (const c of Object.values(ctx.controllers)) {
        try {
          await c.shutdown(ctx);
        } catch (err) {
          ctx.log("shutdown failed", { kind: c.kind, error: String(err) });
        }
      }
      collector.stop();
      scrubber.stop();
      store.close();
      // Only remove platform.json if it still describes this process (a newer platform may own the dir).
      try {
        if (existsSync(infoPath) && JSON.parse(readFileSync(infoPath, "utf8")).endpoint === endpoint) rmSync(infoPath);
      } catch {
        /* best effort */
      }
    })());
  return { endpoint, token, dataDir, ctx, close };
}
