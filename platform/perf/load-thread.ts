// Runs driveLoad in a worker thread (load-worker.ts) with the same options and result as in-thread.
import { Worker } from "node:worker_threads";
import { entryPoint } from "../serving/entry-point";
import type { LoadOptions, LoadSummary } from "./load";

export function driveLoadInWorker(opts: LoadOptions): Promise<LoadSummary> {
  const { signal, onProgress, ...data } = opts;
  const { file, execArgv } = entryPoint(__dirname, "load-worker");
  return new Promise((resolve, reject) => {
    const worker = new Worker(file, { workerData: data, execArgv });
    const onAbort = () => worker.postMessage("abort");
    signal?.addEventListener("abort", onAbort, { once: true });
    if (signal?.aborted) onAbort();
    const finish = () => {
      signal?.removeEventListener("abort", onAbort);
      void worker.terminate();
    };
    worker.on("message", (m: { type: string; summary?: LoadSummary; message?: string }) => {
      if (m.type === "progress" && m.summary) onProgress?.(m.summary);
      else if (m.type === "done" && m.summary) {
        finish();
        resolve(m.summary);
      } else if (m.type === "error") {
        finish();
        reject(new Error(`load generator failed: ${m.message}`));
      }
    });
    worker.once("error", (err) => {
      finish();
      reject(err);
    });
  });
}
