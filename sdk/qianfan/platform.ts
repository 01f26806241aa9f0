// The Baidu Qianfan driver: the `Platform` interface over the console API V2. Dataset = a V2 dataset whose
// versions are CreateDatasetVersion + CreateImportTask (from BOS; a local file is uploaded to BOS over S3
// first, only when its content changed) + PublishDatasetVersion; TrainingJob = a fine-tuning job (base
// model, train mode) with one task (the run: hyper-parameters, dataset version, split ratio); Model = a
// custom model set whose versions publish finished runs (CreateCustomModel, sourceType Train); Service =
// CreateService/DescribeService/ModifyService (model version in place). Ids are the vendor's, opaque.
// The vendor has no service delete: delete refuses with what to do by hand. Vendor objects carry no etag,
// so each neutral object's etag is a hash of its content and waits poll. Creates look for what a
// failed-but-maybe-applied attempt made before re-sending (names are unique per account on Qianfan).
import { existsSync, statSync } from "node:fs";
import { basename, isAbsolute, resolve } from "node:path";
import type { LocalFlavor } from "../../schemas";
import { contentDigest } from "../digest";
import { ConflictError, InvalidError, NotFoundError } from "../errors";
import type { CloudConfig } from "../cloud/config";
import { ObjectStore, holdsUploadedBytes } from "../cloud/object-store";
import { checkIfMatch } from "../cloud/if-match";
import { notOffered } from "../cloud/not-offered";
import { etagOf, pollUntilChanged } from "../cloud/poll";
import { firstFound, type RetryPolicy } from "../retry";
import type { DatasetClient, KindClient, ListFilter, ModelClient, PerfJobClient, Platform, ServiceClient, TrainingJobClient } from "../platform";
import { QianfanApi, VENDOR, type Area } from "./api";

/** Neutral dataset format → V2 dataFormat (prompt/response JSON lines: what SFT reads). */
const FORMAT_TO_VENDOR: Record<string, string> = { jsonl: "PromptResponse" };
const FORMAT_FROM_VENDOR: Record<string, string> = { PromptResponse: "jsonl" };
/** Neutral pool name (Service.flavor) ↔ resourceConfig.type (DeployPoolType: 1 public, 2 private). */
const POOL_TO_VENDOR: Record<string, string> = { public: "PublicResource", private: "PrivateResource" };
const POOL_FROM_VENDOR: Record<string, string> = { PublicResource: "public", PrivateResource: "private" };
/** Where local dataset files go in the BOS bucket (under a digest prefix: the same bytes are sent once). */
const UPLOAD_ROOT = "mlplatform/datasets/";
const OUTPUT_URI = /^qianfan:\/\/finetuning\/([^/]+)\/([^/]+)$/;

type Obj = { id: string; name: string; etag: string; status: string } & Record<string, any>;

export interface QianfanPlatformOptions {
  config: CloudConfig;
  retry?: RetryPolicy;
  requestTimeoutMs?: number;
  pollIntervalMs?: number;
  pollMaxIntervalMs?: number;
}

export class QianfanPlatform implements Platform {
  readonly backend = "qianfan";
  readonly api: QianfanApi;
  readonly store: ObjectStore;
  readonly datasets: DatasetClient;
  readonly trainingJobs: TrainingJobClient;
  readonly models: ModelClient;
  readonly perfJobs: PerfJobClient;
  readonly services: ServiceClient;

  constructor(private readonly opts: QianfanPlatformOptions) {
    this.api = new QianfanApi(opts.config, opts.retry, opts.requestTimeoutMs);
    this.store = new ObjectStore({ endpoint: opts.config.objectStoreEndpoint, region: opts.config.region, credentials: opts.config.credentials });
    // The neutral objects are built field by field below; the client types check the verbs.
    this.datasets = this.datasetClient() as unknown as DatasetClient;
    this.trainingJobs = this.trainingJobClient() as unknown as TrainingJobClient;
    this.models = this.modelClient() as unknown as ModelClient;
    this.perfJobs = notOffered(VENDOR, "PerfJob") as unknown as PerfJobClient;
    this.services = this.serviceClient() as unknown as ServiceClient;
  }

