// Datasets: a source file or directory ingested into the artifact store as numbered versions. The sample
// count depends on the format (csv: rows after the header; jsonl: lines, each must parse; files: files).
// New source content makes a new version; the same content makes none.
// Ingests run in the background (issue 18 §3): a create answers at once (Creating, with `progress`), and so
// does a PATCH whose new source is ASYNC_INGEST_BYTES or more (Ingesting); the source is read once, its bytes
// hashed and written by the artifact store and counted here on the same pass. A shutdown cuts a running ingest
// short and recover() runs it again at the next start; a delete stops its dataset's ingest.
import { basename } from "node:path";
import { DatasetPatch, DatasetSpec, DatasetVersion, Page, type Dataset } from "../../schemas/index";
import { newId } from "../core/ids";
import { type KindController, type PlatformContext, type Problem, type StoredObject, type ValidateOptions } from "../core/types";
import { collectProblem, HttpError, refuseProblems } from "../core/errors";
import { nameProblem } from "../core/rules";
import { everyObject } from "../core/store";
import { PerObjectQueue, perPlatform } from "../core/runtime-state";
import { bytesToCopy, progressWriter } from "../core/progress";

type DatasetObject = Dataset & StoredObject;
/** A stored version; `fileName` (single-file sources) names the data file for training jobs. */
export type StoredDatasetVersion = DatasetVersion & { fileName?: string };

const KIND = "datasets" as const;

const isSpace = (b: number) => b === 0x20 || (b >= 0x09 && b <= 0x0d);

/**
 * Counts the samples of one csv/jsonl file from its bytes as they are copied (csv: rows after the header;
 * jsonl: lines, each must parse; blank lines skipped). Lines end at LF, CR or CRLF, as readline splits them,
 * so line numbers in messages are the ones an editor shows. A csv line is kept in memory only until its first
 * visible character; a jsonl line whole (it is parsed).
 */
class SampleCounter {
  total = 0;
  private lineNo = 0;
  private parts: Buffer[] = [];
  /** csv: the current line has a visible ASCII character (so it is not blank). */
  private visible = false;
  private sawHeader = false;
  private lastCR = false;

  constructor(private readonly format: "csv" | "jsonl", private readonly where: string) {}

  data(chunk: Buffer): void {
    let pos = 0;
    let nl = -2;
    let cr = -2;
    while (pos < chunk.length) {
      if (this.lastCR && chunk[pos] === 0x0a) {
        pos++; // the LF of a CRLF: that line already ended
        this.lastCR = false;
        continue;
      }
      this.lastCR = false;
      if (nl !== -1 && nl < pos) nl = chunk.indexOf(0x0a, pos);
      if (cr !== -1 && cr < pos) cr = chunk.indexOf(0x0d, pos);
      const end = nl === -1 ? cr : cr === -1 ? nl : Math.min(nl, cr);
      if (end === -1) {
        this.take(chunk.subarray(pos));
        return;
      }
      this.take(chunk.subarray(pos, end));
      this.endLine();
      this.lastCR = chunk[end] === 0x0d;
      pos = end + 1;
    }
  }

  /** After the file's last byte; throws for a csv file without a header. */
  end(): void {
    if (this.parts.length || this.visible) this.endLine();
    if (this.format === "csv" && !this.sawHeader) throw new Error(`${this.where}the CSV file is empty (a header line is required)`);
  }

  private take(segment: Buffer): void {
    if (segment.length === 0) return;
    if (this.format === "jsonl") {
      this.parts.push(Buffer.from(segment)); // a copy: the chunk's memory is the stream's
      return;
    }
    if (this.visible) return;
    for (let i = 0; i < segment.length; i++) {
      const b = segment[i];
      if (b < 0x80 && !isSpace(b)) {
        this.visible = true;
        this.parts = [];
        return;
      }
    }
    this.parts.push(Buffer.from(segment)); // only whitespace so far, or non-ASCII to judge by trim()
  }

  private endLine(): void {
    this.lineNo++;
    const text = this.visible ? undefined : Buffer.concat(this.parts).toString("utf8");
    this.parts = [];
    const blank = text !== undefined && text.trim() === "";
    this.visible = false;
    if (blank) return;
    if (this.format === "csv") {
      if (this.sawHeader) this.total++;
      this.sawHeader = true;
      return;
    }
    try {
      JSON.parse(text!);
    } catch {
      // Not the parser's message: it quotes the line, and a message must never echo file content.
      throw new Error(`${this.where}line ${this.lineNo} is not JSON`);
    }
    this.total++;
  }
}

