// Content-addressed artifact store under <dataDir>/cas. A file is stored as blobs/<sha256>; a directory
// tree as trees/<digest>/ (its digest is sha256 over its sorted entries "<relative/path>\0<file sha256>\n",
// computed by sdk/digest.ts, so a client can compare a local source with what the platform holds).
// Content is copied into a temp dir while hashing, then renamed into place, so a crash leaves no half
// artifact under its digest; every read re-hashes the content so corruption is caught, not served.
import { createHash, randomBytes } from "node:crypto";
import { createReadStream, createWriteStream, existsSync, mkdirSync, readdirSync, renameSync, rmSync, statSync } from "node:fs";
import { dirname, join, relative, sep } from "node:path";
import { pipeline } from "node:stream/promises";
import { Transform } from "node:stream";
import { contentDigest, fileDigest, listFiles, treeDigest } from "../../sdk/digest";
import { type ArtifactStore } from "./types";
import { HttpError } from "./errors";

export { listFiles };

const DIGEST = /^[0-9a-f]{64}$/;

/** Copies one file while hashing it; returns its sha256 and size. */
async function copyHashing(from: string, to: string): Promise<{ digest: string; size: number }> {
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
  await pipeline(createReadStream(from), tap, createWriteStream(to, { mode: 0o444 }));
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

  async put(path: string): Promise<{ digest: string; sizeBytes: number }> {
    const st = statSync(path);
    const staging = join(this.tmp, randomBytes(8).toString("hex"));
    try {
      if (st.isFile()) {
        const { digest, size } = await copyHashing(path, staging);
        this.settle(staging, join(this.blobs, digest));
        return { digest, sizeBytes: size };
      }
      if (!st.isDirectory()) throw HttpError.unprocessable(`${path} is neither a file nor a directory`);
      mkdirSync(staging);
      const entries: { rel: string; digest: string }[] = [];
      let sizeBytes = 0;
      for (const file of listFiles(path)) {
        const rel = relative(path, file).split(sep).join("/");
        const { digest, size } = await copyHashing(file, join(staging, rel));
        entries.push({ rel, digest });
        sizeBytes += size;
      }
      const digest = treeDigest(entries);
      this.settle(staging, join(this.trees, digest));
      return { digest, sizeBytes };
    } finally {
      rmSync(staging, { recursive: true, force: true });
    }
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

  /** Moves a staged copy under its digest; when that digest is already stored, the stored copy stays. */
  private settle(staging: string, target: string): void {
    if (!existsSync(target)) renameSync(staging, target);
  }
}
