// WAL checkpoints off the request path (issue 18 §4). SQLite's automatic checkpoint runs inside the COMMIT
// that crosses 1,000 WAL pages, on the connection that commits — the platform's main thread — and it fsyncs
// the WAL, copies pages into the database file and fsyncs that: every few hundred commits one request waited
// for all of it. Here the main connection turns the automatic checkpoint off and a worker thread with its own
// connection runs a PASSIVE checkpoint (it never blocks the writer or readers) shortly after writes.
//
// Durability is not weakened, only moved: a commit is what it was (appended to the WAL with write(2), no
// fsync: synchronous=NORMAL), and what an OS crash can lose is still "the commits since the last
// checkpoint" — which now runs within CHECKPOINT_DELAY_MS of a write instead of after 1,000 pages, so on a
// quiet platform that window shrinks from "until 4 MB were written" to a fraction of a second.
import { Worker } from "node:worker_threads";

/** How long after a write the checkpoint runs (writes meanwhile share it). */
export const CHECKPOINT_DELAY_MS = 200;
/** The longest close() waits for the worker's connection to close (a checkpoint in progress finishes first). */
const CLOSE_WAIT_MS = 10_000;

// The worker is plain CommonJS given as text (eval): it must run the same under tsc's output and under
// vitest, which loads this file from TypeScript source.
const WORKER_SOURCE = `
const { parentPort, workerData } = require("node:worker_threads");
const { DatabaseSync } = require("node:sqlite");
const db = new DatabaseSync(workerData.path);
db.exec("PRAGMA busy_timeout = 5000");
const closed = new Int32Array(workerData.closed);
parentPort.on("message", (msg) => {
  if (msg === "close") {
    try {
      db.close();
    } finally {
      Atomics.store(closed, 0, 1);
      Atomics.notify(closed, 0);
      parentPort.close();
    }
    return;
  }
  let result;
  try {
    const row = db.prepare("PRAGMA wal_checkpoint(PASSIVE)").get();
    result = { busy: row.busy, log: row.log, checkpointed: row.checkpointed };
  } catch (err) {
    result = { error: String(err && err.message || err) };
  }
  parentPort.postMessage(result);
});
`;

export interface CheckpointResult {
  /** 1 when a writer or reader kept the checkpoint from finishing (it resumes next time). */
  busy?: number;
  /** WAL frames, and how many of them are now in the database file. */
  log?: number;
  checkpointed?: number;
  error?: string;
}

export class BackgroundCheckpointer {
  private readonly worker: Worker;
  private timer: NodeJS.Timeout | undefined;
  private readonly waiting: ((r: CheckpointResult) => void)[] = [];
  private closed = false;
  /** Set to 1 by the worker once its connection is closed (close() waits for it). */
  private readonly connectionClosed = new Int32Array(new SharedArrayBuffer(4));
  private exited = false;
  /** Checkpoints run, and the last one's outcome (tests and diagnostics). */
  readonly stats: { runs: number; last?: CheckpointResult } = { runs: 0 };

  constructor(
    dbPath: string,
    private readonly onError: (message: string) => void = () => undefined,
  ) {
    this.worker = new Worker(WORKER_SOURCE, { eval: true, workerData: { path: dbPath, closed: this.connectionClosed.buffer } });
    // The platform's lifetime is its server's: a pending checkpoint never keeps a process alive.
    this.worker.unref();
    this.worker.on("message", (r: CheckpointResult) => {
      this.stats.runs++;
      this.stats.last = r;
      if (r.error) this.onError(`WAL checkpoint failed: ${r.error}`);
      this.waiting.shift()?.(r);
    });
    this.worker.on("error", (err) => this.onError(`WAL checkpointer stopped: ${err.message}`));
    this.worker.on("exit", () => (this.exited = true));
  }

  /** A checkpoint soon (one for all the writes of the next CHECKPOINT_DELAY_MS). */
  schedule(): void {
    if (this.timer || this.closed) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      void this.now();
    }, CHECKPOINT_DELAY_MS);
    this.timer.unref();
  }

  /** A checkpoint now, answered with its outcome. */
  now(): Promise<CheckpointResult> {
    if (this.closed) return Promise.resolve({ error: "closed" });
    return new Promise((resolve) => {
      this.waiting.push(resolve);
      this.worker.postMessage("checkpoint");
    });
  }

  /**
   * Stops it and returns once the worker's connection is closed, so the store's own close is the last one
   * (SQLite then checkpoints the rest and removes the WAL) and a platform started next on the same data dir
   * finds no other connection holding the file. Blocks for at most the checkpoint in progress (bounded).
   */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    clearTimeout(this.timer);
    this.worker.postMessage("close");
    if (!this.exited) Atomics.wait(this.connectionClosed, 0, 0, CLOSE_WAIT_MS);
    for (const resolve of this.waiting.splice(0)) resolve({ error: "closed" });
  }
}
