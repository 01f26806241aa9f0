// The document store every kind shares: one SQLite file (WAL) with an `objects` table (one JSON document
// per object, ordered by an insertion sequence) and a `children` table for sub-resources. Writes are
// synchronous (Node's built-in node:sqlite), so a controller's check-then-insert cannot interleave with
// another request; each write bumps the etag and wakes in-process waiters through an EventEmitter.
import { randomBytes } from "node:crypto";
import { EventEmitter } from "node:events";
import { join } from "node:path";
import { DatabaseSync, type SQLInputValue } from "node:sqlite";
import { type KindName, type ListFilter, type ObjectStore, type StoredObject } from "./types";
import { KIND_BY_COLLECTION, KIND_REGISTRY } from "../../schemas/kinds";
import { HttpError } from "./errors";
import { EnvSealer } from "./sealed";

export const MAX_PAGE_SIZE = 200;
export const DEFAULT_PAGE_SIZE = 50;

const SCHEMA = `
CREATE TABLE IF NOT EXISTS objects (
  seq INTEGER PRIMARY KEY AUTOINCREMENT,
  kind TEXT NOT NULL,
  id TEXT NOT NULL,
  name TEXT NOT NULL,
  created TEXT NOT NULL,
  json TEXT NOT NULL
);
CREATE UNIQUE INDEX IF NOT EXISTS objects_kind_id ON objects(kind, id);
CREATE UNIQUE INDEX IF NOT EXISTS objects_kind_name ON objects(kind, name);
CREATE TABLE IF NOT EXISTS children (
  kind TEXT NOT NULL,
  id TEXT NOT NULL,
  child TEXT NOT NULL,
  key TEXT NOT NULL,
  seq INTEGER NOT NULL,
  json TEXT NOT NULL,
  PRIMARY KEY (kind, id, child, key)
);
`;

/** SQLite's extended result code for a UNIQUE constraint violation (node:sqlite reports it as `errcode`). */
const SQLITE_CONSTRAINT_UNIQUE = 2067;

/** Runs `work` in one transaction: committed when it returns, rolled back when it throws. */
export function inTransaction<T>(db: DatabaseSync, work: () => T): T {
  db.exec("BEGIN");
  try {
    const result = work();
    db.exec("COMMIT");
    return result;
  } catch (err) {
    if (db.isTransaction) db.exec("ROLLBACK");
    throw err;
  }
}

function newEtag(): string {
  return randomBytes(8).toString("hex");
}

/** Page tokens are opaque to clients: the last returned sequence number, base64url-encoded. */
function encodePageToken(seq: number): string {
  return Buffer.from(JSON.stringify({ after: seq })).toString("base64url");
}

function decodePageToken(token: string): number {
  try {
    const after = JSON.parse(Buffer.from(token, "base64url").toString("utf8")).after;
    if (Number.isInteger(after) && after >= 0) return after;
  } catch {
    /* fall through */
  }
  throw HttpError.invalid("pageToken is not a token this platform issued", "pageToken");
}

/** Every object of a kind, a page at a time (recoveries, usage checks and the console walk whole kinds). */
export function* everyObject<T extends StoredObject>(store: ObjectStore, kind: KindName): Generator<T> {
  let pageToken: string | undefined;
  do {
    const page = store.list<T>(kind, { limit: MAX_PAGE_SIZE, pageToken });
    yield* page.items;
    pageToken = page.nextPageToken;
  } while (pageToken);
}

export class SqliteObjectStore implements ObjectStore {
  readonly db: DatabaseSync;
  /** For other tables in the same file that keep documents (idempotent responses). */
  get codec(): Pick<EnvSealer, "encode" | "decode"> {
    return this.sealer;
  }
  private readonly changes = new EventEmitter();

  /** Env values are sealed on their way into the file (core/sealed.ts). */
  private readonly sealer: EnvSealer;

  constructor(dataDir: string) {
    this.sealer = new EnvSealer(dataDir);
    this.db = new DatabaseSync(join(dataDir, "platform.db"));
    this.db.exec("PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL; PRAGMA busy_timeout = 5000;");
    this.db.exec(SCHEMA);
    // Waiters are per request; a wide fan-in of long-polls on one object is normal, not a leak.
    this.changes.setMaxListeners(0);
  }

  /** Pending waitForChange calls, so closing the store answers them instead of leaving timers on a closed db. */
  private readonly waiters = new Set<() => void>();

  close(): void {
    for (const release of [...this.waiters]) release();
    this.db.close();
  }

  insert<T extends StoredObject>(kind: KindName, obj: Omit<T, "etag" | "createdAt" | "updatedAt">): T {
    const now = new Date().toISOString();
    const full = { ...obj, createdAt: now, updatedAt: now, etag: newEtag() } as unknown as T;
    try {
      this.db.prepare("INSERT INTO objects (kind, id, name, created, json) VALUES (?, ?, ?, ?, ?)").run(kind, full.id, full.name, now, this.sealer.encode(full));
    } catch (err) {
      if ((err as { errcode?: number }).errcode === SQLITE_CONSTRAINT_UNIQUE) {
        throw HttpError.conflict(`a ${KIND_REGISTRY[KIND_BY_COLLECTION[kind]].noun} named "${full.name}" already exists`, "name");
      }
      throw err;
    }
    this.emit(kind, full.id);
    return full;
  }

  get<T extends StoredObject>(kind: KindName, id: string): T | undefined {
    const row = this.db.prepare("SELECT json FROM objects WHERE kind = ? AND id = ?").get(kind, id) as { json: string } | undefined;
    return row ? (this.sealer.decode(row.json) as T) : undefined;
  }

