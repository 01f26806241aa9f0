// Content digest of a local file or directory tree, so a changed file behind an unchanged path string is
// still noticed. A file's digest is the sha256 of its bytes; a directory's is the sha256 over its sorted
// entries, one line each: "<relative/path>\0<sha256 of the file>\n" (names and contents both count).
// The local platform's artifact store addresses content with these same functions, so a client's digest
// of a source and the platform's digest of what it ingested agree by construction.
//
// cachedContentDigest is the same digest with a per-file cache (issue 18 §3: a preview of an unchanged 1 GiB
// dataset must not read it again). An entry is keyed by what one stat shows — the file's path under the
// source's realpath, dev, ino, size, mtime and ctime in nanoseconds — so a file rewritten in place (new mtime;
// ctime moves on any write or utimes and cannot be set back) or replaced (new ino) misses and is hashed
// again. A file whose mtime is within RACY_MS of the hash is not cached (a second write in the same timestamp
// tick would be invisible), as git does with "racily clean" entries. The cache lives outside the repository
// and outside Pulumi state: one JSON file per source, named by the sha256 of its realpath, 0600 in a 0700
// directory (MLPLATFORM_DIGEST_CACHE_DIR, else <XDG cache dir>/mlplatform/digests). Any cache I/O failure
// falls back to hashing.
import { createHash, randomBytes } from "node:crypto";
import { open } from "node:fs/promises";
import { chmodSync, mkdirSync, readdirSync, readFileSync, realpathSync, renameSync, statSync, writeFileSync } from "node:fs";
import { homedir } from "node:os";
import { join, relative, sep } from "node:path";

/** The digest of a file or directory tree; `onBytes` sees the length of every chunk hashed. */
export function contentDigest(path: string, onBytes?: (n: number) => void): Promise<string> {
  return digestWith(path, (file) => fileDigest(file, onBytes));
}

/**
 * The one walk behind every content digest: a file's digest, or the tree digest over the files under a
 * directory, each file's digest from `digestOf` (a hash, or a cache lookup that hashes on a miss).
 */
async function digestWith(path: string, digestOf: (file: string, rel: string) => Promise<string>): Promise<string> {
  const st = statSync(path);
  if (st.isFile()) return digestOf(path, "");
  if (!st.isDirectory()) throw new Error(`${path} is neither a file nor a directory`);
  const entries: TreeEntry[] = [];
  for (const file of listFiles(path)) {
    const rel = relative(path, file).split(sep).join("/");
    entries.push({ rel, digest: await digestOf(file, rel) });
  }
  return treeDigest(entries);
}

export interface TreeEntry {
  /** Path relative to the tree's root, with "/" separators. */
  rel: string;
  /** sha256 of the file's bytes, hex. */
  digest: string;
}

/** The digest of a directory tree from its entries, in any order. */
export function treeDigest(entries: readonly TreeEntry[]): string {
  const h = createHash("sha256");
  for (const e of [...entries].sort((a, b) => (a.rel < b.rel ? -1 : a.rel > b.rel ? 1 : 0))) {
    h.update(e.rel);
    h.update("\0");
    h.update(e.digest);
    h.update("\n");
  }
  return h.digest("hex");
}

/**
 * sha256 of a file's bytes, read through one reused buffer: memory stays one chunk however large the file
 * (a read stream allocates a buffer per chunk, which a 1 GiB file turns into tens of MiB awaiting GC).
 * `onBytes` sees each chunk's length (the stores count what they hash).
 */
export async function fileDigest(path: string, onBytes?: (n: number) => void): Promise<string> {
  const h = createHash("sha256");
  const fh = await open(path, "r");
  try {
    const buf = Buffer.allocUnsafe(HASH_CHUNK);
    for (;;) {
      const { bytesRead } = await fh.read(buf, 0, HASH_CHUNK, null);
      if (bytesRead === 0) break;
      h.update(buf.subarray(0, bytesRead));
      onBytes?.(bytesRead);
    }
  } finally {
    await fh.close();
  }
  return h.digest("hex");
}

const HASH_CHUNK = 1024 * 1024;

/** Regular files under `dir`, recursively (symlinks and special files are not content). */
export function listFiles(dir: string): string[] {
  const out: string[] = [];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const full = join(dir, entry.name);
    if (entry.isDirectory()) out.push(...listFiles(full));
    else if (entry.isFile()) out.push(full);
  }
  return out;
}

/** What the digest cache did in this process (tests and benchmarks read it). */
export const digestCacheStats = { hits: 0, misses: 0, bytesHashed: 0 };

/** Files modified this recently (ms) before their hash are not cached. */
const RACY_MS = 2000;

export function defaultDigestCacheDir(env: NodeJS.ProcessEnv = process.env): string {
  return env.MLPLATFORM_DIGEST_CACHE_DIR || join(env.XDG_CACHE_HOME || join(homedir(), ".cache"), "mlplatform", "digests");
}

interface CacheFile {
  version: 1;
  root: string;
  /** "<rel>:<dev>:<ino>:<size>:<mtimeNs>:<ctimeNs>" → sha256 of the file. */
  entries: Record<string, string>;
}

/** contentDigest(path), hashing only files whose stat changed since they were last hashed. */
export async function cachedContentDigest(path: string, opts: { cacheDir?: string } = {}): Promise<string> {
  const root = realpathSync(path);
  const cacheDir = opts.cacheDir ?? defaultDigestCacheDir();
  const cacheFile = join(cacheDir, `${createHash("sha256").update(root).digest("hex")}.json`);
  let old: Record<string, string> = {};
  try {
    const parsed = JSON.parse(readFileSync(cacheFile, "utf8")) as CacheFile;
    if (parsed.version === 1 && parsed.root === root && parsed.entries && typeof parsed.entries === "object") old = parsed.entries;
  } catch {
    /* no cache yet, or unreadable: hash */
  }
  const fresh: Record<string, string> = {};
  const started = Date.now();
  const digestOf = async (file: string, rel: string): Promise<string> => {
    const st = statSync(file, { bigint: true });
    const key = `${rel}:${st.dev}:${st.ino}:${st.size}:${st.mtimeNs}:${st.ctimeNs}`;
    const hit = old[key];
    if (hit) {
      digestCacheStats.hits++;
      fresh[key] = hit;
      return hit;
    }
    digestCacheStats.misses++;
    const digest = await countedFileDigest(file);
    if (Number(st.mtimeNs / 1_000_000n) < started - RACY_MS) fresh[key] = digest;
    return digest;
  };
  const digest = await digestWith(root, digestOf);
  const changed = Object.keys(fresh).length !== Object.keys(old).length || Object.keys(fresh).some((k) => old[k] !== fresh[k]);
  if (changed) saveCache(cacheDir, cacheFile, { version: 1, root, entries: fresh });
  return digest;
}

function saveCache(cacheDir: string, cacheFile: string, content: CacheFile): void {
  try {
    mkdirSync(cacheDir, { recursive: true, mode: 0o700 });
    chmodSync(cacheDir, 0o700);
    const tmp = `${cacheFile}.${randomBytes(4).toString("hex")}.tmp`;
    writeFileSync(tmp, JSON.stringify(content), { mode: 0o600 });
    renameSync(tmp, cacheFile);
  } catch {
    /* a cache that cannot be written only costs the next hash */
  }
}

function countedFileDigest(path: string): Promise<string> {
  return fileDigest(path, (n) => (digestCacheStats.bytesHashed += n));
}