  /** The resource pools a service can run in (Service.flavor). */
  async flavors(): Promise<LocalFlavor[]> {
    return [
      { name: "public", cpuShare: 0, maxReplicas: 16, maxConcurrency: 1, description: "Qianfan public resource pool (pay as you go)" },
      { name: "private", cpuShare: 0, maxReplicas: 16, maxConcurrency: 1, description: "Qianfan private resource pool (prepaid: the service waits for payment in the console)" },
    ];
  }

  private call<T = any>(area: Area, action: string, body: Record<string, unknown>, beforeResend?: () => Promise<T | undefined>): Promise<T> {
    return this.api.call<T>(area, action, body, { beforeResend });
  }

  private poll(get: () => Promise<Obj>, etag: string, timeoutMs: number): Promise<Obj> {
    return pollUntilChanged(get, etag, timeoutMs, { intervalMs: this.opts.pollIntervalMs, maxIntervalMs: this.opts.pollMaxIntervalMs });
  }

  // ------------------------------------------------------------------------------------------ datasets

  private async datasetVersions(datasetId: string): Promise<any[]> {
    const out: any[] = [];
    let marker: string | undefined;
    for (;;) {
      const r = await this.call("dataset", "DescribeDatasetVersions", { datasetId, maxKeys: 100, pageReverse: false, ...(marker ? { marker } : {}) });
      out.push(...(r.versions ?? []));
      if (!r.isTruncated || !r.nextMarker) return out.sort((a, b) => a.versionNumber - b.versionNumber);
      marker = r.nextMarker;
    }
  }

  private async findDatasets(name: string): Promise<any[]> {
    const r = await this.call("dataset", "DescribeDatasets", { maxKeys: 100, pageReverse: false, filter: { datasetName: name } });
    return (r.datasets ?? []).filter((d: any) => d.datasetName === name);
  }

  /** A new version of `datasetId` holding `source` (a bos:// path or a local file, uploaded first), published. */
  private async addDatasetVersion(datasetId: string, source: string, description: string | undefined): Promise<void> {
    const file = await this.bosPath(source);
    const before = new Set((await this.datasetVersions(datasetId)).map((v) => v.versionId));
    // A lost answer may have made the version: the one that was not there before is ours.
    const created = await this.call("dataset", "CreateDatasetVersion", { datasetId, ...(description ? { description } : {}) }, async () => {
      const mine = (await this.datasetVersions(datasetId)).find((v) => !before.has(v.versionId));
      return mine ? { versionId: mine.versionId } : undefined;
    });
    const versionId = created.versionId as string;
    await this.call("dataset", "CreateImportTask", { versionId, files: [file] }, async () => {
      const v = await this.call("dataset", "DescribeDatasetVersion", { versionId });
      return v.importTaskId ? { taskId: v.importTaskId } : undefined;
    });
    // Publishing needs the import done; the dataset's status shows both (the handler waits on it).
    const deadline = Date.now() + 10 * 60_000;
    for (let pause = 200; ; pause = Math.min(pause * 1.5, 5_000)) {
      const v = await this.call("dataset", "DescribeDatasetVersion", { versionId });
      if (v.importStatus === "Failed") return; // the dataset reports it as Failed, with the vendor's message
      if (v.importStatus === "Done") break;
      if (Date.now() > deadline) throw new InvalidError(`Qianfan dataset ${datasetId}: import into version ${v.versionNumber} did not finish in 10 minutes (status ${v.importStatus})`, 400);
      await new Promise((r) => setTimeout(r, pause));
    }
    await this.call("dataset", "PublishDatasetVersion", { versionId });
  }

