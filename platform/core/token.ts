// The bearer token: generated on first start into <dataDir>/token (0600), compared in constant time.
import { randomBytes, timingSafeEqual, createHash } from "node:crypto";
import { chmodSync, existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";

export function ensureToken(dataDir: string): string {
  const path = join(dataDir, "token");
  if (existsSync(path)) {
    const token = readFileSync(path, "utf8").trim();
    chmodSync(path, 0o600);
    if (token.length >= 32) return token;
  }
  const token = randomBytes(32).toString("base64url");
  writeFileSync(path, token + "\n", { mode: 0o600 });
  chmodSync(path, 0o600);
  return token;
}

/** Compares fixed-length hashes so neither the content nor the length of the token leaks through timing. */
export function tokenMatches(presented: string | undefined, token: string): boolean {
  return tokenMatcher(token)(presented);
}

/**
 * `tokenMatches` against one token whose hash is computed once (the HTTP layer checks every request): only
 * the presented value is hashed per call, and the comparison stays constant-time over fixed-length hashes.
 */
export function tokenMatcher(token: string): (presented: string | undefined) => boolean {
  const expected = createHash("sha256").update(token).digest();
  return (presented) => {
    if (!presented) return false;
    return timingSafeEqual(createHash("sha256").update(presented).digest(), expected);
  };
}

/** The token from an `Authorization: Bearer <token>` header. */
export function bearerToken(header: string | undefined): string | undefined {
  const m = /^Bearer\s+(\S+)\s*$/i.exec(header ?? "");
  return m?.[1];
}
