// Content-addressed artifact store under <dataDir>/cas. A file is stored as blobs/<sha256>; a directory
// tree as trees/<digest>/ (its digest is sha256 over its sorted entries "<relative/path>\0<file sha256>\n",
// computed by sdk/digest.ts, so a client can compare a local source with what the platform holds).
// Content is copied into a temp dir while hashing (one read of the source: callers count samples and follow
// progress on the same pass), flushed to disk, then renamed into place, so a crash leaves no half artifact
// under its digest. Sources are read through a ContainedPath (opened once, checked, then read by descriptor:
// see contained.ts). Artifacts no stored document names any more are removed by sweep(); a fresh put is
// leased until its creator releases it (after recording it, or giving up) or an hour passes, so an in-flight
// registration or ingest never loses its artifact to a sweep.
//
// Integrity (issue 18 §3): content is verified on write — the digest is computed from the very bytes written,
// and the written size must match — and a manifest (meta/<digest>.json) records each stored file's size and
// mtime (ns). A read (path()) compares those with a stat of each file: a stored file rewritten, truncated,
// added or removed is refused without reading it. Re-hashing on every read cost a full read of a 1 GiB
// dataset per training job, replica start and perf run; a stat costs microseconds. What a stat cannot see
// (bit rot, or a rewrite that restores size and mtime, which needs write access to a 0444 file and a
// deliberate utimes) is the scrub's job: scrub() re-hashes every artifact in the background (start.ts runs it
// on a timer, one artifact at a time) and quarantines any whose content no longer matches its digest.
// Artifacts stored before manifests existed are hashed once on their first read, then get one.
import { createHash } from "node:crypto";
import { existsSync, mkdirSync, read, readdirSync, readFileSync, readSync, renameSync, rmSync, statSync, writeFileSync } from "node:fs";
import { open } from "node:fs/promises";
import { dirname, join, relative, sep } from "node:path";
import { promisify } from "node:util";
import { contentDigest, listFiles, treeDigest } from "../../sdk/digest";
import { ContainedPath } from "./contained";
import { type ArtifactStats, type ArtifactStore, type PutObserver } from "./types";
import { HttpError } from "./errors";
import { randomHex } from "./random-pool";

export { listFiles };

const DIGEST = /^[0-9a-f]{64}$/;
/** How long a fresh put is safe from sweeps without any document naming it (the create recording it). */
export const PUT_LEASE_MS = 60 * 60 * 1000;
/** Read size for copies and hashes: large reads keep a GiB copy cheap in syscalls, and memory flat. */
const CHUNK = 1024 * 1024;
/** A single-file put up to this size is first read and hashed in one synchronous read (see put). */
export const SMALL_FILE_BYTES = 256 * 1024;
const readAt = promisify(read);

/** What a read checks a stored file against: its size and mtime when it was verified. */
interface ManifestEntry {
  rel: string;
  size: number;
  mtimeNs: string;
}
interface Manifest {
  digest: string;
  files: ManifestEntry[];
}

export class CasArtifactStore implements ArtifactStore {
  private readonly blobs: string;
  private readonly trees: string;
  private readonly tmp: string;
  private readonly meta: string;
  private readonly quarantine: string;
  readonly stats: ArtifactStats = { puts: 0, bytesWritten: 0, bytesHashed: 0, scrubbed: 0 };
  /** Manifests read so far (they never change while their artifact exists). */
  private readonly manifests = new Map<string, Manifest>();

  constructor(readonly root: string) {
    this.blobs = join(root, "blobs");
    this.trees = join(root, "trees");
    this.tmp = join(root, "tmp");
    this.meta = join(root, "meta");
    this.quarantine = join(root, "quarantine");
    for (const d of [this.blobs, this.trees, this.tmp, this.meta]) mkdirSync(d, { recursive: true });
    // Leftovers of copies interrupted by a crash.
    for (const e of readdirSync(this.tmp)) rmSync(join(this.tmp, e), { recursive: true, force: true });
  }

  /** Digest → puts not yet released, and the time after which they no longer count. */
  private readonly leases = new Map<string, { count: number; until: number }>();

