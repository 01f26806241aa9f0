// The platform's log: one JSON object per line, written by the platform itself to <dataDir>/platform.log and
// rotated by size (platform.log → platform.log.1 … .N), so a chatty or hostile client cannot fill the disk.
// Every entry is redacted before it is written: the bearer token and any `token=` query value never reach the
// file, and long values are cut, so one entry stays one readable line whatever a request carried.
import { closeSync, existsSync, fstatSync, openSync, renameSync, rmSync, statSync, writeSync } from "node:fs";

export type LogFn = (msg: string, extra?: Record<string, unknown>) => void;

export const DEFAULT_LOG_MAX_BYTES = 10 * 1024 * 1024;
export const DEFAULT_LOG_KEEP = 3;
/** Longest string value kept in an entry; longer ones (stack traces, URLs) are cut and marked. */
const MAX_VALUE_CHARS = 1000;

/** `token=<anything>` in a URL or text, e.g. the console's `/?token=…`. */
const TOKEN_PARAM = /([?&;]\s*(?:token|access_token)=)[^&#\s"]*/gi;

/** A copy of `text` without secrets: the given secret values and any `token=` parameter's value. */
export function redact(text: string, secrets: readonly string[] = []): string {
  let out = text.replace(TOKEN_PARAM, "$1[redacted]");
  for (const s of secrets) if (s) out = out.split(s).join("[redacted]");
  return out;
}

function redactValue(value: unknown, secrets: readonly string[]): unknown {
  if (typeof value === "string") {
    const clean = redact(value, secrets);
    return clean.length > MAX_VALUE_CHARS ? `${clean.slice(0, MAX_VALUE_CHARS)}… (${clean.length} chars)` : clean;
  }
  if (Array.isArray(value)) return value.map((v) => redactValue(v, secrets));
  if (value && typeof value === "object") return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, redactValue(v, secrets)]));
  return value;
}

/** One log line (JSON escapes line breaks, so an entry is always exactly one line). */
export function formatEntry(msg: string, extra: Record<string, unknown> | undefined, secrets: readonly string[]): string {
  return JSON.stringify({ time: new Date().toISOString(), msg: redactValue(msg, secrets), ...(redactValue(extra ?? {}, secrets) as object) }) + "\n";
}

export interface FileLogOptions {
  maxBytes?: number;
  /** Rotated files kept besides the current one. */
  keep?: number;
  /** Values never written (the bearer token). */
  secrets?: readonly string[];
}

/**
 * A log function appending to `path`, rotating when the file would pass `maxBytes`. Synchronous writes: log
 * volume is small, and a crash right after an entry still finds it in the file. The file stays open between
 * entries (an open and a close per entry showed in the API's CPU profile, issue 18 §4); it is opened again
 * when it was rotated here, or within a second when someone else moved or removed it.
 */
export function fileLog(path: string, opts: FileLogOptions = {}): LogFn {
  const maxBytes = opts.maxBytes ?? DEFAULT_LOG_MAX_BYTES;
  const keep = Math.max(1, opts.keep ?? DEFAULT_LOG_KEEP);
  const secrets = opts.secrets ?? [];
  let size = existsSync(path) ? statSync(path).size : 0;
  let fd: number | undefined;
  let checkedAt = 0;
  /**
   * The open log file, reopened when `path` no longer names it (rotated, moved or removed by someone else);
   * checked at most once a second, so an entry costs one write(2).
   */
  const file = (): number => {
    const now = Date.now();
    if (fd !== undefined && now - checkedAt < 1000) return fd;
    checkedAt = now;
    if (fd !== undefined) {
      const open = fstatSync(fd);
      let named: { dev: number; ino: number } | undefined;
      try {
        named = statSync(path);
      } catch {
        /* removed: reopen below */
      }
      if (named && named.dev === open.dev && named.ino === open.ino) return fd;
      closeSync(fd);
      fd = undefined;
    }
    fd = openSync(path, "a");
    size = fstatSync(fd).size;
    return fd;
  };
  const rotate = () => {
    if (fd !== undefined) closeSync(fd);
    fd = undefined;
    rmSync(`${path}.${keep}`, { force: true });
    for (let i = keep - 1; i >= 1; i--) if (existsSync(`${path}.${i}`)) renameSync(`${path}.${i}`, `${path}.${i + 1}`);
    if (existsSync(path)) renameSync(path, `${path}.1`);
    size = 0;
  };
  return (msg, extra) => {
    const line = formatEntry(msg, extra, secrets);
    const bytes = Buffer.byteLength(line);
    try {
      if (size > 0 && size + bytes > maxBytes) rotate();
      writeSync(file(), line);
      size += bytes;
    } catch (err) {
      process.stderr.write(`platform log ${path} is not writable (${(err as Error).message}): ${line}`);
    }
  };
}

/** JSON lines on stderr, redacted the same way (the default when no log file is given). */
export function stderrLog(secrets: readonly string[] = []): LogFn {
  return (msg, extra) => void process.stderr.write(formatEntry(msg, extra, secrets));
}
