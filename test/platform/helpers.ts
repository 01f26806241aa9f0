// Shared by every platform test: a real platform (HTTP, SQLite, CAS, controllers) started in this test
// process on a random port, over a fresh temp data dir, with a fresh temp directory as its first allowed
// root (relative paths resolve there) and the repository as the second.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { startPlatform } from "../../platform/start";
import type { PlatformContext } from "../../platform/core/types";

export const REPO_ROOT = resolve(__dirname, "../..");

export interface ApiResponse<T = any> {
  status: number;
  body: T;
  headers: Headers;
}

export interface TestPlatform {
  endpoint: string;
  token: string;
  dataDir: string;
  /** The first allowed root: a fresh temp dir tests write their sources and scripts into. */
  root: string;
  /** The platform's own context (same process): for what only counters and stores can show. */
  ctx: PlatformContext;
  /** Calls the API with the token. A string body is sent as is (for malformed JSON); objects as JSON. */
  api<T = any>(method: string, path: string, body?: unknown, headers?: Record<string, string>): Promise<ApiResponse<T>>;
  /** Stops the platform (its jobs and replicas) and removes the temp dirs. */
  close(): Promise<void>;
}

export interface TestPlatformOptions {
  /** Reuse a data dir (restart tests); default: a fresh temp dir, removed on close. */
  dataDir?: string;
  /** Reuse a root; default: a fresh temp dir, removed on close. */
  root?: string;
}

export async function startTestPlatform(opts: TestPlatformOptions = {}): Promise<TestPlatform> {
  const dataDir = opts.dataDir ?? mkdtempSync(join(tmpdir(), "mlp-data-"));
  const root = opts.root ?? mkdtempSync(join(tmpdir(), "mlp-root-"));
  // Platform log lines only when asked for (MLP_TEST_LOG=1), so test output stays readable.
  const log = process.env.MLP_TEST_LOG ? undefined : () => {};
  // A response that breaks the published schema is a 500 here, so every platform test checks the contract.
  const running = await startPlatform({ dataDir, port: 0, allowedRoots: [root, REPO_ROOT], log, responseViolations: "refuse" });
  const api = makeApi(running.endpoint, running.token);
  return {
    endpoint: running.endpoint,
    token: running.token,
    dataDir,
    root,
    ctx: running.ctx,
    api,
    async close() {
      await running.close();
      if (!opts.dataDir) rmSync(dataDir, { recursive: true, force: true });
      if (!opts.root) rmSync(root, { recursive: true, force: true });
    },
  };
}

/** A small fetch wrapper: bearer token, JSON in and out; `token: null` sends no Authorization header. */
export function makeApi(endpoint: string, token: string | null) {
  return async function api<T = any>(method: string, path: string, body?: unknown, headers: Record<string, string> = {}): Promise<ApiResponse<T>> {
    const h: Record<string, string> = { ...headers };
    if (token !== null && !("authorization" in h)) h.authorization = `Bearer ${token}`;
    let payload: string | undefined;
    if (body !== undefined) {
      payload = typeof body === "string" ? body : JSON.stringify(body);
      h["content-type"] ??= "application/json";
    }
    const res = await fetch(endpoint + path, { method, headers: h, body: payload });
    const text = await res.text();
    let parsed: unknown = text;
    if ((res.headers.get("content-type") ?? "").includes("json") && text) parsed = JSON.parse(text);
    return { status: res.status, body: parsed as T, headers: res.headers };
  };
}

/** Loops on the wait endpoint until `done` holds for the object (or throws after timeoutMs). */
export async function waitUntil<T = any>(p: Pick<TestPlatform, "api">, kind: string, id: string, done: (o: T) => boolean, timeoutMs = 20_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let r = await p.api<any>("GET", `/v1/${kind}/${id}`);
  for (;;) {
    if (r.status !== 200) throw new Error(`GET /v1/${kind}/${id} → ${r.status} ${JSON.stringify(r.body)}`);
    if (done(r.body)) return r.body;
    const left = deadline - Date.now();
    if (left <= 0) throw new Error(`timed out waiting on ${kind}/${id}; last: ${JSON.stringify(r.body)}`);
    r = await p.api<any>("GET", `/v1/${kind}/${id}/wait?etag=${encodeURIComponent(r.body.etag)}&timeoutMs=${Math.min(left, 10_000)}`);
  }
}
