// The console page in a real headless Chromium: every object listed with its status, a training curve per
// metric and perf charts, with no network beyond the page itself.
import { existsSync } from "node:fs";
import Fastify, { type FastifyInstance } from "fastify";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { registerConsole } from "../../platform/console/index";
import type { KindController } from "../../platform/core/types";
import { memoryContext } from "./serving-memory-context";
import { startTestPlatform, waitUntil, type TestPlatform } from "./helpers";
import { logregArtifact } from "./serving-fixtures";
import { writeFileSync } from "node:fs";
import { join } from "node:path";

const CHROMIUM = "/usr/bin/chromium";
const CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run"];
if (!existsSync(CHROMIUM)) console.warn(`console.test: ${CHROMIUM} is absent, browser checks are skipped (apt-get install -y chromium)`);
const ctx = memoryContext();
let app: FastifyInstance;
let base: string;

beforeAll(async () => {
  const s = ctx.store;
  s.insert("datasets", { id: "ds-1", name: "iris-data", status: "Ready", tags: {}, format: "csv", source: "data/iris.csv", latestVersion: 1, sampleCount: 150 });
  s.insert("training-jobs", { id: "tj-1", name: "train-<b>", status: "Completed", tags: {}, datasetId: "ds-1", datasetVersion: 1, flavor: "local.small", finalMetrics: { loss: 0.2 }, outputUri: "mlp://training-jobs/tj-1/output" });
  s.insert("training-jobs", { id: "tj-2", name: "train-failed", status: "Failed", statusMessage: "exit code 3", tags: {}, datasetId: "ds-1", datasetVersion: 1, flavor: "local.small", finalMetrics: {}, outputUri: "" });
  s.insert("models", { id: "md-1", name: "iris", status: "Ready", tags: {}, latestVersion: 2, format: "logreg-json", source: "x", metrics: { accuracy: 0.95 }, versions: [{ version: 1, status: "Ready" }, { version: 2, status: "Ready" }] });
  s.insert("perf-jobs", {
    id: "pj-1", name: "bench", status: "Succeeded", tags: {}, modelId: "md-1", modelVersion: 2, durationSeconds: 1, sloMet: true,
    tasks: [
      { flavor: "local.small", concurrency: 1, status: "Succeeded", requests: 900, errors: 0, p50Ms: 0.4, p90Ms: 0.7, p99Ms: 1.9, throughput: 900 },
      { flavor: "local.small", concurrency: 4, status: "Succeeded", requests: 2000, errors: 0, p50Ms: 1.1, p90Ms: 2.5, p99Ms: 6.2, throughput: 2000 },
    ],
  });
  s.insert("services", { id: "sv-1", name: "iris-svc", status: "Running", tags: {}, models: [{ modelId: "md-1", modelName: "iris", version: 2, weight: 100 }], replicas: 2, readyReplicas: 2, flavor: "local.small", env: {}, endpoint: "http://127.0.0.1:9" });
  const metrics = [0, 1, 2, 3, 4, 5].flatMap((step) => [
    { step, name: "loss", value: 1 / (step + 1), time: "2026-01-01T00:00:00Z" },
    { step, name: "accuracy", value: 0.5 + step * 0.08, time: "2026-01-01T00:00:00Z" },
  ]);
  ctx.controllers["training-jobs"] = {
    extraRoutes: [{ method: "GET", path: "/metrics", handler: async (job: { id: string }) => ({ points: job.id === "tj-1" ? metrics : [] }) }],
  } as unknown as KindController;
  const signature = { inputs: [{ name: "input", datatype: "FP32", shape: [-1, 4] }], outputs: [{ name: "label", datatype: "BYTES", shape: [-1] }] };
  ctx.controllers.models = {
    extraRoutes: [{ method: "GET", path: "/versions", handler: async () => ({ items: [1, 2].map((version) => ({ version, status: "Ready", format: "onnx", ...signature })) }) }],
  } as unknown as KindController;
  app = Fastify();
  registerConsole(app, ctx);
  base = await app.listen({ port: 0, host: "127.0.0.1" });
});

