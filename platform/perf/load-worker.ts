// Worker-thread entry of a perf task's load: the client loop runs off the platform's main thread, so the
// API stays responsive during a benchmark and the figures are not skewed by the platform's own work.
import { parentPort, workerData } from "node:worker_threads";
import { driveLoad, type LoadOptions } from "./load";

const abort = new AbortController();
parentPort!.on("message", (m: unknown) => {
  if (m === "abort") abort.abort();
});
const opts = workerData as Omit<LoadOptions, "signal" | "onProgress">;
driveLoad({ ...opts, signal: abort.signal, onProgress: (summary) => parentPort!.postMessage({ type: "progress", summary }) }).then(
  (summary) => parentPort!.postMessage({ type: "done", summary }),
  (err: Error) => parentPort!.postMessage({ type: "error", message: err.message }),
);
