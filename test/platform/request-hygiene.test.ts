// Issue 13, items 4 and 5: what an unauthenticated client can make the platform do, and the console's own
// session. The platform runs as the CLI starts it (a detached process writing <dataDir>/platform.log), so the
// log checks read the very file a user would.
import { execFileSync } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from "node:fs";
import { request as httpRequest } from "node:http";
import { request as httpsRequest } from "node:https";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startPlatformDetached, stopPlatform, type RunningPlatform } from "../../cli/platform";
import { startPlatform } from "../../platform/start";

let dataDir: string;
let platform: RunningPlatform;
const LOG_MAX_BYTES = 16 * 1024;

beforeAll(async () => {
  dataDir = mkdtempSync(join(tmpdir(), "mlp-hygiene-"));
  process.env.MLPLATFORM_LOG_MAX_BYTES = String(LOG_MAX_BYTES);
  try {
    platform = await startPlatformDetached({ dataDir, allowedRoots: [dataDir] });
  } finally {
    delete process.env.MLPLATFORM_LOG_MAX_BYTES;
  }
}, 60_000);

afterAll(async () => {
  if (dataDir) {
    await stopPlatform(dataDir);
    rmSync(dataDir, { recursive: true, force: true });
  }
});

/** A raw request, so paths such as `//` or `/%` reach the server exactly as written. */
function raw(method: string, path: string, headers: Record<string, string> = {}): Promise<{ status: number; headers: Record<string, string | string[] | undefined>; body: string }> {
  const url = new URL(platform.endpoint);
  return new Promise((resolve, reject) => {
    const req = httpRequest({ host: url.hostname, port: url.port, method, path, headers }, (res) => {
      let body = "";
      res.on("data", (c) => (body += c));
      res.on("end", () => resolve({ status: res.statusCode!, headers: res.headers, body }));
    });
    req.on("error", reject);
    req.end();
  });
}

function logText(): string {
  return readdirSync(dataDir)
    .filter((f) => f.startsWith("platform.log"))
    .map((f) => readFileSync(join(dataDir, f), "utf8"))
    .join("");
}

const NASTY_PATHS = ["//", "///", "//?token=abc", "/%", "/%zz", "/?token=%", "/..%2f..%2fetc/passwd", "//evil.example/x", "/?" + "a".repeat(8000), "/v1/datasets/%00", "*"];

describe("unauthenticated requests", () => {
  it.each(NASTY_PATHS.map((p) => [p.length > 40 ? `${p.slice(0, 40)}…` : p, p]))("GET %s answers 4xx, never 5xx", async (_label, path) => {
    const res = await raw("GET", path);
    expect(res.status).toBeGreaterThanOrEqual(400);
    expect(res.status).toBeLessThan(500);
  });

  it("write at most one single-line entry each, and never a token", async () => {
    const before = logText();
    const secretLike = platform.token.replace(/.$/, (c) => (c === "A" ? "B" : "A"));
    for (const path of [...NASTY_PATHS, `/?token=${secretLike}`, `//x?token=${secretLike}`, `/v1/datasets?token=${platform.token}`]) await raw("GET", path);
    await raw("GET", "/", { cookie: `mlp_console=${platform.token}` });
    const added = logText().slice(before.length);
    const lines = added.split("\n").filter(Boolean);
    expect(lines.length).toBeLessThanOrEqual(NASTY_PATHS.length + 4);
    for (const line of lines) {
      expect(() => JSON.parse(line)).not.toThrow();
      expect(line.length).toBeLessThan(2048);
      expect(line).not.toContain("    at "); // no stack trace
    }
    expect(logText()).not.toContain(platform.token);
    expect(logText()).not.toContain(secretLike);
  });

  it("platform.log rotates by size: no log file grows past the limit", async () => {
    for (let i = 0; i < 400; i++) await raw("GET", `/nope-${i}-${"x".repeat(100)}`);
    const files = readdirSync(dataDir).filter((f) => f.startsWith("platform.log"));
    expect(files.length).toBeGreaterThan(1);
    for (const f of files) expect(statSync(join(dataDir, f)).size).toBeLessThanOrEqual(LOG_MAX_BYTES + 4096);
    // Still logging into the current file after rotation.
    const sizeBefore = statSync(join(dataDir, "platform.log")).size;
    await raw("GET", "/after-rotation");
    expect(statSync(join(dataDir, "platform.log")).size).toBeGreaterThan(sizeBefore);
  });
});