afterAll(async () => {
  await app?.close();
});

describe("console page", () => {
  it("is one self-contained HTML document with escaped names", async () => {
    const res = await fetch(`${base}/`);
    expect(res.headers.get("content-type")).toMatch(/text\/html/);
    const html = await res.text();
    expect(html).toContain("train-&lt;b&gt;");
    expect(html).not.toContain("train-<b>");
    // each model version with its signature (also checked in Chromium below)
    expect(html).toMatch(/<tr class="version" data-version="2">.*<td class="inputs">input <code>FP32 \[-1, 4\]<\/code><\/td><td class="outputs">label <code>BYTES \[-1\]<\/code>/);
    // nothing is loaded from elsewhere
    expect(html).not.toMatch(/<script[^>]+src=|<link[^>]+href=|https?:\/\/(?!127\.0\.0\.1)/);
  });

  it.skipIf(!existsSync(CHROMIUM))("renders every object, training curves and perf charts in Chromium", async () => {
    const { chromium } = await import("playwright-core");
    const browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
    try {
      const page = await browser.newPage({ viewport: { width: 1200, height: 900 } });
      const offsite: string[] = [];
      page.on("request", (r) => {
        if (!r.url().startsWith(base)) offsite.push(r.url());
      });
      await page.goto(`${base}/`);
      const rows = await page.$$eval("tr.object", (trs) => trs.map((tr) => `${tr.getAttribute("data-kind")}:${tr.getAttribute("data-id")}:${tr.getAttribute("data-status")}`));
      expect(rows.sort()).toEqual(["datasets:ds-1:Ready", "models:md-1:Ready", "perf-jobs:pj-1:Succeeded", "services:sv-1:Running", "training-jobs:tj-1:Completed", "training-jobs:tj-2:Failed"]);
      // one curve per metric for the job that printed metrics, none for the one that did not
      const curves = await page.$$eval('tr[data-id="tj-1"] polyline.series', (ls) => ls.map((l) => [l.getAttribute("data-series"), l.getAttribute("points")!.split(" ").length]));
      expect(curves.sort()).toEqual([["accuracy", 6], ["loss", 6]]);
      expect(await page.$$('tr[data-id="tj-2"] svg')).toHaveLength(0);
      // loss falls: the polyline's last point sits lower on screen (larger y) than its first
      const lossYs = await page.$eval('polyline[data-series="loss"]', (l) => l.getAttribute("points")!.split(" ").map((p) => Number(p.split(",")[1])));
      expect(lossYs.at(-1)!).toBeGreaterThan(lossYs[0]);
      // perf: p50/p90/p99 bars per task, p99 of concurrency 4 the tallest
      const bars = await page.$$eval('tr[data-id="pj-1"] rect.bar', (rs) => rs.map((r) => ({ task: r.getAttribute("data-task"), metric: r.getAttribute("data-metric"), h: Number(r.getAttribute("height")) })));
      expect(bars.filter((b) => ["p50", "p90", "p99"].includes(b.metric!))).toHaveLength(6);
      const tallest = bars.filter((b) => b.metric !== "req/s").sort((a, b) => b.h - a.h)[0];
      expect(tallest).toMatchObject({ task: "small×4", metric: "p99" });
      expect(await page.textContent('tr[data-id="tj-2"]')).toContain("exit code 3");
      expect(await page.textContent('tr[data-id="sv-1"]')).toContain("2/2 ready");
      // the model's signature next to each of its versions
      const signatures = await page.$$eval('tr[data-id="md-1"] tr.version', (trs) => trs.map((tr) => [tr.getAttribute("data-version"), tr.querySelector(".inputs")!.textContent, tr.querySelector(".outputs")!.textContent]));
      expect(signatures).toEqual([["1", "input FP32 [-1, 4]", "label BYTES [-1]"], ["2", "input FP32 [-1, 4]", "label BYTES [-1]"]]);
      expect(offsite).toEqual([]);
      await page.screenshot({ path: "/tmp/mlplatform-console.png", fullPage: true });
    } finally {
      await browser.close();
    }
  });
});

