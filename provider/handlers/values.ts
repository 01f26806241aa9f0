// Small value helpers the handlers share: the engine's unknown sentinel, canonical JSON, deep equality,
// and local-path handling (state keeps the user's relative path; the platform gets it resolved).
import { createHash } from "node:crypto";
import { existsSync, realpathSync } from "node:fs";
import { isAbsolute, resolve } from "node:path";

/** What the engine sends for a value that is only known after apply (preview). */
export const UNKNOWN = "04da6b54-80e4-46f7-96ec-b56ff0331ba9";

export function containsUnknown(value: unknown): boolean {
  if (value === UNKNOWN) return true;
  if (Array.isArray(value)) return value.some(containsUnknown);
  if (value && typeof value === "object") return Object.values(value).some(containsUnknown);
  return false;
}

/** JSON with sorted keys and no undefined members: equal values give equal text. */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(sortDeep(value));
}

function sortDeep(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortDeep);
  if (value && typeof value === "object") {
    const out: Record<string, unknown> = {};
    for (const key of Object.keys(value).sort()) {
      const v = (value as Record<string, unknown>)[key];
      if (v !== undefined) out[key] = sortDeep(v);
    }
    return out;
  }
  return value;
}

export function deepEqual(a: unknown, b: unknown): boolean {
  return canonicalJson(a) === canonicalJson(b);
}

export function sha256(text: string): string {
  return createHash("sha256").update(text).digest("hex");
}

const URI = /^[A-Za-z][A-Za-z0-9+.-]*:\/\//;

export function isLocalPath(value: string): boolean {
  return !URI.test(value);
}

/**
 * The path the platform should get: relative local paths are resolved against the directory the provider
 * runs in (the Pulumi project), which is where the user wrote them relative to. URIs pass through.
 */
export function platformPath(value: string): string {
  if (!isLocalPath(value) || isAbsolute(value)) return value;
  return resolve(process.cwd(), value);
}

/**
 * What a local path points to: the real absolute path (symlinks, `.`, `..` and trailing slashes resolved,
 * relative paths against the project directory). URIs are their own identity. Paths compare by this, so a
 * new spelling of the same directory is not a change.
 */
export function pathIdentity(value: string): string {
  if (!isLocalPath(value)) return value;
  const abs = platformPath(value);
  const now = Date.now();
  const known = resolvedPaths.get(abs);
  if (known && now - known.at <= RESOLVED_PATH_TTL_MS) return known.identity;
  let identity: string;
  try {
    // The system's realpath(3): one call, where the JS realpathSync lstat()s each component.
    identity = realpathSync.native(abs);
  } catch {
    identity = resolve(abs);
  }
  if (resolvedPaths.size >= RESOLVED_PATHS_MAX) resolvedPaths.clear();
  resolvedPaths.set(abs, { identity, at: now });
  return identity;
}

/**
 * Paths resolved in the last second: a refresh resolves each resource's path four times within a few
 * milliseconds (read: the user's spelling against the platform's, the target for the notes; diff: the target
 * again), 4,000 realpath calls at 1,000 resources in the dynamic-provider process (issue 18 §2). A second is
 * far shorter than anyone takes to re-point a symlink between a read and its diff.
 */
const RESOLVED_PATH_TTL_MS = 1_000;
const RESOLVED_PATHS_MAX = 10_000;
const resolvedPaths = new Map<string, { identity: string; at: number }>();

export function samePath(a: unknown, b: unknown): boolean {
  if (typeof a !== "string" || typeof b !== "string") return a === b;
  return a === b || pathIdentity(a) === pathIdentity(b);
}

/**
 * A digest of what a path points to, kept in state instead of the machine path itself: it still compares
 * equal when the project directory (and so the path's relative spelling) changes.
 */
export function pathTarget(value: string): string {
  return sha256(pathIdentity(value)).slice(0, 32);
}

/** The user's spelling of a path the platform reports back, when it is the same place. */
export function userPath(live: string | undefined, declared: unknown): string | undefined {
  if (live === undefined) return undefined;
  if (typeof declared === "string" && samePath(declared, live)) return declared;
  return live;
}

/** A local path the provider itself can read (to digest it), or undefined. */
export function readableLocalPath(value: unknown): string | undefined {
  if (typeof value !== "string" || !isLocalPath(value)) return undefined;
  const p = platformPath(value);
  return existsSync(p) ? p : undefined;
}

/** Tags as users see them: without the keys the provider reserves for itself. */
export function userTags(tags: Record<string, string> | undefined): Record<string, string> {
  return Object.fromEntries(Object.entries(tags ?? {}).filter(([k]) => !k.startsWith("mlplatform/")));
}

export function pick(obj: Record<string, unknown>, keys: readonly string[]): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const k of keys) if (obj[k] !== undefined) out[k] = obj[k];
  return out;
}

/**
 * A copy without undefined members (at any depth). The dynamic-provider process converts results with
 * protobuf's Struct.fromJavaScript, which throws "Unexpected struct type" on undefined.
 */
export function withoutUndefined<T>(value: T): T {
  if (Array.isArray(value)) return value.map((v) => (v === undefined ? null : withoutUndefined(v))) as T;
  if (value && typeof value === "object") {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) if (v !== undefined) out[k] = withoutUndefined(v);
    return out as T;
  }
  return value;
}

/** A copy's progress in words, in steps of 10% so a long-poll that sees every write logs a dozen lines, not hundreds. */
export function copyProgress(p: { bytesDone: number; bytesTotal: number } | undefined, verb: string): string {
  if (!p || p.bytesTotal <= 0) return "";
  const pct = Math.floor((10 * p.bytesDone) / p.bytesTotal) * 10;
  return `, ${pct}% of ${(p.bytesTotal / 2 ** 20).toFixed(p.bytesTotal < 10 * 2 ** 20 ? 1 : 0)} MiB ${verb}`;
}
