// Content digest of a local file or directory tree, so a changed file behind an unchanged path string is
// still noticed. A file's digest is the sha256 of its bytes; a directory's is the sha256 over its sorted
// entries, one line each: "<relative/path>\0<sha256 of the file>\n" (names and contents both count).
import { createHash } from "node:crypto";
import { createReadStream, readdirSync, statSync } from "node:fs";
import { join, relative, sep } from "node:path";

export async function contentDigest(path: string): Promise<string> {
  const st = statSync(path);
  if (st.isFile()) return fileDigest(path);
  if (!st.isDirectory()) throw new Error(`${path} is neither a file nor a directory`);
  const files = listFiles(path).sort();
  const h = createHash("sha256");
  for (const file of files) {
    h.update(relative(path, file).split(sep).join("/"));
    h.update("\0");
    h.update(await fileDigest(file));
    h.update("\n");
  }
  return h.digest("hex");
}

function fileDigest(path: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const h = createHash("sha256");
    createReadStream(path)
      .on("data", (chunk) => h.update(chunk))
      .on("error", reject)
      .on("end", () => resolve(h.digest("hex")));
  });
}

function listFiles(dir: string): string[] {
  const out: string[] = [];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const full = join(dir, entry.name);
    if (entry.isDirectory()) out.push(...listFiles(full));
    else if (entry.isFile()) out.push(full);
  }
  return out;
}