describe("the console session", () => {
  const get = (path: string, headers: Record<string, string> = {}) => fetch(platform.endpoint + path, { headers, redirect: "manual" });

  async function login(): Promise<string> {
    const res = await get(`/?token=${encodeURIComponent(platform.token)}`);
    expect(res.status).toBe(303);
    expect(res.headers.get("location")).toBe("/");
    return res.headers.get("set-cookie")!;
  }

  it("is a random, expiring, HttpOnly, SameSite=Strict cookie that is not the API token", async () => {
    const cookie = await login();
    expect(cookie).toMatch(/HttpOnly/);
    expect(cookie).toMatch(/SameSite=Strict/);
    expect(cookie).toMatch(/Max-Age=\d+/);
    const value = cookie.split(";")[0].split("=")[1];
    expect(value).not.toBe(platform.token);
    expect(value).not.toContain(platform.token);
    expect(value.length).toBeGreaterThanOrEqual(32);
    const second = (await login()).split(";")[0].split("=")[1];
    expect(second).not.toBe(value);
    expect((await get("/", { cookie: cookie.split(";")[0] })).status).toBe(200);
  });

  it("opens only the console: the API still needs the bearer header", async () => {
    const cookie = (await login()).split(";")[0];
    expect((await get("/v1/datasets", { cookie })).status).toBe(401);
    expect((await get("/v1/openapi.json", { cookie })).status).toBe(401);
  });

  it("the API token itself as a cookie opens nothing", async () => {
    expect((await get("/", { cookie: `mlp_console=${platform.token}` })).status).toBe(401);
    expect((await get("/", { cookie: `mlp_session=${platform.token}` })).status).toBe(401);
  });

  it("logout ends the session", async () => {
    const cookie = (await login()).split(";")[0];
    expect((await get("/", { cookie })).status).toBe(200);
    const out = await fetch(platform.endpoint + "/logout", { method: "POST", headers: { cookie }, redirect: "manual" });
    expect(out.status).toBe(303);
    expect(out.headers.get("set-cookie")).toMatch(/Max-Age=0/);
    expect((await get("/", { cookie })).status).toBe(401);
  });
});

describe("listening beyond loopback", () => {
  it("is refused over plain HTTP unless explicitly allowed (with a warning)", async () => {
    const dir = mkdtempSync(join(tmpdir(), "mlp-bind-"));
    try {
      await expect(startPlatform({ dataDir: dir, host: "0.0.0.0", log: () => {} })).rejects.toThrow(/TLS|--insecure/);
      const warnings: string[] = [];
      const p = await startPlatform({ dataDir: dir, host: "0.0.0.0", allowInsecureRemote: true, log: (msg) => warnings.push(msg) });
      await p.close();
      expect(warnings.join("\n")).toMatch(/WARNING.*plain HTTP/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it.skipIf(!existsSync("/usr/bin/openssl"))("is allowed over TLS, and the console cookie is then Secure", async () => {
    const dir = mkdtempSync(join(tmpdir(), "mlp-tls-"));
    try {
      execFileSync("/usr/bin/openssl", ["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj", "/CN=localhost", "-keyout", join(dir, "key.pem"), "-out", join(dir, "cert.pem")], { stdio: "ignore" });
      const p = await startPlatform({ dataDir: join(dir, "data"), host: "0.0.0.0", tls: { certFile: join(dir, "cert.pem"), keyFile: join(dir, "key.pem") }, log: () => {} });
      try {
        expect(p.endpoint).toMatch(/^https:\/\//);
        const port = new URL(p.endpoint).port;
        const res = await new Promise<{ status: number; cookie?: string }>((resolve, reject) => {
          const req = httpsRequest({ host: "127.0.0.1", port, path: `/?token=${p.token}`, rejectUnauthorized: false }, (r) => {
            r.resume();
            resolve({ status: r.statusCode!, cookie: String(r.headers["set-cookie"] ?? "") });
          });
          req.on("error", reject);
          req.end();
        });
        expect(res.status).toBe(303);
        expect(res.cookie).toMatch(/; Secure/);
      } finally {
        await p.close();
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
