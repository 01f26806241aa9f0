// Issue 18 §4: an acknowledged write survives the platform being killed (SIGKILL) right after it answered.
// The platform runs compiled (dist/, built here when stale) as its own process, as the CLI starts it; creates
// race in concurrently (so they share group-commit batches), the platform is killed the moment responses
// arrive — once after the last of a wave, once after the first while the rest are still in flight — and
// after a restart on the same data dir every create that got its 201 is there, and its Idempotency-Key
// replays it instead of creating a second object.
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startPlatformDetached, stopPlatform, type RunningPlatform } from "../../cli/platform";
import { ensureBuilt } from "../build";
import { makeApi } from "./helpers";

let dataDir: string;
let root: string;

beforeAll(() => {
  ensureBuilt();
  dataDir = mkdtempSync(join(tmpdir(), "mlp-durable-data-"));
  root = mkdtempSync(join(tmpdir(), "mlp-durable-root-"));
  writeFileSync(join(root, "tiny.csv"), "x,label\n1,a\n2,b\n");
}, 120_000);

afterAll(async () => {
  await stopPlatform(dataDir).catch(() => undefined);
  rmSync(dataDir, { recursive: true, force: true });
  rmSync(root, { recursive: true, force: true });
});

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

async function killHard(p: RunningPlatform): Promise<void> {
  try {
    process.kill(p.pid, "SIGKILL");
  } catch {
    /* already gone */
  }
  const deadline = Date.now() + 10_000;
  while (alive(p.pid) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
  expect(alive(p.pid)).toBe(false);
}

interface Acked {
  id: string;
  name: string;
  key: string;
}

/** `n` concurrent creates; SIGKILL right after the `killAfter`-th 201 has been read. The acknowledged ones. */
async function createThenKill(p: RunningPlatform, wave: string, n: number, killAfter: number): Promise<Acked[]> {
  const api = makeApi(p.endpoint, p.token);
  const acked: Acked[] = [];
  let killed = false;
  await Promise.all(
    Array.from({ length: n }, async (_, i) => {
      const name = `${wave}-${i}`;
      const key = `key-${name}`;
      try {
        const r = await api("POST", "/v1/datasets", { name, format: "csv", source: "tiny.csv" }, { "idempotency-key": key });
        if (r.status !== 201 || killed) return;
        acked.push({ id: r.body.id, name, key });
        if (acked.length === killAfter) {
          killed = true;
          process.kill(p.pid, "SIGKILL");
        }
      } catch {
        /* in flight when the platform died: never acknowledged */
      }
    }),
  );
  await killHard(p);
  return acked;
}

describe("SIGKILL right after the response", () => {
  it("keeps every acknowledged create, and its idempotency key, across a restart", async () => {
    let p = await startPlatformDetached({ dataDir, allowedRoots: [root] });
    const acked = await createThenKill(p, "all", 30, 30);
    expect(acked).toHaveLength(30);
    p = await startPlatformDetached({ dataDir, allowedRoots: [root] });
    acked.push(...(await createThenKill(p, "first", 30, 1)));
    expect(acked.length).toBeGreaterThanOrEqual(31);

    p = await startPlatformDetached({ dataDir, allowedRoots: [root] });
    const api = makeApi(p.endpoint, p.token);
    for (const a of acked) {
      const got = await api("GET", `/v1/datasets/${a.id}`);
      expect([got.status, got.body.name]).toEqual([200, a.name]);
    }
    // A client that lost the answer retries with its key: the same object, not a second one.
    const last = acked[acked.length - 1];
    const retried = await api("POST", "/v1/datasets", { name: last.name, format: "csv", source: "tiny.csv" }, { "idempotency-key": last.key });
    expect([retried.status, retried.body.id]).toEqual([200, last.id]);
    await stopPlatform(dataDir);
  });
});
