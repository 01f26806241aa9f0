#!/usr/bin/env node
// `node dist/platform/main.js start --data-dir D --port N --allow-root R…`: the local platform as a
// process (foreground; the CLI daemonizes it). SIGTERM/SIGINT shut it down gracefully: running jobs and
// replicas are stopped through their controllers before the store closes.
import { Command } from "commander";
import { homedir } from "node:os";
import { join } from "node:path";
import { DEFAULT_LOG_MAX_BYTES } from "./core/log";
import { startPlatform } from "./start";

export { startPlatform } from "./start";
export type { StartOptions, RunningPlatform } from "./start";

function collect(value: string, previous: string[] = []): string[] {
  return [...previous, value];
}

export async function main(argv: string[]): Promise<void> {
  // Everything the platform creates (data dir, database, artifacts, logs, job files) is private to its user
  // from the moment it exists: no group/other bits, rather than a chmod after the fact.
  process.umask(0o077);
  const program = new Command("mlplatform-platform").description("the embedded local ML platform");
  program
    .command("start")
    .description("run the platform in the foreground until SIGTERM/SIGINT")
    .option("--data-dir <dir>", "data directory", process.env.MLPLATFORM_DATA_DIR ?? join(homedir(), ".mlplatform"))
    .option("--port <n>", "TCP port (0: any free port)", "0")
    .option("--host <addr>", "address to bind", "127.0.0.1")
    .option("--allow-root <dir>", "directory user paths may name (repeatable; default: the current directory)", collect)
    .option("--log-file <file>", "write the platform log here, rotated by size (default: stderr)")
    .option("--log-max-bytes <n>", "rotate the log file past this size", process.env.MLPLATFORM_LOG_MAX_BYTES ?? String(DEFAULT_LOG_MAX_BYTES))
    .option("--tls-cert <file>", "serve HTTPS with this PEM certificate (with --tls-key)")
    .option("--tls-key <file>", "the PEM private key of --tls-cert")
    .option("--insecure-listen", "allow a non-loopback --host over plain HTTP (the token crosses the network in clear)")
    .action(async (opts: { dataDir: string; port: string; host: string; allowRoot?: string[]; logFile?: string; logMaxBytes: string; tlsCert?: string; tlsKey?: string; insecureListen?: boolean }) => {
      const port = Number(opts.port);
      if (!Number.isInteger(port) || port < 0 || port > 65535) throw new Error(`--port must be 0..65535, got "${opts.port}"`);
      const logMaxBytes = Number(opts.logMaxBytes);
      if (!Number.isInteger(logMaxBytes) || logMaxBytes < 1024) throw new Error(`--log-max-bytes must be an integer >= 1024, got "${opts.logMaxBytes}"`);
      if (Boolean(opts.tlsCert) !== Boolean(opts.tlsKey)) throw new Error("--tls-cert and --tls-key go together");
      const platform = await startPlatform({
        dataDir: opts.dataDir,
        port,
        host: opts.host,
        allowedRoots: opts.allowRoot,
        logFile: opts.logFile,
        logMaxBytes,
        tls: opts.tlsCert && opts.tlsKey ? { certFile: opts.tlsCert, keyFile: opts.tlsKey } : undefined,
        allowInsecureRemote: opts.insecureListen,
      });
      process.stdout.write(`local platform listening at ${platform.endpoint} (pid ${process.pid}, data dir ${platform.dataDir})\n`);
      let stopping = false;
      const stop = (signal: string) => {
        if (stopping) return;
        stopping = true;
        platform.ctx.log("shutting down", { signal });
        platform.close().then(
          () => process.exit(0),
          (err) => {
            platform.ctx.log("shutdown failed", { error: String(err) });
            process.exit(1);
          },
        );
      };
      process.on("SIGTERM", () => stop("SIGTERM"));
      process.on("SIGINT", () => stop("SIGINT"));
    });
  await program.parseAsync(argv);
}

if (require.main === module) {
  main(process.argv).catch((err) => {
    process.stderr.write(`mlplatform platform: ${(err as Error).message}\n`);
    process.exit(1);
  });
}
