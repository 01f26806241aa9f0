// Idempotency-Key records live in the same SQLite file as the objects, so a client retrying a POST after a
// platform restart still gets its first object back and never a second one. A record is written in the
// store's group-commit batch, so it commits with (never after) the object its response names.
import { createHash } from "node:crypto";
import type { SqliteObjectStore } from "./store";
import type { KindName } from "./types";

export interface IdempotencyRecord {
  bodyHash: string;
  objectId: string;
  /** The object as the first response returned it (served if the object is gone since). */
  response: unknown;
}

export class IdempotencyKeys {
  /** Requests with a key whose create is still running: a concurrent repeat waits for the first. */
  private readonly inFlight = new Map<string, Promise<unknown>>();

  /** The store's codec seals what the stored responses carry (env values: core/sealed.ts). */
  constructor(private readonly store: SqliteObjectStore) {
    store.db.exec(`CREATE TABLE IF NOT EXISTS idempotency (
      kind TEXT NOT NULL, key TEXT NOT NULL, body_hash TEXT NOT NULL, object_id TEXT NOT NULL,
      response TEXT NOT NULL, created TEXT NOT NULL, PRIMARY KEY (kind, key))`);
  }

  static hashBody(body: unknown): string {
    return createHash("sha256").update(canonicalJson(body)).digest("hex");
  }

  find(kind: KindName, key: string): IdempotencyRecord | undefined {
    const row = this.store.read(() => this.store.statement("SELECT body_hash, object_id, response FROM idempotency WHERE kind = ? AND key = ?").get(kind, key)) as
      | { body_hash: string; object_id: string; response: string }
      | undefined;
    return row ? { bodyHash: row.body_hash, objectId: row.object_id, response: this.store.codec.decode(row.response) } : undefined;
  }

  record(kind: KindName, key: string, rec: IdempotencyRecord): void {
    const response = this.store.codec.encode(rec.response);
    this.store.write(() =>
      this.store
        .statement("INSERT OR IGNORE INTO idempotency (kind, key, body_hash, object_id, response, created) VALUES (?, ?, ?, ?, ?, ?)")
        .run(kind, key, rec.bodyHash, rec.objectId, response, new Date().toISOString()),
    );
  }

  /** Runs `work` unless a request with the same key is running; then waits for it and runs `work` after. */
  async serialize<T>(kind: KindName, key: string, work: () => Promise<T>): Promise<T> {
    const slot = `${kind}\0${key}`;
    while (this.inFlight.has(slot)) await this.inFlight.get(slot)!.catch(() => undefined);
    const running = work();
    this.inFlight.set(slot, running);
    try {
      return await running;
    } finally {
      this.inFlight.delete(slot);
    }
  }
}

/** JSON with sorted object keys, so the same body in another key order is the same request. */
function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(",")}]`;
  if (value && typeof value === "object") {
    return `{${Object.keys(value)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${canonicalJson((value as Record<string, unknown>)[k])}`)
      .join(",")}}`;
  }
  return JSON.stringify(value) ?? "null";
}
