// Baidu Cloud request signing (`bce-auth-v1`), exactly as the vendor's Python signer
// (`baidubce.auth.bce_v1_signer.sign`, which the `qianfan` SDK's console requestor calls) computes it:
//   prefix     = bce-auth-v1/<AK>/<UTC YYYY-MM-DDTHH:MM:SSZ>/<expiration seconds>
//   signingKey = hex(HMAC-SHA256(SK, prefix))
//   canonical  = METHOD \n path (as sent, not encoded) \n sorted k=v query \n sorted name:value header lines
//                (the signed headers plus every x-bce-* header; empty values are left out)
//   signature  = hex(HMAC-SHA256(signingKey, canonical));  Authorization = prefix/<signed;headers>/signature
// The body is NOT covered (CLOUD-NOTES.md), so a server can only check what the header list names; the
// qianfan SDK signs host;content-type;x-bce-date;request-source. test/qianfan/signer.test.ts holds fixed
// vectors produced by the Python signer; the emulator verifies with this same function.
import { createHmac } from "node:crypto";

export const AUTH_VERSION = "bce-auth-v1";
/** The headers the qianfan SDK signs on console calls (sorted, as the signature string lists them). */
export const SIGNED_HEADERS = ["content-type", "host", "request-source", "x-bce-date"];

/** The vendor's UriEncode: everything but A-Z a-z 0-9 - . _ ~ percent-encoded, upper-case hex (UTF-8). */
export function uriEncode(value: string): string {
  let out = "";
  for (const byte of Buffer.from(value, "utf8")) {
    const c = String.fromCharCode(byte);
    if (/[A-Za-z0-9\-._~]/.test(c)) out += c;
    else out += "%" + byte.toString(16).toUpperCase().padStart(2, "0");
  }
  return out;
}

/** The vendor's timestamp spelling: 2024-05-01T12:00:00Z (UTC, whole seconds). */
export function bceTime(date: Date): string {
  return date.toISOString().replace(/\.\d{3}Z$/, "Z");
}

export function canonicalQuery(query: Record<string, string>): string {
  return Object.entries(query)
    .filter(([k]) => k.toLowerCase() !== "authorization")
    .map(([k, v]) => `${uriEncode(k)}=${uriEncode(v ?? "")}`)
    .sort()
    .join("&");
}

export function canonicalHeaders(headers: Record<string, string>, signed: readonly string[]): string {
  const want = new Set(signed.map((h) => h.toLowerCase()));
  return Object.entries(headers)
    .map(([k, v]) => [k.trim().toLowerCase(), String(v).trim()] as const)
    .filter(([k, v]) => v !== "" && (want.has(k) || k.startsWith("x-bce-")))
    .map(([k, v]) => `${uriEncode(k)}:${uriEncode(v)}`)
    .sort()
    .join("\n");
}

export interface SignInput {
  method: string;
  /** Path without query ("/v2/dataset"). */
  path: string;
  query: Record<string, string>;
  /** Every header to send; those named in `signedHeaders` are covered. */
  headers: Record<string, string>;
  accessKeyId: string;
  secretAccessKey: string;
  /** x-bce-date's value (bceTime). */
  timestamp: string;
  expirationSeconds: number;
  signedHeaders?: readonly string[];
}

/** The Authorization header value for a request. */
export function authorization(input: SignInput): string {
  const signed = input.signedHeaders ?? SIGNED_HEADERS;
  const prefix = `${AUTH_VERSION}/${input.accessKeyId}/${input.timestamp}/${input.expirationSeconds}`;
  const key = createHmac("sha256", input.secretAccessKey).update(prefix).digest("hex");
  const canonical = [input.method.toUpperCase(), input.path, canonicalQuery(input.query), canonicalHeaders(input.headers, signed)].join("\n");
  const signature = createHmac("sha256", key).update(canonical).digest("hex");
  return `${prefix}/${signed.join(";")}/${signature}`;
}

export interface ParsedAuthorization {
  accessKeyId: string;
  timestamp: string;
  expirationSeconds: number;
  signedHeaders: string[];
  signature: string;
}

/** Splits an Authorization value into its parts, or undefined when it is not bce-auth-v1. */
export function parseAuthorization(value: string | undefined): ParsedAuthorization | undefined {
  const m = /^bce-auth-v1\/([^/]+)\/(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ)\/(\d+)\/([^/]*)\/([0-9a-f]{64})$/.exec(value ?? "");
  if (!m) return undefined;
  return { accessKeyId: m[1], timestamp: m[2], expirationSeconds: Number(m[3]), signedHeaders: m[4] ? m[4].split(";") : [], signature: m[5] };
}
