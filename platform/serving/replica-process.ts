// Starting and stopping replica processes. Every child is tracked here, so shutdown (and even an abrupt
// exit of the platform) leaves no process behind: replicas also exit by themselves when their IPC channel
// to the platform closes. The IPC channel also carries the service's routing table, client connections
// handed over by the front endpoint, and the drain of a replica being retired.
import { spawn, type ChildProcess } from "node:child_process";
import type { Socket } from "node:net";
import { entryPoint } from "./entry-point";
import type { ReplicaConfig, ReplicaMessage } from "./replica-config";
import type { DrainResult } from "./replica-server";
import type { RoutingTable } from "./weighted-choice";

export interface ReplicaLaunch {
  config: ReplicaConfig;
  /** The service's env; the replica gets this plus PATH, nothing of the platform's own environment. */
  env?: Record<string, string>;
  startTimeoutMs?: number;
}

const live = new Set<ChildProcess>();
process.once("exit", () => {
  for (const child of live) child.kill("SIGKILL");
});

/** Pids of replica processes still running (tests assert none are left). */
export function liveReplicaPids(): number[] {
  return [...live].map((c) => c.pid).filter((p): p is number => p !== undefined);
}

/** The node argv that runs the replica entry: compiled JS, or the TS source under a resolve hook. */
function replicaArgv(): string[] {
  const { file, execArgv } = entryPoint(__dirname, "replica");
  return [...execArgv, file];
}

/** The line of a crashed process's stderr that says what went wrong. */
function errorLine(stderr: string): string {
  const lines = stderr.split("\n").map((l) => l.trim()).filter((l) => l && !l.startsWith("at ") && !l.startsWith("Node.js v"));
  return lines.find((l) => /Error/.test(l)) ?? lines.at(-1) ?? "no output";
}

let nextId = 1;

export class ReplicaProcess {
  readonly id = `r${nextId++}`;
  private exitListeners: ((code: number | null, signal: string | null) => void)[] = [];
  private stopping = false;
  exited = false;

  private constructor(
    private readonly child: ChildProcess,
    readonly port: number,
    readonly config: ReplicaConfig,
  ) {
    child.once("exit", (code, signal) => {
      this.exited = true;
      live.delete(child);
      for (const l of this.exitListeners) l(code, signal);
    });
  }

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  get pid(): number | undefined {
    return this.child.pid;
  }

  /** Called when the process ends for any reason other than stop(). */
  onUnexpectedExit(listener: (code: number | null, signal: string | null) => void): void {
    this.exitListeners.push((code, signal) => {
      if (!this.stopping) listener(code, signal);
    });
  }

  static start(launch: ReplicaLaunch): Promise<ReplicaProcess> {
    const env: Record<string, string> = { PATH: process.env.PATH ?? "/usr/bin:/bin", ...(launch.env ?? {}) };
    const child = spawn(process.execPath, [...replicaArgv(), JSON.stringify(launch.config)], {
      env,
      stdio: ["ignore", "ignore", "pipe", "ipc"],
    });
    live.add(child);
    let stderr = "";
    child.stderr?.on("data", (d: Buffer) => {
      stderr = (stderr + d.toString("utf8")).slice(-2000);
    });
    const what = `replica of model "${launch.config.modelName}" version ${launch.config.modelVersion}`;
    return new Promise((resolve, reject) => {
      const fail = (message: string) => {
        clearTimeout(timer);
        child.kill("SIGKILL");
        live.delete(child);
        reject(new Error(`${what} did not start: ${message}`));
      };
      const timeoutMs = launch.startTimeoutMs ?? 30_000;
      const timer = setTimeout(() => fail(`not ready after ${timeoutMs} ms`), timeoutMs);
      child.on("message", (msg: { type?: string; port?: number; message?: string }) => {
        if (msg.type === "ready" && msg.port) {
          clearTimeout(timer);
          child.removeAllListeners("exit");
          resolve(new ReplicaProcess(child, msg.port, launch.config));
        } else if (msg.type === "error") {
          fail(msg.message ?? "unknown error");
        }
      });
      child.once("exit", (code, signal) => fail(`exited (${signal ?? `code ${code}`}): ${errorLine(stderr)}`));
      child.once("error", (err) => fail(err.message));
    });
  }

  private send(msg: ReplicaMessage, handle?: Socket, done?: (err: Error | null) => void): boolean {
    if (this.exited || !this.child.connected) return false;
    try {
      // child.send's own return value is backpressure (false while handles await their ACK), not failure.
      this.child.send(msg, handle, {}, (err) => done?.(err));
      return true;
    } catch {
      return false;
    }
  }

  /** The service's routing table (this replica is `id` in it): the replica keeps the weights per request. */
  setRoutes(table: RoutingTable): void {
    this.send({ type: "routes", self: this.id, table });
  }

  /**
   * Passes a client connection the front accepted (paused, nothing read) to this replica, which serves it
   * from then on. False when the replica cannot take it (gone); the socket is then still the caller's.
   */
  handOff(socket: Socket): boolean {
    if (this.exited || !this.child.connected) return false;
    this.send({ type: "conn" }, socket, (err) => {
      // Lost between the check and the send (the replica died): nothing else can serve the socket now.
      if (err) socket.destroy();
    });
    return true;
  }

  /**
   * Asks the replica to retire its connections (`connection: close` on every answer, idle ones closed after
   * `graceMs`); resolves with what the drain did once the replica says so, exits, or `timeoutMs` passes.
   */
  drain(opts: { graceMs?: number; timeoutMs?: number } = {}): Promise<DrainResult> {
    const timeoutMs = opts.timeoutMs ?? 15_000;
    return new Promise((resolve) => {
      const started = Date.now();
      const finish = (result: DrainResult) => {
        clearTimeout(timer);
        this.child.off("message", onMessage);
        this.child.off("exit", onExit);
        resolve(result);
      };
      const onMessage = (m: { type?: string } & Partial<DrainResult>) => {
        if (m.type === "drained") finish({ left: m.left ?? 0, closedIdle: m.closedIdle ?? 0, ms: m.ms ?? Date.now() - started });
      };
      const onExit = () => finish({ left: 0, closedIdle: 0, ms: Date.now() - started });
      // No answer (a replica too busy or stuck): say so as connections left unknown (-1).
      const timer = setTimeout(() => finish({ left: -1, closedIdle: 0, ms: Date.now() - started }), timeoutMs + 1000);
      this.child.on("message", onMessage);
      this.child.once("exit", onExit);
      if (!this.send({ type: "drain", graceMs: opts.graceMs, timeoutMs })) onExit();
    });
  }

  /** SIGTERM (the replica finishes in-flight requests), SIGKILL after `graceMs`. */
  stop(graceMs = 3000): Promise<void> {
    this.stopping = true;
    if (this.exited) return Promise.resolve();
    return new Promise((resolve) => {
      const kill = setTimeout(() => this.child.kill("SIGKILL"), graceMs);
      this.child.once("exit", () => {
        clearTimeout(kill);
        resolve();
      });
      this.child.kill("SIGTERM");
    });
  }
}
