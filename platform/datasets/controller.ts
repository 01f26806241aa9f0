// Datasets: a source file or directory ingested into the artifact store as numbered versions. The sample
// count depends on the format (csv: rows after the header; jsonl: lines, each must parse; files: files).
// New source content makes a new version; the same content makes none.
import { createReadStream, statSync } from "node:fs";
import { basename, relative, sep } from "node:path";
import { createInterface } from "node:readline";
import { DatasetPatch, DatasetSpec, DatasetVersion, Page, type Dataset } from "../../schemas/index";
import { listFiles } from "../core/artifacts";
import { newId } from "../core/ids";
import { type KindController, type PlatformContext, type Problem, type StoredObject } from "../core/types";
import { collectProblem, HttpError, refuseProblems } from "../core/errors";
import { nameProblem } from "../core/rules";
import { everyObject } from "../core/store";
import { PerObjectQueue, perPlatform } from "../core/runtime-state";

type DatasetObject = Dataset & StoredObject;
/** A stored version; `fileName` (single-file sources) names the data file for training jobs. */
export type StoredDatasetVersion = DatasetVersion & { fileName?: string };

const KIND = "datasets" as const;

/** Each line of a file, without its line break. */
async function* lines(path: string): AsyncGenerator<string> {
  const rl = createInterface({ input: createReadStream(path), crlfDelay: Infinity });
  for await (const line of rl) yield line;
}

/** The data files of a csv/jsonl source: the file itself, or the files in the directory with that extension. */
function dataFiles(root: string, format: "csv" | "jsonl"): string[] {
  if (statSync(root).isFile()) return [root];
  const files = listFiles(root).filter((f) => f.toLowerCase().endsWith(`.${format}`)).sort();
  if (files.length === 0) throw new Error(`the directory holds no .${format} file`);
  return files;
}

async function countSamples(path: string, format: Dataset["format"]): Promise<number> {
  if (format === "files") return statSync(path).isFile() ? 1 : listFiles(path).length;
  let total = 0;
  for (const file of dataFiles(path, format)) {
    const where = statSync(path).isFile() ? "" : `${relative(path, file).split(sep).join("/")}: `;
    let n = 0;
    let sawHeader = false;
    for await (const line of lines(file)) {
      n++;
      if (line.trim() === "") continue;
      if (format === "csv") {
        if (sawHeader) total++;
        sawHeader = true;
      } else {
        try {
          JSON.parse(line);
        } catch {
          // Not the parser's message: it quotes the line, and a message must never echo file content.
          throw new Error(`${where}line ${n} is not JSON`);
        }
        total++;
      }
    }
    if (format === "csv" && !sawHeader) throw new Error(`${where}the CSV file is empty (a header line is required)`);
  }
  return total;
}

/**
 * Copies the source into the store and describes it; throws with a readable reason. The source is opened
 * once (ctx.openPath) and copied through that descriptor; samples are counted in the stored copy, which no
 * one can swap, so what is counted is what was stored.
 */
