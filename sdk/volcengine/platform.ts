// The Volcengine ML Platform driver: the `Platform` interface over API 2021-10-01. Model = a registry model
// whose versions are CreateModel calls (a new version is CreateModel with ModelID), files uploaded to TOS
// (S3 protocol) first and only when their content changed; PerfJob = CreatePerfJob read back through
// ListPerfJobs/ListPerfTasks, judged against the declared SLO on the vendor's figures; Service =
// CreateService/GetService/UpdateService (ScalingService for replicas alone)/Start/Stop/DeleteService.
// Vendor objects carry no etag, so each neutral object's etag is a hash of its content and waits poll.
// Creates are made idempotent by looking for what a failed-but-maybe-applied attempt made before re-sending.
import { basename, isAbsolute, resolve } from "node:path";
import { existsSync } from "node:fs";
import type { LocalFlavor } from "../../schemas";
import { sloBreaches, taskLabel } from "../../platform/perf/slo";
import { contentDigest } from "../digest";
import { ConflictError, InvalidError, NotFoundError } from "../errors";
import type { CloudConfig } from "../cloud/config";
import { ObjectStore, holdsUploadedBytes } from "../cloud/object-store";
import { checkIfMatch } from "../cloud/if-match";
import { notOffered } from "../cloud/not-offered";
import { etagOf, pollUntilChanged } from "../cloud/poll";
import { firstFound, type RetryPolicy } from "../retry";
import type { DatasetClient, KindClient, ListFilter, ModelClient, Page, PerfJobClient, Platform, ServiceClient, TrainingJobClient } from "../platform";
import { VolcengineApi, VENDOR } from "./api";

/** The seeds' default serving image (`deploy(image_id=...)`); the 2021-10-01 API needs one per service. */
export const DEFAULT_IMAGE = "machinelearning/tfserving:tf-cuda10.1";
/** Where the SDK puts model uploads (`GetTOSUploadPath {"ServiceName": "modelrepo", "Path": ["from-sdk-repo"]}`). */
const UPLOAD_REQUEST = { ServiceName: "modelrepo", Path: ["from-sdk-repo"] };
/** Batch bounds for the perf tensor config when a model input's batch dimension is dynamic (-1). */
export const PERF_MIN_BATCH = 1;
export const PERF_MAX_BATCH = 8;

const FORMAT_TO_VENDOR: Record<string, string> = { onnx: "ONNX" };
const FORMAT_FROM_VENDOR: Record<string, string> = { ONNX: "onnx" };
const DEFAULT_MODEL_TYPE: Record<string, string> = { onnx: "ONNX:1.0" };
const DTYPE_TO_VENDOR: Record<string, string> = { FP32: "FLOAT", FP64: "DOUBLE", INT64: "INT64", INT32: "INT32", BYTES: "STRING" };
const DTYPE_FROM_VENDOR: Record<string, string> = Object.fromEntries(Object.entries(DTYPE_TO_VENDOR).map(([k, v]) => [v, k]));
/** Metrics are one MetricsList entry; the seeds' schema needs a MetricsType, and ours carry no task type. */
const METRICS_TYPE = "TabularClassification";

type Obj = { id: string; name: string; etag: string; status: string } & Record<string, any>;
type Tensor = { name: string; datatype: string; shape: number[] };

export interface VolcenginePlatformOptions {
  config: CloudConfig;
  retry?: RetryPolicy;
  requestTimeoutMs?: number;
  /** Poll interval bounds for waits (ms). */
  pollIntervalMs?: number;
  pollMaxIntervalMs?: number;
}

export class VolcenginePlatform implements Platform {
  readonly backend = "volcengine";
  readonly api: VolcengineApi;
  readonly store: ObjectStore;
  readonly datasets: DatasetClient;
  readonly trainingJobs: TrainingJobClient;
  readonly models: ModelClient;
  readonly perfJobs: PerfJobClient;
  readonly services: ServiceClient;
  /** SLOs declared for perf jobs created by this process (the vendor keeps none). */
  private readonly slos = new Map<string, Record<string, number> | undefined>();
  /** Perf jobs "deleted" here: the API has no delete, they were cancelled and are forgotten. */
  private readonly forgottenJobs = new Set<string>();

