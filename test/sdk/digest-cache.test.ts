// The provider's digest cache (issue 18 §3): a preview of an unchanged source must not hash it again. Entries
// are keyed by what a stat shows (realpath, dev, ino, size, mtime and ctime in ns), so a file changed in place
// gets a new digest; the cache lives outside the repository in a 0700 directory of 0600 files.
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, utimesSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { cachedContentDigest, contentDigest, digestCacheStats } from "../../sdk/digest";

const dir = mkdtempSync(join(tmpdir(), "mlp-digest-cache-"));
const cacheDir = join(dir, "cache", "digests");
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Written a minute ago as far as mtime goes: old enough to be cached (a just-written file is not). */
function writeOld(path: string, content: string, secondsAgo = 60): void {
  writeFileSync(path, content);
  const t = Date.now() / 1000 - secondsAgo;
  utimesSync(path, t, t);
}

const snapshot = () => ({ ...digestCacheStats });

describe("digest cache", () => {
  it("hits for an unchanged tree, and agrees with the uncached digest", async () => {
    const src = join(dir, "data");
    mkdirSync(join(src, "sub"), { recursive: true });
    writeOld(join(src, "a.csv"), "x\n1\n");
    writeOld(join(src, "sub", "b.csv"), "x\n2\n");
    const first = await cachedContentDigest(src, { cacheDir });
    expect(first).toBe(await contentDigest(src));
    const before = snapshot();
    expect(await cachedContentDigest(src, { cacheDir })).toBe(first);
    expect(digestCacheStats.hits - before.hits).toBe(2);
    expect(digestCacheStats.misses - before.misses).toBe(0);
    expect(digestCacheStats.bytesHashed - before.bytesHashed).toBe(0);
  });

  it("gives a new digest for a file changed in place: same size, new content, mtime changed", async () => {
    const file = join(dir, "one.csv");
    writeOld(file, "x\nAAAA\n", 120);
    const old = await cachedContentDigest(file, { cacheDir });
    expect(await cachedContentDigest(file, { cacheDir })).toBe(old);
    writeOld(file, "x\nBBBB\n", 100);
    const before = snapshot();
    const now = await cachedContentDigest(file, { cacheDir });
    expect(now).not.toBe(old);
    expect(now).toBe(await contentDigest(file));
    expect(digestCacheStats.misses - before.misses).toBe(1);
  });

  it("does not cache a file written just now (its mtime could still hide a second write)", async () => {
    const file = join(dir, "fresh.csv");
    writeFileSync(file, "x\n1\n");
    await cachedContentDigest(file, { cacheDir });
    const before = snapshot();
    await cachedContentDigest(file, { cacheDir });
    expect(digestCacheStats.hits - before.hits).toBe(0);
  });

  it("keeps its files private (0600 in a 0700 directory), one per source, named by a hash", async () => {
    expect(statSync(cacheDir).mode & 0o777).toBe(0o700);
    const files = readdirSync(cacheDir);
    expect(files.length).toBeGreaterThan(0);
    for (const f of files) {
      expect(statSync(join(cacheDir, f)).mode & 0o777).toBe(0o600);
      expect(f).toMatch(/^[0-9a-f]{64}\.json$/);
    }
    expect(readFileSync(join(cacheDir, files[0]), "utf8")).toContain('"entries"');
  });
});
