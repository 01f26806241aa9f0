// Content-addressed artifact store under <dataDir>/cas. A file is stored as blobs/<sha256>; a directory
// tree as trees/<digest>/ (its digest is sha256 over its sorted entries "<relative/path>\0<file sha256>\n",
// computed by sdk/digest.ts, so a client can compare a local source with what the platform holds).
// Content is copied into a temp dir while hashing, then renamed into place, so a crash leaves no half
// artifact under its digest; every read re-hashes the content so corruption is caught, not served.
// Sources are read through a ContainedPath (opened once, checked, then read by descriptor: see contained.ts).
// Artifacts no stored document names any more are removed by sweep(); a fresh put is leased until its creator
// releases it (after recording it, or giving up) or an hour passes, so an in-flight registration or ingest
// never loses its artifact to a sweep.
import { createHash, randomBytes } from "node:crypto";
import { createReadStream, createWriteStream, existsSync, mkdirSync, readdirSync, renameSync, rmSync, statSync } from "node:fs";
import { dirname, join } from "node:path";
import { pipeline } from "node:stream/promises";
import { Transform } from "node:stream";
import { contentDigest, fileDigest, listFiles, treeDigest } from "../../sdk/digest";
import { ContainedPath } from "./contained";
import { type ArtifactStore } from "./types";
import { HttpError } from "./errors";

export { listFiles };

const DIGEST = /^[0-9a-f]{64}$/;
/** How long a fresh put is safe from sweeps without any document naming it (the create recording it). */
export const PUT_LEASE_MS = 60 * 60 * 1000;

/** Copies one open file while hashing it; returns its sha256 and size. */
async function copyHashing(fromFd: number, to: string): Promise<{ digest: string; size: number }> {
  const h = createHash("sha256");
  let size = 0;
  const tap = new Transform({
    transform(chunk: Buffer, _enc, done) {
      h.update(chunk);
      size += chunk.length;
      done(null, chunk);
    },
  });
  mkdirSync(dirname(to), { recursive: true });
  await pipeline(createReadStream("", { fd: fromFd, autoClose: false, start: 0 }), tap, createWriteStream(to, { mode: 0o444 }));
  return { digest: h.digest("hex"), size };
}

export class CasArtifactStore implements ArtifactStore {
  private readonly blobs: string;
  private readonly trees: string;
  private readonly tmp: string;

  constructor(readonly root: string) {
    this.blobs = join(root, "blobs");
    this.trees = join(root, "trees");
    this.tmp = join(root, "tmp");
    for (const d of [this.blobs, this.trees, this.tmp]) mkdirSync(d, { recursive: true });
    // Leftovers of copies interrupted by a crash.
    for (const e of readdirSync(this.tmp)) rmSync(join(this.tmp, e), { recursive: true, force: true });
  }

  /** Digest → puts not yet released, and the time after which they no longer count. */
  private readonly leases = new Map<string, { count: number; until: number }>();

  /**
   * Copies a source in. A string names a path the platform owns (a job's output); user paths come opened and
   * checked as a ContainedPath, which the caller keeps and closes.
   */
  async put(source: string | ContainedPath): Promise<{ digest: string; sizeBytes: number }> {
    const opened = typeof source === "string" ? ContainedPath.openOwned(source) : source;
    const staging = join(this.tmp, randomBytes(8).toString("hex"));
    try {
      if (!opened.isDirectory) {
        let stored!: { digest: string; size: number };
        await opened.forEachFile(async (f) => void (stored = await copyHashing(f.fd, staging)));
        this.settle(staging, join(this.blobs, stored.digest), stored.digest);
        return { digest: stored.digest, sizeBytes: stored.size };
      }
      mkdirSync(staging);
      const entries: { rel: string; digest: string }[] = [];
      let sizeBytes = 0;
      await opened.forEachFile(async (f) => {
        const { digest, size } = await copyHashing(f.fd, join(staging, f.rel));
        entries.push({ rel: f.rel, digest });
        sizeBytes += size;
      });
      const digest = treeDigest(entries);
      this.settle(staging, join(this.trees, digest), digest);
      return { digest, sizeBytes };
    } finally {
      if (typeof source === "string") opened.close();
      rmSync(staging, { recursive: true, force: true });
    }
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
        removed.push(digest);
      }
    }
    return { removed, bytes };
  }

  async path(digest: string): Promise<string> {
    if (!DIGEST.test(digest)) throw HttpError.notFound(`"${digest}" is not an artifact digest`);
    const blob = join(this.blobs, digest);
    const tree = join(this.trees, digest);
    const found = existsSync(blob) ? blob : existsSync(tree) ? tree : undefined;
    if (!found) throw HttpError.notFound(`artifact ${digest} is not in the store`);
    const actual = found === blob ? await fileDigest(blob) : await contentDigest(tree);
    if (actual !== digest) {
      throw HttpError.internal(`artifact ${digest} is corrupted in the store (its content now hashes to ${actual})`);
    }
    return found;
  }

  /** Moves a staged copy under its digest (the stored copy stays when there is one) and leases it. */
  private settle(staging: string, target: string, digest: string): void {
    this.leases.set(digest, { count: (this.leases.get(digest)?.count ?? 0) + 1, until: Date.now() + PUT_LEASE_MS });
    if (!existsSync(target)) renameSync(staging, target);
  }
}

function sizeOf(path: string): number {
  const st = statSync(path);
  if (!st.isDirectory()) return st.size;
  return listFiles(path).reduce((n, f) => n + statSync(f).size, 0);
}
