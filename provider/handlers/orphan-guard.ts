// Pulumi starts the dynamic provider in its own process group, through a shell wrapper. When the engine
// dies without closing it (`pulumi up` killed with SIGKILL, a CI job cancelled), the provider is orphaned
// and, observed with @pulumi/pulumi 3.259, spins at high CPU while its memory grows by hundreds of MB a
// minute. The handlers are loaded into that process, so they end it once the engine is gone.
import { readFileSync } from "node:fs";

const CHECK_EVERY_MS = 1000;
let installed = false;

/** Inside the dynamic-provider process only: exit when the engine that started it has gone. */
export function exitWhenEngineGone(): void {
  if (installed || !/dynamic-provider[\\/]index\.js$/.test(require.main?.filename ?? "")) return;
  installed = true;
  const launcher = process.ppid; // the pulumi-resource-pulumi-nodejs shell wrapper
  const engine = parentOf(launcher); // the Pulumi CLI
  const gone = () => process.ppid !== launcher || (engine !== undefined && !alive(engine));
  setInterval(() => {
    if (gone()) process.exit(1);
  }, CHECK_EVERY_MS).unref();
  // Writing progress to a closed pipe is the other sign the engine has gone.
  for (const stream of [process.stdout, process.stderr]) stream.on("error", () => process.exit(1));
}

function parentOf(pid: number): number | undefined {
  try {
    // /proc/<pid>/stat: "pid (comm) state ppid ..."; comm may contain spaces, so split after the last ")".
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    const ppid = Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]);
    return Number.isInteger(ppid) && ppid > 1 ? ppid : undefined;
  } catch {
    return undefined; // not Linux: the ppid check alone still catches a dead wrapper
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === "EPERM";
  }
}