describe("console page on the real platform", () => {
  let p: TestPlatform;
  afterAll(async () => {
    await p?.close();
  });

  it.skipIf(!existsSync(CHROMIUM))("shows a training run's curves, its model, a perf job and a service; 401 without the token", async () => {
    p = await startTestPlatform();
    writeFileSync(join(p.root, "data.csv"), "a,b\n1,2\n3,4\n");
    // A training job that prints a falling loss and writes a logreg-json model into its output dir.
    const script = [
      "const fs = require('fs'), path = require('path');",
      "for (let s = 0; s < 6; s++) console.log(JSON.stringify({ metric: 'loss', value: 1 / (s + 1), step: s }));",
      `fs.writeFileSync(path.join(process.env.MLP_OUTPUT_DIR, 'model.json'), ${JSON.stringify(JSON.stringify(logregArtifact(1)))});`,
    ].join("\n");
    const ds = await p.api("POST", "/v1/datasets", { name: "toy", format: "csv", source: "data.csv" });
    expect(ds.status, JSON.stringify(ds.body)).toBe(201);
    await waitUntil(p, "datasets", ds.body.id, (d) => d.status === "Ready");
    const tj = await p.api("POST", "/v1/training-jobs", { name: "train", command: [process.execPath, "-e", script], datasetId: ds.body.id });
    expect(tj.status, JSON.stringify(tj.body)).toBe(201);
    const job = await waitUntil(p, "training-jobs", tj.body.id, (j) => ["Completed", "Failed", "Stopped"].includes(j.status), 30_000);
    expect(job.status, job.statusMessage).toBe("Completed");
    const md = await p.api("POST", "/v1/models", { name: "iris", source: `${job.outputUri}/model.json`, format: "logreg-json" });
    expect(md.status, JSON.stringify(md.body)).toBe(201);
    await waitUntil(p, "models", md.body.id, (m) => m.status === "Ready");
    const pj = await p.api("POST", "/v1/perf-jobs", { name: "bench", modelId: md.body.id, modelVersion: 1, concurrency: [1, 2], durationSeconds: 1 });
    await waitUntil(p, "perf-jobs", pj.body.id, (j) => j.status === "Succeeded", 30_000);
    const sv = await p.api("POST", "/v1/services", { name: "iris-svc", models: [{ modelId: md.body.id, version: 1 }] });
    await waitUntil(p, "services", sv.body.id, (o) => o.status === "Running");

    expect((await fetch(`${p.endpoint}/`)).status).toBe(401);

    const { chromium } = await import("playwright-core");
    const browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
    try {
      const page = await browser.newPage({ viewport: { width: 1200, height: 900 }, extraHTTPHeaders: { authorization: `Bearer ${p.token}` } });
      const response = await page.goto(`${p.endpoint}/`);
      expect(response?.status()).toBe(200);
      const rows = await page.$$eval("tr.object", (trs) => trs.map((tr) => `${tr.getAttribute("data-kind")}:${tr.getAttribute("data-status")}`));
      expect(rows.sort()).toEqual(["datasets:Ready", "models:Ready", "perf-jobs:Succeeded", "services:Running", "training-jobs:Completed"]);
      const loss = await page.$eval(`tr[data-id="${tj.body.id}"] polyline[data-series="loss"]`, (l) => l.getAttribute("points")!.split(" ").map((pt) => Number(pt.split(",")[1])));
      expect(loss).toHaveLength(6);
      expect(loss.at(-1)!).toBeGreaterThan(loss[0]);
      expect(await page.$$(`tr[data-id="${pj.body.id}"] rect.bar[data-metric="p99"]`)).toHaveLength(2);
      expect(await page.textContent(`tr[data-id="${sv.body.id}"]`)).toContain("1/1 ready");
      await page.screenshot({ path: "/tmp/mlplatform-console-live.png", fullPage: true });
    } finally {
      await browser.close();
    }
  });
});
