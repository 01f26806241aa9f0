// A closed-loop load generator: `concurrency` clients each send the next request as soon as the previous
// one answers, for a fixed duration, over keep-alive connections. Used by perf jobs and bench/serving.ts.
import { Agent, request } from "node:http";
import { performance } from "node:perf_hooks";

export interface LoadOptions {
  /** Full URL of the infer endpoint, e.g. http://127.0.0.1:PORT/v2/models/NAME/infer */
  url: string;
  body: string;
  concurrency: number;
  durationMs: number;
  signal?: AbortSignal;
  requestTimeoutMs?: number;
  /** Called about every `progressEveryMs` with the figures so far. */
  onProgress?: (soFar: LoadSummary) => void;
  progressEveryMs?: number;
}

export interface LoadSummary {
  requests: number;
  errors: number;
  elapsedSeconds: number;
  /** Requests answered per second (successful or not). */
  throughput: number;
  p50Ms?: number;
  p90Ms?: number;
  p99Ms?: number;
  /** The first few error messages, to say why requests failed. */
  errorSamples: string[];
}

/** Nearest-rank percentile of an ascending array. */
export function percentile(sorted: number[], p: number): number | undefined {
  if (sorted.length === 0) return undefined;
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length - 1, Math.max(0, rank - 1))];
}

const round3 = (v: number | undefined) => (v === undefined ? undefined : Math.round(v * 1000) / 1000);

export function summarise(latenciesMs: number[], errors: number, elapsedSeconds: number, errorSamples: string[] = []): LoadSummary {
  const sorted = [...latenciesMs].sort((a, b) => a - b);
  const requests = latenciesMs.length;
  return {
    requests,
    errors,
    elapsedSeconds: round3(elapsedSeconds) ?? 0,
    throughput: elapsedSeconds > 0 ? Math.round((requests / elapsedSeconds) * 10) / 10 : 0,
    p50Ms: round3(percentile(sorted, 50)),
    p90Ms: round3(percentile(sorted, 90)),
    p99Ms: round3(percentile(sorted, 99)),
    errorSamples,
  };
}

function post(agent: Agent, url: URL, body: string, timeoutMs: number): Promise<string | undefined> {
  return new Promise((resolve) => {
    const req = request(
      { host: url.hostname, port: url.port, path: url.pathname + url.search, method: "POST", agent, headers: { "content-type": "application/json", "content-length": Buffer.byteLength(body) }, timeout: timeoutMs },
      (res) => {
        const chunks: Buffer[] = [];
        res.on("data", (c: Buffer) => chunks.push(c));
        res.on("end", () => {
          const status = res.statusCode ?? 0;
          resolve(status >= 200 && status < 300 ? undefined : `HTTP ${status}: ${Buffer.concat(chunks).toString("utf8").slice(0, 200)}`);
        });
        res.on("error", (e) => resolve(e.message));
      },
    );
    req.on("timeout", () => req.destroy(new Error(`no answer within ${timeoutMs} ms`)));
    req.on("error", (e) => resolve(e.message));
    req.end(body);
  });
}

export async function driveLoad(opts: LoadOptions): Promise<LoadSummary> {
  const url = new URL(opts.url);
  const agent = new Agent({ keepAlive: true, maxSockets: opts.concurrency });
  const latencies: number[] = [];
  const errorSamples: string[] = [];
  let errors = 0;
  const start = performance.now();
  const end = start + opts.durationMs;
  const progress = opts.onProgress
    ? setInterval(() => opts.onProgress!(summarise(latencies, errors, (performance.now() - start) / 1000)), opts.progressEveryMs ?? 1000)
    : undefined;
  const client = async () => {
    while (performance.now() < end && !opts.signal?.aborted) {
      const t0 = performance.now();
      const error = await post(agent, url, opts.body, opts.requestTimeoutMs ?? 10_000);
      latencies.push(performance.now() - t0);
      if (error !== undefined) {
        errors++;
        if (errorSamples.length < 3) errorSamples.push(error);
      }
    }
  };
  try {
    await Promise.all(Array.from({ length: opts.concurrency }, client));
  } finally {
    if (progress) clearInterval(progress);
    agent.destroy();
  }
  return summarise(latencies, errors, (performance.now() - start) / 1000, errorSamples);
}