async function ingest(ctx: PlatformContext, source: string, format: Dataset["format"]) {
  const opened = ctx.openPath(source, "source");
  let stored: { digest: string; sizeBytes: number };
  try {
    stored = await ctx.artifacts.put(opened);
  } finally {
    opened.close();
  }
  let sampleCount: number;
  try {
    sampleCount = await countSamples(await ctx.artifacts.path(stored.digest), format);
  } catch (err) {
    ctx.artifacts.release(stored.digest);
    throw err;
  }
  return { ...stored, sampleCount, fileName: opened.isDirectory ? undefined : basename(opened.realPath) };
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

/** Ingests version 1 of a new dataset in the background; the object goes Ready or Failed. */
async function ingestFirstVersion(ctx: PlatformContext, id: string): Promise<void> {
  const ds = ctx.store.get<DatasetObject>(KIND, id);
  if (!ds) return;
  let version: StoredDatasetVersion;
  try {
    version = clean({ version: 1, status: "Ready", source: ds.source, createdAt: new Date().toISOString(), ...(await ingest(ctx, ds.source, ds.format)) });
  } catch (err) {
    const message = `ingest of ${ds.source} failed: ${(err as Error).message}`;
    version = { version: 1, status: "Failed", source: ds.source, digest: "", sampleCount: 0, sizeBytes: 0, createdAt: new Date().toISOString(), statusMessage: message };
  }
  try {
    if (!ctx.store.get(KIND, id)) return; // deleted meanwhile
    ctx.store.putChild(KIND, id, "versions", "1", version);
    ctx.store.update<DatasetObject>(KIND, id, (cur) => clean({ ...cur, ...fromVersion(version) }));
  } finally {
    if (version.digest) ctx.artifacts.release(version.digest);
  }
}

export const datasetController: KindController = {
  kind: KIND,

  async validate(raw, ctx, opts) {
    const spec = raw as DatasetSpec;
    const problems: Problem[] = [];
    await collectProblem(problems, () => ctx.resolvePath(spec.source, "source"));
    const taken = nameProblem(ctx, KIND, "dataset", spec, opts);
    if (taken) problems.push(taken);
    return problems;
  },

  async validatePatch(_current, raw, ctx) {
    const patch = raw as DatasetPatch;
    const problems: Problem[] = [];
    if (patch.source !== undefined) await collectProblem(problems, () => ctx.resolvePath(patch.source!, "source"));
    return problems;
  },

  async create(raw, ctx) {
    const spec = raw as DatasetSpec;
    refuseProblems(await datasetController.validate(spec, ctx), "dataset spec");
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
      }),
    );
    void ingests(ctx).run(obj.id, () => ingestFirstVersion(ctx, obj.id)).catch((err) => ctx.log("dataset ingest crashed", { id: obj.id, error: String(err) }));
    return obj;
  },

  async patch(current, raw, ctx) {
    const patch = raw as DatasetPatch;
    refuseProblems(await datasetController.validatePatch(current, patch, ctx), "dataset patch"); // 422 before waiting in line
    return ingests(ctx).run(current.id, async () => {
      let version: StoredDatasetVersion | undefined;
      const cur = ctx.store.get<DatasetObject>(KIND, current.id);
      if (!cur) throw HttpError.notFound(`dataset ${current.id} does not exist`);
      if (patch.source !== undefined) {
        let ingested;
        try {
          ingested = await ingest(ctx, patch.source, cur.format);
        } catch (err) {
          throw HttpError.unprocessable(`cannot ingest ${patch.source} as ${cur.format}: ${(err as Error).message}`, "source");
        }
        const latest = ctx.store.getChild<StoredDatasetVersion>(KIND, cur.id, "versions", String(cur.latestVersion));
        if (!latest || latest.digest !== ingested.digest) {
          version = clean({ version: cur.latestVersion + 1, status: "Ready" as const, source: patch.source, createdAt: new Date().toISOString(), ...ingested });
          ctx.store.putChild(KIND, cur.id, "versions", String(version.version), version);
        }
        ctx.artifacts.release(ingested.digest);
      }
      return ctx.store.update<DatasetObject>(KIND, cur.id, (o) => {
        const next: DatasetObject = { ...o, ...(version ? fromVersion(version) : {}) };
        if (version) delete next.statusMessage;
        if (patch.source !== undefined) next.source = patch.source;
        if (patch.description !== undefined) next.description = patch.description;
        if (patch.tags !== undefined) next.tags = patch.tags;
        return clean(next);
      });
    });
  },

  async remove(current, ctx) {
    await ingests(ctx).run(current.id, async () => ctx.store.delete(KIND, current.id));
  },

  async recover(ctx) {
    // An ingest interrupted by a restart is simply run again: the source is still where it was.
    for (const ds of everyObject<DatasetObject>(ctx.store, KIND)) {
      if (ds.status === "Creating" && ds.latestVersion === 0) void ingests(ctx).run(ds.id, () => ingestFirstVersion(ctx, ds.id));
    }
  },

  async shutdown(ctx) {
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

