// The artifact store's integrity checks (issue 18 §3): content is hashed once, while it is written; a read
// compares each file's size and mtime with what was recorded then (no re-hash), so a stored file changed in
// place is refused; a change that keeps size and mtime is what the background scrub (a full re-hash) is for.
import { execFileSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { chmodSync, mkdirSync, mkdtempSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { CasArtifactStore } from "../../platform/core/artifacts";

const dir = mkdtempSync(join(tmpdir(), "mlp-cas-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const MiB = 1024 * 1024;

/** Sets a file's mtime to exactly `ns` nanoseconds since the epoch (GNU touch keeps nanoseconds). */
function setMtimeNs(path: string, ns: bigint): void {
  const s = ns / 1_000_000_000n;
  const frac = String(ns % 1_000_000_000n).padStart(9, "0");
  execFileSync("touch", ["-m", "-d", `@${s}.${frac}`, path]);
}

describe("reads check size and mtime, not content", () => {
  const store = new CasArtifactStore(join(dir, "cas"));

  it("hashes a put once and never again on reads", async () => {
    const src = join(dir, "a.bin");
    writeFileSync(src, randomBytes(4 * MiB));
    const before = store.stats.bytesHashed;
    const { digest } = await store.put(src);
    store.release(digest);
    expect(store.stats.bytesHashed - before).toBe(4 * MiB);
    for (let i = 0; i < 5; i++) await store.path(digest);
    expect(store.stats.bytesHashed - before).toBe(4 * MiB);
  });

  it("refuses a stored file changed in place (same size, new content, new mtime), and a tree that gained a file", async () => {
    const src = join(dir, "b.bin");
    writeFileSync(src, randomBytes(MiB));
    const { digest } = await store.put(src);
    store.release(digest);
    const stored = await store.path(digest);
    chmodSync(stored, 0o644);
    writeFileSync(stored, randomBytes(MiB));
    await expect(store.path(digest)).rejects.toThrow(/changed in the store/);
    // Storing the same bytes again (the next ingest of that source) replaces the changed copy.
    const again = await store.put(src);
    store.release(again.digest);
    expect(again.digest).toBe(digest);
    expect(await store.path(digest)).toBe(stored);

    const tree = join(dir, "tree");
    mkdirSync(tree);
    writeFileSync(join(tree, "x.txt"), "x");
    const t = await store.put(tree);
    store.release(t.digest);
    const storedTree = await store.path(t.digest);
    chmodSync(storedTree, 0o755);
    writeFileSync(join(storedTree, "extra.txt"), "y");
    await expect(store.path(t.digest)).rejects.toThrow(/changed in the store/);
  });

  it("a change that keeps size and mtime passes reads; the scrub re-hashes, finds it and quarantines it", async () => {
    const src = join(dir, "c.bin");
    writeFileSync(src, randomBytes(MiB));
    const { digest } = await store.put(src);
    store.release(digest);
    const stored = await store.path(digest);
    const was = statSync(stored, { bigint: true });
    chmodSync(stored, 0o644);
    writeFileSync(stored, randomBytes(MiB));
    setMtimeNs(stored, was.mtimeNs);
    expect(statSync(stored, { bigint: true }).mtimeNs).toBe(was.mtimeNs);
    await store.path(digest); // the guard cannot see it: that is the trade-off the scrub covers

    const report = await store.scrub();
    expect(report.corrupt).toContain(digest); // with the two the test before corrupted
    expect(report.checked).toBeGreaterThanOrEqual(1);
    await expect(store.path(digest)).rejects.toThrow(/not in the store|corrupt/);
    // A later put of the same bytes stores them again.
    const again = await store.put(src);
    store.release(again.digest);
    expect(again.digest).toBe(digest);
    expect(statSync(await store.path(digest)).size).toBe(MiB);
  });
});

describe("a small source already stored is leased, not copied", () => {
  const store = new CasArtifactStore(join(dir, "cas-lease"));

  it("keeps the stored blob from a sweep until the put is released, and writes nothing", async () => {
    const src = join(dir, "tiny.csv");
    writeFileSync(src, "x,y\n1,2\n");
    const first = await store.put(src);
    store.release(first.digest);
    const written = store.stats.bytesWritten;
    const again = await store.put(src);
    expect(again.digest).toBe(first.digest);
    expect(store.stats.bytesWritten).toBe(written); // the fast path: no staging copy
    expect(store.sweep(new Set()).removed).toEqual([]); // leased by the second put
    store.release(again.digest);
    expect(store.sweep(new Set()).removed).toEqual([first.digest]);
  });

  it("takes no lease when the caller refuses the content it reads", async () => {
    const src = join(dir, "refused.csv");
    writeFileSync(src, "a,b\n3,4\n");
    const first = await store.put(src);
    store.release(first.digest);
    const refuse = { file: () => ({ data: () => undefined, end: () => { throw new Error("not csv"); } }) };
    await expect(store.put(src, refuse)).rejects.toThrow("not csv");
    expect(store.sweep(new Set()).removed).toEqual([first.digest]);
  });
});
