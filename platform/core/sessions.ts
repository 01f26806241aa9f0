// Console sessions: a browser cannot send the bearer header, so `GET /?token=…` trades the token once for a
// session id — random, unrelated to the token, expiring, kept only in this process's memory — carried by an
// HttpOnly SameSite=Strict cookie. A session opens the console page alone; the API still needs the header.
// Browsers send cookies for 127.0.0.1 to every port, so a cookie holding the token would hand it to any
// local server the browser visits; a session id leaks at most an expiring view of the console.
import { randomBytes } from "node:crypto";
import { tokenMatches } from "./token";

export const SESSION_COOKIE = "mlp_session";
export const SESSION_TTL_MS = 8 * 3600 * 1000;
/** Sessions kept at once; the oldest go first (logins are rare, this only bounds memory). */
const MAX_SESSIONS = 1000;

export class ConsoleSessions {
  private readonly expiry = new Map<string, number>();

  constructor(private readonly ttlMs = SESSION_TTL_MS) {}

  /** A new session id. */
  open(): string {
    const id = randomBytes(32).toString("base64url");
    this.prune();
    if (this.expiry.size >= MAX_SESSIONS) this.expiry.delete(this.expiry.keys().next().value!);
    this.expiry.set(id, Date.now() + this.ttlMs);
    return id;
  }

  /** True for a known, unexpired session (compared in constant time against each live one). */
  valid(id: string | undefined): boolean {
    if (!id) return false;
    this.prune();
    let found = false;
    for (const known of this.expiry.keys()) if (tokenMatches(id, known)) found = true;
    return found;
  }

  close(id: string | undefined): void {
    if (id) this.expiry.delete(id);
  }

  /** The Set-Cookie value for a session (`secure` when served over TLS). */
  cookie(id: string, secure: boolean): string {
    return `${SESSION_COOKIE}=${id}; HttpOnly; SameSite=Strict; Path=/; Max-Age=${Math.floor(this.ttlMs / 1000)}${secure ? "; Secure" : ""}`;
  }

  /** The Set-Cookie value that removes the cookie. */
  clearedCookie(secure: boolean): string {
    return `${SESSION_COOKIE}=; HttpOnly; SameSite=Strict; Path=/; Max-Age=0${secure ? "; Secure" : ""}`;
  }

  private prune(): void {
    const now = Date.now();
    for (const [id, until] of this.expiry) if (until <= now) this.expiry.delete(id);
  }
}

/** The session id in a Cookie header. */
export function sessionFromCookie(cookie: string | undefined): string | undefined {
  const match = new RegExp(`(?:^|;\\s*)${SESSION_COOKIE}=([^;]+)`).exec(cookie ?? "");
  return match?.[1];
}
