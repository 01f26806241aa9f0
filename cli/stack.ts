// Opens a Pulumi stack through the Automation API with an INLINE program: this Node process serves the
// language protocol to the CLI, so no Node language-host binary is needed. Shared by the `mlplatform`
// commands, the end-to-end tests and the review/drift commands; every option is explicit.
import { randomBytes } from "node:crypto";
import { existsSync, mkdirSync, readdirSync, realpathSync, writeFileSync } from "node:fs";
import { delimiter, dirname, isAbsolute, join, relative, resolve } from "node:path";
import * as pulumi from "@pulumi/pulumi";
import * as auto from "@pulumi/pulumi/automation";
import { defaultDataDir } from "../sdk/connection";
import { declareManifest } from "../provider/manifest/load";
import { packageRoot } from "./package-root";
import { MANIFEST_PROJECT_DESCRIPTION } from "./project";

/** The manifest deployed when neither --manifest nor the stack config `mlplatform:manifest` names one. */
export const DEFAULT_MANIFEST = "examples/quickstart/ml.yaml";
export const MANIFEST_CONFIG_KEY = "mlplatform:manifest";
export const DEFAULT_PROJECT_NAME = "mlplatform";
export const DEFAULT_STACK_NAME = "dev";

export interface OpenStackOptions {
  /** Project directory: `mlplatform` and `@pulumi/pulumi` resolve from here, and the dynamic provider runs here. */
  workDir: string;
  stackName: string;
  projectName?: string;
  /**
   * The manifest to deploy (relative to workDir, or absolute; it is stored relative in the stack config
   * `mlplatform:manifest`). Omitted: the stack config's manifest, else DEFAULT_MANIFEST.
   */
  manifestPath?: string;
  /** A program instead of a manifest (TypeScript stacks, tests). */
  program?: auto.PulumiFn;
  /**
   * Default: $PULUMI_BACKEND_URL, else file://<dataDir>/state. `"project"`: whatever the project and the
   * pulumi CLI choose (Pulumi.yaml `backend.url`, $PULUMI_BACKEND_URL, `pulumi login`), as for a user's
   * own project deployed with plain `pulumi`.
   */
  backendUrl?: string | "project";
  /** Select an existing stack only; a missing one is an error (review and drift never create stacks). */
  mustExist?: boolean;
  /** Default: the environment's PULUMI_HOME (Pulumi's own default when unset). */
  pulumiHome?: string;
  /** Local platform data directory (default $MLPLATFORM_DATA_DIR, else ~/.mlplatform); passed to the provider. */
  dataDir?: string;
  /** Extra environment for the Pulumi CLI and the dynamic provider it starts. */
  envVars?: Record<string, string>;
  /** Where notices go (the generated passphrase); default: stderr. */
  say?: (msg: string) => void;
  /**
   * Directory whose bin/ holds the pulumi CLI. Default: $MLP_PULUMI_ROOT, else the one scripts/toolchain.sh
   * links at <package>/node_modules/.pulumi-root, else `pulumi` on PATH.
   */
  pulumiRoot?: string;
}

export interface OpenedStack {
  stack: auto.Stack;
  /** The manifest the program deploys, relative to workDir (undefined for a program stack). */
  manifestPath?: string;
  backendUrl: string;
}

export function defaultBackendUrl(dataDir: string, env: NodeJS.ProcessEnv = process.env): string {
  return env.PULUMI_BACKEND_URL || `file://${join(dataDir, "state")}`;
}

/** The program that declares a manifest's resources; the manifest is chosen when the program runs. */
export function manifestProgram(workDir: string, manifestPath?: string): auto.PulumiFn {
  return async () => {
    const config = new pulumi.Config("mlplatform");
    const path = manifestPath ?? config.get("manifest") ?? DEFAULT_MANIFEST;
    // The stack's backend decides which URIs a manifest may name and which spec each kind takes.
    const backend = config.get("backend") || process.env.MLPLATFORM_BACKEND || "local";
    return declareManifest(path, { workDir, backend }).outputs;
  };
}

