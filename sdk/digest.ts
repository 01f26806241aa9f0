// Content digest of a local file or directory tree, so a changed file behind an unchanged path string is
// still noticed. A file's digest is the sha256 of its bytes; a directory's is the sha256 over its sorted
// entries, one line each: "<relative/path>\0<sha256 of the file>\n" (names and contents both count).
// The local platform's artifact store addresses content with these same functions, so a client's digest
// of a source and the platform's digest of what it ingested agree by construction.
import { createHash } from "node:crypto";
import { createReadStream, readdirSync, statSync } from "node:fs";
import { join, relative, sep } from "node:path";

export async function contentDigest(path: string): Promise<string> {
  const st = statSync(path);
  if (st.isFile()) return fileDigest(path);
  if (!st.isDirectory()) throw new Error(`${path} is neither a file nor a directory`);
  const entries: TreeEntry[] = [];
  for (const file of listFiles(path)) entries.push({ rel: relative(path, file).split(sep).join("/"), digest: await fileDigest(file) });
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

export function fileDigest(path: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const h = createHash("sha256");
    createReadStream(path)
      .on("data", (chunk) => h.update(chunk))
      .on("error", reject)
      .on("end", () => resolve(h.digest("hex")));
  });
}

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