  constructor(private readonly opts: VolcenginePlatformOptions) {
    this.api = new VolcengineApi(opts.config, opts.retry, opts.requestTimeoutMs);
    this.store = new ObjectStore({ endpoint: opts.config.objectStoreEndpoint, region: opts.config.region, credentials: opts.config.credentials });
    this.datasets = notOffered(VENDOR, "Dataset") as any;
    this.trainingJobs = notOffered(VENDOR, "TrainingJob") as any;
    // The neutral objects are built field by field below (modelObject, ...); the client types check the verbs.
    this.models = this.modelClient() as unknown as ModelClient;
    this.perfJobs = this.perfJobClient() as unknown as PerfJobClient;
    this.services = this.serviceClient() as unknown as ServiceClient;
  }

  async flavors(): Promise<LocalFlavor[]> {
    const r = await this.api.call("ListResource", { Offset: 0, Limit: 100, SortBy: "vCPU", SortOrder: "Descend" });
    const groups = (r?.List ?? {}) as Record<string, any[]>;
    return Object.values(groups).flat().map((f) => ({
      name: f.FlavorID ?? f.Id,
      cpuShare: f.vCPU ?? 0,
      maxReplicas: 16,
      maxConcurrency: f.vCPU ?? 1,
      description: `${f.Name ?? f.FlavorID}: ${f.vCPU ?? "?"} vCPU, ${f.Memory ?? "?"} GiB${f.GPU ? `, ${f.GPU} GPU` : ""}`,
    }));
  }

  // ------------------------------------------------------------------------------------------- models

  private modelClient() {
    const get = async (id: string): Promise<Obj> => {
      const m = await this.api.call("GetModel", { ModelID: id });
      const versions = await this.listAllVersions(id);
      const latest = versions.reduce((a: any, v: any) => (a && a.ModelVersion > v.ModelVersion ? a : v), undefined);
      return withEtag(modelObject(m, latest, versions));
    };
    const findByName = async (name: string): Promise<Obj[]> => {
      const r = await this.api.call("ListModels", { Offset: 0, Limit: 100, SortBy: "CreateTime", SortOrder: "Descend", ModelNameContains: name });
      const exact = (r.List ?? []).filter((m: any) => m.ModelName === name);
      return Promise.all(exact.map((m: any) => get(m.ModelID)));
    };
    const client: KindClient<any, any, Obj> = {
      create: async (spec) => {
        const existing = await findByName(spec.name);
        if (existing.length) throw new ConflictError(`Volcengine CreateModel: a model named "${spec.name}" already exists`, 409, "conflict");
        const info = await this.versionInfo(spec, undefined);
        const body = { ModelName: spec.name, VersionInfo: info };
        const r = await this.api.call("CreateModel", body, {
          // A 5xx after the model was made: the first attempt's model is the one with this name.
          beforeResend: firstFound(() => findByName(spec.name), (found) => ({ ModelID: found.id })),
        });
        return get(r.ModelID);
      },
      get,
      update: async (id, patch, opts = {}) => {
        let live = await get(id);
        checkIfMatch(live, opts.ifMatch, `model ${id}`);
        if (patch.name !== undefined && patch.name !== live.name) await this.api.call("UpdateModel", { ModelID: id, ModelName: patch.name });
        // The live source is the TOS path the bytes went to; a local path with those same bytes is no change.
        if (patch.source !== undefined && (await this.sameContent(patch.source, live.source))) patch = { ...patch, source: undefined };
        if (patch.source !== undefined || patch.format !== undefined || patch.framework !== undefined) {
          // New content or format: a new version (CreateModel with ModelID), carrying the latest version's
          // other values unless the patch changes them.
          const spec = { ...live, ...patch, name: patch.name ?? live.name };
          if (patch.source === undefined) spec.source = live.source;
          const before = new Set(live.versions.map((v: any) => v.version));
          const info = await this.versionInfo(spec, live);
          await this.api.call("CreateModel", { ModelID: id, VersionInfo: info }, {
            beforeResend: async () => {
              const versions = await this.listAllVersions(id);
              return versions.some((v: any) => !before.has(v.ModelVersion) && v.Path === info.Path) ? { ModelID: id } : undefined;
            },
          });
        } else if (patch.description !== undefined || patch.inputs !== undefined || patch.outputs !== undefined || patch.metrics !== undefined) {
          const body: Record<string, unknown> = { ModelVersionID: `${id}-${live.latestVersion}` };
          if (patch.description !== undefined) body.Description = patch.description;
          if (patch.inputs !== undefined || patch.outputs !== undefined)
            body.TensorConfig = tensorConfig(patch.inputs ?? live.inputs ?? [], patch.outputs ?? live.outputs);
          if (patch.metrics !== undefined) body.MetricsList = metricsList(patch.metrics);
          await this.api.call("UpdateModelVersion", body);
        }
        live = await get(id);
        return live;
      },
      delete: async (id) => {
        await this.api.call("DeleteModel", { ModelID: id });
      },
      list: async (filter: ListFilter = {}): Promise<Page<Obj>> => ({ items: filter.tag ? [] : filter.name ? await findByName(filter.name) : [] }),
      listAll: async (filter = {}) => (filter.tag ? [] : filter.name ? findByName(filter.name) : []),
      wait: (id, etag, timeoutMs) => pollUntilChanged(() => get(id), etag, timeoutMs, this.pollOptions()),
    };
    return {
      ...client,
      versions: async (id: string) => (await this.listAllVersions(id)).map(versionObject),
      version: async (id: string, version: number) => versionObject(await this.api.call("GetModelVersion", { ModelVersionID: `${id}-${version}` })),
      deleteVersion: async (id: string, version: number) => {
        await this.api.call("DeleteModelVersion", { ModelVersionID: `${id}-${version}` });
      },
    };
  }

