// Volcengine request signing, exactly as the vendor's Python SDK (`volcengine.auth.SignerV4`) does it:
// HMAC-SHA256 over a canonical request whose signed headers are Content-Type, Content-Md5, Host and every
// X-* header (lower-cased and sorted: for our JSON POSTs `content-type;host;x-content-sha256;x-date`), the
// body hash sent as X-Content-Sha256, and a key derived SK → date → region → service → "request" (no
// prefix on the secret, unlike AWS). The npm package @volcengine/openapi signs fewer headers (CLOUD-NOTES),
// so requests would not match what the Python SDK sends; test/volcengine/signer.test.ts holds fixed vectors
// produced by the Python signer, and the emulator verifies signatures with this same function.
import { createHash, createHmac } from "node:crypto";

export interface SignInput {
  method: string;
  /** Path without query ("/"). */
  path: string;
  query: Record<string, string>;
  /** Headers to send; Host must be among them. */
  headers: Record<string, string>;
  body: string | Buffer;
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken?: string;
  region: string;
  service: string;
  /** Signing time (default now). */
  date?: Date;
}

export interface Signed {
  /** The headers to send: the input headers plus X-Date, X-Content-Sha256, [X-Security-Token], Authorization. */
  headers: Record<string, string>;
  signature: string;
  signedHeaders: string;
  canonicalRequest: string;
}

export function sha256Hex(data: string | Buffer): string {
  return createHash("sha256").update(data).digest("hex");
}

function hmac(key: string | Buffer, data: string): Buffer {
  return createHmac("sha256", key).update(data, "utf8").digest();
}

/** `YYYYMMDD'T'HHMMSS'Z'` in UTC. */
export function xDate(d: Date): string {
  return d.toISOString().replace(/[-:]/g, "").replace(/\.\d{3}/, "");
}

/** RFC 3986 encoding as Python's `quote(s, safe='-_.~')`. */
function encode(s: string): string {
  return encodeURIComponent(s).replace(/[!'()*]/g, (c) => "%" + c.charCodeAt(0).toString(16).toUpperCase());
}

export function canonicalQuery(query: Record<string, string>): string {
  return Object.keys(query)
    .sort()
    .map((k) => `${encode(k)}=${encode(query[k])}`)
    .join("&");
}

/** The URI path as the SDK normalises it: each segment encoded, "/" kept. */
function canonicalPath(path: string): string {
  return (path || "/").split("/").map(encode).join("/");
}

export function signingKey(secretAccessKey: string, date8: string, region: string, service: string): Buffer {
  return hmac(hmac(hmac(hmac(secretAccessKey, date8), region), service), "request");
}

export function sign(input: SignInput): Signed {
  const date = xDate(input.date ?? new Date());
  const bodyHash = sha256Hex(input.body);
  const headers: Record<string, string> = { ...input.headers, "X-Date": date, "X-Content-Sha256": bodyHash };
  if (input.sessionToken) headers["X-Security-Token"] = input.sessionToken;
  const { signedHeaders, canonicalHeaders } = canonicalHeaderBlock(headers);
  const canonicalRequest = [input.method.toUpperCase(), canonicalPath(input.path), canonicalQuery(input.query), canonicalHeaders, signedHeaders, bodyHash].join("\n");
  const scope = `${date.slice(0, 8)}/${input.region}/${input.service}/request`;
  const stringToSign = ["HMAC-SHA256", date, scope, sha256Hex(canonicalRequest)].join("\n");
  const signature = hmac(signingKey(input.secretAccessKey, date.slice(0, 8), input.region, input.service), stringToSign).toString("hex");
  headers.Authorization = `HMAC-SHA256 Credential=${input.accessKeyId}/${scope}, SignedHeaders=${signedHeaders}, Signature=${signature}`;
  return { headers, signature, signedHeaders, canonicalRequest };
}

/** The signed-header block: Content-Type, Content-Md5, Host and X-* headers; a default port is dropped from Host. */
export function canonicalHeaderBlock(headers: Record<string, string>): { signedHeaders: string; canonicalHeaders: string } {
  const picked: Record<string, string> = {};
  for (const [k, v] of Object.entries(headers)) {
    const lower = k.toLowerCase();
    if (lower === "content-type" || lower === "content-md5" || lower === "host" || lower.startsWith("x-")) picked[lower] = String(v);
  }
  if (picked.host) picked.host = picked.host.replace(/:(80|443)$/, "");
  const keys = Object.keys(picked).sort();
  return { signedHeaders: keys.join(";"), canonicalHeaders: keys.map((k) => `${k}:${picked[k]}\n`).join("") };
}

/** The parts of an Authorization header, or undefined when it is not a Volcengine HMAC-SHA256 header. */
export function parseAuthorization(value: string | undefined):
  | { accessKeyId: string; date8: string; region: string; service: string; terminator: string; signedHeaders: string[]; signature: string }
  | undefined {
  const m = /^HMAC-SHA256 Credential=([^/]+)\/(\d{8})\/([^/]+)\/([^/]+)\/([^,]+), ?SignedHeaders=([^,]+), ?Signature=([0-9a-f]{64})$/.exec(value ?? "");
  if (!m) return undefined;
  return { accessKeyId: m[1], date8: m[2], region: m[3], service: m[4], terminator: m[5], signedHeaders: m[6].split(";"), signature: m[7] };
}
