// Reading user files without a check-then-use window. A path is opened once; what was opened (not what the
// path names a moment later) is checked against the allowed roots through /proc/self/fd, and everything read
// afterwards goes through that descriptor. A directory is walked entry by entry relative to its open
// descriptor (/proc/self/fd/<dir>/<name> with O_NOFOLLOW), so swapping a directory for a symbolic link while
// the platform reads it cannot lead the copy outside the roots. Symbolic links inside a tree are not content
// (as in sdk/digest's listFiles) and are skipped.
import { closeSync, constants, fstatSync, openSync, readdirSync, readlinkSync, realpathSync, existsSync, statSync } from "node:fs";
import { isAbsolute, relative, resolve, sep } from "node:path";
import { HttpError } from "./errors";

const { O_RDONLY, O_NOFOLLOW, O_NONBLOCK } = constants;

function isUnder(path: string, root: string): boolean {
  const rel = relative(root, path);
  return rel === "" || (!rel.startsWith(`..${sep}`) && rel !== ".." && !isAbsolute(rel));
}

function realRoots(roots: readonly string[]): string[] {
  // realpathSync.native: the C library's realpath (same answer, one call instead of an lstat per component).
  return roots.map((r) => (existsSync(r) ? realpathSync.native(r) : resolve(r)));
}

/** Where an open descriptor really points (Linux: the kernel's own answer for the opened object). */
function fdPath(fd: number, fallback: string): string {
  try {
    return readlinkSync(`/proc/self/fd/${fd}`);
  } catch {
    // No /proc: accept the path's real location only when it is the very object we opened.
    const real = realpathSync(fallback);
    const a = fstatSync(fd);
    const b = statSync(real);
    if (a.dev !== b.dev || a.ino !== b.ino) throw new Error("the file changed while it was opened");
    return real;
  }
}

export interface ContainedFile {
  /** Path relative to the opened directory, "/"-separated ("" for a single opened file). */
  rel: string;
  fd: number;
  size: number;
}

/** A file or directory opened once and verified to lie under the allowed roots. */
export class ContainedPath {
  private closed = false;

  private constructor(
    readonly fd: number,
    /** Where the opened object really is (for messages and logs, never for reading). */
    readonly realPath: string,
    readonly isDirectory: boolean,
  ) {}

  /**
   * Opens `path` (absolute, or relative to the first root) and checks the opened object, or throws 422 naming
   * `field`. Only regular files and directories are accepted (a FIFO or device is refused without blocking).
   */
  static open(path: string, field: string, roots: readonly string[]): ContainedPath {
    if (roots.length === 0) throw HttpError.unprocessable("the platform has no allowed roots, so it accepts no paths", field);
    if (path.includes("\0")) throw HttpError.unprocessable(`${field} contains a NUL character`, field);
    const lexical = resolve(roots[0], path);
    const reals = realRoots(roots);
    const shownRoots = roots.join(", ");
    if (!roots.some((r) => isUnder(lexical, resolve(r))) && !reals.some((r) => isUnder(lexical, r))) {
      throw HttpError.unprocessable(`${field} "${path}" is outside the platform's allowed roots (${shownRoots})`, field);
    }
    let fd: number;
    try {
      fd = openSync(lexical, O_RDONLY | O_NONBLOCK);
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code === "ENOENT") throw HttpError.unprocessable(`${field} "${path}" does not exist`, field);
      throw HttpError.unprocessable(`${field} "${path}" cannot be opened (${code ?? "error"})`, field);
    }
    try {
      const real = fdPath(fd, lexical);
      if (!reals.some((r) => isUnder(real, r))) {
        throw HttpError.unprocessable(`${field} "${path}" resolves (through a symbolic link) to a place outside the platform's allowed roots (${shownRoots})`, field);
      }
      const st = fstatSync(fd);
      if (!st.isFile() && !st.isDirectory()) throw HttpError.unprocessable(`${field} "${path}" is neither a file nor a directory`, field);
      return new ContainedPath(fd, real, st.isDirectory());
    } catch (err) {
      closeSync(fd);
      throw err;
    }
  }

  /**
   * A file or directory the platform itself named (a job's output directory, a staged copy): opened without
   * following a symbolic link at its last component; links inside are skipped by the walk like anywhere else.
   */
  static openOwned(path: string): ContainedPath {
    const fd = openSync(path, O_RDONLY | O_NOFOLLOW | O_NONBLOCK);
    const st = fstatSync(fd);
    if (!st.isFile() && !st.isDirectory()) {
      closeSync(fd);
      throw HttpError.unprocessable(`${path} is neither a file nor a directory`);
    }
    return new ContainedPath(fd, path, st.isDirectory());
  }

  /** Every regular file of the opened object, each opened (and closed after `use`) relative to its parent. */
  async forEachFile(use: (file: ContainedFile) => Promise<void>): Promise<void> {
    if (!this.isDirectory) {
      await use({ rel: "", fd: this.fd, size: fstatSync(this.fd).size });
      return;
    }
    await walk(this.fd, "", use);
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    closeSync(this.fd);
  }
}

async function walk(dirFd: number, prefix: string, use: (file: ContainedFile) => Promise<void>): Promise<void> {
  const names = readdirSync(`/proc/self/fd/${dirFd}`).sort();
  for (const name of names) {
    let fd: number;
    try {
      // Resolved inside the pinned directory; O_NOFOLLOW: a symbolic link (even one swapped in just now)
      // fails with ELOOP instead of being followed.
      fd = openSync(`/proc/self/fd/${dirFd}/${name}`, O_RDONLY | O_NOFOLLOW | O_NONBLOCK);
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code === "ELOOP" || code === "ENOENT" || code === "ENXIO") continue; // a link, or gone meanwhile
      throw err;
    }
    try {
      const st = fstatSync(fd);
      const rel = prefix ? `${prefix}/${name}` : name;
      if (st.isDirectory()) await walk(fd, rel, use);
      else if (st.isFile()) await use({ rel, fd, size: st.size });
    } finally {
      closeSync(fd);
    }
  }
}

