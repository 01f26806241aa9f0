// Environment values at rest: every `env` map the platform stores (training jobs, services, and whatever
// keeps a copy, such as an idempotent response) has its values sealed with AES-256-GCM before they reach the
// SQLite file, and opened again when read. The key is <dataDir>/secret.key (32 random bytes, 0600, created
// once), so the database alone — a copied file, a backup, another local user — shows no value. Env values are
// where manifests put credentials (`secretFromEnv`), and the platform cannot tell which are secret, so all are.
import { createCipheriv, createDecipheriv, randomBytes } from "node:crypto";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";

const PREFIX = "sealed:v1:";
/** How an `env` key appears in JSON text. */
const ENV_KEY = '"env":';

function loadKey(dataDir: string): Buffer {
  const path = join(dataDir, "secret.key");
  try {
    writeFileSync(path, randomBytes(32), { mode: 0o600, flag: "wx" });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== "EEXIST") throw err;
  }
  const key = readFileSync(path);
  if (key.length !== 32) throw new Error(`${path} is not a 32-byte key; remove it only together with platform.db`);
  return key;
}

export class EnvSealer {
  private readonly key: Buffer;

  constructor(dataDir: string) {
    this.key = loadKey(dataDir);
  }

  seal(value: string): string {
    const iv = randomBytes(12);
    const cipher = createCipheriv("aes-256-gcm", this.key, iv);
    const body = Buffer.concat([cipher.update(value, "utf8"), cipher.final()]);
    return PREFIX + Buffer.concat([iv, cipher.getAuthTag(), body]).toString("base64");
  }

  open(value: string): string {
    if (!value.startsWith(PREFIX)) return value; // written before sealing existed
    const raw = Buffer.from(value.slice(PREFIX.length), "base64");
    const decipher = createDecipheriv("aes-256-gcm", this.key, raw.subarray(0, 12));
    decipher.setAuthTag(raw.subarray(12, 28));
    return Buffer.concat([decipher.update(raw.subarray(28)), decipher.final()]).toString("utf8");
  }

  /** The JSON text to store: `doc` with the values of every `env` map sealed. */
  encode(doc: unknown): string {
    const plain = JSON.stringify(doc);
    // Most documents hold no `env` map at all: their text is already what is stored. (An `"env":` inside a
    // string value is escaped as `\"env\":`, so this finds keys only; a false hit only costs the walk.)
    return plain === undefined || !plain.includes(ENV_KEY) ? plain : JSON.stringify(mapEnv(doc, (v) => this.seal(v)));
  }

  /** A stored JSON text, parsed, with every `env` map opened. */
  decode(text: string): any {
    return text.includes(ENV_KEY) ? mapEnv(JSON.parse(text), (v) => this.open(v)) : JSON.parse(text);
  }
}

/** A copy of `value` in which the string values of each `env` property (at any depth) went through `f`. */
function mapEnv(value: unknown, f: (v: string) => string): unknown {
  if (Array.isArray(value)) return value.map((v) => mapEnv(v, f));
  if (!value || typeof value !== "object") return value;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) {
    if (k === "env" && v && typeof v === "object" && !Array.isArray(v)) {
      out[k] = Object.fromEntries(Object.entries(v).map(([name, x]) => [name, typeof x === "string" ? f(x) : x]));
    } else {
      out[k] = mapEnv(v, f);
    }
  }
  return out;
}
