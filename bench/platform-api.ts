// Local platform API: create+get latency with 100 concurrent clients (datasets of a tiny CSV), and how
// fast a client long-polling the wait endpoint wakes after a change. The platform runs as its own process
// (dist/platform/main.js), as in real use; the clients share this process.
// Run: npm run build && node dist/bench/platform-api.js [clients] [requestsPerClient]
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startPlatformDetached, stopPlatform, type RunningPlatform } from "../cli/platform";
import { percentile, table, type BenchResult } from "./lib";

type Api = (method: string, path: string, body?: unknown) => Promise<{ status: number; body: any }>;

function client(p: RunningPlatform): Api {
  return async (method, path, body) => {
    const res = await fetch(p.endpoint + path, {
      method,
      headers: { authorization: `Bearer ${p.token}`, ...(body === undefined ? {} : { "content-type": "application/json" }) },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await res.text();
    return { status: res.status, body: text ? JSON.parse(text) : undefined };
  };
}

function summary(name: string, samples: number[]): (string | number)[] {
  const s = [...samples].sort((a, b) => a - b);
  return [name, s.length, percentile(s, 50), percentile(s, 90), percentile(s, 99), s[s.length - 1]];
}

async function createAndGet(api: Api, clients: number, perClient: number, prefix: string) {
  const create: number[] = [];
  const get: number[] = [];
  let failures = 0;
  const t0 = performance.now();
  await Promise.all(
    Array.from({ length: clients }, async (_, c) => {
      for (let i = 0; i < perClient; i++) {
        let t = performance.now();
        const made = await api("POST", "/v1/datasets", { name: `${prefix}-${c}-${i}`, format: "csv", source: "tiny.csv" });
        create.push(performance.now() - t);
        if (made.status !== 201) {
          failures++;
          if (process.env.MLP_BENCH_DEBUG) console.error(made.status, JSON.stringify(made.body));
          continue;
        }
        t = performance.now();
        const got = await api("GET", `/v1/datasets/${made.body.id}`);
        get.push(performance.now() - t);
        if (got.status !== 200) failures++;
      }
    }),
  );
  const seconds = (performance.now() - t0) / 1000;
  return { create, get, failures, throughput: (create.length + get.length) / seconds };
}

/** A waiter long-polls an object; a writer changes it. Wake latency: change committed → waiter answered. */
async function waitWake(api: Api, rounds: number) {
  const made = await api("POST", "/v1/datasets", { name: "bench-waited", format: "csv", source: "tiny.csv" });
  let obj = made.body;
  while (obj.status === "Creating") obj = (await api("GET", `/v1/datasets/${made.body.id}/wait?etag=${obj.etag}&timeoutMs=10000`)).body;
  let etag: string = obj.etag;
  const afterWrite: number[] = [];
  const sinceChange: number[] = [];
  for (let i = 0; i < rounds; i++) {
    etag = (await api("GET", `/v1/datasets/${made.body.id}`)).body.etag;
    const waiting = api("GET", `/v1/datasets/${made.body.id}/wait?etag=${etag}&timeoutMs=10000`).then((r) => ({ r, at: Date.now(), hr: performance.now() }));
    await new Promise((r) => setTimeout(r, 5));
    const t = performance.now();
    const patched = await api("PATCH", `/v1/datasets/${made.body.id}`, { description: `round ${i}` });
    const { r, at, hr } = await waiting;
    if (r.body.etag !== patched.body.etag) throw new Error("the waiter woke on another change than ours");
    // From the writer's request start (upper bound) and from the server's commit timestamp (ms clock).
    afterWrite.push(hr - t);
    sinceChange.push(at - Date.parse(patched.body.updatedAt));
  }
  return { afterWrite, sinceChange };
}

export async function runPlatformApiBench(clients = 100, perClient = 10, waitRounds = 200): Promise<BenchResult> {
  const dir = mkdtempSync(join(tmpdir(), "mlp-bench-api-"));
  writeFileSync(join(dir, "tiny.csv"), "x,y,label\n1,2,a\n3,4,b\n");
  const p = await startPlatformDetached({ dataDir: join(dir, "data"), allowedRoots: [dir] });
  try {
    const api = client(p);
    // Warm-up with as many clients: opens the keep-alive connections and warms the JIT, so the figures are
    // the steady state rather than 100 simultaneous TCP handshakes.
    await createAndGet(api, clients, 2, "warm-up");
    const cg = await createAndGet(api, clients, perClient, "bench");
    const wake = await waitWake(api, waitRounds);
    const text = [
      table(`platform API, ${clients} concurrent clients x ${perClient} create+get (ms)`, ["operation", "n", "p50", "p90", "p99", "max"], [summary("POST /v1/datasets", cg.create), summary("GET /v1/datasets/{id}", cg.get)]),
      `throughput: ${cg.throughput.toFixed(0)} requests/s, failures: ${cg.failures}`,
      table(`wait endpoint wake-up, ${waitRounds} rounds (ms)`, ["measure", "n", "p50", "p90", "p99", "max"], [
        summary("PATCH sent → waiter answered", wake.afterWrite),
        summary("change committed → waiter answered", wake.sinceChange),
      ]),
    ].join("\n");
    return { text, json: { clients, perClient, ...cg, wake } };
  } finally {
    await stopPlatform(p.dataDir);
    rmSync(dir, { recursive: true, force: true });
  }
}

if (require.main === module) {
  const [clients, perClient] = process.argv.slice(2).map(Number);
  runPlatformApiBench(clients || 100, perClient || 10).then(
    (r) => console.log(r.text),
    (err) => {
      console.error(err);
      process.exit(1);
    },
  );
}
