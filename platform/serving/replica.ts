// A replica PROCESS: loads one model version and serves it on 127.0.0.1. Spawned by replica-process.ts
// with a clean environment (no platform token) and an IPC channel: it reports {type:"ready", port} or
// {type:"error", message}, and exits when the channel closes so a crashed platform never leaves it behind.
// Over the same channel the fleet sends {type:"routes"} (the service's routing table), {type:"conn"} with
// a client connection the front endpoint accepted (served here, the front never reads it), and
// {type:"drain"} (answered with {type:"drained", left} once its connections are gone).
import type { Socket } from "node:net";
import { createReplicaServer } from "./replica-server";
import type { ReplicaMessage } from "./replica-config";
import { runtimeFor } from "./runtimes/index";
import type { ReplicaConfig } from "./replica-config";

function report(msg: object): void {
  if (process.send) process.send(msg);
  else console.log(JSON.stringify(msg));
}

async function main(): Promise<void> {
  const config = JSON.parse(process.argv[2] ?? "{}") as ReplicaConfig;
  const model = await runtimeFor(config.format).load(config.artifactPath);
  const replica = createReplicaServer({ model, modelName: config.modelName, modelVersion: config.modelVersion, format: config.format, maxConcurrency: config.maxConcurrency });
  const { server } = replica;
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(config.port ?? 0, "127.0.0.1", () => resolve());
  });
  const address = server.address();
  const port = typeof address === "object" && address ? address.port : 0;
  const stop = () => {
    // Finish in-flight requests, then go; the parent escalates to SIGKILL if this hangs.
    server.close(() => void model.close().finally(() => process.exit(0)));
    server.closeIdleConnections();
    setTimeout(() => process.exit(0), 2000).unref();
  };
  process.on("SIGTERM", stop);
  process.on("SIGINT", stop);
  process.on("disconnect", () => process.exit(0));
  process.on("message", (msg: ReplicaMessage, handle?: unknown) => {
    if (msg.type === "conn") {
      if (handle) replica.accept(handle as Socket);
    } else if (msg.type === "routes") {
      replica.routing.setTable(msg.table, msg.self);
    } else if (msg.type === "drain") {
      void replica.drain({ graceMs: msg.graceMs, timeoutMs: msg.timeoutMs }).then((result) => report({ type: "drained", ...result }));
    }
  });
  report({ type: "ready", port });
}

main().catch((err: Error) => {
  report({ type: "error", message: err.message });
  process.exitCode = 1;
  if (process.connected) process.disconnect();
});
