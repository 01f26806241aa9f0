// The generic API contract over the datasets kind: create/get/list/paginate/filter, PATCH with If-Match,
// Idempotency-Key replay (also across a restart), the wait endpoint, and the error bodies of bad input.
import { createHash } from "node:crypto";
import { writeFileSync, mkdirSync, symlinkSync, readdirSync, existsSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestPlatform, waitUntil, type TestPlatform } from "./helpers";

let p: TestPlatform;
const IRIS = "a,b,label\n1,2,x\n3,4,y\n5,6,x\n";
beforeAll(async () => {
  p = await startTestPlatform();
  writeFileSync(join(p.root, "iris.csv"), IRIS);
});
afterAll(() => p?.close());

const spec = (name: string, extra: Record<string, unknown> = {}) => ({ name, format: "csv", source: "iris.csv", ...extra });

async function count(kind = "datasets"): Promise<number> {
  let n = 0;
  let token: string | undefined;
  do {
    const r = await p.api("GET", `/v1/${kind}?limit=200${token ? `&pageToken=${token}` : ""}`);
    n += r.body.items.length;
    token = r.body.nextPageToken;
  } while (token);
  return n;
}

describe("create, get, list", () => {
  it("creates a dataset that becomes Ready with its digest, size and sample count", async () => {
    const r = await p.api("POST", "/v1/datasets", spec("iris"));
    expect(r.status).toBe(201);
    expect(r.body.id).toMatch(/^ds-/);
    expect(r.headers.get("etag")).toBe(`"${r.body.etag}"`);
    const ready = await waitUntil(p, "datasets", r.body.id, (o) => o.status !== "Creating");
    expect(ready).toMatchObject({ status: "Ready", latestVersion: 1, sampleCount: 3, sizeBytes: Buffer.byteLength(IRIS), source: "iris.csv" });
    expect(ready.digest).toBe(createHash("sha256").update(IRIS).digest("hex"));
    const got = await p.api("GET", `/v1/datasets/${r.body.id}`);
    expect(got.body).toEqual(ready);
  });

  it("paginates in creation order and filters by name and tag", async () => {
    const ids: string[] = [];
    for (let i = 0; i < 5; i++) {
      const r = await p.api("POST", "/v1/datasets", spec(`page-${i}`, { tags: { team: i % 2 ? "odd" : "even" } }));
      ids.push(r.body.id);
    }
    const seen: string[] = [];
    let token: string | undefined;
    let pages = 0;
    do {
      const r = await p.api("GET", `/v1/datasets?limit=2${token ? `&pageToken=${encodeURIComponent(token)}` : ""}`);
      expect(r.status).toBe(200);
      expect(r.body.items.length).toBeLessThanOrEqual(2);
      seen.push(...r.body.items.map((o: any) => o.id));
      token = r.body.nextPageToken;
      pages++;
    } while (token);
    expect(seen.filter((id) => ids.includes(id))).toEqual(ids);
    expect(pages).toBeGreaterThanOrEqual(3);
    const byName = await p.api("GET", "/v1/datasets?name=page-3");
    expect(byName.body.items.map((o: any) => o.id)).toEqual([ids[3]]);
    const byTag = await p.api("GET", "/v1/datasets?tag=team=odd");
    expect(byTag.body.items.map((o: any) => o.id)).toEqual([ids[1], ids[3]]);
    // A prefix of the tag's value: "o" keeps the odd ones, "" every tagged one, a '%' or '_' is no wildcard.
    const byPrefix = async (q: string) => (await p.api("GET", `/v1/datasets?tagPrefix=${q}`)).body.items.map((o: any) => o.id);
    expect(await byPrefix("team=o")).toEqual([ids[1], ids[3]]);
    expect(await byPrefix("team=")).toEqual(ids);
    expect(await byPrefix("team=%25")).toEqual([]);
    expect(await byPrefix("team=_dd")).toEqual([]);
    expect(await byPrefix("team=oddly")).toEqual([]);
    expect((await p.api("GET", "/v1/datasets?tagPrefix=team")).status).toBe(400);
    expect((await p.api("GET", "/v1/datasets?limit=0")).status).toBe(400);
    expect((await p.api("GET", "/v1/datasets?pageToken=garbage")).status).toBe(400);
    // Many objects by id in one request (a refresh's reads, batched); an unknown id is simply absent.
    const byIds = await p.api("GET", `/v1/datasets?ids=${ids[4]},ds-nope,${ids[0]}`);
    expect(byIds.status).toBe(200);
    expect(byIds.body.items.map((o: any) => o.id)).toEqual([ids[0], ids[4]]);
    expect(byIds.body.items[0]).toEqual((await p.api("GET", `/v1/datasets/${ids[0]}`)).body);
    const tooMany = Array.from({ length: 201 }, (_, i) => `ds-${i}`).join(",");
    expect((await p.api("GET", `/v1/datasets?ids=${tooMany}`)).status).toBe(400);
  });
});