  private datasetClient() {
    const get = async (id: string): Promise<Obj> => {
      const found = await this.call("dataset", "DescribeDatasets", { maxKeys: 1, pageReverse: false, filter: { datasetId: id } });
      const d = (found.datasets ?? []).find((x: any) => x.datasetId === id);
      if (!d) throw new NotFoundError(`Qianfan DescribeDatasets: no dataset ${id}`, 404, "not_found");
      return withEtag(datasetObject(d, await this.datasetVersions(id)));
    };
    const client: KindClient<any, any, Obj> = {
      create: async (spec) => {
        if (!FORMAT_TO_VENDOR[spec.format]) throw new InvalidError(`Qianfan datasets for fine-tuning are jsonl (got ${spec.format})`, 400, "format");
        if ((await this.findDatasets(spec.name)).length) throw new ConflictError(`Qianfan CreateDataset: a dataset named "${spec.name}" already exists`, 409, "conflict");
        const r = await this.call("dataset", "CreateDataset", { datasetName: spec.name, dataFormat: FORMAT_TO_VENDOR[spec.format], storageType: "sysStorage" }, firstFound(() => this.findDatasets(spec.name), (mine) => ({ datasetId: mine.datasetId })));
        await this.addDatasetVersion(r.datasetId, spec.source, spec.description);
        return get(r.datasetId);
      },
      get,
      update: async (id, patch, opts = {}) => {
        const live = await get(id);
        checkIfMatch(live, opts.ifMatch, `dataset ${id}`);
        if (patch.source !== undefined && !(await sameContent(patch.source, live.source))) await this.addDatasetVersion(id, patch.source, live.description || undefined);
        return get(id);
      },
      delete: async (id) => {
        await this.call("dataset", "DeleteDataset", { datasetId: id });
      },
      list: async (filter: ListFilter = {}) => ({ items: filter.name ? await Promise.all((await this.findDatasets(filter.name)).map((d) => get(d.datasetId))) : [] }),
      listAll: async (filter = {}) => (filter.name ? Promise.all((await this.findDatasets(filter.name)).map((d) => get(d.datasetId))) : []),
      wait: (id, etag, timeoutMs) => this.poll(() => get(id), etag, timeoutMs),
    };
    return {
      ...client,
      versions: async (id: string) => (await this.datasetVersions(id)).map(datasetVersionObject),
    };
  }

  /** A dataset source as Qianfan imports it: bos:// as given, a local file uploaded to BOS (once per content). */
  private async bosPath(source: string): Promise<string> {
    if (source.startsWith("bos://")) return source;
    const local = isAbsolute(source) ? source : resolve(process.cwd(), source);
    if (!existsSync(local) || !statSync(local).isFile())
      throw new InvalidError(`dataset source ${source} is not a file (resolved to ${local}); Qianfan imports one JSON-lines file or a bos:// path`, 400, "source");
    const bucket = this.opts.config.objectStoreBucket;
    if (!bucket)
      throw new InvalidError(`dataset source ${basename(local)} is a local file: set mlplatform:objectStoreBucket (or QIANFAN_BOS_BUCKET) to the BOS bucket it should be uploaded to, or give a bos:// path`, 400, "source");
    const r = await this.store.uploadIfChanged(bucket, UPLOAD_ROOT, local, await contentDigest(local));
    console.log(`dataset source ${basename(local)}: ${r.uploaded ? "uploaded to" : "unchanged, already at"} bos://${r.bucket}/${r.prefix}`);
    return `bos://${r.bucket}/${r.prefix}${basename(local)}`;
  }

  // ------------------------------------------------------------------------------------- training jobs