/**
 * Copies the source into the store and describes it; throws with a readable reason. The source is opened
 * once (ctx.openPath) and read once: the bytes the store hashes and writes are the bytes counted here, so what
 * is counted is what was stored. A csv/jsonl directory counts its files with that extension.
 */
async function ingest(ctx: PlatformContext, source: string, format: Dataset["format"], opts: { signal?: AbortSignal; progress?: (bytesDone: number) => void } = {}) {
  const opened = ctx.openPath(source, "source");
  ctx.log("dataset ingest started", { source });
  let stored: { digest: string; sizeBytes: number };
  let samples = 0;
  let dataFiles = 0;
  try {
    stored = await ctx.artifacts.put(opened, {
      signal: opts.signal,
      progress: opts.progress,
      file(rel) {
        if (format !== "files" && opened.isDirectory && !rel.toLowerCase().endsWith(`.${format}`)) return undefined;
        dataFiles++;
        if (format === "files") {
          samples++;
          return undefined;
        }
        const counter = new SampleCounter(format, opened.isDirectory ? `${rel}: ` : "");
        return {
          data: (chunk) => counter.data(chunk),
          end: () => {
            counter.end();
            samples += counter.total;
          },
        };
      },
    });
  } finally {
    opened.close();
  }
  if (format !== "files" && opened.isDirectory && dataFiles === 0) {
    ctx.artifacts.release(stored.digest);
    throw new Error(`the directory holds no .${format} file`);
  }
  return { ...stored, sampleCount: samples, fileName: opened.isDirectory ? undefined : basename(opened.realPath) };
}

function fromVersion(v: StoredDatasetVersion): Partial<DatasetObject> {
  return { status: v.status, latestVersion: v.version, digest: v.digest, sampleCount: v.sampleCount, sizeBytes: v.sizeBytes, statusMessage: v.statusMessage };
}

function clean<T extends object>(o: T): T {
  for (const k of Object.keys(o) as (keyof T)[]) if (o[k] === undefined) delete o[k];
  return o;
}

/** Ingests per dataset one at a time, so a PATCH arriving during the first ingest numbers after it. */
const ingests = perPlatform(() => new PerObjectQueue());
/**
 * Background ingests: aborted all at shutdown (a cut-short ingest stays Creating and recover() runs it again
 * after the restart), or one by its dataset's delete (which then need not wait for a long copy).
 */
const copies = perPlatform(() => ({ stopping: new AbortController(), byDataset: new Map<string, AbortController>() }));

/** Ingests version 1 of a new dataset in the background, with progress; the object goes Ready or Failed. */
async function ingestFirstVersion(ctx: PlatformContext, id: string): Promise<void> {
  const ds = ctx.store.get<DatasetObject>(KIND, id);
  if (!ds) return;
  const state = copies(ctx);
  if (state.stopping.signal.aborted) return;
  const mine = new AbortController();
  state.byDataset.set(id, mine);
  const signal = AbortSignal.any([state.stopping.signal, mine.signal]);
  let version: StoredDatasetVersion;
  try {
    const total = ds.progress?.bytesTotal ?? 0;
    const progress = progressWriter(ctx, KIND, id, total, (o) => o.status === "Creating");
    const ingested = await ingest(ctx, ds.source, ds.format, { signal, progress });
    version = clean({ version: 1, status: "Ready", source: ds.source, createdAt: new Date().toISOString(), ...ingested });
  } catch (err) {
    if (signal.aborted) return; // shutting down (still Creating: recover() ingests it again), or deleted
    const message = `ingest of ${ds.source} failed: ${(err as Error).message}`;
    version = { version: 1, status: "Failed", source: ds.source, digest: "", sampleCount: 0, sizeBytes: 0, createdAt: new Date().toISOString(), statusMessage: message };
  } finally {
    if (state.byDataset.get(id) === mine) state.byDataset.delete(id);
  }
  try {
    if (!ctx.store.get(KIND, id)) return; // deleted meanwhile
    ctx.store.putChild(KIND, id, "versions", "1", version);
    ctx.store.update<DatasetObject>(KIND, id, (cur) => {
      const next = clean({ ...cur, ...fromVersion(version) });
      delete next.progress;
      return next;
    });
  } finally {
    if (version.digest) ctx.artifacts.release(version.digest);
  }
}

/** A new source of at least this many bytes is ingested after the PATCH has answered (status Ingesting). */
export const ASYNC_INGEST_BYTES = 8 * 1024 * 1024;

/**
 * Ingests `source` as the dataset's next version, unless its content is the latest version's; returns the
 * version it recorded (or undefined). Throws with the ingest's reason.
 */
