// A PlatformContext over an in-memory store, for exercising the service and perf-job controllers
// without the HTTP layer (the full-platform tests in serving-platform.test.ts cover that path).
import { randomBytes } from "node:crypto";
import { ContainedPath } from "../../platform/core/contained";
import type { KindController, KindName, ObjectStore, PlatformContext, StoredObject } from "../../platform/core/types";
import type { ModelVersion } from "../../schemas/index";

export function memoryStore(): ObjectStore & { writes: number } {
  const objects = new Map<string, StoredObject>();
  const children = new Map<string, unknown>();
  const waiters: (() => void)[] = [];
  const k = (kind: string, id: string) => `${kind}/${id}`;
  const stamp = () => new Date().toISOString();
  const store = {
    writes: 0,
    insert<T extends StoredObject>(kind: KindName, obj: Omit<T, "etag" | "createdAt" | "updatedAt">): T {
      const full = { ...obj, etag: randomBytes(4).toString("hex"), createdAt: stamp(), updatedAt: stamp() } as unknown as T;
      objects.set(k(kind, full.id), structuredClone(full));
      store.writes++;
      return full;
    },
    get<T extends StoredObject>(kind: KindName, id: string) {
      const o = objects.get(k(kind, id));
      return o ? (structuredClone(o) as T) : undefined;
    },
    getByName<T extends StoredObject>(kind: KindName, name: string) {
      return [...objects.entries()].find(([key, o]) => key.startsWith(`${kind}/`) && o.name === name)?.[1] as T | undefined;
    },
    update<T extends StoredObject>(kind: KindName, id: string, mutate: (current: T) => T): T {
      const cur = store.get<T>(kind, id);
      if (!cur) throw new Error(`${kind}/${id} not found`);
      const next = mutate(structuredClone(cur));
      if (next === cur) return cur;
      const saved = { ...next, etag: randomBytes(4).toString("hex"), updatedAt: stamp() };
      objects.set(k(kind, id), structuredClone(saved));
      store.writes++;
      waiters.splice(0).forEach((w) => w());
      return saved;
    },
    delete(kind: KindName, id: string) {
      return objects.delete(k(kind, id));
    },
    list<T extends StoredObject>(kind: KindName) {
      return { items: [...objects.entries()].filter(([key]) => key.startsWith(`${kind}/`)).map(([, o]) => structuredClone(o) as T) };
    },
    async waitForChange(kind: KindName, id: string, etag: string | undefined, timeoutMs: number) {
      const deadline = Date.now() + timeoutMs;
      while (Date.now() < deadline) {
        const o = store.get(kind, id);
        if (!o || o.etag !== etag) return o;
        await new Promise<void>((r) => {
          waiters.push(r);
          setTimeout(r, Math.max(0, deadline - Date.now()));
        });
      }
      return store.get(kind, id);
    },
    putChild(kind: KindName, id: string, child: string, key: string, value: unknown) {
      children.set(`${k(kind, id)}/${child}/${key}`, structuredClone(value));
    },
    getChild<T>(kind: KindName, id: string, child: string, key: string) {
      return children.get(`${k(kind, id)}/${child}/${key}`) as T | undefined;
    },
    listChildren<T>(kind: KindName, id: string, child: string) {
      const prefix = `${k(kind, id)}/${child}/`;
      return [...children.entries()].filter(([key]) => key.startsWith(prefix)).map(([, v]) => v as T);
    },
    deleteChild(kind: KindName, id: string, child: string, key: string) {
      return children.delete(`${k(kind, id)}/${child}/${key}`);
    },
    *documents() {
      for (const doc of [...objects.values(), ...children.values()]) yield structuredClone(doc);
    },
    /** Every write is at once "committed" here. */
    committed: () => undefined,
  };
  return store;
}

export function memoryContext(): PlatformContext & { registerModel(name: string, artifactPaths: string[]): string; waitFor<T extends StoredObject>(kind: KindName, id: string, done: (o: T) => boolean, timeoutMs?: number): Promise<T> } {
  const store = memoryStore();
  const artifacts = new Map<string, string>();
  const ctx = {
    dataDir: "/tmp",
    allowedRoots: ["/tmp"],
    store,
    artifacts: {
      stats: { puts: 0, bytesWritten: 0, bytesHashed: 0, scrubbed: 0 },
      async put(path: string) {
        const digest = `sha256:${randomBytes(8).toString("hex")}`;
        artifacts.set(digest, path);
        return { digest, sizeBytes: 1 };
      },
      async path(digest: string) {
        const p = artifacts.get(digest);
        if (!p) throw new Error(`no artifact ${digest}`);
        return p;
      },
      /** Nothing is leased here: artifacts live as long as the context. */
      release() {},
      // The artifact sweep and scrub work on the real CAS (test/platform/artifact-integrity.test.ts).
      sweep(): never {
        throw new Error("the in-memory context has no artifact store to sweep");
      },
      async scrub(): Promise<never> {
        throw new Error("the in-memory context has no artifact store to scrub");
      },
    },
    controllers: {} as Record<KindName, KindController>,
    resolvePath: (p: string) => p,
    openPath: (p: string, field: string) => ContainedPath.open(p, field, ["/tmp"]),
    log: () => {},
    registerModel(name: string, artifactPaths: string[]): string {
      const id = `md-${randomBytes(4).toString("hex")}`;
      artifactPaths.forEach((path, i) => {
        const digest = `sha256:${name}-${i + 1}`;
        artifacts.set(digest, path);
        const v: ModelVersion = { version: i + 1, status: "Ready", source: path, format: "logreg-json", artifactDigest: digest, sizeBytes: 1, metrics: {}, createdAt: new Date().toISOString() };
        store.putChild("models", id, "versions", String(i + 1), v);
      });
      store.insert("models", { id, name, status: "Ready", tags: {}, latestVersion: artifactPaths.length, format: "logreg-json", source: artifactPaths.at(-1), metrics: {}, versions: [] });
      return id;
    },
    async waitFor<T extends StoredObject>(kind: KindName, id: string, done: (o: T) => boolean, timeoutMs = 20_000): Promise<T> {
      const deadline = Date.now() + timeoutMs;
      let o = store.get<T>(kind, id);
      while (o && !done(o) && Date.now() < deadline) o = (await store.waitForChange(kind, id, o.etag, deadline - Date.now())) as T | undefined;
      if (!o || !done(o)) throw new Error(`${kind}/${id} did not reach the expected state: ${JSON.stringify(o)}`);
      return o;
    },
  };
  return ctx;
}