  private trainingJobClient() {
    const get = async (id: string): Promise<Obj> => {
      const t = await this.call("finetuning", "DescribeFineTuningTask", { taskId: id });
      const dataset = await this.datasetOfVersion(t.datasetConfig?.versions?.[0]?.versionId);
      return withEtag(trainingJobObject(t, dataset));
    };
    const jobsNamed = async (name: string): Promise<any[]> => {
      const r = await this.call("finetuning", "DescribeFineTuningJobs", { maxKeys: 100, pageReverse: false, name });
      return (r.jobs ?? []).filter((j: any) => j.name === name);
    };
    const tasksOf = async (jobId: string): Promise<any[]> => (await this.call("finetuning", "DescribeFineTuningTasks", { jobId, maxKeys: 100, pageReverse: false })).tasks ?? [];
    const client: KindClient<any, any, Obj> = {
      create: async (spec) => {
        const hp = spec.hyperParameters ?? {};
        const versionId = await this.datasetVersionId(spec.datasetId, spec.datasetVersion);
        if ((await jobsNamed(spec.name)).length) throw new ConflictError(`Qianfan CreateFineTuningJob: a fine-tuning job named "${spec.name}" already exists`, 409, "conflict");
        const job = await this.call("finetuning", "CreateFineTuningJob", {
          name: spec.name, model: hp.baseModel, trainMode: hp.trainMode, ...(spec.description ? { description: spec.description } : {}),
        }, firstFound(() => jobsNamed(spec.name), (mine) => ({ jobId: mine.jobId })));
        const task = await this.call("finetuning", "CreateFineTuningTask", {
          jobId: job.jobId,
          parameterScale: hp.parameterScale,
          hyperParameterConfig: { epoch: hp.epoch, learningRate: hp.learningRate, maxSeqLen: hp.maxSeqLen },
          datasetConfig: { sourceType: "Platform", versions: [{ versionId }], splitRatio: hp.splitRatio },
          // One run per job: any task on our job is the one the lost answer made.
        }, firstFound(() => tasksOf(job.jobId), (mine) => ({ taskId: mine.taskId })));
        return get(task.taskId);
      },
      get,
      // Nothing of a run changes on Qianfan (the kind rules replace on every key).
      update: async (id) => get(id),
      delete: async (id) => {
        const live = await get(id);
        await this.call("finetuning", "DeleteFineTuningTask", { taskId: id });
        if ((await tasksOf(live.jobId)).length === 0) await this.call("finetuning", "DeleteFineTuningJob", { jobId: live.jobId });
      },
      list: async (filter: ListFilter = {}) => ({ items: await listRuns(filter) }),
      listAll: async (filter = {}) => listRuns(filter),
      wait: (id, etag, timeoutMs) => this.poll(() => get(id), etag, timeoutMs),
    };
    const listRuns = async (filter: ListFilter): Promise<Obj[]> => {
      if (!filter.name) return [];
      const jobs = await jobsNamed(filter.name);
      const tasks = (await Promise.all(jobs.map((j) => tasksOf(j.jobId)))).flat();
      return Promise.all(tasks.map((t) => get(t.taskId)));
    };
    return {
      ...client,
      // Qianfan's run logs and curves live on its VisualDL page (vdlLink); the console API serves no log lines.
      logs: async () => [],
      metrics: async (id: string) => {
        const t = await get(id);
        return Object.entries(t.finalMetrics ?? {}).map(([name, value]) => ({ step: 0, name, value: value as number, time: t.finishedAt ?? "" }));
      },
      stop: async (id: string) => {
        await this.call("finetuning", "StopFineTuningTask", { taskId: id });
        return get(id);
      },
    };
  }

  /** The version id of a dataset's numbered version (default: the newest published one). */
  private async datasetVersionId(datasetId: string, version: number | undefined): Promise<string> {
    const versions = await this.datasetVersions(datasetId);
    const v = version === undefined ? [...versions].reverse().find((x) => x.publishStatus === "Published") : versions.find((x) => x.versionNumber === version);
    if (!v) throw new InvalidError(`Qianfan dataset ${datasetId} has no ${version === undefined ? "published version" : `version ${version}`}`, 400, "datasetVersion");
    if (v.publishStatus !== "Published") throw new InvalidError(`Qianfan dataset ${datasetId} version ${v.versionNumber} is not published (${v.publishStatus}); fine-tuning needs a published version`, 400, "datasetVersion");
    return v.versionId;
  }