  private async listAllVersions(modelId: string): Promise<any[]> {
    const out: any[] = [];
    for (let offset = 0; ; offset += 100) {
      const r = await this.api.call("ListModelVersions", { ModelID: modelId, Offset: offset, Limit: 100, SortBy: "ModelVersion", SortOrder: "Ascend" });
      out.push(...(r.List ?? []));
      if (!r.List?.length || out.length >= (r.Total ?? 0)) return out;
    }
  }

  /** VersionInfo for CreateModel: local sources are uploaded to TOS first (skipped when already there). */
  private async versionInfo(spec: Record<string, any>, live: Obj | undefined): Promise<Record<string, any>> {
    const format = FORMAT_TO_VENDOR[spec.format];
    if (!format) throw new InvalidError(`Volcengine: model format "${spec.format}" is not available (allowed: ${Object.keys(FORMAT_TO_VENDOR).join(", ")})`, 400, "format");
    const info: Record<string, any> = {
      ModelFormat: format,
      ModelType: spec.framework ?? DEFAULT_MODEL_TYPE[spec.format],
      Path: await this.upload(spec.source, live),
      SourceType: "TOS",
    };
    if (spec.description !== undefined) info.Description = spec.description;
    if (spec.inputs !== undefined || spec.outputs !== undefined) info.TensorConfig = tensorConfig(spec.inputs ?? [], spec.outputs);
    if (spec.metrics !== undefined && Object.keys(spec.metrics).length) info.MetricsList = metricsList(spec.metrics);
    return info;
  }

  /** Whether a local source holds the bytes already uploaded to `tosPath` (its digest names the prefix). */
  private async sameContent(source: string, tosPath: string | undefined): Promise<boolean> {
    return source === tosPath || holdsUploadedBytes(source, tosPath, "tos://");
  }

  private async upload(source: string, live: Obj | undefined): Promise<string> {
    if (source.startsWith("tos://")) return source;
    if (live && source === live.source) return live.source;
    const local = isAbsolute(source) ? source : resolve(process.cwd(), source);
    if (!existsSync(local)) throw new InvalidError(`model source ${source} does not exist (resolved to ${local})`, 400, "source");
    const where = await this.api.call("GetTOSUploadPath", UPLOAD_REQUEST);
    // The API's prefix ends in a per-call timestamp; content goes under a digest beside it instead, so the
    // same bytes are found again and never sent twice.
    const root = String(where.KeyPrefix).replace(/[^/]+\/?$/, "");
    const r = await this.store.uploadIfChanged(where.Bucket, root, local, await contentDigest(local));
    console.log(`model source ${basename(local)}: ${r.uploaded ? `uploaded ${r.files} file(s) to` : "unchanged, already at"} tos://${r.bucket}/${r.prefix}`);
    return `tos://${r.bucket}/${r.prefix}`;
  }

