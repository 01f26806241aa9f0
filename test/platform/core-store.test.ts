// The store and the artifact store on their own: etags, waiters, pagination, digests and corruption.
import { appendFileSync, chmodSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { contentDigest } from "../../sdk/digest";
import { CasArtifactStore } from "../../platform/core/artifacts";
import { SqliteObjectStore } from "../../platform/core/store";
import { EnvSealer } from "../../platform/core/sealed";

const dirs: string[] = [];
const temp = () => {
  const d = mkdtempSync(join(tmpdir(), "mlp-core-"));
  dirs.push(d);
  return d;
};
afterEach(() => dirs.splice(0).forEach((d) => rmSync(d, { recursive: true, force: true })));

describe("SqliteObjectStore", () => {
  it("bumps the etag on every write and wakes a waiter without polling", async () => {
    const store = new SqliteObjectStore(temp());
    const a = store.insert("datasets", { id: "ds-1", name: "a", status: "Creating", tags: {} });
    const waiting = store.waitForChange("datasets", "ds-1", a.etag, 5000);
    const t0 = Date.now();
    setTimeout(() => store.update("datasets", "ds-1", (o) => ({ ...o, status: "Ready" })), 50);
    const woke = await waiting;
    expect(woke?.status).toBe("Ready");
    expect(woke?.etag).not.toBe(a.etag);
    expect(Date.now() - t0).toBeLessThan(1000);
    // A mutate that returns the same object writes nothing.
    const same = store.update("datasets", "ds-1", (o) => o);
    expect(same.etag).toBe(woke?.etag);
    store.close();
  });

  it("rolls an update back when its mutate throws, and stays usable", () => {
    const store = new SqliteObjectStore(temp());
    const a = store.insert("datasets", { id: "ds-1", name: "a", status: "Creating", tags: {} });
    expect(() =>
      store.update("datasets", "ds-1", () => {
        throw new Error("refused");
      }),
    ).toThrow("refused");
    expect(store.get("datasets", "ds-1")).toEqual(a);
    expect(store.update("datasets", "ds-1", (o) => ({ ...o, status: "Ready" })).status).toBe("Ready");
    store.close();
  });

  it("persists across reopen, keeps names unique, and pages by creation", () => {
    const dir = temp();
    const store = new SqliteObjectStore(dir);
    for (let i = 0; i < 7; i++) store.insert("models", { id: `md-${i}`, name: `m${i}`, status: "Ready", tags: { i: String(i % 3) } });
    expect(() => store.insert("models", { id: "md-x", name: "m1", status: "Ready", tags: {} })).toThrow(/already exists/);
    store.putChild("models", "md-1", "versions", "1", { version: 1 });
    store.close();
    const again = new SqliteObjectStore(dir);
    const p1 = again.list("models", { limit: 3 });
    const p2 = again.list("models", { limit: 3, pageToken: p1.nextPageToken });
    const p3 = again.list("models", { limit: 3, pageToken: p2.nextPageToken });
    expect([...p1.items, ...p2.items, ...p3.items].map((o) => o.id)).toEqual(["md-0", "md-1", "md-2", "md-3", "md-4", "md-5", "md-6"]);
    expect(p3.nextPageToken).toBeUndefined();
    expect(again.list("models", { tag: { key: "i", value: "1" } }).items.map((o) => o.id)).toEqual(["md-1", "md-4"]);
    expect(again.getChild("models", "md-1", "versions", "1")).toEqual({ version: 1 });
    expect(again.delete("models", "md-1")).toBe(true);
    expect(again.listChildren("models", "md-1", "versions")).toEqual([]);
    again.close();
  });
});

describe("CasArtifactStore", () => {
  it("does not copy a small file again when its blob is stored intact, and still shows its bytes to the observer", async () => {
    const src = temp();
    writeFileSync(join(src, "tiny.csv"), "x,y\n1,2\n");
    const cas = new CasArtifactStore(join(temp(), "cas"));
    const first = await cas.put(join(src, "tiny.csv"));
    const written = cas.stats.bytesWritten;
    let seen = "";
    const again = await cas.put(join(src, "tiny.csv"), { file: () => ({ data: (c) => void (seen += c.toString()), end: () => {} }) });
    expect(again).toEqual(first);
    expect(cas.stats.bytesWritten).toBe(written); // nothing copied: the stored blob is this content
    expect(seen).toBe("x,y\n1,2\n");
    // A stored copy changed behind the store's back is not trusted: the next put writes it again.
    const blob = await cas.path(first.digest);
    chmodSync(blob, 0o644);
    appendFileSync(blob, "!");
    await cas.put(join(src, "tiny.csv"));
    expect(cas.stats.bytesWritten).toBe(written + 8);
    expect(await cas.path(first.digest)).toBe(blob);
  });

  it("stores files and trees under digests equal to sdk/digest's, and detects corruption", async () => {
    const src = temp();
    writeFileSync(join(src, "a.txt"), "alpha");
    mkdirSync(join(src, "sub"));
    writeFileSync(join(src, "sub", "b.txt"), "beta");
    const cas = new CasArtifactStore(join(temp(), "cas"));
    const tree = await cas.put(src);
    expect(tree.digest).toBe(await contentDigest(src));
    expect(tree.sizeBytes).toBe(9);
    const file = await cas.put(join(src, "a.txt"));
    expect(file.digest).toBe(await contentDigest(join(src, "a.txt")));
    expect((await cas.put(join(src, "a.txt"))).digest).toBe(file.digest);

    const stored = await cas.path(tree.digest);
    expect(readdirSync(stored).sort()).toEqual(["a.txt", "sub"]);
    // Corrupt the stored copy behind the store's back: reading it must fail, not serve it.
    chmodSync(join(stored, "sub", "b.txt"), 0o644);
    appendFileSync(join(stored, "sub", "b.txt"), "!");
    await expect(cas.path(tree.digest)).rejects.toThrow(/corrupted/);
    const blob = await cas.path(file.digest);
    chmodSync(blob, 0o644);
    writeFileSync(blob, "tampered");
    await expect(cas.path(file.digest)).rejects.toThrow(/corrupted/);
    await expect(cas.path("0".repeat(64))).rejects.toThrow(/not in the store/);
  });
});

describe("EnvSealer", () => {
  it("seals env values at any depth, stores documents without an env key as plain JSON, and reads both back", () => {
    const sealer = new EnvSealer(temp());
    const withEnv = { name: "job", spec: { env: { TOKEN: "s3cret-value" }, steps: [{ env: { K: "v2-secret" } }] }, note: 'says "env": in text' };
    const text = sealer.encode(withEnv);
    expect(text).not.toContain("s3cret-value");
    expect(text).not.toContain("v2-secret");
    expect(sealer.decode(text)).toEqual(withEnv);
    // A string that merely mentions "env": is escaped in JSON, so such a document is stored as it is.
    const plain = { name: "ds", note: 'looks like "env": {"A": "b"}', tags: { env: "prod" } };
    expect(sealer.encode(plain)).toBe(JSON.stringify(plain));
    expect(sealer.decode(JSON.stringify(plain))).toEqual(plain);
  });
});

describe("closing the store", () => {
  it("answers pending waiters at once instead of firing on a closed database later", async () => {
    const store = new SqliteObjectStore(temp());
    const a = store.insert("datasets", { id: "ds-1", name: "a", status: "Ready", tags: {} });
    const waiting = store.waitForChange("datasets", "ds-1", a.etag, 60_000);
    const t0 = Date.now();
    store.close();
    expect((await waiting)?.etag).toBe(a.etag);
    expect(Date.now() - t0).toBeLessThan(500);
  });
});
