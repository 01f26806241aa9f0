// Issue 13, item 2: a review or drift report masks a credential by what it looks like, not only by the
// engine's secret marking or a key name: `DATABASE_URL` is no credential-like name, its value is.
import { describe, expect, it } from "vitest";
import { formatValue, maskDeep, SECRET_TEXT } from "../../review/values";

const CREDENTIALS = [
  "postgres://ml:Db-Pa55-9c1e7f@db.internal:5432/features",
  "https://user:hunter2@example.com/repo.git",
  "AKIAIOSFODNN7EXAMPLE",
  "ghp_0123456789abcdefghijABCDEFGHIJ012345",
  "xoxb-123456789012-1234567890123-abcdefABCDEF1234",
  "sk-proj-0123456789abcdefghijklmnopqrstuv",
  "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U",
  "-----BEGIN RSA PRIVATE KEY-----\nMIIEow…",
];
const PLAIN = ["debug", "https://example.com/models/iris", "postgres://db.internal:5432/features", "local.small", "mlp://training-jobs/tj-1/output"];

describe("masking by value", () => {
  it.each(CREDENTIALS)("hides %s under an innocent name", (value) => {
    expect(formatValue(value, ["env", "DATABASE_URL"])).toBe(SECRET_TEXT);
    expect(maskDeep({ env: { DATABASE_URL: value, LOG_LEVEL: "debug" } })).toEqual({ env: { DATABASE_URL: SECRET_TEXT, LOG_LEVEL: "debug" } });
  });

  it.each(PLAIN)("still shows %s", (value) => {
    expect(formatValue(value, ["env", "SOMETHING"])).toBe(value);
  });
});