  private async datasetOfVersion(versionId: string | undefined): Promise<{ datasetId: string; version: number } | undefined> {
    if (!versionId) return undefined;
    try {
      const v = await this.call("dataset", "DescribeDatasetVersion", { versionId });
      return { datasetId: v.datasetId, version: v.versionNumber };
    } catch (e) {
      if (e instanceof NotFoundError) return undefined; // the dataset was deleted after the run
      throw e;
    }
  }

  // -------------------------------------------------------------------------------------------- models

  private modelClient() {
    const versionsOf = async (set: any): Promise<any[]> => Promise.all(((set.modelIds ?? []) as string[]).map((modelId) => this.call("model", "DescribeModel", { modelId })));
    const get = async (id: string): Promise<Obj> => {
      const set = await this.call("model", "DescribeModelSet", { modelSetId: id });
      return withEtag(modelObject(set, await versionsOf(set)));
    };
    const setsNamed = async (name: string): Promise<any[]> => {
      const r = await this.call("model", "DescribeCustomModelSets", { maxKeys: 100, pageReverse: false, modelSetName: name });
      return (r.modelSets ?? []).filter((s: any) => s.modelSetName === name);
    };
    const publish = async (modelSetId: string, source: string, description: string | undefined) => {
      const [, jobId, taskId] = OUTPUT_URI.exec(source) ?? [];
      if (!taskId) throw new InvalidError(`Qianfan model source must be a fine-tuning run's outputUri (qianfan://finetuning/<jobId>/<taskId>), got ${source}`, 400, "source");
      const before = new Set(((await this.call("model", "DescribeModelSet", { modelSetId })).modelIds ?? []) as string[]);
      await this.call("model", "CreateCustomModel", {
        modelSetId, sourceType: "Train", trainMeta: { jobId, taskId }, ...(description ? { description } : {}),
      }, async () => {
        const now = ((await this.call("model", "DescribeModelSet", { modelSetId })).modelIds ?? []) as string[];
        const mine = now.find((m) => !before.has(m));
        return mine ? { modelId: mine } : undefined;
      });
    };
    const client: KindClient<any, any, Obj> = {
      create: async (spec) => {
        if ((await setsNamed(spec.name)).length) throw new ConflictError(`Qianfan CreateCustomModelSet: a model named "${spec.name}" already exists`, 409, "conflict");
        const r = await this.call("model", "CreateCustomModelSet", { modelSetName: spec.name, modelType: "Text2Text" }, firstFound(() => setsNamed(spec.name), (mine) => ({ modelSetId: mine.modelSetId })));
        await publish(r.modelSetId, spec.source, spec.description);
        return get(r.modelSetId);
      },
      get,
      update: async (id, patch, opts = {}) => {
        const live = await get(id);
        checkIfMatch(live, opts.ifMatch, `model ${id}`);
        // Another run published as the next version of the same model set.
        if (patch.source !== undefined && patch.source !== live.source) await publish(id, patch.source, live.description || undefined);
        return get(id);
      },
      delete: async (id) => {
        const set = await this.call("model", "DescribeModelSet", { modelSetId: id });
        for (const modelId of (set.modelIds ?? []) as string[]) await this.call("model", "DeleteModel", { modelId });
        await this.call("model", "DeleteModelSet", { modelSetId: id });
      },
      list: async (filter: ListFilter = {}) => ({ items: filter.name ? await Promise.all((await setsNamed(filter.name)).map((s) => get(s.modelSetId))) : [] }),
      listAll: async (filter = {}) => (filter.name ? Promise.all((await setsNamed(filter.name)).map((s) => get(s.modelSetId))) : []),
      wait: (id, etag, timeoutMs) => this.poll(() => get(id), etag, timeoutMs),
    };
    return {
      ...client,
      versions: async (id: string) => (await get(id)).versionDetails,
      version: async (id: string, version: number) => {
        const v = (await get(id)).versionDetails.find((x: any) => x.version === version);
        if (!v) throw new NotFoundError(`Qianfan model ${id} has no version ${version}`, 404, "not_found");
        return v;
      },
      deleteVersion: async (id: string, version: number) => {
        const v = (await get(id)).versionIds[version];
        if (!v) throw new NotFoundError(`Qianfan model ${id} has no version ${version}`, 404, "not_found");
        await this.call("model", "DeleteModel", { modelId: v });
      },
    };
  }