export async function openStack(opts: OpenStackOptions): Promise<OpenedStack> {
  const workDir = resolve(opts.workDir);
  const dataDir = resolve(opts.dataDir ?? defaultDataDir());
  const projectBackend = opts.backendUrl === "project";
  const backendUrl = projectBackend ? process.env.PULUMI_BACKEND_URL ?? "" : opts.backendUrl ?? defaultBackendUrl(dataDir);
  const projectName = opts.projectName ?? DEFAULT_PROJECT_NAME;
  const manifestPath = opts.manifestPath === undefined ? undefined : toWorkDirRelative(workDir, opts.manifestPath);
  const pulumiRoot = opts.pulumiRoot ?? process.env.MLP_PULUMI_ROOT ?? toolchainPulumiRoot();

  const envVars: Record<string, string> = {
    // The dynamic provider is started by the CLI as `node …`: the same Node as this process comes first.
    // Its plugin (pulumi-resource-pulumi-nodejs) ships in @pulumi/pulumi; without it on PATH the CLI
    // would try to download a plugin that does not exist.
    PATH: [dirname(process.execPath), pulumiRoot && join(pulumiRoot, "bin"), dynamicProviderPluginDir(workDir, pulumiRoot), process.env.PATH]
      .filter(Boolean)
      .join(delimiter),
    ...(backendUrl ? { PULUMI_BACKEND_URL: backendUrl } : {}),
    PULUMI_SKIP_UPDATE_CHECK: "true",
    MLPLATFORM_DATA_DIR: dataDir,
    ...(opts.pulumiHome ? { PULUMI_HOME: opts.pulumiHome } : {}),
    // Local file backends encrypt secrets with a passphrase: the user's (PULUMI_CONFIG_PASSPHRASE[_FILE]),
    // else one generated once into the data dir (0600) — never a silent empty one.
    ...(backendUrl.startsWith("file://") ? stackPassphrase(dataDir, backendUrl.slice("file://".length), opts.say ?? ((m) => process.stderr.write(`${m}\n`))) : {}),
    ...opts.envVars,
  };
  if (backendUrl.startsWith("file://")) mkdirSync(backendUrl.slice("file://".length), { recursive: true, mode: 0o700 });

  const program = opts.program ?? manifestProgram(workDir, manifestPath);
  // A Pulumi.yaml already in workDir is the project's own and is respected; otherwise one is written.
  const hasProjectFile = ["Pulumi.yaml", "Pulumi.yml", "Pulumi.json"].some((f) => existsSync(join(workDir, f)));
  const workspaceOptions: auto.LocalWorkspaceOptions = {
    workDir,
    envVars,
    pulumiCommand: pulumiRoot ? await auto.PulumiCommand.get({ root: pulumiRoot, skipVersionCheck: false }) : undefined,
    ...(hasProjectFile ? {} : { projectSettings: { name: projectName, runtime: "nodejs" as const, description: MANIFEST_PROJECT_DESCRIPTION } }),
  };
  const stack = opts.mustExist
    ? await selectExisting(opts.stackName, projectName, program, workspaceOptions)
    : await auto.LocalWorkspace.createOrSelectStack({ stackName: opts.stackName, projectName, program }, workspaceOptions);
  // Remember the manifest on the stack, so refresh/destroy/preview later deploy the same one without flags.
  if (manifestPath !== undefined) await stack.setConfig(MANIFEST_CONFIG_KEY, { value: manifestPath });
  return { stack, manifestPath, backendUrl };
}

/** Thrown when a command that only reads a stack is pointed at one that does not exist. */
export class StackNotFoundError extends Error {}

async function selectExisting(stackName: string, projectName: string, program: auto.PulumiFn, options: auto.LocalWorkspaceOptions): Promise<auto.Stack> {
  try {
    return await auto.LocalWorkspace.selectStack({ stackName, projectName, program }, options);
  } catch (err) {
    if (!(err instanceof auto.StackNotFoundError) && !/no stack named|not found/i.test(String((err as Error).message))) throw err;
    const ws = await auto.LocalWorkspace.create({ ...options, program });
    const project = (await ws.projectSettings()).name;
    const known = await ws.listStacks().then((l) => l.map((s) => s.name)).catch(() => [] as string[]);
    const where = options.envVars?.PULUMI_BACKEND_URL ? ` in the backend ${redactUrl(options.envVars.PULUMI_BACKEND_URL)}` : "";
    throw new StackNotFoundError(
      `stack "${stackName}" does not exist in project "${project}"${where} (stacks there: ${known.length ? known.join(", ") : "none"}); ` +
        `pass --stack, or run the command in the directory of the project that deployed it`,
    );
  }
}

/** A backend URL fit for a message: no credentials, and a file backend's path kept (it is the user's own). */
function redactUrl(url: string): string {
  return url.replace(/\/\/[^/@]*@/, "//");
}

/** Platform settings given explicitly (env or stack config) mean "do not start the local one". */
export async function usesExplicitEndpoint(stack: auto.Stack): Promise<boolean> {
  if (process.env.MLPLATFORM_ENDPOINT) return true;
  if ((process.env.MLPLATFORM_BACKEND || "local") !== "local") return true;
  const config = await stack.getAllConfig();
  return Boolean(config["mlplatform:endpoint"]?.value) || (config["mlplatform:backend"]?.value ?? "local") !== "local";
}

/**
 * The backend a stack deploys to, in the provider's order (provider/handlers/context.ts): its
 * `mlplatform:backend`, else $MLPLATFORM_BACKEND, else the local platform.
 */