  // ----------------------------------------------------------------------------------------- perf jobs

  private perfJobClient() {
    const get = async (id: string): Promise<Obj> => {
      if (this.forgottenJobs.has(id)) throw new NotFoundError(`Volcengine perf job ${id} was cancelled and forgotten (the API has no delete)`, 404, "not_found");
      const r = await this.api.call("ListPerfJobs", { Offset: 0, Limit: 10, SortBy: "CreateTime", SortOrder: "Descend", JobID: id });
      const job = (r.List ?? []).find((j: any) => j.JobID === id);
      if (!job) throw new NotFoundError(`Volcengine ListPerfJobs: no perf job ${id}`, 404, "not_found");
      const tasks = await this.api.call("ListPerfTasks", { Offset: 0, Limit: 100, SortBy: "CreateTime", SortOrder: "Ascend", JobID: id });
      return withEtag(perfJobObject(job, tasks.List ?? [], this.slos.get(id)));
    };
    const client: KindClient<any, any, Obj> = {
      create: async (spec) => {
        const versionId = `${spec.modelId}-${spec.modelVersion}`;
        const version = await this.api.call("GetModelVersion", { ModelVersionID: versionId });
        const body = {
          ModelVersionID: versionId,
          TensorConfig: perfTensorConfig(version.TensorConfig, versionId),
          JobType: "PERF_ONLY",
          JobParamsList: [{ FlavorIDList: spec.flavors }],
        };
        const jobsOf = async () =>
          ((await this.api.call("ListPerfJobs", { Offset: 0, Limit: 100, SortBy: "CreateTime", SortOrder: "Descend", ModelVersionID: versionId })).List ?? []) as any[];
        const before = new Set((await jobsOf()).map((j) => j.JobID));
        // No client token and no name: a job for this version with the same flavors that was not there
        // before our first attempt is the one that attempt made.
        const r = await this.api.call("CreatePerfJob", body, {
          beforeResend: async () => {
            const mine = (await jobsOf()).find((j) => !before.has(j.JobID) && JSON.stringify(j.JobParamsList) === JSON.stringify(body.JobParamsList));
            return mine ? { JobID: mine.JobID } : undefined;
          },
        });
        this.slos.set(r.JobID, spec.slo);
        return get(r.JobID);
      },
      get,
      // Nothing of a perf job changes on the vendor; name and SLO live in state (kind rules), the SLO is re-judged.
      update: async (id, patch) => {
        if (patch.slo !== undefined) this.slos.set(id, patch.slo);
        return get(id);
      },
      delete: async (id) => {
        const job = await get(id);
        if (job.status === "Submitted" || job.status === "Running") await this.api.call("CancelPerfJob", { JobID: id });
        console.log(`perf job ${id}: Volcengine has no delete for perf jobs; ${job.status === "Submitted" || job.status === "Running" ? "cancelled it" : "it already ended"} and it stays in the platform's list`);
        this.forgottenJobs.add(id);
      },
      list: async () => ({ items: [] }),
      listAll: async () => [],
      wait: (id, etag, timeoutMs) => pollUntilChanged(() => get(id), etag, timeoutMs, this.pollOptions()),
    };
    return {
      ...client,
      cancel: async (id: string) => {
        await this.api.call("CancelPerfJob", { JobID: id });
        return get(id);
      },
    };
  }

  // ------------------------------------------------------------------------------------------ services

