// Every route needs the bearer token: the console, the OpenAPI document, kind routes and unknown routes.
import { mkdtempSync, readFileSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { makeApi, startTestPlatform, type TestPlatform } from "./helpers";

let p: TestPlatform;
beforeAll(async () => {
  p = await startTestPlatform();
});
afterAll(() => p?.close());

const ROUTES: [string, string][] = [
  ["GET", "/"],
  ["GET", "/v1/openapi.json"],
  ["GET", "/v1/flavors"],
  ["GET", "/v1/datasets"],
  ["POST", "/v1/datasets"],
  ["GET", "/v1/datasets/ds-x"],
  ["PATCH", "/v1/datasets/ds-x"],
  ["DELETE", "/v1/datasets/ds-x"],
  ["GET", "/v1/datasets/ds-x/wait"],
  ["GET", "/v1/datasets/ds-x/versions"],
  ["POST", "/v1/training-jobs"],
  ["POST", "/v1/training-jobs/tj-x/stop"],
  ["GET", "/v1/training-jobs/tj-x/logs"],
  ["GET", "/v1/training-jobs/tj-x/metrics"],
  ["GET", "/v1/models"],
  ["DELETE", "/v1/models/md-x/versions/1"],
  ["GET", "/v1/services"],
  ["GET", "/v1/perf-jobs"],
  ["GET", "/v1/no-such-route"],
];

describe("bearer token", () => {
  it("is stored in <dataDir>/token with mode 0600", () => {
    const path = join(p.dataDir, "token");
    expect(statSync(path).mode & 0o777).toBe(0o600);
    expect(readFileSync(path, "utf8").trim()).toBe(p.token);
    expect(p.token.length).toBeGreaterThanOrEqual(32);
  });

  it.each(ROUTES)("%s %s answers 401 without a token and with a wrong one", async (method, path) => {
    const body = method === "POST" || method === "PATCH" ? { name: "x" } : undefined;
    const none = await makeApi(p.endpoint, null)(method, path, body);
    expect(none.status).toBe(401);
    expect(none.body.code).toBe("unauthorized");
    const wrong = await makeApi(p.endpoint, p.token.slice(0, -1) + (p.token.endsWith("A") ? "B" : "A"))(method, path, body);
    expect(wrong.status).toBe(401);
    const basic = await p.api(method, path, body, { authorization: `Basic ${Buffer.from(`x:${p.token}`).toString("base64")}` });
    expect(basic.status).toBe(401);
  });

  it("lets the right token through (the console, the document, a list)", async () => {
    expect((await p.api("GET", "/")).status).toBe(200);
    expect((await p.api("GET", "/v1/openapi.json")).status).toBe(200);
    expect((await p.api("GET", "/v1/datasets")).status).toBe(200);
    expect((await p.api("GET", "/v1/datasets/ds-missing")).status).toBe(404);
  });

  it("keeps the same token across restarts of one data dir", async () => {
    const dataDir = mkdtempSync(join(tmpdir(), "mlp-token-"));
    const first = await startTestPlatform({ dataDir });
    await first.close();
    const again = await startTestPlatform({ dataDir });
    expect(again.token).toBe(first.token);
    expect((await makeApi(again.endpoint, first.token)("GET", "/v1/flavors")).status).toBe(200);
    await again.close();
    rmSync(dataDir, { recursive: true, force: true });
  });
});

describe("the console in a browser", () => {
  const get = (path: string, headers: Record<string, string> = {}) => fetch(p.endpoint + path, { headers, redirect: "manual" });

  it("trades a right `?token=` for an HttpOnly cookie and a redirect that drops it from the address", async () => {
    const res = await get(`/?token=${encodeURIComponent(p.token)}`);
    expect(res.status).toBe(303);
    expect(res.headers.get("location")).toBe("/");
    const cookie = res.headers.get("set-cookie")!;
    expect(cookie).toMatch(/HttpOnly/);
    expect(cookie).toMatch(/SameSite=Strict/);
    const page = await get("/", { cookie: cookie.split(";")[0] });
    expect(page.status).toBe(200);
    expect(await page.text()).toContain("<html");
  });

  it("refuses a wrong `?token=` or cookie, and neither opens any API route", async () => {
    expect((await get("/?token=wrong")).status).toBe(401);
    expect((await get("/", { cookie: "mlp_console=wrong" })).status).toBe(401);
    expect((await get(`/v1/datasets?token=${encodeURIComponent(p.token)}`)).status).toBe(401);
    expect((await get("/v1/datasets", { cookie: `mlp_console=${p.token}` })).status).toBe(401);
  });
});