describe("PATCH and If-Match", () => {
  it("updates in place with a matching etag and answers 412 to a stale one", async () => {
    const c = await p.api("POST", "/v1/datasets", spec("patched"));
    const ready = await waitUntil(p, "datasets", c.body.id, (o) => o.status === "Ready");
    const ok = await p.api("PATCH", `/v1/datasets/${c.body.id}`, { description: "v2" }, { "if-match": `"${ready.etag}"` });
    expect(ok.status).toBe(200);
    expect(ok.body.description).toBe("v2");
    expect(ok.body.etag).not.toBe(ready.etag);
    const stale = await p.api("PATCH", `/v1/datasets/${c.body.id}`, { description: "v3" }, { "if-match": ready.etag });
    expect(stale.status).toBe(412);
    expect(stale.body.code).toBe("precondition_failed");
    expect((await p.api("GET", `/v1/datasets/${c.body.id}`)).body.description).toBe("v2");
    const staleDelete = await p.api("DELETE", `/v1/datasets/${c.body.id}`, undefined, { "if-match": ready.etag });
    expect(staleDelete.status).toBe(412);
    expect((await p.api("DELETE", `/v1/datasets/${c.body.id}`, undefined, { "if-match": ok.body.etag })).status).toBe(204);
    expect((await p.api("GET", `/v1/datasets/${c.body.id}`)).status).toBe(404);
  });

  it("new source content makes a new version; the same content does not", async () => {
    const dir = join(p.root, "versioned");
    mkdirSync(dir);
    writeFileSync(join(dir, "a.csv"), "x\n1\n");
    const c = await p.api("POST", "/v1/datasets", spec("versioned", { source: "versioned/a.csv" }));
    await waitUntil(p, "datasets", c.body.id, (o) => o.status === "Ready");
    writeFileSync(join(dir, "b.csv"), "x\n1\n");
    const same = await p.api("PATCH", `/v1/datasets/${c.body.id}`, { source: "versioned/b.csv" });
    expect(same.body.latestVersion).toBe(1);
    writeFileSync(join(dir, "b.csv"), "x\n1\n2\n");
    const next = await p.api("PATCH", `/v1/datasets/${c.body.id}`, { source: "versioned/b.csv" });
    expect(next.body).toMatchObject({ latestVersion: 2, sampleCount: 2, source: "versioned/b.csv" });
    const versions = await p.api("GET", `/v1/datasets/${c.body.id}/versions`);
    expect(versions.body.items.map((v: any) => [v.version, v.sampleCount, v.source])).toEqual([
      [1, 1, "versioned/a.csv"],
      [2, 2, "versioned/b.csv"],
    ]);
    expect((await p.api("GET", `/v1/datasets/${c.body.id}/versions/1`)).body.digest).toBe(versions.body.items[0].digest);
    expect((await p.api("GET", `/v1/datasets/${c.body.id}/versions/9`)).status).toBe(404);
  });
});

describe("Idempotency-Key", () => {
  it("replays the first object for a repeat and creates no second one; a different body is 409", async () => {
    const before = await count();
    const first = await p.api("POST", "/v1/datasets", spec("idem"), { "idempotency-key": "k-1" });
    expect(first.status).toBe(201);
    const [again, concurrent] = await Promise.all([
      p.api("POST", "/v1/datasets", spec("idem"), { "idempotency-key": "k-1" }),
      p.api("POST", "/v1/datasets", spec("idem"), { "idempotency-key": "k-1" }),
    ]);
    for (const r of [again, concurrent]) {
      expect(r.status).toBe(200);
      expect(r.headers.get("idempotent-replayed")).toBe("true");
      expect(r.body.id).toBe(first.body.id);
    }
    expect(await count()).toBe(before + 1);
    const other = await p.api("POST", "/v1/datasets", spec("idem-other"), { "idempotency-key": "k-1" });
    expect(other.status).toBe(409);
    const taken = await p.api("POST", "/v1/datasets", spec("idem"), { "idempotency-key": "k-2" });
    expect(taken.status).toBe(409);
    expect(taken.body.field).toBe("name");
    expect(await count()).toBe(before + 1);
  });

  it("concurrent first requests with one key create exactly one object", async () => {
    const before = await count();
    const rs = await Promise.all([1, 2, 3].map(() => p.api("POST", "/v1/datasets", spec("idem-race"), { "idempotency-key": "race" })));
    expect(new Set(rs.map((r) => r.body.id)).size).toBe(1);
    expect(rs.map((r) => r.status).sort()).toEqual([200, 200, 201]);
    expect(await count()).toBe(before + 1);
  });
});