  /** The vendor's model (version) id of a model set's numbered version. */
  private async modelVersionId(modelSetId: string, version: number): Promise<string> {
    const live = await (this.models as any).get(modelSetId);
    const id = live.versionIds[version];
    if (!id) throw new InvalidError(`Qianfan model ${modelSetId} has no version ${version} (versions: ${Object.keys(live.versionIds).join(", ") || "none"})`, 400, "models");
    return id;
  }

  // ------------------------------------------------------------------------------------------ services

  private serviceClient(): KindClient<any, any, Obj> {
    const get = async (id: string): Promise<Obj> => {
      const s = await this.call("service", "DescribeService", { serviceId: id });
      const set = s.modelSetId ? await this.call("model", "DescribeModelSet", { modelSetId: s.modelSetId }).catch(() => undefined) : undefined;
      const version = set ? ((set.modelIds ?? []) as string[]).indexOf(s.modelId) + 1 : 0;
      return withEtag(serviceObject(s, set?.modelSetName ?? "", version));
    };
    const named = async (name: string): Promise<any[]> => {
      const r = await this.call("service", "DescribeServices", { maxKeys: 100, pageReverse: false, name });
      return (r.serviceList ?? []).filter((s: any) => s.name === name);
    };
    return {
      create: async (spec) => {
        const m = spec.models[0];
        if ((await named(spec.name)).length) throw new ConflictError(`Qianfan CreateService: a service named "${spec.name}" already exists`, 409, "conflict");
        const pool = POOL_TO_VENDOR[spec.flavor ?? "public"];
        if (!pool) throw new InvalidError(`Qianfan services run in the public or private pool, not "${spec.flavor}"`, 400, "flavor");
        const r = await this.call("service", "CreateService", {
          modelSetId: m.modelId,
          modelId: await this.modelVersionId(m.modelId, m.version),
          name: spec.name,
          urlSuffix: spec.name,
          ...(spec.description ? { description: spec.description } : {}),
          resourceConfig: { type: pool, replicasCount: spec.replicas ?? 1, qps: 1 },
          // Public pools are paid as used; a private pool is prepaid (the console asks for the payment).
          billing: { paymentTiming: pool === "PublicResource" ? "Postpaid" : "Prepaid" },
        }, firstFound(() => named(spec.name), (mine) => ({ serviceId: mine.serviceId })));
        return get(r.serviceId);
      },
      get,
      update: async (id, patch, opts = {}) => {
        const live = await get(id);
        checkIfMatch(live, opts.ifMatch, `service ${id}`);
        const m = patch.models?.[0];
        if (m && (m.modelId !== live.models[0]?.modelId || m.version !== live.models[0]?.version)) {
          const modelId = await this.modelVersionId(m.modelId, m.version);
          await this.call("service", "ModifyService", { serviceId: id, modelSetId: m.modelId, modelId }, async () => {
            const now = await this.call("service", "DescribeService", { serviceId: id });
            return now.modelId === modelId ? {} : undefined;
          });
        }
        return get(id);
      },
      delete: async (id) => {
        const live = await get(id);
        throw new InvalidError(
          `Qianfan has no API to delete a service, so service ${live.name} (${id}) was NOT deleted. Delete it in the Qianfan console ` +
            `(ModelBuilder → online services), then drop it from state with \`pulumi state delete <urn>\`; or set retainOnDelete: true on this ` +
            `resource to release it from state without deleting it (it keeps running and billing)`,
          400,
          "no-delete",
        );
      },
      list: async (filter: ListFilter = {}) => ({ items: filter.name ? await Promise.all((await named(filter.name)).map((s) => get(s.serviceId))) : [] }),
      listAll: async (filter = {}) => (filter.name ? Promise.all((await named(filter.name)).map((s) => get(s.serviceId))) : []),
      wait: (id, etag, timeoutMs) => this.poll(() => get(id), etag, timeoutMs),
    };
  }
}

