// Huawei Cloud AK/SK request signing (SDK-HMAC-SHA256), exactly as the vendor's Python SDK
// (`huaweicloudsdkcore.signer.Signer`) does it: every request header whose name has no "_" is signed
// (lower-cased, sorted; for our calls `content-type;host;user-agent;x-project-id;x-sdk-date`), the canonical
// URI is each path segment quote(safe='~')-encoded and always ends with "/", the body is hashed as sent, and
// the signature is a plain HMAC-SHA256 of the string to sign with the secret key (no key derivation, no
// region in the scope). Written here rather than taken from npm @huaweicloud/huaweicloud-sdk-core because
// that signer hashes JSON.stringify(body) itself and pulls in axios; test/modelarts/signer.test.ts holds fixed
// vectors produced by the Python signer, and the emulator verifies signatures with this same function.
import { createHash, createHmac } from "node:crypto";

export const ALGORITHM = "SDK-HMAC-SHA256";
const EMPTY_HASH = createHash("sha256").update("").digest("hex");

export interface SignInput {
  method: string;
  /** Path without query ("/v1/<project>/models"). */
  path: string;
  query?: Record<string, string>;
  /** Headers to send; Host must be among them. */
  headers: Record<string, string>;
  /** The exact bytes that go on the wire. */
  body: string | Buffer;
  accessKeyId: string;
  secretAccessKey: string;
  /** Signing time (default now). */
  date?: Date;
}

export interface Signed {
  /** The input headers plus X-Sdk-Date and Authorization. */
  headers: Record<string, string>;
  signature: string;
  signedHeaders: string;
  canonicalRequest: string;
}

/** `YYYYMMDD'T'HHMMSS'Z'` in UTC (the SDK's `%Y%m%dT%H%M%SZ`). */
export function sdkDate(d: Date): string {
  return d.toISOString().replace(/[-:]/g, "").replace(/\.\d{3}/, "");
}

/** Python's `quote(s, safe='~')`: "/" is encoded too (segments are encoded one by one). */
function encode(s: string): string {
  return encodeURIComponent(s).replace(/[!'()*]/g, (c) => "%" + c.charCodeAt(0).toString(16).toUpperCase());
}

export function canonicalUri(path: string): string {
  const uri = decodeURIComponent(path).split("/").map(encode).join("/");
  return uri.endsWith("/") ? uri : uri + "/";
}

export function canonicalQuery(query: Record<string, string> = {}): string {
  return Object.keys(query)
    .sort()
    .map((k) => `${encode(k)}=${encode(String(query[k]))}`)
    .join("&");
}

/** Signed headers: every header without "_" in its name, lower-cased and sorted; values trimmed. */
export function canonicalHeaderBlock(headers: Record<string, string>, only?: readonly string[]): { signedHeaders: string; canonicalHeaders: string } {
  const picked: Record<string, string> = {};
  for (const [k, v] of Object.entries(headers)) if (!k.includes("_")) picked[k.toLowerCase()] = String(v).trim();
  const keys = (only ? [...only] : Object.keys(picked)).sort();
  return { signedHeaders: keys.join(";"), canonicalHeaders: keys.map((k) => `${k}:${picked[k] ?? ""}\n`).join("") };
}

export function canonicalRequest(method: string, path: string, query: Record<string, string> | undefined, headers: Record<string, string>, body: string | Buffer, only?: readonly string[]) {
  const { signedHeaders, canonicalHeaders } = canonicalHeaderBlock(headers, only);
  const bodyHash = body.length === 0 ? EMPTY_HASH : createHash("sha256").update(body).digest("hex");
  return { signedHeaders, text: [method.toUpperCase(), canonicalUri(path), canonicalQuery(query), canonicalHeaders, signedHeaders, bodyHash].join("\n") };
}

export function signatureOf(secretAccessKey: string, date: string, canonical: string): string {
  const stringToSign = `${ALGORITHM}\n${date}\n${createHash("sha256").update(canonical).digest("hex")}`;
  return createHmac("sha256", secretAccessKey).update(stringToSign).digest("hex");
}

export function sign(input: SignInput): Signed {
  const date = sdkDate(input.date ?? new Date());
  const headers: Record<string, string> = { ...input.headers, "X-Sdk-Date": date };
  const canon = canonicalRequest(input.method, input.path, input.query, headers, input.body);
  const signature = signatureOf(input.secretAccessKey, date, canon.text);
  headers.Authorization = `${ALGORITHM} Access=${input.accessKeyId}, SignedHeaders=${canon.signedHeaders}, Signature=${signature}`;
  return { headers, signature, signedHeaders: canon.signedHeaders, canonicalRequest: canon.text };
}

/** The parts of an Authorization header, or undefined when it is not an SDK-HMAC-SHA256 header. */
export function parseAuthorization(value: string | undefined): { accessKeyId: string; signedHeaders: string[]; signature: string } | undefined {
  const m = /^SDK-HMAC-SHA256 Access=([^,]+), ?SignedHeaders=([^,]+), ?Signature=([0-9a-f]{64})$/.exec(value ?? "");
  return m ? { accessKeyId: m[1], signedHeaders: m[2].split(";"), signature: m[3] } : undefined;
}
