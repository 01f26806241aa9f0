// The Pulumi project a command works on, and how to run its program without a Node.js language host.
// `review` and `drift` work on any project that uses these resources: the mlplatform package itself (its
// root Pulumi.yaml deploys a YAML manifest), or a user's own project (its own Pulumi.yaml and a program
// that imports `mlplatform`, deployed with plain `pulumi up`). Where the `pulumi-language-nodejs` host is
// installed, plain `pulumi` runs such a program itself; the `mlplatform` commands instead load the
// program's entry module in-process and run it as an Automation API inline program with the project's
// name, stack and backend — which is what the language host would do: require `main`, register the
// resources it declares, and take its exports as the stack outputs.
import { existsSync, readFileSync, realpathSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join, resolve, sep } from "node:path";
import type * as auto from "@pulumi/pulumi/automation";
import { parse } from "yaml";
import { packageRoot } from "./package-root";

const PROJECT_FILES = ["Pulumi.yaml", "Pulumi.yml"];

export interface PulumiProject {
  /** The directory holding Pulumi.yaml. */
  dir: string;
  name: string;
  runtime: string;
  /** Pulumi.yaml `main`: the program's entry (file or directory), relative to dir. */
  main?: string;
  /** Pulumi.yaml `backend.url`, when the project pins its state backend. */
  backendUrl?: string;
  /** The mlplatform package's own project (manifest-driven quickstart), not a user's. */
  isPackage: boolean;
  /**
   * A project whose program is a manifest: the package's own, or the Pulumi.yaml the `mlplatform` commands
   * write into a directory that had none (its stacks' state is in the local platform's data directory).
   */
  manifestDriven: boolean;
}

/** The description of the Pulumi.yaml the `mlplatform` commands write for a manifest project. */
export const MANIFEST_PROJECT_DESCRIPTION = "mlplatform stack (manifest-driven)";

/** The project whose Pulumi.yaml is in `from` or the nearest directory above it, as the pulumi CLI finds it. */
export function findProject(from: string): PulumiProject | undefined {
  for (let dir = resolve(from); ; dir = dirname(dir)) {
    const file = PROJECT_FILES.map((f) => join(dir, f)).find((f) => existsSync(f));
    if (file) return readProject(dir, file);
    if (dirname(dir) === dir) return undefined;
  }
}

export function readProject(dir: string, file = PROJECT_FILES.map((f) => join(dir, f)).find((f) => existsSync(f))): PulumiProject {
  if (!file) throw new Error(`${dir} has no Pulumi.yaml: it is not a Pulumi project directory`);
  const doc = parse(readFileSync(file, "utf8")) as Record<string, unknown> | null;
  const name = doc?.name;
  if (typeof name !== "string" || name === "") throw new Error(`${file}: the project has no \`name\``);
  const runtime = doc?.runtime;
  const runtimeName = typeof runtime === "string" ? runtime : typeof (runtime as { name?: unknown })?.name === "string" ? (runtime as { name: string }).name : "";
  const backend = doc?.backend as { url?: unknown } | undefined;
  let isPackage = false;
  try {
    isPackage = realpathSync(dir) === realpathSync(packageRoot());
  } catch {
    /* not installed as a package: a user project */
  }
  return {
    dir,
    name,
    runtime: runtimeName,
    main: typeof doc?.main === "string" ? doc.main : undefined,
    backendUrl: typeof backend?.url === "string" ? backend.url : undefined,
    isPackage,
    manifestDriven: isPackage || (doc?.description === MANIFEST_PROJECT_DESCRIPTION && doc?.main === undefined),
  };
}

/**
 * The project's program as an inline program: each run loads the entry module afresh (the project's own
 * files only; node_modules stay cached, so `@pulumi/pulumi` stays the one runtime the Automation API drives)
 * from the project directory, and returns its exports as the stack outputs.
 */
export function projectProgram(project: PulumiProject): auto.PulumiFn {
  if (project.runtime !== "nodejs") {
    throw new Error(`${join(project.dir, "Pulumi.yaml")}: runtime "${project.runtime}" programs cannot be loaded by mlplatform (nodejs only); review them from a saved \`pulumi preview --json\` with \`mlplatform review --json\``);
  }
  const load = createRequire(join(project.dir, "noop.js"));
  const entry = (() => {
    try {
      return load.resolve(resolve(project.dir, project.main ?? "."));
    } catch {
      throw new Error(`${join(project.dir, "Pulumi.yaml")}: cannot find the program's entry ${project.main ? `\`main: ${project.main}\`` : "(package.json main, or index.js)"}; build the program first (e.g. \`npx tsc\`) or point \`main\` at its compiled JavaScript`);
    }
  })();
  assertOneRuntime(project.dir);
  return async () => {
    const own = (file: string) => file.startsWith(project.dir + sep) && !file.includes(`${sep}node_modules${sep}`);
    for (const file of Object.keys(require.cache)) if (own(file)) delete require.cache[file];
    // The language host runs programs from the project directory; programs may read files relative to it.
    const previous = process.cwd();
    process.chdir(project.dir);
    try {
      let exported = load(entry);
      if (exported && typeof exported === "object" && "default" in exported && exported.__esModule) exported = exported.default;
      if (typeof exported === "function") exported = await exported();
      return (await exported) as Record<string, unknown> | undefined;
    } finally {
      process.chdir(previous);
    }
  };
}

/** A project whose `@pulumi/pulumi` is another copy than ours would register its resources with a runtime nobody drives. */
function assertOneRuntime(dir: string): void {
  let theirs: string;
  try {
    theirs = realpathSync(createRequire(join(dir, "noop.js")).resolve("@pulumi/pulumi"));
  } catch {
    throw new Error(`${dir}: @pulumi/pulumi is not installed in the project (run \`npm install\` there)`);
  }
  const ours = realpathSync(require.resolve("@pulumi/pulumi"));
  if (theirs !== ours) {
    throw new Error(`${dir}: the project's @pulumi/pulumi (${theirs}) is another copy than mlplatform's (${ours}); run \`npm dedupe\` so both use one`);
  }
}

/** A program that declares nothing: enough for a refresh, which reads the state and never runs the program. */
export const noProgram: auto.PulumiFn = async () => undefined;
