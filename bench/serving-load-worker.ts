// Runs one closed-loop load in a worker thread, so the benchmark's client does not share an event loop
// with the router it measures (in the platform, clients are other processes).
import { parentPort, workerData } from "node:worker_threads";
import { driveLoad, type LoadOptions } from "../platform/perf/load";

driveLoad(workerData as LoadOptions).then((summary) => parentPort!.postMessage(summary));