  /**
   * Copies a source in. A string names a path the platform owns (a job's output); user paths come opened and
   * checked as a ContainedPath, which the caller keeps and closes. `observer` sees the bytes as they are
   * copied (one pass: hash, copy and the caller's own reading), and may abort the copy.
   */
  async put(source: string | ContainedPath, observer: PutObserver = {}): Promise<{ digest: string; sizeBytes: number }> {
    const opened = typeof source === "string" ? ContainedPath.openOwned(source) : source;
    const staging = join(this.tmp, randomHex(8));
    let done = 0;
    // Whether anything was written under `staging` (the fast path for small stored content writes nothing).
    let staged = false;
    const copy = async (fd: number, rel: string, size: number, to: string) => {
      staged = true;
      const reader = observer.file?.(rel, size);
      const stored = await this.copyHashing(fd, to, (n, chunk) => {
        reader?.data(chunk);
        done += n;
        observer.progress?.(done);
      }, observer.signal);
      reader?.end();
      return stored;
    };
    try {
      this.stats.puts++;
      if (!opened.isDirectory) {
        let stored!: { digest: string; size: number };
        let reused = false;
        await opened.forEachFile(async (f) => {
          // A small file whose content is already stored intact (its blob passes the manifest guard) is not
          // copied again: read and hashed in one synchronous read, seen by the observer once, and the put
          // leases the stored blob — no staging copy, no fsync, no rename (issue 18 §4: the same tiny source
          // created again and again). Check, observer and lease run in one synchronous step, so no sweep
          // (a timer) can come between them.
          const small = f.size <= SMALL_FILE_BYTES ? readSmall(f.fd, f.size) : undefined;
          if (small) {
            const digest = createHash("sha256").update(small).digest("hex");
            if (this.storedIntact(digest)) {
              this.stats.bytesHashed += small.length;
              const reader = observer.file?.(f.rel, small.length);
              reader?.data(small);
              observer.progress?.(small.length);
              reader?.end(); // throws on content the caller refuses: then no lease is taken
              this.lease(digest);
              stored = { digest, size: small.length };
              reused = true;
              return;
            }
          }
          stored = await copy(f.fd, f.rel, f.size, staging);
        });
        if (!reused) this.settle(staging, join(this.blobs, stored.digest), stored.digest);
        return { digest: stored.digest, sizeBytes: stored.size };
      }
      staged = true;
      mkdirSync(staging);
      const entries: { rel: string; digest: string }[] = [];
      let sizeBytes = 0;
      await opened.forEachFile(async (f) => {
        const { digest, size } = await copy(f.fd, f.rel, f.size, join(staging, f.rel));
        entries.push({ rel: f.rel, digest });
        sizeBytes += size;
      });
      const digest = treeDigest(entries);
      this.settle(staging, join(this.trees, digest), digest);
      return { digest, sizeBytes };
    } finally {
      if (typeof source === "string") opened.close();
      if (staged) rmSync(staging, { recursive: true, force: true });
    }
  }

  /**
   * Copies one open file while hashing it, flushed to disk before it is closed; returns its sha256 and size.
   * A plain read/hash/write loop over one buffer: the caller's descriptor stays the caller's (a stream would
   * close it when destroyed by an error), and memory stays one chunk whatever the size.
   */
  private async copyHashing(fromFd: number, to: string, onChunk: (n: number, chunk: Buffer) => void, signal?: AbortSignal): Promise<{ digest: string; size: number }> {
    const h = createHash("sha256");
    let size = 0;
    mkdirSync(dirname(to), { recursive: true });
    const out = await open(to, "wx", 0o444);
    try {
      const buf = Buffer.allocUnsafe(CHUNK);
      for (;;) {
        signal?.throwIfAborted();
        const { bytesRead } = await readAt(fromFd, buf, 0, CHUNK, size);
        if (bytesRead === 0) break;
        const chunk = buf.subarray(0, bytesRead);
        h.update(chunk);
        this.stats.bytesHashed += bytesRead;
        onChunk(bytesRead, chunk);
        await out.write(chunk, 0, bytesRead);
        size += bytesRead;
      }
      await out.sync();
      // Verified on write: what landed has the size of what was hashed (a short write would not).
      const landed = (await out.stat()).size;
      if (landed !== size) throw new Error(`the stored copy is ${landed} bytes, ${size} were written`);
    } finally {
      await out.close();
    }
    this.stats.bytesWritten += size;
    return { digest: h.digest("hex"), size };
  }

  /** Ends the lease of a put: its creator recorded it (or gave up), so references alone keep it now. */
  release(digest: string): void {
    const lease = this.leases.get(digest);
    if (lease && --lease.count <= 0) this.leases.delete(digest);
  }