  private serviceClient(): KindClient<any, any, Obj> {
    const get = async (id: string): Promise<Obj> => withEtag(serviceObject(await this.api.call("GetService", { ServiceID: id })));
    const findByName = async (name: string): Promise<Obj[]> => {
      const r = await this.api.call("ListServices", { Offset: 0, Limit: 100, SortBy: "CreateTime", SortOrder: "Descend", ServiceName: name });
      return Promise.all(((r.List ?? []) as any[]).filter((s) => s.ServiceName === name).map((s) => get(s.ServiceID)));
    };
    return {
      create: async (spec) => {
        const m = spec.models[0];
        const body = {
          ServiceName: spec.name,
          ServiceDeployment: {
            Replicas: spec.replicas ?? 1,
            FlavorID: spec.flavor,
            Model: { ModelID: m.modelId, ModelVersionID: `${m.modelId}-${m.version}` },
            ImageID: DEFAULT_IMAGE,
            Envs: envList(spec.env),
            ...(spec.description !== undefined ? { Description: spec.description } : {}),
          },
        };
        const r = await this.api.call("CreateService", body, {
          beforeResend: async () => {
            const found = (await findByName(spec.name)).find((s) => s.models[0]?.modelId === m.modelId && s.models[0]?.version === m.version);
            return found ? { ServiceID: found.id } : undefined;
          },
        });
        return get(r.ServiceID);
      },
      get,
      update: async (id, patch, opts = {}) => {
        let live = await get(id);
        checkIfMatch(live, opts.ifMatch, `service ${id}`);
        // The vendor refuses updates while a deployment is in flight (someone else's change): let it land first.
        for (const deadline = Date.now() + 10 * 60_000; (live.status === "Deploying" || live.status === "Updating") && Date.now() < deadline; ) {
          console.log(`service ${live.name} (${id}) is ${live.status}; waiting for it before updating`);
          live = await pollUntilChanged(() => get(id), live.etag, 30_000, this.pollOptions());
        }
        const others = ["models", "flavor", "env", "description"].filter((k) => patch[k] !== undefined);
        const want = { ...live, ...patch };
        // An update answered with a 5xx may have landed: the vendor then shows the new deployment (and
        // refuses a second update while it rolls), so look before sending it again.
        const landed = async () => {
          const now = await get(id);
          const same = ["replicas", "flavor", "env", "description"].every((k) => JSON.stringify(now[k]) === JSON.stringify(want[k])) &&
            now.models[0]?.modelId === want.models[0]?.modelId && now.models[0]?.version === want.models[0]?.version;
          return same ? {} : undefined;
        };
        if (others.length === 0 && patch.replicas !== undefined) {
          await this.api.call("UpdateService", { ServiceID: id, Replicas: patch.replicas, ChangeType: "ScalingService" }, { beforeResend: landed });
        } else if (others.length) {
          // A full update rolls the service onto the new deployment (a new model version, flavor or env).
          const m = want.models[0];
          await this.api.call("UpdateService", {
            ServiceID: id,
            Replicas: want.replicas,
            FlavorID: want.flavor,
            Model: { ModelID: m.modelId, ModelVersionID: `${m.modelId}-${m.version}` },
            ImageID: live.imageId ?? DEFAULT_IMAGE,
            Envs: envList(want.env),
            // The seeds name only ScalingService; the full update's ChangeType is this driver's (and emulator's) choice.
            ChangeType: "RollingUpdate",
            ...(want.description ? { Description: want.description } : {}),
          }, { beforeResend: landed });
        }
        if (live.status === "Stopped") {
          console.log(`service ${live.name} (${id}) is stopped; starting it`);
          await this.api.call("StartService", { ServiceID: id }, { beforeResend: async () => ((await get(id)).status !== "Stopped" ? {} : undefined) });
        }
        return get(id);
      },
      delete: async (id) => {
        await this.api.call("DeleteService", { ServiceID: id });
      },
      list: async (filter: ListFilter = {}) => ({ items: filter.tag ? [] : filter.name ? await findByName(filter.name) : [] }),
      listAll: async (filter = {}) => (filter.tag ? [] : filter.name ? findByName(filter.name) : []),
      wait: (id, etag, timeoutMs) => pollUntilChanged(() => get(id), etag, timeoutMs, this.pollOptions()),
    };
  }

  /** Starts or stops a service (the vendor's StartService/StopService). */
  async setServiceRunning(id: string, running: boolean): Promise<void> {
    await this.api.call(running ? "StartService" : "StopService", { ServiceID: id });
  }