// ----------------------------------------------------------------------------------------- mapping

function withEtag(o: Record<string, any>): Obj {
  return { ...o, etag: etagOf(o) } as Obj;
}

/** Whether a declared source is what the latest version imported (same bos path, or a local file of the same bytes). */
async function sameContent(source: string, bosPath: string | undefined): Promise<boolean> {
  return source === bosPath || holdsUploadedBytes(source, bosPath, "bos://");
}

function datasetStatus(v: any): { status: string; statusMessage?: string } {
  if (!v) return { status: "Failed", statusMessage: "the dataset has no versions" };
  if (v.importStatus === "Failed") return { status: "Failed", statusMessage: `import failed: ${v.errorMessage ?? "no message"}` };
  if (v.publishStatus === "Failed") return { status: "Failed", statusMessage: `publish failed: ${v.errorMessage ?? "no message"}` };
  if (v.publishStatus === "Published") return { status: "Ready" };
  return { status: "Creating", statusMessage: `import ${v.importStatus}, publish ${v.publishStatus}` };
}

function datasetVersionObject(v: any) {
  const s = datasetStatus(v);
  return {
    version: v.versionNumber,
    status: s.status as "Creating" | "Ready" | "Failed",
    statusMessage: s.statusMessage,
    source: v.importFiles?.[0] ?? "",
    digest: /\/sha256-([0-9a-f]{64})\//.exec(v.importFiles?.[0] ?? "")?.[1] ?? "",
    sampleCount: v.entityCount ?? 0,
    sizeBytes: v.sizeBytes ?? 0,
    createdAt: v.createTime,
  };
}

function datasetObject(d: any, versions: any[]): Omit<Obj, "etag"> {
  const latest = versions[versions.length - 1];
  const s = datasetStatus(latest);
  return {
    id: d.datasetId,
    name: d.datasetName,
    createdAt: d.createTime,
    updatedAt: latest?.createTime ?? d.createTime,
    status: s.status,
    statusMessage: s.statusMessage,
    format: FORMAT_FROM_VENDOR[d.dataFormat] ?? d.dataFormat,
    source: latest?.importFiles?.[0],
    description: versions[0]?.description ?? "",
    tags: {},
    latestVersion: latest?.versionNumber ?? 0,
    sampleCount: latest?.entityCount,
    versionIds: Object.fromEntries(versions.map((v) => [v.versionNumber, v.versionId])),
  };
}

/** runStatus (V2) → TrainingJob status. Case-insensitive; anything unknown stays Pending and is shown. */
const RUN_STATUS: Record<string, string> = { running: "Running", done: "Completed", finish: "Completed", failed: "Failed", fail: "Failed", stopped: "Stopped", stop: "Stopped", waiting: "Pending", "": "Pending" };