  /**
   * Removes every stored artifact whose digest is not in `referenced` and not leased by a recent put.
   * Synchronous, so no put can settle between reading the references and removing.
   */
  sweep(referenced: ReadonlySet<string>): { removed: string[]; bytes: number } {
    const now = Date.now();
    for (const [d, lease] of this.leases) if (lease.until <= now) this.leases.delete(d);
    const removed: string[] = [];
    let bytes = 0;
    for (const dir of [this.blobs, this.trees]) {
      for (const digest of readdirSync(dir)) {
        if (!DIGEST.test(digest) || referenced.has(digest) || this.leases.has(digest)) continue;
        const path = join(dir, digest);
        bytes += sizeOf(path);
        rmSync(path, { recursive: true, force: true });
        this.forgetManifest(digest);
        removed.push(digest);
      }
    }
    return { removed, bytes };
  }

  async path(digest: string): Promise<string> {
    const found = this.locate(digest);
    const manifest = this.manifestOf(digest);
    if (!manifest) {
      // Stored before manifests existed: verified by content once, then guarded like the rest.
      const actual = await this.hashStored(found);
      if (actual !== digest) throw HttpError.internal(`artifact ${digest} is corrupted in the store (its content now hashes to ${actual})`);
      this.writeManifest(digest, found);
      return found;
    }
    const changed = guardProblem(found, manifest);
    if (changed) {
      throw HttpError.internal(
        `artifact ${digest} is corrupted in the store: ${changed} changed in the store since it was verified ` +
          `(its size or modification time differ from when it was written); it is not served`,
      );
    }
    return found;
  }

  /**
   * Re-hashes stored artifacts (all, or the first `limit` after `after` in digest order) and moves any whose
   * content no longer matches its digest to quarantine/, so it is never served and a new put stores it
   * afresh. Returns what it checked, what it quarantined and where to continue.
   */
  async scrub(opts: { after?: string; limit?: number } = {}): Promise<{ checked: number; corrupt: string[]; next?: string }> {
    const all = [...readdirSync(this.blobs), ...readdirSync(this.trees)].filter((d) => DIGEST.test(d)).sort();
    const todo = all.filter((d) => opts.after === undefined || d > opts.after).slice(0, opts.limit ?? Infinity);
    const corrupt: string[] = [];
    let checked = 0;
    for (const digest of todo) {
      let found: string;
      try {
        found = this.locate(digest);
      } catch {
        continue; // swept meanwhile
      }
      let actual: string;
      try {
        actual = await this.hashStored(found);
      } catch {
        continue; // removed while being read
      }
      checked++;
      this.stats.scrubbed++;
      if (actual === digest) {
        // Same content: a size/mtime guard that fires (a harmless touch) is re-armed on the current stat.
        if (!this.manifestOf(digest) || guardProblem(found, this.manifestOf(digest)!)) this.writeManifest(digest, found);
        continue;
      }
      mkdirSync(this.quarantine, { recursive: true });
      renameSync(found, join(this.quarantine, `${digest}.${Date.now()}`));
      this.forgetManifest(digest);
      corrupt.push(digest);
    }
    const last = todo[todo.length - 1];
    return { checked, corrupt, ...(last !== undefined && last !== all[all.length - 1] ? { next: last } : {}) };
  }

  /** Where the content of `digest` is (404 when it is not stored). */
  private locate(digest: string): string {
    if (!DIGEST.test(digest)) throw HttpError.notFound(`"${digest}" is not an artifact digest`);
    const blob = join(this.blobs, digest);
    if (existsSync(blob)) return blob;
    const tree = join(this.trees, digest);
    if (existsSync(tree)) return tree;
    throw HttpError.notFound(`artifact ${digest} is not in the store`);
  }

  /** The digest of stored content (a blob's bytes or a tree's entries), counted in stats.bytesHashed. */
  private hashStored(path: string): Promise<string> {
    return contentDigest(path, (n) => (this.stats.bytesHashed += n));
  }

  /** Whether the blob of `digest` is stored and unchanged since it was verified (a stat, nothing read). */
  private storedIntact(digest: string): boolean {
    const blob = join(this.blobs, digest);
    const manifest = this.manifestOf(digest);
    return manifest !== undefined && existsSync(blob) && guardProblem(blob, manifest) === undefined;
  }

