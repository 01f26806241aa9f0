// User paths (dataset sources, working directories, model sources) must stay under the platform's allowed
// roots: checked lexically (no `..` escape) and again after resolving symlinks (no link out of a root).
import { existsSync, realpathSync } from "node:fs";
import { isAbsolute, relative, resolve, sep } from "node:path";
import { HttpError } from "./errors";

function isUnder(path: string, root: string): boolean {
  const rel = relative(root, path);
  return rel === "" || (!rel.startsWith(`..${sep}`) && rel !== ".." && !isAbsolute(rel));
}

/**
 * Resolves `path` (absolute, or relative to the first root) to a real, existing path under one of `roots`,
 * or throws 422 naming `field`.
 */
export function resolveUserPath(path: string, field: string, roots: string[]): string {
  if (roots.length === 0) throw HttpError.unprocessable("the platform has no allowed roots, so it accepts no paths", field);
  if (path.includes("\0")) throw HttpError.unprocessable(`${field} contains a NUL character`, field);
  const scheme = /^([A-Za-z][A-Za-z0-9+.-]*):\/\//.exec(path);
  if (scheme) throw HttpError.unprocessable(`${field} "${path}" is a ${scheme[1]}:// URI; the local platform reads local files and directories under its allowed roots (give a path)`, field);
  const lexical = resolve(roots[0], path);
  // realpathSync.native: the C library's realpath (same answer, one call instead of an lstat per component).
  const realRoots = roots.map((r) => (existsSync(r) ? realpathSync.native(r) : resolve(r)));
  const outside = () =>
    HttpError.unprocessable(`${field} "${path}" is outside the platform's allowed roots (${roots.join(", ")})`, field);
  if (!roots.some((r) => isUnder(lexical, resolve(r))) && !realRoots.some((r) => isUnder(lexical, r))) throw outside();
  if (!existsSync(lexical)) throw HttpError.unprocessable(`${field} "${path}" does not exist`, field);
  const real = realpathSync.native(lexical);
  if (!realRoots.some((r) => isUnder(real, r))) {
    throw HttpError.unprocessable(`${field} "${path}" resolves (through a symbolic link) to ${real}, outside the platform's allowed roots (${roots.join(", ")})`, field);
  }
  return real;
}