async function addVersion(ctx: PlatformContext, cur: DatasetObject, source: string, copy: { signal?: AbortSignal; progress?: (bytesDone: number) => void } = {}): Promise<StoredDatasetVersion | undefined> {
  const ingested = await ingest(ctx, source, cur.format, copy);
  try {
    const latest = ctx.store.getChild<StoredDatasetVersion>(KIND, cur.id, "versions", String(cur.latestVersion));
    if (latest && latest.status === "Ready" && latest.digest === ingested.digest) return undefined;
    const version = clean({ version: cur.latestVersion + 1, status: "Ready" as const, source, createdAt: new Date().toISOString(), ...ingested });
    ctx.store.putChild(KIND, cur.id, "versions", String(version.version), version);
    return version;
  } finally {
    ctx.artifacts.release(ingested.digest);
  }
}

/** The object after `source` was ingested (as `added`, or as the content it already had): Ready on it. */
function sourceIngested(next: DatasetObject, source: string, added: StoredDatasetVersion | undefined): void {
  Object.assign(next, added ? fromVersion(added) : {}, { source, status: "Ready" });
  delete next.statusMessage;
  delete next.progress;
}

/** Ingests a PATCH's large source in the background; the object goes back to Ready, or Failed with the reason. */
async function ingestPendingVersion(ctx: PlatformContext, id: string): Promise<void> {
  const cur = ctx.store.get<DatasetObject>(KIND, id);
  const source = ctx.store.getChild<string>(KIND, id, "meta", "pendingSource");
  if (!cur || cur.status !== "Ingesting" || source === undefined) return;
  const state = copies(ctx);
  if (state.stopping.signal.aborted) return;
  const mine = new AbortController();
  state.byDataset.set(id, mine);
  const signal = AbortSignal.any([state.stopping.signal, mine.signal]);
  let added: StoredDatasetVersion | undefined;
  let failure: string | undefined;
  try {
    const progress = progressWriter(ctx, KIND, id, cur.progress?.bytesTotal ?? 0, (o) => o.status === "Ingesting");
    added = await addVersion(ctx, cur, source, { signal, progress });
  } catch (err) {
    if (signal.aborted) return; // shutting down (still Ingesting: recover() ingests it again), or deleted
    failure = `ingest of ${source} as version ${cur.latestVersion + 1} failed: ${(err as Error).message}`;
  } finally {
    if (state.byDataset.get(id) === mine) state.byDataset.delete(id);
  }
  if (!ctx.store.get(KIND, id)) return;
  ctx.store.deleteChild(KIND, id, "meta", "pendingSource");
  ctx.store.update<DatasetObject>(KIND, id, (o) => {
    const next: DatasetObject = { ...o };
    if (failure === undefined) sourceIngested(next, source, added);
    else {
      // The versions it had stay Ready and usable; the object says the new source did not make it.
      Object.assign(next, { status: "Failed", statusMessage: failure });
      delete next.progress;
    }
    return clean(next);
  });
}

/** validate's problems, and the source's resolved path when it passed (create sizes it without resolving again). */
async function checkSpec(spec: DatasetSpec, ctx: PlatformContext, opts?: ValidateOptions): Promise<{ problems: Problem[]; sourcePath?: string }> {
  const problems: Problem[] = [];
  let sourcePath: string | undefined;
  await collectProblem(problems, () => (sourcePath = ctx.resolvePath(spec.source, "source")));
  const taken = nameProblem(ctx, KIND, "dataset", spec, opts);
  if (taken) problems.push(taken);
  return { problems, sourcePath };
}