  private manifestOf(digest: string): Manifest | undefined {
    const cached = this.manifests.get(digest);
    if (cached) return cached;
    try {
      const m = JSON.parse(readFileSync(join(this.meta, `${digest}.json`), "utf8")) as Manifest;
      if (m.digest !== digest || !Array.isArray(m.files)) return undefined;
      this.manifests.set(digest, m);
      return m;
    } catch {
      return undefined;
    }
  }

  /** Records the stored files' sizes and mtimes (after a verified write, or a verifying hash). */
  private writeManifest(digest: string, stored: string): void {
    const manifest: Manifest = { digest, files: snapshot(stored) };
    const tmp = join(this.tmp, `${digest}.${randomHex(4)}.json`);
    writeFileSync(tmp, JSON.stringify(manifest), { mode: 0o600 });
    renameSync(tmp, join(this.meta, `${digest}.json`));
    this.manifests.set(digest, manifest);
  }

  private forgetManifest(digest: string): void {
    this.manifests.delete(digest);
    rmSync(join(this.meta, `${digest}.json`), { force: true });
  }

  /** Keeps `digest` from sweeps until its put is released (or the lease runs out). */
  private lease(digest: string): void {
    this.leases.set(digest, { count: (this.leases.get(digest)?.count ?? 0) + 1, until: Date.now() + PUT_LEASE_MS });
  }

  /** Moves a staged copy under its digest (the stored copy stays when there is one) and leases it. */
  private settle(staging: string, target: string, digest: string): void {
    this.lease(digest);
    if (!existsSync(target)) {
      renameSync(staging, target);
      this.writeManifest(digest, target);
    } else if (!this.manifestOf(digest) || guardProblem(target, this.manifestOf(digest)!)) {
      // Stored by an earlier version without a manifest, or changed since it was stored: the staged copy was
      // just verified and has the same digest, so it replaces the old copy and gets a fresh manifest.
      const old = join(this.tmp, `old-${randomHex(4)}`);
      renameSync(target, old);
      renameSync(staging, target);
      rmSync(old, { recursive: true, force: true });
      this.writeManifest(digest, target);
    }
  }
}

/** Each stored file's size and mtime (ns), by path relative to the artifact ("" for a blob). */
function snapshot(stored: string): ManifestEntry[] {
  const st = statSync(stored, { bigint: true });
  if (!st.isDirectory()) return [{ rel: "", size: Number(st.size), mtimeNs: String(st.mtimeNs) }];
  return listFiles(stored)
    .map((f) => {
      const s = statSync(f, { bigint: true });
      return { rel: relative(stored, f).split(sep).join("/"), size: Number(s.size), mtimeNs: String(s.mtimeNs) };
    })
    .sort((a, b) => (a.rel < b.rel ? -1 : a.rel > b.rel ? 1 : 0));
}

/**
 * The whole content of an open file of `size` bytes from offset 0, or undefined when it holds more (it grew
 * since its size was taken: the caller then copies it the ordinary way).
 */
function readSmall(fd: number, size: number): Buffer | undefined {
  const buf = Buffer.allocUnsafe(size + 1); // one byte of room: reading it means the file grew
  let length = 0;
  for (;;) {
    const n = readSync(fd, buf, length, buf.length - length, length);
    if (n === 0) return buf.subarray(0, length);
    length += n;
    if (length > size) return undefined;
  }
}

/** What differs between the stored files and their manifest (a stat each, nothing read), or undefined. */
function guardProblem(stored: string, manifest: Manifest): string | undefined {
  let now: ManifestEntry[];
  try {
    now = snapshot(stored);
  } catch {
    return "its content";
  }
  const was = new Map(manifest.files.map((f) => [f.rel, f]));
  for (const f of now) {
    const w = was.get(f.rel);
    const name = f.rel ? `file "${f.rel}"` : "its file";
    if (!w) return `${name} (added)`;
    if (w.size !== f.size || w.mtimeNs !== f.mtimeNs) return name;
    was.delete(f.rel);
  }
  for (const rel of was.keys()) return `file "${rel}" (removed)`;
  return undefined;
}

function sizeOf(path: string): number {
  const st = statSync(path);
  if (!st.isDirectory()) return st.size;
  return listFiles(path).reduce((n, f) => n + statSync(f).size, 0);
}