  private pollOptions() {
    return { intervalMs: this.opts.pollIntervalMs, maxIntervalMs: this.opts.pollMaxIntervalMs };
  }
}

// ----------------------------------------------------------------------------------------- mapping

function withEtag(o: Record<string, any>): Obj {
  return { ...o, etag: etagOf(o) } as Obj;
}

function tensorsFromVendor(list: any[] | undefined): Tensor[] | undefined {
  if (!Array.isArray(list)) return undefined;
  return list.map((t) => ({ name: t.TensorName, datatype: DTYPE_FROM_VENDOR[t.DType] ?? t.DType, shape: Array.isArray(t.Shape) ? t.Shape : [] }));
}

function tensorConfig(inputs: Tensor[], outputs: Tensor[] | undefined): Record<string, unknown> {
  const conv = (t: Tensor) => ({ TensorName: t.name, DType: DTYPE_TO_VENDOR[t.datatype] ?? t.datatype, Shape: t.shape });
  return { Inputs: inputs.map(conv), ...(outputs ? { Outputs: outputs.map(conv) } : {}) };
}

function perfTensorConfig(tc: any, versionId: string): Record<string, unknown> {
  const inputs = tc?.Inputs as any[] | undefined;
  if (!inputs?.length)
    throw new InvalidError(`Volcengine perf jobs need the model's input tensors: model version ${versionId} declares none (set the Model's inputs)`, 400, "modelVersion");
  return {
    Inputs: inputs.map((t) => {
      if (t.DType === "STRING" || t.DType === "BOOL") throw new InvalidError(`Volcengine perf jobs cannot feed ${t.DType} input ${t.TensorName}`, 400, "modelVersion");
      return {
        TensorName: t.TensorName,
        DType: t.DType,
        Shape: { MinShape: t.Shape.map((d: number) => (d < 0 ? PERF_MIN_BATCH : d)), MaxShape: t.Shape.map((d: number) => (d < 0 ? PERF_MAX_BATCH : d)) },
      };
    }),
  };
}

function metricsList(metrics: Record<string, number>): unknown[] {
  return [{ MetricsType: METRICS_TYPE, Params: "{}", MetricsData: JSON.stringify(metrics) }];
}

function metricsFromVendor(list: any[] | undefined): Record<string, number> {
  const out: Record<string, number> = {};
  for (const m of list ?? []) {
    try {
      Object.assign(out, JSON.parse(m.MetricsData));
    } catch {
      /* not ours: another tool's metrics entry */
    }
  }
  return out;
}

function versionNumber(v: any): number {
  return typeof v === "number" ? v : Number(String(v).replace(/^v/i, "").split(".")[0]);
}

function modelObject(m: any, latest: any, versions: any[]): Omit<Obj, "etag"> {
  return {
    id: m.ModelID,
    name: m.ModelName,
    createdAt: m.CreateTime,
    updatedAt: latest?.CreateTime ?? m.CreateTime,
    status: latest ? "Ready" : "Failed",
    statusMessage: latest ? undefined : "the model has no versions",
    latestVersion: latest ? versionNumber(latest.ModelVersion) : 0,
    source: latest?.Path,
    format: FORMAT_FROM_VENDOR[latest?.ModelFormat] ?? latest?.ModelFormat,
    framework: latest?.ModelType,
    inputs: tensorsFromVendor(latest?.TensorConfig?.Inputs),
    outputs: tensorsFromVendor(latest?.TensorConfig?.Outputs),
    metrics: metricsFromVendor(latest?.MetricsList),
    description: latest?.Description ?? "",
    tags: {},
    versions: versions.map((v) => ({ version: versionNumber(v.ModelVersion), status: "Ready" })),
  };
}

function versionObject(v: any) {
  return {
    version: versionNumber(v.ModelVersion),
    status: "Ready" as const,
    source: v.Path,
    format: (FORMAT_FROM_VENDOR[v.ModelFormat] ?? v.ModelFormat) as any,
    framework: v.ModelType,
    artifactDigest: "",
    sizeBytes: 0,
    metrics: metricsFromVendor(v.MetricsList),
    createdAt: v.CreateTime,
  };
}