export const datasetController: KindController = {
  kind: KIND,

  async validate(raw, ctx, opts) {
    return (await checkSpec(raw as DatasetSpec, ctx, opts)).problems;
  },

  async validatePatch(_current, raw, ctx) {
    const patch = raw as DatasetPatch;
    const problems: Problem[] = [];
    if (patch.source !== undefined) await collectProblem(problems, () => ctx.resolvePath(patch.source!, "source"));
    return problems;
  },

  async create(raw, ctx) {
    const spec = raw as DatasetSpec;
    const checked = await checkSpec(spec, ctx);
    refuseProblems(checked.problems, "dataset spec");
    // What the ingest will read, by stats alone, so the first answer already says how much there is to do.
    const bytesTotal = bytesToCopy(checked.sourcePath!);
    const obj = ctx.store.insert<DatasetObject>(
      KIND,
      clean({
        id: newId("datasets"),
        name: spec.name,
        format: spec.format,
        source: spec.source,
        description: spec.description,
        tags: spec.tags ?? {},
        status: "Creating" as const,
        statusMessage: "ingesting version 1",
        latestVersion: 0,
        progress: { bytesDone: 0, bytesTotal },
      }),
    );
    void ingests(ctx).run(obj.id, () => ingestFirstVersion(ctx, obj.id)).catch((err) => ctx.log("dataset ingest crashed", { id: obj.id, error: String(err) }));
    return obj;
  },

  async patch(current, raw, ctx) {
    const patch = raw as DatasetPatch;
    refuseProblems(await datasetController.validatePatch(current, patch, ctx), "dataset patch"); // 422 before waiting in line
    const bytesTotal = patch.source !== undefined ? bytesToCopy(ctx.resolvePath(patch.source, "source")) : 0;
    return ingests(ctx).run(current.id, async () => {
      const cur = ctx.store.get<DatasetObject>(KIND, current.id);
      if (!cur) throw HttpError.notFound(`dataset ${current.id} does not exist`);
      const applyMeta = (o: DatasetObject): DatasetObject => ({
        ...o,
        ...(patch.description !== undefined ? { description: patch.description } : {}),
        ...(patch.tags !== undefined ? { tags: patch.tags } : {}),
      });
      if (patch.source !== undefined && bytesTotal >= ASYNC_INGEST_BYTES) {
        // Large: answered now (Ingesting, with progress), ingested next in this dataset's line.
        ctx.store.putChild(KIND, cur.id, "meta", "pendingSource", patch.source);
        const answered = ctx.store.update<DatasetObject>(KIND, cur.id, (o) =>
          clean({ ...applyMeta(o), status: "Ingesting" as const, statusMessage: `ingesting ${patch.source} as version ${o.latestVersion + 1}`, progress: { bytesDone: 0, bytesTotal } }),
        );
        void ingests(ctx).run(cur.id, () => ingestPendingVersion(ctx, cur.id)).catch((err) => ctx.log("dataset ingest crashed", { id: cur.id, error: String(err) }));
        return answered;
      }
      let added: StoredDatasetVersion | undefined;
      if (patch.source !== undefined) {
        try {
          added = await addVersion(ctx, cur, patch.source);
        } catch (err) {
          throw HttpError.unprocessable(`cannot ingest ${patch.source} as ${cur.format}: ${(err as Error).message}`, "source");
        }
      }
      return ctx.store.update<DatasetObject>(KIND, cur.id, (o) => {
        const next = applyMeta(o);
        if (patch.source !== undefined) sourceIngested(next, patch.source, added);
        return clean(next);
      });
    });
  },

  async remove(current, ctx) {
    copies(ctx).byDataset.get(current.id)?.abort(); // a background copy stops instead of finishing first
    await ingests(ctx).run(current.id, async () => ctx.store.delete(KIND, current.id));
  },

  async recover(ctx) {
    // An ingest interrupted by a restart is simply run again: the source is still where it was.
    for (const ds of everyObject<DatasetObject>(ctx.store, KIND)) {
      if (ds.status === "Creating" && ds.latestVersion === 0) void ingests(ctx).run(ds.id, () => ingestFirstVersion(ctx, ds.id));
      if (ds.status === "Ingesting") void ingests(ctx).run(ds.id, () => ingestPendingVersion(ctx, ds.id));
    }
  },

  async shutdown(ctx) {
    copies(ctx).stopping.abort();
    await ingests(ctx).drain();
  },

  extraRoutes: [
    {
      method: "GET",
      path: "/versions",
      response: Page(DatasetVersion),
      async handler(current, _params, _query, ctx) {
        return { items: ctx.store.listChildren<StoredDatasetVersion>(KIND, current.id, "versions") };
      },
    },
    {
      method: "GET",
      path: "/versions/:version",
      response: DatasetVersion,
      async handler(current, params, _query, ctx) {
        const v = ctx.store.getChild<StoredDatasetVersion>(KIND, current.id, "versions", params.version);
        if (!v) throw HttpError.notFound(`dataset ${current.name} has no version ${params.version}`);
        return v;
      },
    },
  ],
};

/** Where a training job finds a dataset version: the stored directory, or a file and its name. */
export async function datasetVersionLocation(ctx: PlatformContext, datasetId: string, version: number) {
  const v = ctx.store.getChild<StoredDatasetVersion>(KIND, datasetId, "versions", String(version));
  if (!v || v.status !== "Ready") return undefined;
  return { path: await ctx.artifacts.path(v.digest), fileName: v.fileName, version: v };
}