function trainingJobObject(t: any, dataset: { datasetId: string; version: number } | undefined): Omit<Obj, "etag"> {
  const raw = String(t.runStatus ?? "");
  const status = RUN_STATUS[raw.toLowerCase()] ?? "Pending";
  const hp = t.hyperParameterConfig ?? {};
  return {
    id: t.taskId,
    name: t.jobName ?? t.name,
    jobId: t.jobId,
    createdAt: t.createTime,
    updatedAt: t.finishTime || t.startTime || t.createTime,
    status,
    statusMessage: t.errorMessage || (status === "Pending" && raw && !RUN_STATUS[raw.toLowerCase()] ? `Qianfan runStatus ${raw}` : t.runProgress ? `progress ${t.runProgress}` : undefined),
    datasetId: dataset?.datasetId ?? "",
    datasetVersion: dataset?.version ?? 0,
    hyperParameters: {
      baseModel: t.model,
      trainMode: t.trainMode,
      parameterScale: t.parameterScale,
      epoch: hp.epoch,
      learningRate: hp.learningRate,
      maxSeqLen: hp.maxSeqLen,
      splitRatio: t.datasetConfig?.splitRatio,
    },
    description: t.description ?? "",
    tags: {},
    env: {},
    outputUri: `qianfan://finetuning/${t.jobId}/${t.taskId}`,
    startedAt: t.startTime || undefined,
    finishedAt: t.finishTime || undefined,
    finalMetrics: Object.fromEntries(Object.entries(t.metrics ?? {}).filter(([, v]) => typeof v === "number")),
    vdlLink: t.vdlLink,
  };
}

const MODEL_STATE: Record<string, string> = { Creating: "Registering", Ready: "Ready", Fail: "Failed", Failed: "Failed" };

function modelObject(set: any, versions: any[]): Omit<Obj, "etag"> {
  const latest = versions[versions.length - 1];
  const sourceOf = (v: any) => (v?.sourceExtra?.taskId ? `qianfan://finetuning/${v.sourceExtra.jobId}/${v.sourceExtra.taskId}` : "");
  const versionDetails = versions.map((v, i) => ({
    version: i + 1,
    status: MODEL_STATE[v.state] ?? "Registering",
    source: sourceOf(v),
    format: undefined,
    artifactDigest: "",
    sizeBytes: 0,
    metrics: {},
    createdAt: v.createTime,
    statusMessage: v.state === "Fail" ? v.errorMessage ?? "publish failed" : undefined,
  }));
  return {
    id: set.modelSetId,
    name: set.modelSetName,
    createdAt: set.createTime,
    updatedAt: latest?.createTime ?? set.createTime,
    status: latest ? MODEL_STATE[latest.state] ?? "Registering" : "Failed",
    statusMessage: latest ? (latest.state === "Fail" ? latest.errorMessage ?? "publish failed" : undefined) : "the model has no versions",
    latestVersion: versions.length,
    source: sourceOf(latest),
    // A model set has no description of its own: each version carries the one it was published with.
    description: latest?.description ?? "",
    tags: {},
    metrics: {},
    versions: versionDetails.map((v) => ({ version: v.version, status: v.status })),
    versionDetails,
    versionIds: Object.fromEntries(versions.map((v, i) => [i + 1, v.modelId])),
  };
}

/** runStatus → Service status; New = created, waiting for payment/approval in the console: not deployed. */
const SERVICE_STATUS: Record<string, string> = { New: "Deploying", Deploying: "Deploying", Done: "Running", Serving: "Running", Failed: "Failed", Stopped: "Stopped" };

function serviceObject(s: any, modelName: string, version: number): Omit<Obj, "etag"> {
  const status = SERVICE_STATUS[s.runStatus] ?? "Deploying";
  const replicas = s.resourceConfig?.replicasCount ?? 1;
  const statusMessage =
    s.runStatus === "New"
      ? "New: waiting for the resource payment in the Qianfan console; not deployed until it is paid"
      : SERVICE_STATUS[s.runStatus] ? s.errorMessage : `Qianfan runStatus ${s.runStatus}`;
  return {
    id: s.serviceId,
    name: s.name,
    createdAt: s.createTime,
    updatedAt: s.modifyTime ?? s.createTime,
    status,
    statusMessage,
    models: [{ modelId: s.modelSetId, modelName, version, weight: 100 }],
    replicas,
    readyReplicas: status === "Running" ? replicas : 0,
    flavor: POOL_FROM_VENDOR[s.resourceConfig?.type] ?? s.resourceConfig?.type,
    env: {},
    description: s.description ?? "",
    tags: {},
    endpoint: s.url ?? "",
  };
}
