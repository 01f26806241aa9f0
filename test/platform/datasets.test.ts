// Dataset formats and versions: how samples are counted per format, directory sources, and that a
// training job pinned to an older version reads that version's content.
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { contentDigest } from "../../sdk/digest";
import { startTestPlatform, waitUntil, type TestPlatform } from "./helpers";

let p: TestPlatform;
beforeAll(async () => {
  p = await startTestPlatform();
});
afterAll(() => p?.close());

async function ingest(name: string, format: string, source: string) {
  const r = await p.api("POST", "/v1/datasets", { name, format, source });
  expect(r.status).toBe(201);
  return waitUntil(p, "datasets", r.body.id, (o) => o.status !== "Creating");
}

describe("formats", () => {
  it("counts jsonl lines (blank lines skipped) and csv rows across a directory's csv files", async () => {
    writeFileSync(join(p.root, "events.jsonl"), '{"a":1}\n\n{"a":2}\n[3]\n');
    expect(await ingest("events", "jsonl", "events.jsonl")).toMatchObject({ status: "Ready", sampleCount: 3 });
    mkdirSync(join(p.root, "shards"));
    writeFileSync(join(p.root, "shards", "part-1.csv"), "x\n1\n2\n");
    writeFileSync(join(p.root, "shards", "part-2.csv"), "x\n3\n");
    writeFileSync(join(p.root, "shards", "README.md"), "not data");
    const shards = await ingest("shards", "csv", join(p.root, "shards"));
    expect(shards).toMatchObject({ status: "Ready", sampleCount: 3 });
    // A directory's digest covers names and contents, as the SDK computes it locally.
    expect(shards.digest).toBe(await contentDigest(join(p.root, "shards")));
  });

  it("counts files for the files format, and fails an empty csv with the reason", async () => {
    mkdirSync(join(p.root, "images", "cats"), { recursive: true });
    for (const f of ["a.png", "b.png", "cats/c.png"]) writeFileSync(join(p.root, "images", f), f);
    expect(await ingest("images", "files", "images")).toMatchObject({ status: "Ready", sampleCount: 3, sizeBytes: 5 + 5 + 10 });
    writeFileSync(join(p.root, "empty.csv"), "");
    const empty = await ingest("empty", "csv", "empty.csv");
    expect(empty.status).toBe("Failed");
    expect(empty.statusMessage).toMatch(/header line is required/);
  });
});

describe("small and large sources", () => {
  it("counts the same in a small file (read in one go) as in a large one (streamed): \\n, \\r\\n, \\r, blank lines, no final line break", async () => {
    const csv = (rows: number) => {
      const seps = ["\n", "\r\n", "\r"];
      let text = "x,y\r\n";
      for (let i = 0; i < rows; i++) text += `${i},${"v".repeat(i % 13)}${i === rows - 1 ? "" : seps[i % 3]}${i === 5 ? "\n" : ""}`;
      return text;
    };
    writeFileSync(join(p.root, "small.csv"), csv(40));
    writeFileSync(join(p.root, "large.csv"), csv(40_000)); // > 256 KiB: the streaming path
    const small = await ingest("small-src", "csv", "small.csv");
    const large = await ingest("large-src", "csv", "large.csv");
    expect(small).toMatchObject({ status: "Ready", sampleCount: 40 });
    expect(large).toMatchObject({ status: "Ready", sampleCount: 40_000 });
    expect(large.sizeBytes).toBeGreaterThan(256 * 1024);
    expect([small.digest, large.digest]).toEqual([await contentDigest(join(p.root, "small.csv")), await contentDigest(join(p.root, "large.csv"))]);
    // The same content again is the same stored artifact (nothing copied twice), and just as usable.
    const again = await ingest("small-again", "csv", "small.csv");
    expect(again).toMatchObject({ status: "Ready", sampleCount: 40, digest: small.digest });
    expect((await p.api("GET", `/v1/datasets/${again.id}/versions/1`)).body).toMatchObject({ digest: small.digest, status: "Ready" });
  });
});

describe("versions", () => {
  it("a job pinned to version 1 reads version 1's content after the source changed", async () => {
    writeFileSync(join(p.root, "evolving.csv"), "v\nold\n");
    const ds = await ingest("evolving", "csv", "evolving.csv");
    writeFileSync(join(p.root, "evolving.csv"), "v\nnew\nnewer\n");
    const v2 = await p.api("PATCH", `/v1/datasets/${ds.id}`, { source: "evolving.csv" });
    expect(v2.body).toMatchObject({ latestVersion: 2, sampleCount: 2 });
    writeFileSync(join(p.root, "cat.js"), `require("fs").copyFileSync(process.env.MLP_DATASET_FILE, require("path").join(process.env.MLP_OUTPUT_DIR, "seen.csv"));`);
    const read = async (name: string, datasetVersion?: number) => {
      const j = await p.api("POST", "/v1/training-jobs", { name, command: ["node", "cat.js"], datasetId: ds.id, ...(datasetVersion ? { datasetVersion } : {}) });
      expect(j.status).toBe(201);
      const end = await waitUntil(p, "training-jobs", j.body.id, (o) => ["Completed", "Failed"].includes(o.status));
      expect(end.status).toBe("Completed");
      return end;
    };
    const old = await read("read-v1", 1);
    expect(old.datasetVersion).toBe(1);
    const latest = await read("read-latest");
    expect(latest.datasetVersion).toBe(2);
    expect(readFileSync(join(p.dataDir, "jobs", old.id, "output", "seen.csv"), "utf8")).toBe("v\nold\n");
    expect(readFileSync(join(p.dataDir, "jobs", latest.id, "output", "seen.csv"), "utf8")).toBe("v\nnew\nnewer\n");
    const missing = await p.api("POST", "/v1/training-jobs", { name: "read-v9", command: ["node", "cat.js"], datasetId: ds.id, datasetVersion: 9 });
    expect(missing.status).toBe(422);
    expect(missing.body.field).toBe("datasetVersion");
  });
});
