// Issue 13, items 3 and 7: user paths are opened once and checked where they really lead (a directory swapped
// for a symbolic link mid-ingest copies nothing from outside), errors never quote file content, an outside
// file never registers as a model; training jobs run sandboxed (no data dir, token, database or other jobs'
// files); and artifacts nothing references are collected, never one a live version needs.
import { spawn } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, renameSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestPlatform, waitUntil, type TestPlatform } from "./helpers";
import { logregArtifact } from "./serving-fixtures";

let p: TestPlatform;
/** Outside every allowed root. */
let outside: string;
const OUTSIDE_SECRET = "outside-secret-content-7f3a";
const done = (o: any) => ["Completed", "Failed", "Stopped", "Ready"].includes(o.status);

beforeAll(async () => {
  p = await startTestPlatform();
  outside = mkdtempSync(join(tmpdir(), "mlp-outside-"));
  mkdirSync(join(outside, "dir"));
  writeFileSync(join(outside, "dir", "a.csv"), `col\n${OUTSIDE_SECRET}\n`);
  writeFileSync(join(outside, "model.json"), JSON.stringify(logregArtifact(7)));
  writeFileSync(join(outside, "notes.txt"), `${OUTSIDE_SECRET} and more private text`);
});
afterAll(async () => {
  await p?.close();
  rmSync(outside, { recursive: true, force: true });
});

/** Every file stored in the artifact store, as text. */
function storedText(): string {
  const out: string[] = [];
  const walk = (d: string) => {
    if (!existsSync(d)) return;
    for (const e of readdirSync(d, { withFileTypes: true })) {
      if (e.isDirectory()) walk(join(d, e.name));
      else if (e.isFile()) out.push(readFileSync(join(d, e.name), "utf8"));
    }
  };
  walk(join(p.dataDir, "cas"));
  return out.join("\n");
}

describe("user paths are opened once", () => {
  it("a directory swapped for a link to outside while datasets ingest never brings outside content in", async () => {
    const src = join(p.root, "race");
    mkdirSync(join(src, "dir"), { recursive: true });
    for (let i = 0; i < 3; i++) writeFileSync(join(src, "dir", `${"abc"[i]}.csv`), `col\n${i}\n`);
    symlinkSync(join(outside, "dir"), join(src, "link"));
    // Another process swaps race/dir and the link to outside as fast as it can.
    const swapper = spawn(
      process.execPath,
      [
        "-e",
        `const fs = require("fs"); const d = ${JSON.stringify(src)}; const nap = (ms) => Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
         for (;;) { try { fs.renameSync(d + "/dir", d + "/tmp"); fs.renameSync(d + "/link", d + "/dir"); nap(2); fs.renameSync(d + "/dir", d + "/link"); fs.renameSync(d + "/tmp", d + "/dir"); nap(2); } catch {} }`,
      ],
      { stdio: "ignore" },
    );
    try {
      for (let i = 0; i < 40 && !storedText().includes(OUTSIDE_SECRET); i++) {
        const r = await p.api("POST", "/v1/datasets", { name: `race-${i}`, format: "csv", source: "race/dir" });
        if (r.status !== 201) continue; // refused at the door: the link was in place then
        await waitUntil(p, "datasets", r.body.id, done);
      }
    } finally {
      swapper.kill("SIGKILL");
    }
    expect(storedText()).not.toContain(OUTSIDE_SECRET);
  }, 120_000);

  it("a model.json linked to an outside file is refused without quoting it", async () => {
    mkdirSync(join(p.root, "m-link"));
    symlinkSync(join(outside, "notes.txt"), join(p.root, "m-link", "model.json"));
    const r = await p.api("POST", "/v1/models", { name: "leak", source: "m-link", format: "logreg-json" });
    expect(r.status).toBe(422);
    // JSON parsers quote the first bytes ("outside-se"...): no part of the file may show.
    expect(JSON.stringify(r.body)).not.toContain("outside");
    const file = await p.api("POST", "/v1/models", { name: "leak-file", source: "m-link/model.json", format: "logreg-json" });
    expect(file.status).toBe(422);
    expect(JSON.stringify(file.body)).not.toContain("outside-");
  });

  it("an error about a file inside the roots does not quote it either", async () => {
    writeFileSync(join(p.root, "bad.json"), "private words that are not json");
    const r = await p.api("POST", "/v1/models", { name: "bad-json", source: "bad.json", format: "logreg-json" });
    expect(r.status).toBe(422);
    expect(JSON.stringify(r.body)).not.toContain("private");
  });

  it("an outside file that parses as a model never registers", async () => {
    mkdirSync(join(p.root, "m-outside"));
    symlinkSync(join(outside, "model.json"), join(p.root, "m-outside", "model.json"));
    const r = await p.api("POST", "/v1/models", { name: "outside-model", source: "m-outside", format: "logreg-json" });
    expect(r.status).toBe(422);
    symlinkSync(join(outside, "model.json"), join(p.root, "outside-model.json"));
    const direct = await p.api("POST", "/v1/models", { name: "outside-model-2", source: "outside-model.json", format: "logreg-json" });
    expect(direct.status).toBe(422);
    expect((await p.api("GET", "/v1/models?name=outside-model")).body.items).toEqual([]);
    expect((await p.api("GET", "/v1/models?name=outside-model-2")).body.items).toEqual([]);
  });
});

