// Issue 18 §4, group commit (platform/core/store.ts): concurrent writes share transactions, and no response
// — a create's 201 or a read that saw an uncommitted write — leaves the platform before its commit. The
// commit is delayed here, so a response sent ahead of it would be caught: another connection to the
// database file (which sees only committed data) must already find the created object when the 201 arrives.
import { copyFileSync, existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { DatabaseSync } from "node:sqlite";
import { afterEach, describe, expect, it } from "vitest";
import { SqliteObjectStore } from "../../platform/core/store";
import { startPlatform, type RunningPlatform } from "../../platform/start";
import { makeApi } from "./helpers";

const dirs: string[] = [];
const temp = (prefix: string) => {
  const d = mkdtempSync(join(tmpdir(), prefix));
  dirs.push(d);
  return d;
};
let running: RunningPlatform | undefined;
afterEach(async () => {
  await running?.close();
  running = undefined;
  dirs.splice(0).forEach((d) => rmSync(d, { recursive: true, force: true }));
});

/** Whether another connection (committed data only) sees the object. */
function committedRow(dataDir: string, kind: string, id: string): boolean {
  const reader = new DatabaseSync(join(dataDir, "platform.db"), { readOnly: true });
  try {
    return reader.prepare("SELECT 1 FROM objects WHERE kind = ? AND id = ?").get(kind, id) !== undefined;
  } finally {
    reader.close();
  }
}

describe("WAL checkpoints in the background", () => {
  it("run on a worker thread shortly after writes, never inside a commit, and bring the writes into the database file", async () => {
    const dir = temp("mlp-ckpt-");
    const store = new SqliteObjectStore(dir);
    try {
      // The connection that commits never checkpoints by itself.
      expect(store.db.prepare("PRAGMA wal_autocheckpoint").get()).toEqual({ wal_autocheckpoint: 0 });
      for (let i = 0; i < 50; i++) store.insert("datasets", { id: `ds-${i}`, name: `d${i}`, status: "Ready", tags: {} });
      await store.committed();
      const deadline = Date.now() + 10_000;
      while (store.checkpoints.runs === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
      expect(store.checkpoints.runs).toBeGreaterThan(0);
      expect(store.checkpoints.last?.error).toBeUndefined();
      // The database file alone (no WAL beside it) holds the writes: they were checkpointed.
      const copy = temp("mlp-ckpt-copy-");
      copyFileSync(join(dir, "platform.db"), join(copy, "platform.db"));
      const alone = new DatabaseSync(join(copy, "platform.db"), { readOnly: true });
      try {
        expect(alone.prepare("SELECT count(*) AS n FROM objects").get()).toEqual({ n: 50 });
      } finally {
        alone.close();
      }
    } finally {
      store.close();
    }
  });
});

describe("closing the store", () => {
  it("closes the checkpointer's connection first: the store's own close is the last, which removes the WAL, and a new store opens at once", async () => {
    const dir = temp("mlp-ckpt-close-");
    for (let round = 0; round < 3; round++) {
      const store = new SqliteObjectStore(dir);
      for (let i = 0; i < 20; i++) store.insert("datasets", { id: `ds-${round}-${i}`, name: `d${round}-${i}`, status: "Ready", tags: {} });
      await store.committed();
      await store.checkpoint();
      store.close();
      // SQLite removes the WAL when the last connection to the file closes: nothing else holds it now.
      expect(existsSync(join(dir, "platform.db-wal"))).toBe(false);
    }
    const reopened = new SqliteObjectStore(dir);
    expect(reopened.list("datasets", { limit: 100 }).items).toHaveLength(60);
    reopened.close();
  });
});

describe("group commit in the store", () => {
  it("commits the writes of one event-loop turn in one transaction, after which another connection sees them", async () => {
    const dir = temp("mlp-gc-store-");
    const store = new SqliteObjectStore(dir);
    const before = store.stats.commits;
    for (let i = 0; i < 10; i++) store.insert("datasets", { id: `ds-${i}`, name: `d${i}`, status: "Ready", tags: {} });
    store.putChild("datasets", "ds-1", "versions", "1", { version: 1 });
    store.update("datasets", "ds-2", (o) => ({ ...o, status: "Failed" }));
    const pending = store.committed();
    expect(pending).toBeInstanceOf(Promise);
    expect(committedRow(dir, "datasets", "ds-0")).toBe(false); // not yet committed: not yet visible outside
    expect(store.get("datasets", "ds-9")?.name).toBe("d9"); // the store itself reads its own writes
    await pending;
    expect(store.stats.commits - before).toBe(1);
    expect(committedRow(dir, "datasets", "ds-0") && committedRow(dir, "datasets", "ds-9")).toBe(true);
    expect(store.committed()).toBeUndefined(); // nothing left to wait for
    // A failing write (a taken name) undoes only itself; the batch around it commits.
    store.insert("datasets", { id: "ds-a", name: "fresh", status: "Ready", tags: {} });
    expect(() => store.insert("datasets", { id: "ds-b", name: "d1", status: "Ready", tags: {} })).toThrow(/already exists/);
    await store.committed();
    expect(committedRow(dir, "datasets", "ds-a")).toBe(true);
    expect(committedRow(dir, "datasets", "ds-b")).toBe(false);
    store.close();
  });

  it("commits what is pending when the store closes", () => {
    const dir = temp("mlp-gc-close-");
    const store = new SqliteObjectStore(dir);
    store.insert("models", { id: "md-1", name: "m", status: "Ready", tags: {} });
    store.close();
    expect(committedRow(dir, "models", "md-1")).toBe(true);
  });
});

describe("group commit over HTTP", () => {
  it("batches concurrent creates into fewer transactions and answers each only after its commit", async () => {
    const dataDir = temp("mlp-gc-data-");
    const root = temp("mlp-gc-root-");
    writeFileSync(join(root, "tiny.csv"), "x,label\n1,a\n2,b\n");
    running = await startPlatform({ dataDir, port: 0, allowedRoots: [root], log: () => {}, responseViolations: "refuse" });
    const store = running.ctx.store as SqliteObjectStore;
    // Every commit lands 50 ms late: a response that did not wait for its commit would arrive first.
    const commit = (store as unknown as { commit: () => void }).commit.bind(store);
    (store as unknown as { commit: () => void }).commit = () => void setTimeout(commit, 50);
    const api = makeApi(running.endpoint, running.token);
    const n = 20;
    const { commits: commitsBefore, writes: writesBefore } = store.stats;
    const seen: boolean[] = [];
    const created = await Promise.all(
      Array.from({ length: n }, async (_, i) => {
        const r = await api("POST", "/v1/datasets", { name: `gc-${i}`, format: "csv", source: "tiny.csv" }, { "idempotency-key": `k-${i}` });
        expect(r.status).toBe(201);
        seen.push(committedRow(dataDir, "datasets", r.body.id));
        return r.body;
      }),
    );
    expect(seen).toEqual(Array(n).fill(true));
    // The object and its idempotency record commit together: a retry replays it.
    const again = await api("POST", "/v1/datasets", { name: "gc-3", format: "csv", source: "tiny.csv" }, { "idempotency-key": "k-3" });
    expect([again.status, again.body.id]).toEqual([200, created[3].id]);
    const writes = store.stats.writes - writesBefore;
    const commits = store.stats.commits - commitsBefore;
    expect(writes).toBeGreaterThanOrEqual(2 * n); // each create: the object and its idempotency record
    expect(commits).toBeLessThan(n);
  });
});