const JOB_STATUS: Record<string, string> = { Submitted: "Submitted", Running: "Running", Finished: "Succeeded", Failed: "Failed", Stopping: "Cancelled", Cancelled: "Cancelled" };
const TASK_STATUS: Record<string, string> = { Submitted: "Pending", Running: "Running", Finished: "Succeeded", Failed: "Failed", Stopping: "Cancelled", Cancelled: "Cancelled" };

function perfJobObject(job: any, tasks: any[], slo: Record<string, number> | undefined): Omit<Obj, "etag"> {
  const [modelId, version] = splitVersionId(job.ModelVersionID);
  const perfTasks = tasks.map((t) => ({
    flavor: t.TaskArgs?.FlavorID,
    concurrency: t.Result?.Concurrency ?? 1,
    status: TASK_STATUS[t.TaskStatus] ?? t.TaskStatus,
    requests: t.Result?.RequestCount ?? 0,
    errors: t.Result?.ErrorCount ?? 0,
    p50Ms: t.Result?.P50LatencyMs,
    p90Ms: t.Result?.P90LatencyMs,
    p99Ms: t.Result?.P99LatencyMs,
    throughput: t.Result?.Qps,
  }));
  let status = JOB_STATUS[job.JobStatus] ?? job.JobStatus;
  let statusMessage: string | undefined = job.StatusMessage;
  let sloMet: boolean | undefined;
  // The SLO gate, as on the local platform (platform/perf/slo.ts), on the vendor's figures.
  if (status === "Succeeded" && slo) {
    const breaches = perfTasks.flatMap((t) => {
      const b = sloBreaches(t as any, slo);
      return b.length ? [`${taskLabel(t as any)}: ${b.join(", ")}`] : [];
    });
    sloMet = breaches.length === 0;
    if (!sloMet) {
      status = "Failed";
      statusMessage = `SLO not met: ${breaches.join("; ")}`;
    }
  }
  return {
    id: job.JobID,
    name: job.JobID,
    createdAt: job.CreateTime,
    updatedAt: job.CreateTime,
    status,
    statusMessage,
    modelId,
    modelVersion: version,
    jobType: "benchmark",
    flavors: (job.JobParamsList ?? []).flatMap((p: any) => p.FlavorIDList ?? []),
    tasks: perfTasks,
    sloMet,
  };
}

const SERVICE_STATUS: Record<string, string> = {
  Deploying: "Deploying", Running: "Running", Updating: "Updating", Stopping: "Stopped", Stopped: "Stopped", Failed: "Failed", Deleting: "Updating",
};

function serviceObject(s: any): Omit<Obj, "etag"> {
  const d = s.ServiceDeployment ?? {};
  const [modelId, version] = splitVersionId(d.Model?.ModelVersionID ?? "");
  const status = SERVICE_STATUS[d.Status] ?? d.Status;
  return {
    id: s.ServiceID,
    name: s.ServiceName,
    createdAt: s.CreateTime,
    updatedAt: s.UpdateTime ?? s.CreateTime,
    status,
    statusMessage: d.StatusMessage,
    models: [{ modelId: d.Model?.ModelID ?? modelId, modelName: d.Model?.Name ?? "", version, weight: 100 }],
    replicas: d.Replicas,
    readyReplicas: status === "Running" ? d.Replicas : 0,
    flavor: d.FlavorID,
    env: Object.fromEntries(((d.Envs ?? []) as any[]).map((e) => [e.Name, String(e.Value)])),
    description: d.Description ?? "",
    tags: {},
    endpoint: d.EndpointURL ?? "",
    imageId: d.ImageID,
  };
}

function splitVersionId(id: string): [string, number] {
  const i = id.lastIndexOf("-");
  return [id.slice(0, i), versionNumber(id.slice(i + 1))];
}

function envList(env: Record<string, string> | undefined): { Name: string; Value: string }[] {
  return Object.entries(env ?? {}).sort(([a], [b]) => (a < b ? -1 : 1)).map(([Name, Value]) => ({ Name, Value: String(Value) }));
}
