#!/usr/bin/env node
// The `mlplatform` command: the local platform, and stack operations on YAML manifests.
import { resolve } from "node:path";
import { Command, InvalidArgumentError, Option } from "commander";
import { defaultDataDir } from "../sdk/connection";
import { runPlatformForeground, startPlatformDetached, findRunningPlatform, stopPlatform } from "./platform";
import { describeFailure, runStackCommand, type StackAction } from "./deploy";
import { runQuickstart } from "./quickstart";
import { packageRoot } from "./package-root";
import { DEFAULT_STACK_NAME } from "./stack";
import { registerReviewCommands } from "./review";
import { runCheck } from "./check";

function port(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0 || n > 65535) throw new InvalidArgumentError("a port is an integer from 0 to 65535");
  return n;
}
const collect = (value: string, previous: string[] = []) => [...previous, value];

async function main(argv: string[]): Promise<void> {
  // Private from creation: the data dir, the Pulumi state and its backups, the passphrase, the platform it
  // starts (which inherits this mask) — no group/other bits on anything this command creates.
  process.umask(0o077);
  const program = new Command("mlplatform")
    .description("Infrastructure as code for ML platforms: datasets, training jobs, models, perf jobs and services")
    .showHelpAfterError();
  const dataDirOption = () => new Option("--data-dir <dir>", "local platform data directory").default(defaultDataDir(), "$MLPLATFORM_DATA_DIR or ~/.mlplatform");

  const platform = program.command("platform").description("the embedded local ML platform");
  platform
    .command("start")
    .description("start the local platform (foreground unless --detach)")
    .addOption(dataDirOption())
    .option("--port <n>", "port (0: any free port)", port, 0)
    .option("--host <addr>", "address to listen on; beyond loopback it needs --tls-cert/--tls-key or --insecure-listen", "127.0.0.1")
    .option("--tls-cert <file>", "serve HTTPS with this PEM certificate (with --tls-key)")
    .option("--tls-key <file>", "the PEM private key of --tls-cert")
    .option("--insecure-listen", "allow a non-loopback --host over plain HTTP (the token crosses the network in clear)")
    .option("--allow-root <dir>", "directory user paths may name (repeatable; default: the mlplatform package directory)", collect)
    .option("--detach", "run in the background and return once it answers")
    .action(async (o: { dataDir: string; port: number; host: string; tlsCert?: string; tlsKey?: string; insecureListen?: boolean; allowRoot?: string[]; detach?: boolean }) => {
      const opts = {
        dataDir: resolve(o.dataDir),
        port: o.port,
        allowedRoots: (o.allowRoot ?? [packageRoot()]).map((r) => resolve(r)),
        listen: { host: o.host, tlsCert: o.tlsCert && resolve(o.tlsCert), tlsKey: o.tlsKey && resolve(o.tlsKey), insecure: o.insecureListen },
      };
      if (!o.detach) {
        process.exitCode = await runPlatformForeground(opts);
        return;
      }
      const running = await findRunningPlatform(opts.dataDir);
      if (running) {
        console.log(`already running at ${running.endpoint} (pid ${running.pid})`);
        return;
      }
      const started = await startPlatformDetached(opts);
      console.log(`local platform running at ${started.endpoint} (pid ${started.pid}); token in ${opts.dataDir}/token, log in ${opts.dataDir}/platform.log`);
    });
  platform
    .command("status")
    .description("say whether the local platform answers")
    .addOption(dataDirOption())
    .action(async (o: { dataDir: string }) => {
      const running = await findRunningPlatform(resolve(o.dataDir));
      console.log(running ? `running at ${running.endpoint} (pid ${running.pid})` : "not running");
      if (!running) process.exitCode = 3;
    });
  platform
    .command("stop")
    .description("stop the local platform of a data directory")
    .addOption(dataDirOption())
    .action(async (o: { dataDir: string }) => {
      console.log((await stopPlatform(resolve(o.dataDir))) ? "stopped" : "not running");
    });

  const stackCommand = (action: StackAction, description: string) =>
    program
      .command(action)
      .description(description)
      .option("-m, --manifest <file>", "manifest to deploy (default: the stack config mlplatform:manifest, else examples/quickstart/ml.yaml); remembered by the stack")
      .option("-s, --stack <name>", "stack name", DEFAULT_STACK_NAME)
      .option("-y, --yes", "do not ask for confirmation")
      .option("--refresh", "up/preview: read every resource back from the platform first (puts drift back)")
      .option("--json", "print the result as JSON on stdout (engine output goes to stderr)")
      .option("--work-dir <dir>", "Pulumi project directory, where mlplatform resolves from (default: the mlplatform package)")
      .addOption(dataDirOption())
      .action(async (o: { manifest?: string; stack: string; yes?: boolean; refresh?: boolean; json?: boolean; dataDir: string; workDir?: string }) => {
        const result = await runStackCommand(action, { ...o, workDir: o.workDir === undefined ? undefined : resolve(o.workDir) });
        if (o.json) console.log(JSON.stringify(result, null, 2));
        else if (result.outputs && Object.keys(result.outputs).length) console.log(`\noutputs:\n${JSON.stringify(result.outputs, null, 2)}`);
      });
  stackCommand("up", "create or update the manifest's resources (starts the local platform when needed)");
  stackCommand("preview", "show what `up` would change");
  stackCommand("refresh", "read every resource back from the platform (drift becomes visible)");
  stackCommand("destroy", "delete every resource of the stack");

  program
    .command("check")
    .description("check a manifest as preview would (its own rules, then the platform's dry run), without the engine")
    .requiredOption("-m, --manifest <file>", "manifest to check")
    .option("--offline", "only the manifest's own checks (no platform)")
    .option("-s, --stack <name>", "stack whose objects the manifest manages (their names are not taken)", DEFAULT_STACK_NAME)
    .option("-b, --backend <name>", "backend the manifest is for (default: $MLPLATFORM_BACKEND, else local)")
    .addOption(dataDirOption())
    .action(async (o: { manifest: string; offline?: boolean; stack: string; backend?: string; dataDir: string }) => {
      const result = await runCheck({ manifest: o.manifest, backend: o.backend, platform: o.offline ? false : { dataDir: resolve(o.dataDir) }, stackPrefix: `mlplatform/${o.stack}` });
      (result.exitCode ? console.error : console.log)(result.output);
      process.exitCode = result.exitCode;
    });

  program
    .command("quickstart")
    .description("start the local platform, deploy examples/quickstart/ml.yaml and make one prediction")
    .option("-s, --stack <name>", "stack name", DEFAULT_STACK_NAME)
    .addOption(dataDirOption())
    .action(async (o: { stack: string; dataDir: string }) => {
      await runQuickstart({ stack: o.stack, dataDir: o.dataDir });
    });

  // `review` (PR comment of a preview) and `drift` (refresh preview as a scheduled check).
  registerReviewCommands(program);

  await program.parseAsync(argv);
}

main(process.argv).catch((err) => {
  console.error(`mlplatform: ${describeFailure(err)}`);
  process.exitCode = 1;
});
