// The document store every kind shares: one SQLite file (WAL) with an `objects` table (one JSON document
// per object, ordered by an insertion sequence) and a `children` table for sub-resources. Writes are
// synchronous (Node's built-in node:sqlite), so a controller's check-then-insert cannot interleave with
// another request; each write bumps the etag and wakes in-process waiters through an EventEmitter.
//
// Durability policy (also in platform/API.md, "Durability"):
// - journal_mode=WAL, synchronous=NORMAL: a COMMIT appends the transaction to the WAL with write(2) and does
//   not fsync; SQLite fsyncs the WAL before each checkpoint copies it into the database file. A committed
//   write survives the platform process dying at any moment (SIGKILL, a crash: the WAL is in the OS page
//   cache and replayed on the next open); an OS crash or power loss can lose the last commits before a
//   checkpoint (never corrupt the file). This was the policy before group commit too.
// - Checkpoints run on a worker thread within 200 ms of a write (core/checkpointer.ts), not inside the
//   commit that crosses SQLite's 1,000-page threshold: no request waits for a checkpoint's fsyncs, and the
//   window an OS crash can lose is that fraction of a second rather than up to 1,000 pages of commits.
// - Group commit: writes join one open transaction (a failing statement undoes only itself; a write of
//   several statements is a savepoint); the transaction commits once per event-loop turn (setImmediate),
//   so the writes of all requests handled in that turn share one COMMIT. Reads join it too (one read
//   snapshot per turn instead of SQLite's WAL locking per statement). Nothing is acknowledged before its
//   commit: the HTTP layer holds every response until `committed()` settles (core/http.ts), so an
//   answered create or update is in the WAL before the client sees it — and a read that saw an
//   uncommitted write waits for that commit too. A failed COMMIT fails the responses waiting for it.
import { EventEmitter } from "node:events";
import { join } from "node:path";
import { DatabaseSync, type SQLInputValue, type StatementSync } from "node:sqlite";
import { type KindName, type ListFilter, type ObjectStore, type StoredObject } from "./types";
import { KIND_BY_COLLECTION, KIND_REGISTRY } from "../../schemas/kinds";
import { HttpError } from "./errors";
import { EnvSealer } from "./sealed";
import { randomHex } from "./random-pool";
import { BackgroundCheckpointer, type CheckpointResult } from "./checkpointer";
import type { LogFn } from "./log";

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
CREATE INDEX IF NOT EXISTS children_seq ON children(seq);
`;

/** SQLite's extended result code for a UNIQUE constraint violation (node:sqlite reports it as `errcode`). */
const SQLITE_CONSTRAINT_UNIQUE = 2067;

/**
 * Runs `work` atomically: in its own transaction (committed when it returns), or — when a transaction is
 * already open, such as the store's group-commit batch — in a savepoint of it. Rolled back when it throws.
 */
export function inTransaction<T>(db: DatabaseSync, work: () => T): T {
  const nested = db.isTransaction;
  db.exec(nested ? "SAVEPOINT atomic" : "BEGIN");
  try {
    const result = work();
    db.exec(nested ? "RELEASE atomic" : "COMMIT");
    return result;
  } catch (err) {
    if (nested) db.exec("ROLLBACK TO atomic; RELEASE atomic");
    else if (db.isTransaction) db.exec("ROLLBACK");
    throw err;
  }
}

/** A group-commit batch: its transaction is open; `done` settles when it commits (or fails). */
interface Batch {
  done: Promise<void>;
  resolve: () => void;
  reject: (err: unknown) => void;
  /** Whether it holds writes (a batch that only read has nothing to make anyone wait for). */
  wrote: boolean;
}

function newEtag(): string {
  return randomHex(8);
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

  /** Checkpoints the WAL from a worker thread, so no commit on this thread pays for one (see checkpointer.ts). */
  private readonly checkpointer: BackgroundCheckpointer;

  constructor(dataDir: string, log?: LogFn) {
    this.sealer = new EnvSealer(dataDir);
    const path = join(dataDir, "platform.db");
    this.db = new DatabaseSync(path);
    // The durability policy (see the header): WAL, synchronous=NORMAL, group commit before any answer, and
    // checkpoints in the background instead of inside the commit that crosses 1,000 WAL pages.
    // busy_timeout first: another connection to the file (the checkpointer's, another platform's closing
    // connection, which checkpoints as it goes) may hold a lock for a moment, and the pragmas after it wait.
    this.db.exec("PRAGMA busy_timeout = 5000; PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL; PRAGMA wal_autocheckpoint = 0;");
    this.db.exec(SCHEMA);
    this.checkpointer = new BackgroundCheckpointer(path, (message) => (log ? log(message) : process.stderr.write(`${message}\n`)));
    // Waiters are per request; a wide fan-in of long-polls on one object is normal, not a leak.
    this.changes.setMaxListeners(0);
  }

  /** Pending waitForChange calls, so closing the store answers them instead of leaving timers on a closed db. */
  private readonly waiters = new Set<() => void>();

  /** Prepared once per SQL text: compiling a statement costs more than running these small ones. */
  private readonly statements = new Map<string, StatementSync>();

  /** The open group-commit batch: its transaction is open and `done` settles when it commits (or fails). */
  private batch: Batch | undefined;

  /** Transactions committed and writes made (a write is one insert/update/delete/putChild/deleteChild). */
  readonly stats = { commits: 0, writes: 0 };

  close(): void {
    for (const release of [...this.waiters]) release();
    this.commitNow();
    this.closed = true;
    this.checkpointer.close();
    this.db.close();
  }

  /** Background checkpoints run so far and the last one's outcome. */
  get checkpoints(): BackgroundCheckpointer["stats"] {
    return this.checkpointer.stats;
  }

  /** A WAL checkpoint now, on the checkpointer's thread (tests; commits schedule their own). */
  checkpoint(): Promise<CheckpointResult> {
    return this.checkpointer.now();
  }

  private closed = false;

  /** A prepared statement for `sql`, compiled on first use. */
  statement(sql: string): StatementSync {
    let st = this.statements.get(sql);
    if (!st) this.statements.set(sql, (st = this.db.prepare(sql)));
    return st;
  }

  /**
   * The open batch, opened (with its commit scheduled for the end of this event-loop turn) when none is.
   * Reads join it too: one transaction per turn instead of one per statement spares SQLite's WAL read
   * locks (four fcntl calls per statement); a batch that only read commits without writing anything.
   */
  private open(): Batch | undefined {
    // SQLite rolls the whole transaction back on some errors (a full disk, I/O): that batch is lost, so its
    // requests fail, and this access starts the next batch.
    if (this.batch && !this.db.isTransaction) this.fail(new Error("the database rolled the open transaction back"));
    // A transaction someone opened on the connection itself (inTransaction on store.db) commits its own.
    if (!this.batch && !this.db.isTransaction) {
      this.db.exec("BEGIN");
      let resolve!: () => void;
      let reject!: (err: unknown) => void;
      const done = new Promise<void>((res, rej) => ((resolve = res), (reject = rej)));
      done.catch(() => undefined); // failures reach the requests that wait on it, not the process
      this.batch = { done, resolve, reject, wrote: false };
      setImmediate(() => this.commit());
    }
    return this.batch;
  }

  /** Runs reads inside the current batch (see open). */
  read<T>(work: () => T): T {
    this.open();
    return work();
  }

  /**
   * Runs one write inside the current batch. A failing statement undoes only itself (SQLite aborts the
   * statement, not the transaction); a write of several statements wraps them in inTransaction (a savepoint).
   */
  write<T>(work: () => T): T {
    const batch = this.open();
    if (batch) batch.wrote = true;
    this.stats.writes++;
    return work();
  }

  private fail(err: unknown): void {
    const batch = this.batch;
    this.batch = undefined;
    batch?.reject(err);
  }

  /**
   * Settles when every write made so far is committed (rejects when that commit failed); undefined when
   * nothing is waiting to commit, so a caller with nothing to wait for does not even yield.
   */
  committed(): Promise<void> | undefined {
    return this.batch?.wrote ? this.batch.done : undefined;
  }

  /** The end of the event-loop turn a batch opened in (setImmediate). */
  private commit(): void {
    this.commitNow();
  }

  /** Commits the open batch, if any. */
  private commitNow(): void {
    const batch = this.batch;
    if (!batch || this.closed) return;
    this.batch = undefined;
    try {
      this.db.exec("COMMIT");
      if (batch.wrote) {
        this.stats.commits++;
        this.checkpointer.schedule();
      }
      batch.resolve();
    } catch (err) {
      if (this.db.isTransaction) this.db.exec("ROLLBACK");
      batch.reject(err);
    }
  }

  insert<T extends StoredObject>(kind: KindName, obj: Omit<T, "etag" | "createdAt" | "updatedAt">): T {
    const now = new Date().toISOString();
    const full = { ...obj, createdAt: now, updatedAt: now, etag: newEtag() } as unknown as T;
    try {
      const json = this.sealer.encode(full);
      this.write(() => this.statement("INSERT INTO objects (kind, id, name, created, json) VALUES (?, ?, ?, ?, ?)").run(kind, full.id, full.name, now, json));
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
    const row = this.read(() => this.statement("SELECT json FROM objects WHERE kind = ? AND id = ?").get(kind, id)) as { json: string } | undefined;
    return row ? (this.sealer.decode(row.json) as T) : undefined;
  }

  getByName<T extends StoredObject>(kind: KindName, name: string): T | undefined {
    const row = this.read(() => this.statement("SELECT json FROM objects WHERE kind = ? AND name = ?").get(kind, name)) as { json: string } | undefined;
    return row ? (this.sealer.decode(row.json) as T) : undefined;
  }

  update<T extends StoredObject>(kind: KindName, id: string, mutate: (current: T) => T): T {
    // Read-modify-write as one unit (a savepoint): a mutate that throws leaves nothing behind.
    const { obj, changed } = this.write(() => inTransaction(this.db, (): { obj: T; changed: boolean } => {
      const current = this.get<T>(kind, id);
      if (!current) throw HttpError.notFound(`${kind}/${id} does not exist`);
      const next = mutate(current);
      if (next === current) return { obj: current, changed: false };
      const saved = { ...next, id: current.id, createdAt: current.createdAt, updatedAt: new Date().toISOString(), etag: newEtag() } as T;
      this.statement("UPDATE objects SET name = ?, json = ? WHERE kind = ? AND id = ?").run(saved.name, this.sealer.encode(saved), kind, id);
      return { obj: saved, changed: true };
    }));
    if (changed) this.emit(kind, id);
    return obj;
  }

  delete(kind: KindName, id: string): boolean {
    const removed = this.write(() =>
      inTransaction(this.db, () => {
        this.statement("DELETE FROM children WHERE kind = ? AND id = ?").run(kind, id);
        return Number(this.statement("DELETE FROM objects WHERE kind = ? AND id = ?").run(kind, id).changes) > 0;
      }),
    );
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
    if (filter.ids) {
      where.push(`id IN (${filter.ids.map(() => "?").join(", ") || "NULL"})`);
      args.push(...filter.ids);
    }
    if (filter.tag) {
      // Tag keys may hold '.' and '/', so the JSON path quotes the key (tag keys cannot contain '"').
      where.push("json_extract(json, ?) = ?");
      args.push(`$.tags."${filter.tag.key.replace(/"/g, "")}"`, filter.tag.value);
    }
    if (filter.tagPrefix) {
      // instr(...) = 1: a prefix match with no LIKE wildcards to escape.
      where.push("instr(json_extract(json, ?), ?) = 1");
      args.push(`$.tags."${filter.tagPrefix.key.replace(/"/g, "")}"`, filter.tagPrefix.value);
    }
    const rows = this.read(() => this.statement(`SELECT seq, json FROM objects WHERE ${where.join(" AND ")} ORDER BY seq LIMIT ?`).all(...args, limit + 1)) as {
      seq: number;
      json: string;
    }[];
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
    const json = this.sealer.encode(value);
    this.write(() =>
      this.statement(
        `INSERT INTO children (kind, id, child, key, seq, json) VALUES (?, ?, ?, ?, (SELECT COALESCE(MAX(seq), 0) + 1 FROM children), ?)
         ON CONFLICT (kind, id, child, key) DO UPDATE SET json = excluded.json`,
      ).run(kind, id, child, key, json),
    );
  }

  getChild<T>(kind: KindName, id: string, child: string, key: string): T | undefined {
    const row = this.read(() => this.statement("SELECT json FROM children WHERE kind = ? AND id = ? AND child = ? AND key = ?").get(kind, id, child, key)) as { json: string } | undefined;
    return row ? (this.sealer.decode(row.json) as T) : undefined;
  }

  /** In insertion order (a replaced child keeps its place). */
  listChildren<T>(kind: KindName, id: string, child: string): T[] {
    const rows = this.read(() => this.statement("SELECT json FROM children WHERE kind = ? AND id = ? AND child = ? ORDER BY seq").all(kind, id, child)) as { json: string }[];
    return rows.map((r) => this.sealer.decode(r.json) as T);
  }

  deleteChild(kind: KindName, id: string, child: string, key: string): boolean {
    return this.write(() => Number(this.statement("DELETE FROM children WHERE kind = ? AND id = ? AND child = ? AND key = ?").run(kind, id, child, key).changes) > 0);
  }

  *documents(): Iterable<unknown> {
    for (const row of this.db.prepare("SELECT json FROM objects UNION ALL SELECT json FROM children").iterate() as Iterable<{ json: string }>) yield this.sealer.decode(row.json);
  }

  private emit(kind: KindName, id: string): void {
    this.changes.emit(`${kind}/${id}`);
  }
}