export async function stackBackend(stack: auto.Stack): Promise<string> {
  const config = await stack.getAllConfig();
  return config["mlplatform:backend"]?.value || process.env.MLPLATFORM_BACKEND || "local";
}

/** The manifest a stack deploys: the explicit one, else its `mlplatform:manifest` config, else the default. */
export async function stackManifest(stack: auto.Stack, explicit?: string): Promise<string> {
  if (explicit) return explicit;
  const all = await stack.getAllConfig();
  return all[MANIFEST_CONFIG_KEY]?.value ?? DEFAULT_MANIFEST;
}

/** The stack `pulumi stack select` chose for the project in `workDir`. */
export async function selectedStack(workDir: string): Promise<string> {
  const root = process.env.MLP_PULUMI_ROOT ?? toolchainPulumiRoot();
  const pulumiCommand = root ? await auto.PulumiCommand.get({ root, skipVersionCheck: false }) : undefined;
  const ws = await auto.LocalWorkspace.create({ workDir, pulumiCommand });
  const current = await ws.stack().catch(() => undefined);
  if (!current) throw new Error(`no stack is selected for the project in ${workDir}: pass --stack <name> (or run \`pulumi stack select\`)`);
  return current.name;
}

/**
 * Where @pulumi/pulumi keeps the dynamic-provider plugin, for PATH — unless a copy is bundled beside the CLI
 * binary (the setup scripts put one there): then a second one on PATH makes the engine warn on every run,
 * printing both absolute paths.
 */
function dynamicProviderPluginDir(workDir: string, pulumiRoot: string | undefined): string | undefined {
  try {
    if (pulumiRoot && existsSync(join(dirname(realpathSync(join(pulumiRoot, "bin", "pulumi"))), "pulumi-resource-pulumi-nodejs"))) return undefined;
  } catch {
    /* no CLI under that root: fall through to the package's plugin */
  }
  try {
    return dirname(require.resolve("@pulumi/pulumi/package.json", { paths: [workDir] }));
  } catch {
    return undefined;
  }
}

/** The CLI the setup scripts installed for this package, when they did. */
function toolchainPulumiRoot(): string | undefined {
  try {
    const root = join(packageRoot(), "node_modules", ".pulumi-root");
    return existsSync(join(root, "bin", "pulumi")) ? root : undefined;
  } catch {
    return undefined;
  }
}

function toWorkDirRelative(workDir: string, p: string): string {
  const abs = isAbsolute(p) ? p : resolve(workDir, p);
  return relative(workDir, abs) || ".";
}

export const PASSPHRASE_FILE = "passphrase";

/**
 * The passphrase environment for a file backend. The user's own PULUMI_CONFIG_PASSPHRASE(_FILE) wins;
 * otherwise <dataDir>/passphrase, generated once (0600) and announced. Stacks created before mlplatform
 * generated passphrases were encrypted with an empty one: they keep it (another passphrase cannot open
 * them), with a warning on every run saying how to move them to a real one.
 */
export function stackPassphrase(dataDir: string, stateDir: string, say: (msg: string) => void, env: NodeJS.ProcessEnv = process.env): Record<string, string> {
  if (env.PULUMI_CONFIG_PASSPHRASE !== undefined || env.PULUMI_CONFIG_PASSPHRASE_FILE !== undefined) return {};
  const file = join(dataDir, PASSPHRASE_FILE);
  if (existsSync(file)) return { PULUMI_CONFIG_PASSPHRASE_FILE: file };
  if (hasStacks(stateDir)) {
    say(
      `warning: the stacks in ${stateDir} use an EMPTY passphrase (made before mlplatform generated one), so their secrets are readable by anyone who can read the state. ` +
        `Set PULUMI_CONFIG_PASSPHRASE and run \`pulumi stack change-secrets-provider passphrase\` per stack to fix this.`,
    );
    return { PULUMI_CONFIG_PASSPHRASE: "" };
  }
  mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  try {
    writeFileSync(file, randomBytes(32).toString("base64url") + "\n", { mode: 0o600, flag: "wx" });
    say(`generated a passphrase for the stack's secrets in ${file} (0600); keep it: without it the stack's secrets cannot be decrypted. Set PULUMI_CONFIG_PASSPHRASE to use your own.`);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== "EEXIST") throw err; // another command generated it just now
  }
  return { PULUMI_CONFIG_PASSPHRASE_FILE: file };
}

/** True when a file backend already holds a stack of any project. */
function hasStacks(stateDir: string): boolean {
  const stacks = join(stateDir, ".pulumi", "stacks");
  try {
    return readdirSync(stacks, { recursive: true }).some((f) => String(f).endsWith(".json"));
  } catch {
    return false;
  }
}