describe("training jobs are contained", () => {
  it("cannot read the token, the database, the data dir or another job's files", async () => {
    writeFileSync(join(p.root, "d.csv"), "x\n1\n");
    const ds = await p.api("POST", "/v1/datasets", { name: "probe-data", format: "csv", source: "d.csv" });
    await waitUntil(p, "datasets", ds.body.id, done);
    writeFileSync(
      join(p.root, "probe.js"),
      `const fs = require("fs"), path = require("path");
const out = process.env.MLP_OUTPUT_DIR;
const tries = { token: path.join(out, "../../../token"), db: path.join(out, "../../../platform.db"), abs: ${JSON.stringify(join(p.dataDir, "token"))},
  other: path.join(out, "../../"), cas: path.join(out, "../../../cas") };
for (const [k, f] of Object.entries(tries)) {
  try { const s = fs.statSync(f); console.log(k, "READ", s.isDirectory() ? fs.readdirSync(f).join(",") : fs.readFileSync(f, "utf8")); }
  catch (e) { console.log(k, "DENIED", e.code); }
}
fs.writeFileSync(path.join(out, "ok"), "1");`,
    );
    const first = await p.api("POST", "/v1/training-jobs", { name: "probe-1", command: ["node", "probe.js"], datasetId: ds.body.id });
    const end1 = await waitUntil(p, "training-jobs", first.body.id, done, 60_000);
    const second = await p.api("POST", "/v1/training-jobs", { name: "probe-2", command: ["node", "probe.js"], datasetId: ds.body.id });
    const end2 = await waitUntil(p, "training-jobs", second.body.id, done, 60_000);
    expect(end1.status).toBe("Completed");
    expect(end2.status).toBe("Completed");
    const log = (await p.api("GET", `/v1/training-jobs/${second.body.id}/logs`)).body.lines.join("\n");
    expect(log).not.toContain(p.token);
    expect(log).not.toMatch(/^(token|db|abs|cas) READ/m);
    expect(log).not.toContain(first.body.id); // the other job's directory is not even listed
  }, 120_000);
});

describe("artifact garbage collection", () => {
  const casEntries = () => ["blobs", "trees"].flatMap((d) => readdirSync(join(p.dataDir, "cas", d)));

  it("collects a deleted dataset's and model's artifacts, and keeps what a live version names", async () => {
    writeFileSync(join(p.root, "gc-a.csv"), "x\n1\n2\n");
    writeFileSync(join(p.root, "gc-b.csv"), "x\n3\n4\n5\n");
    writeFileSync(join(p.root, "gc-m.json"), JSON.stringify(logregArtifact(11)));
    const keep = await p.api("POST", "/v1/datasets", { name: "gc-keep", format: "csv", source: "gc-a.csv" });
    const kept = await waitUntil(p, "datasets", keep.body.id, done);
    const drop = await p.api("POST", "/v1/datasets", { name: "gc-drop", format: "csv", source: "gc-b.csv" });
    const dropped = await waitUntil(p, "datasets", drop.body.id, done);
    const model = await p.api("POST", "/v1/models", { name: "gc-model", source: "gc-m.json", format: "logreg-json" });
    expect(model.status).toBe(201);
    const modelDigest = (await p.api("GET", `/v1/models/${model.body.id}/versions/1`)).body.artifactDigest;
    expect(casEntries()).toEqual(expect.arrayContaining([kept.digest, dropped.digest, modelDigest]));

    expect((await p.api("DELETE", `/v1/datasets/${drop.body.id}`)).status).toBe(204);
    expect((await p.api("DELETE", `/v1/models/${model.body.id}`)).status).toBe(204);
    const deadline = Date.now() + 5_000;
    while (casEntries().includes(dropped.digest) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    expect(casEntries()).not.toContain(dropped.digest);
    expect(casEntries()).not.toContain(modelDigest);
    expect(casEntries()).toContain(kept.digest);
    // The kept version still serves its content.
    const job = await p.api("POST", "/v1/training-jobs", { name: "gc-uses-kept", command: ["node", "-e", "require('fs').readFileSync(process.env.MLP_DATASET_FILE)"], datasetId: keep.body.id });
    expect((await waitUntil(p, "training-jobs", job.body.id, done, 60_000)).status).toBe("Completed");
  }, 120_000);
});