  getByName<T extends StoredObject>(kind: KindName, name: string): T | undefined {
    const row = this.db.prepare("SELECT json FROM objects WHERE kind = ? AND name = ?").get(kind, name) as { json: string } | undefined;
    return row ? (this.sealer.decode(row.json) as T) : undefined;
  }

  update<T extends StoredObject>(kind: KindName, id: string, mutate: (current: T) => T): T {
    const { obj, changed } = inTransaction(this.db, (): { obj: T; changed: boolean } => {
      const current = this.get<T>(kind, id);
      if (!current) throw HttpError.notFound(`${kind}/${id} does not exist`);
      const next = mutate(current);
      if (next === current) return { obj: current, changed: false };
      const saved = { ...next, id: current.id, createdAt: current.createdAt, updatedAt: new Date().toISOString(), etag: newEtag() } as T;
      this.db.prepare("UPDATE objects SET name = ?, json = ? WHERE kind = ? AND id = ?").run(saved.name, this.sealer.encode(saved), kind, id);
      return { obj: saved, changed: true };
    });
    if (changed) this.emit(kind, id);
    return obj;
  }

  delete(kind: KindName, id: string): boolean {
    const removed = inTransaction(this.db, () => {
      this.db.prepare("DELETE FROM children WHERE kind = ? AND id = ?").run(kind, id);
      return Number(this.db.prepare("DELETE FROM objects WHERE kind = ? AND id = ?").run(kind, id).changes) > 0;
    });
    if (removed) this.emit(kind, id);
    return removed;
  }

  list<T extends StoredObject>(kind: KindName, filter: ListFilter): { items: T[]; nextPageToken?: string } {
    const limit = Math.min(Math.max(1, filter.limit ?? DEFAULT_PAGE_SIZE), MAX_PAGE_SIZE);
    const where = ["kind = ?", "seq > ?"];
    const args: SQLInputValue[] = [kind, filter.pageToken ? decodePageToken(filter.pageToken) : 0];
    if (filter.name !== undefined) {
      where.push("name = ?");
      args.push(filter.name);
    }
    if (filter.tag) {
      // Tag keys may hold '.' and '/', so the JSON path quotes the key (tag keys cannot contain '"').
      where.push("json_extract(json, ?) = ?");
      args.push(`$.tags."${filter.tag.key.replace(/"/g, "")}"`, filter.tag.value);
    }
    const rows = this.db
      .prepare(`SELECT seq, json FROM objects WHERE ${where.join(" AND ")} ORDER BY seq LIMIT ?`)
      .all(...args, limit + 1) as { seq: number; json: string }[];
    const page = rows.slice(0, limit);
    const items = page.map((r) => this.sealer.decode(r.json) as T);
    return rows.length > limit ? { items, nextPageToken: encodePageToken(page[page.length - 1].seq) } : { items };
  }

  waitForChange(kind: KindName, id: string, etag: string | undefined, timeoutMs: number): Promise<StoredObject | undefined> {
    const now = this.get(kind, id);
    if (!now || now.etag !== etag || timeoutMs <= 0) return Promise.resolve(now);
    const event = `${kind}/${id}`;
    return new Promise((resolve) => {
      const detach = () => {
        clearTimeout(timer);
        this.changes.off(event, onChange);
        this.waiters.delete(release);
      };
      const finish = () => {
        detach();
        resolve(this.get(kind, id));
      };
      const release = () => {
        detach();
        resolve(now);
      };
      this.waiters.add(release);
      const onChange = () => {
        const cur = this.get(kind, id);
        if (!cur || cur.etag !== etag) finish();
      };
      const timer = setTimeout(finish, timeoutMs);
      this.changes.on(event, onChange);
    });
  }

  putChild(kind: KindName, id: string, child: string, key: string, value: unknown): void {
    this.db
      .prepare(
        `INSERT INTO children (kind, id, child, key, seq, json) VALUES (?, ?, ?, ?, (SELECT COALESCE(MAX(seq), 0) + 1 FROM children), ?)
         ON CONFLICT (kind, id, child, key) DO UPDATE SET json = excluded.json`,
      )
      .run(kind, id, child, key, this.sealer.encode(value));
  }

  getChild<T>(kind: KindName, id: string, child: string, key: string): T | undefined {
    const row = this.db.prepare("SELECT json FROM children WHERE kind = ? AND id = ? AND child = ? AND key = ?").get(kind, id, child, key) as { json: string } | undefined;
    return row ? (this.sealer.decode(row.json) as T) : undefined;
  }

  /** In insertion order (a replaced child keeps its place). */
  listChildren<T>(kind: KindName, id: string, child: string): T[] {
    const rows = this.db.prepare("SELECT json FROM children WHERE kind = ? AND id = ? AND child = ? ORDER BY seq").all(kind, id, child) as { json: string }[];
    return rows.map((r) => this.sealer.decode(r.json) as T);
  }

  deleteChild(kind: KindName, id: string, child: string, key: string): boolean {
    return Number(this.db.prepare("DELETE FROM children WHERE kind = ? AND id = ? AND child = ? AND key = ?").run(kind, id, child, key).changes) > 0;
  }

  *documents(): Iterable<unknown> {
    for (const row of this.db.prepare("SELECT json FROM objects UNION ALL SELECT json FROM children").iterate() as Iterable<{ json: string }>) yield this.sealer.decode(row.json);
  }

  private emit(kind: KindName, id: string): void {
    this.changes.emit(`${kind}/${id}`);
  }
}