describe("wait", () => {
  it("answers at once when the etag differs, and wakes on a change without polling", async () => {
    const c = await p.api("POST", "/v1/datasets", spec("waited"));
    const ready = await waitUntil(p, "datasets", c.body.id, (o) => o.status === "Ready");
    const stale = await p.api("GET", `/v1/datasets/${c.body.id}/wait?etag=nope&timeoutMs=5000`);
    expect(stale.body.etag).toBe(ready.etag);
    const t0 = Date.now();
    const waiting = p.api("GET", `/v1/datasets/${c.body.id}/wait?etag=${ready.etag}&timeoutMs=10000`);
    await new Promise((r) => setTimeout(r, 200));
    await p.api("PATCH", `/v1/datasets/${c.body.id}`, { description: "changed" });
    const woke = await waiting;
    const elapsed = Date.now() - t0;
    expect(woke.body.description).toBe("changed");
    expect(elapsed).toBeGreaterThanOrEqual(150);
    expect(elapsed).toBeLessThan(2000);
    const t1 = Date.now();
    const unchanged = await p.api("GET", `/v1/datasets/${c.body.id}/wait?etag=${woke.body.etag}&timeoutMs=300`);
    expect(unchanged.body.etag).toBe(woke.body.etag);
    expect(Date.now() - t1).toBeGreaterThanOrEqual(280);
  });
});

describe("bad input is refused and writes nothing", () => {
  const casEntries = () => readdirSync(join(p.dataDir, "cas", "blobs")).length + readdirSync(join(p.dataDir, "cas", "trees")).length;

  it.each([
    ["malformed JSON", "{\"name\": ", 400, undefined],
    ["an unknown field", { ...spec("unknown-field"), colour: "red" }, 400, "colour"],
    ["a bad name", spec("Bad_Name"), 400, "name"],
    ["a missing format", { name: "no-format", source: "iris.csv" }, 400, "format"],
    ["a path outside the roots", spec("outside", { source: "/etc/passwd" }), 422, "source"],
    ["a .. escape", spec("escape", { source: "../../etc/passwd" }), 422, "source"],
    ["a missing file", spec("missing", { source: "nope.csv" }), 422, "source"],
  ])("%s", async (_what, body, status, field) => {
    const before = await count();
    const cas = casEntries();
    const r = await p.api("POST", "/v1/datasets", body);
    expect(r.status).toBe(status);
    expect(r.body.code).toBe("invalid");
    if (field) expect(r.body.field).toBe(field);
    expect(await count()).toBe(before);
    expect(casEntries()).toBe(cas);
  });

  it("lists every validation issue in details", async () => {
    const r = await p.api("POST", "/v1/datasets", { name: "X", format: "parquet", source: "", extra: 1 });
    expect(r.status).toBe(400);
    expect(r.body.details.map((d: any) => d.field).sort()).toEqual(["extra", "format", "name", "source"]);
    expect(r.body.message).toMatch(/^invalid dataset spec: /);
  });

  it("refuses a symlink that leads out of the roots", async () => {
    symlinkSync("/etc", join(p.root, "etc-link"));
    const r = await p.api("POST", "/v1/datasets", spec("symlinked", { format: "files", source: "etc-link" }));
    expect(r.status).toBe(422);
    expect(r.body.field).toBe("source");
    expect(r.body.message).toMatch(/symbolic link/);
  });

  it("refuses a body over 1 MiB with 413", async () => {
    const before = await count();
    const r = await p.api("POST", "/v1/datasets", { ...spec("huge"), description: "x".repeat(1024 * 1024 + 10) });
    expect(r.status).toBe(413);
    expect(r.body.code).toBe("too_large");
    expect(await count()).toBe(before);
  });

  it("refuses unknown fields in a PATCH", async () => {
    const c = await p.api("POST", "/v1/datasets", spec("patch-unknown"));
    const r = await p.api("PATCH", `/v1/datasets/${c.body.id}`, { format: "jsonl" });
    expect(r.status).toBe(400);
    expect(r.body.field).toBe("format");
  });

  it("a jsonl dataset with a broken line fails with the line number", async () => {
    writeFileSync(join(p.root, "bad.jsonl"), '{"a":1}\n{"a":\n');
    const c = await p.api("POST", "/v1/datasets", { name: "bad-jsonl", format: "jsonl", source: "bad.jsonl" });
    const done = await waitUntil(p, "datasets", c.body.id, (o) => o.status !== "Creating");
    expect(done.status).toBe("Failed");
    expect(done.statusMessage).toMatch(/line 2 is not JSON/);
  });
});

describe("flavors and OpenAPI", () => {
  it("lists the local flavors", async () => {
    const r = await p.api("GET", "/v1/flavors");
    expect(r.body.map((f: any) => f.name)).toEqual(["local.small", "local.medium", "local.large"]);
  });

  it("serves an OpenAPI 3.1 document whose schemas come from zod", async () => {
    const r = await p.api("GET", "/v1/openapi.json");
    expect(r.body.openapi).toBe("3.1.0");
    const spec = r.body.components.schemas.DatasetSpec;
    expect(spec.additionalProperties).toBe(false);
    expect(spec.properties.format.enum).toEqual(["csv", "jsonl", "files"]);
    expect(Object.keys(r.body.paths)).toEqual(expect.arrayContaining(["/v1/datasets", "/v1/training-jobs/{id}/stop", "/v1/models/{id}/versions/{version}"]));
    expect(existsSync(join(p.dataDir, "platform.db"))).toBe(true);
  });
});
