// How property values from engine events and preview documents are recognised and shown to people.
// Pulumi writes secrets in two ways: `pulumi preview --json` replaces them with the string "[secret]",
// while Automation API events serialise them with the blinding crypter as a signature object whose
// ciphertext is "[secret]". Unknown values (outputs not computed before apply) are a fixed sentinel.

/** The property-value signature key Pulumi uses for secrets, assets and resource references. */
export const SIGNATURE_KEY = "4dabf18193072939515e22adb298388d";
/** The signature that marks a secret. */
export const SECRET_SIGNATURE = "1b47061264138c4ac30d75fd1eb44270";
/** The placeholder for values computed during apply (`rpc.unknownValue` in the Node.js SDK). */
export const UNKNOWN_VALUE = "04da6b54-80e4-46f7-96ec-b56ff0331ba9";

export const SECRET_TEXT = "[secret]";
export const UNKNOWN_TEXT = "(known after apply)";

/** Property names that hold credentials even when nobody marked them secret. */
const SECRET_NAME = /token|password|secret|key/i;

/**
 * Values that are credentials by their shape, whatever the property is called (a `DATABASE_URL` with a
 * password in it): URLs with a password, well-known token formats, JWTs and PEM private keys.
 */
const CREDENTIAL_VALUE = [
  /^[a-z][a-z0-9+.-]*:\/\/[^/\s:@]*:[^/\s@]+@/i, // scheme://user:password@host
  /\bAKIA[0-9A-Z]{16}\b/, // AWS access key id
  /\b(?:ghp|gho|ghu|ghs|ghr)_[A-Za-z0-9]{30,}\b|\bgithub_pat_[A-Za-z0-9_]{30,}/, // GitHub tokens
  /\bxox[abprs]-[A-Za-z0-9-]{10,}/, // Slack tokens
  /\bsk-[A-Za-z0-9_-]{20,}/, // API secret keys of the sk- family
  /\beyJ[A-Za-z0-9_-]{8,}\.eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]+/, // JWT
  /-----BEGIN [A-Z ]*PRIVATE KEY-----/,
];

/** True for a string that looks like a credential by its content (see CREDENTIAL_VALUE). */
export function looksLikeCredential(value: unknown): boolean {
  return typeof value === "string" && CREDENTIAL_VALUE.some((re) => re.test(value));
}

export function isSecretValue(value: unknown): boolean {
  if (value === SECRET_TEXT) return true;
  return isObject(value) && value[SIGNATURE_KEY] === SECRET_SIGNATURE;
}

export function isUnknownValue(value: unknown): boolean {
  return value === UNKNOWN_VALUE;
}

/** True when any named segment of a property path looks like a credential (array indexes never do). */
export function isSecretPath(path: readonly (string | number)[]): boolean {
  return path.some((segment) => typeof segment === "string" && SECRET_NAME.test(segment));
}

/** True when the value holds a secret anywhere inside it. */
export function containsSecret(value: unknown): boolean {
  if (isSecretValue(value)) return true;
  if (Array.isArray(value)) return value.some(containsSecret);
  if (isObject(value)) return Object.entries(value).some(([k, v]) => SECRET_NAME.test(k) || containsSecret(v));
  return false;
}

export function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

const MAX_VALUE_CHARS = 120;

/**
 * One line of text for a value, with secrets masked and unknowns named. Strings are shown bare, everything
 * else as compact JSON; long values are cut with an ellipsis so a table stays readable.
 */
export function formatValue(value: unknown, path: readonly (string | number)[] = []): string {
  if (value === undefined) return "";
  if (isSecretValue(value) || isSecretPath(path) || looksLikeCredential(value)) return SECRET_TEXT;
  if (isUnknownValue(value)) return UNKNOWN_TEXT;
  const text = typeof value === "string" ? value : JSON.stringify(maskDeep(value));
  const oneLine = text.replace(/\r?\n/g, "⏎");
  return oneLine.length > MAX_VALUE_CHARS ? `${oneLine.slice(0, MAX_VALUE_CHARS - 1)}…` : oneLine;
}

/** A copy of the value with secrets (by marker, property name or shape) and unknowns replaced by their labels. */
export function maskDeep(value: unknown, path: readonly (string | number)[] = []): unknown {
  if (isSecretValue(value) || (path.length > 0 && isSecretPath(path)) || looksLikeCredential(value)) return SECRET_TEXT;
  if (isUnknownValue(value)) return UNKNOWN_TEXT;
  if (Array.isArray(value)) return value.map((v, i) => maskDeep(v, [...path, i]));
  if (isObject(value)) {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, maskDeep(v, [...path, k])]));
  }
  return value;
}

/** `models[0].version`, `tags.team`, `env["MY-VAR"]`: the path as a reader would write it. */
export function formatPath(path: readonly (string | number)[]): string {
  let out = "";
  for (const segment of path) {
    if (typeof segment === "number") out += `[${segment}]`;
    else if (/^[A-Za-z_$][A-Za-z0-9_$]*$/.test(segment)) out += out ? `.${segment}` : segment;
    else out += `[${JSON.stringify(segment)}]`;
  }
  return out;
}

/** Human duration: less than a second, 45s, 2m 14s, 1h 3m. */
export function formatDuration(ms: number): string {
  if (ms < 1000) return "less than a second";
  const totalSeconds = Math.max(0, Math.round(ms / 1000));
  const h = Math.floor(totalSeconds / 3600);
  const m = Math.floor((totalSeconds % 3600) / 60);
  const s = totalSeconds % 60;
  if (h > 0) return m > 0 ? `${h}h ${m}m` : `${h}h`;
  if (m > 0) return s > 0 ? `${m}m ${s}s` : `${m}m`;
  return `${s}s`;
}
