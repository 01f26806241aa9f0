// The Huawei ModelArts driver: the `Platform` interface over the ModelArts REST API.
// Model = one ModelArts model family: every (model_name, model_version) is its own immutable vendor model
// (`/v1/{project_id}/models`), so the neutral model id is the NAME and neutral version N is the vendor
// version string "X.Y.Z" with N = X*10000 + Y*100 + Z (first "1.0.0" = 10000, next "1.0.1" = 10001). A new
// source registers the next version; an older version is deleted once nothing serves it (ModelArts.3009 =
// a service still deploys it: kept, and deleted when the service moves off it). Files go to OBS (S3
// protocol) first, only when their content changed. Service = a classic real-time service
// (`/v1/{project_id}/services`): chosen over the v2 `/v2/{project_id}/services` API the SDK generates because
// v1 `config[]` entries name a v1 model id with its own weight, instance count, specification and envs -
// exactly the registry models above and the neutral Service - while v2 group_configs deploy images/AI
// applications this driver does not register. Config changes and start/stop are separate PUTs (the vendor
// applies only `status` when both are sent). Vendor objects carry no etag: each neutral object's is a hash of
// its content and waits poll. Creates look for what a failed-but-maybe-applied attempt made before re-sending.
// Dataset = a v2 dataset (`/v2/{project_id}/datasets`) over data uploaded to OBS (only when changed), one
// published version per state of its data (V001, V002, ..., immutable once made); name and description change in
// place (PUT), status integers are mapped (0 creating, 1 normal, 4 abnormal, 5-8 busy); new data (new bytes or
// another source) is uploaded, imported into the same dataset (an import task, waited until COMPLETED) and
// published as the next version.
import { basename, isAbsolute, resolve } from "node:path";
import { existsSync } from "node:fs";
import type { LocalFlavor } from "../../schemas";
import { contentDigest } from "../digest";
import { ConflictError, InvalidError, NotFoundError } from "../errors";
import type { CloudConfig } from "../cloud/config";
import { ObjectStore, holdsUploadedBytes } from "../cloud/object-store";
import { checkIfMatch } from "../cloud/if-match";
import { notOffered } from "../cloud/not-offered";
import { etagOf, pollUntilChanged } from "../cloud/poll";
import { firstFound, sleep, type RetryPolicy } from "../retry";
import type { DatasetClient, KindClient, ListFilter, ModelClient, PerfJobClient, Platform, ServiceClient, TrainingJobClient } from "../platform";
import { ModelArtsApi, VENDOR } from "./api";
import { normaliseObsPath } from "./paths";
import { trainingJobClient } from "./training";

/** Default model_type when the Model declares no framework (ModelArts needs one; ONNX files run in a custom runtime). */
export const DEFAULT_MODEL_TYPE = "Custom";
/** Where uploads go under the configured bucket. */
const UPLOAD_ROOT = "mlplatform/models/";
const DATASET_ROOT = "mlplatform/datasets/";
/** A custom dataset (type 900): ModelArts' labelled types do not fit csv/jsonl/files data. */
export const DATASET_TYPE = 900;

type Obj = { id: string; name: string; etag: string; status: string } & Record<string, any>;

export interface ModelArtsPlatformOptions {
  config: CloudConfig;
  projectId: string;
  /** OBS bucket for local sources. */
  bucket?: string;
  retry?: RetryPolicy;
  requestTimeoutMs?: number;
  pollIntervalMs?: number;
  pollMaxIntervalMs?: number;
  /** How long delete waits for a model still in use by a service being deleted (ms). Default 5 min. */
  inUseWaitMs?: number;
}

/** Neutral version number of a vendor version string ("1.0.2" → 10002). */
export function versionNumber(v: string): number {
  const [x, y, z] = String(v).split(".").map(Number);
  return (x || 0) * 10000 + (y || 0) * 100 + (z || 0);
}
/** Vendor version string of a neutral version number (10002 → "1.0.2"). */
export function versionString(n: number): string {
  return `${Math.floor(n / 10000)}.${Math.floor(n / 100) % 100}.${n % 100}`;
}
export const FIRST_VERSION = 10000;

export { normaliseObsPath };

const MODEL_STATUS: Record<string, string> = { publishing: "Registering", published: "Ready", failed: "Failed", building: "Registering", deleting: "Registering" };
/** Dataset status integers (digests §7.4 / zh): 0 creating, 1 normal, 2 deleting, 3 deleted, 4 abnormal, 5 syncing, 6 publishing, 7 switching version, 8 importing. */
const DATASET_STATUS: Record<number, string> = { 0: "Creating", 1: "Ready", 2: "Creating", 3: "Failed", 4: "Failed", 5: "Creating", 6: "Creating", 7: "Creating", 8: "Creating" };
/** Dataset version status integers: 0 creating, 1 running (usable), 2 deleting, 3 deleted, 4 error. */
const VERSION_STATUS: Record<number, string> = { 0: "Creating", 1: "Ready", 2: "Creating", 3: "Failed", 4: "Failed" };
const SERVICE_STATUS: Record<string, string> = {
  deploying: "Deploying", running: "Running", concerning: "Running", failed: "Failed", stopped: "Stopped", stopping: "Updating", deleting: "Updating", finished: "Stopped",
};

export class ModelArtsPlatform implements Platform {
  readonly backend = "modelarts";
  readonly api: ModelArtsApi;
  readonly store: ObjectStore;
  readonly datasets: DatasetClient;
  readonly trainingJobs: TrainingJobClient;
  readonly models: ModelClient;
  readonly perfJobs: PerfJobClient;
  readonly services: ServiceClient;

  constructor(private readonly opts: ModelArtsPlatformOptions) {
    this.api = new ModelArtsApi({ config: opts.config, projectId: opts.projectId, retry: opts.retry, requestTimeoutMs: opts.requestTimeoutMs });
    this.store = new ObjectStore({ endpoint: opts.config.objectStoreEndpoint, region: opts.config.region, credentials: opts.config.credentials });
    this.datasets = this.datasetClient() as unknown as DatasetClient;
    this.trainingJobs = trainingJobClient({
      api: this.api,
      bucket: opts.bucket,
      upload: (root, source, what) => this.uploadTo(root, source, what),
      datasetVersions: (id) => this.datasetVersions(id),
      pollOptions: () => this.pollOptions(),
    }) as unknown as TrainingJobClient;
    this.perfJobs = notOffered(VENDOR, "PerfJob") as any;
    this.models = this.modelClient() as unknown as ModelClient;
    this.services = this.serviceClient() as unknown as ServiceClient;
  }

  /** Serving specifications and training flavors (one list: check asks the platform, not the kind). */
  async flavors(): Promise<LocalFlavor[]> {
    const r = await this.api.call("GET", "/v1/{project_id}/services/specifications", { query: { is_personal_cluster: "false", infer_type: "real-time" } });
    const serving: LocalFlavor[] = ((r?.specifications ?? []) as any[]).map((f) => ({
      name: f.specification,
      cpuShare: Number(f.cpu ?? 0) || 0,
      maxReplicas: 5,
      maxConcurrency: Number(f.cpu ?? 1) || 1,
      description: f.spec_en ?? f.specification,
    }));
    const t = await this.api.call("GET", "/v2/{project_id}/training-job-flavors", { action: "ShowTrainingJobFlavors" });
    const training: LocalFlavor[] = ((t?.flavors ?? []) as any[])
      .filter((f) => !serving.some((s) => s.name === f.flavor_id))
      .map((f) => ({ name: f.flavor_id, cpuShare: Number(f.flavor_info?.cpu?.core_num ?? 0), maxReplicas: Number(f.flavor_info?.max_num ?? 1), maxConcurrency: 1, description: f.flavor_name ?? f.flavor_id }));
    return [...serving, ...training];
  }

  /** A dataset's versions, oldest first (neutral version N is the N-th). */
  async datasetVersions(id: string): Promise<any[]> {
    const r = await this.api.call("GET", `/v2/{project_id}/datasets/${encodeURIComponent(id)}/versions`, { action: "ListDatasetVersions" });
    return ((r?.versions ?? []) as any[]).sort((a, b) => Number(a.create_time) - Number(b.create_time));
  }

  // ------------------------------------------------------------------------------------------ datasets

  private datasetClient() {
    const path = (id: string) => `/v2/{project_id}/datasets/${encodeURIComponent(id)}`;
    const versionsOf = (id: string) => this.datasetVersions(id);
    const importsOf = async (id: string): Promise<any[]> =>
      (((await this.api.call("GET", `${path(id)}/import-tasks`, { action: "ListImportTasks" }))?.import_tasks ?? []) as any[]).sort((a, b) => Number(a.create_time) - Number(b.create_time));
    const get = async (id: string): Promise<Obj> => {
      const d = await this.api.call("GET", path(id), { action: "ShowDataset" });
      // The data now: the newest completed import's path, else the data the dataset was created over.
      const imported = (await importsOf(id)).filter((t) => t.status === "COMPLETED").pop()?.import_path;
      return withEtag(datasetObject(d, await versionsOf(id), imported));
    };
    const findByName = async (name: string): Promise<Obj[]> => {
      const r = await this.api.call("GET", "/v2/{project_id}/datasets", { query: { search_content: name, limit: "100" }, action: "ListDatasets" });
      return Promise.all(((r?.datasets ?? []) as any[]).filter((d) => d.dataset_name === name).map((d) => get(d.dataset_id)));
    };
    const client: KindClient<any, any, Obj> = {
      create: async (spec) => {
        if ((await findByName(spec.name)).length) throw new ConflictError(`ModelArts CreateDataset: a dataset named "${spec.name}" already exists (code ModelArts.4351)`, 409, "conflict");
        const data = await this.uploadTo(DATASET_ROOT, spec.source, "dataset");
        const body = {
          dataset_name: spec.name,
          dataset_type: DATASET_TYPE,
          data_sources: [{ data_type: 0, data_path: data.replace(/^obs:\//, "") }],
          // The vendor's own annotations/exports go here; it must differ from the input path.
          work_path: `/${this.opts.bucket}/mlplatform/dataset-work/${spec.name}/`,
          work_path_type: 0,
          ...(spec.description ? { description: spec.description } : {}),
        };
        const r = await this.api.call("POST", "/v2/{project_id}/datasets", {
          body,
          action: "CreateDataset",
          // Dataset names are unique (ModelArts.4351): one of this name made since is the first attempt's.
          beforeResend: firstFound(() => findByName(spec.name), (found) => ({ dataset_id: found.id })),
        });
        // A version can be published once the dataset is normal (status 1); abnormal (4) is its failure.
        for (const deadline = Date.now() + 10 * 60_000; ; ) {
          const d = await this.api.call("GET", path(r.dataset_id), { action: "ShowDataset" });
          if (Number(d.status) === 1) break;
          if (Number(d.status) === 4 || Date.now() > deadline) return get(r.dataset_id);
          await sleep(this.opts.pollIntervalMs ?? 500);
        }
        // Publish the one version the neutral Dataset promises (immutable once made).
        await this.api.call("POST", `${path(r.dataset_id)}/versions`, {
          body: { version_name: "V001", version_format: "Default" },
          action: "CreateDatasetVersion",
          beforeResend: async () => ((await versionsOf(r.dataset_id)).some((v) => v.version_name === "V001") ? {} : undefined),
        });
        return get(r.dataset_id);
      },
      get,
      update: async (id, patch, opts = {}) => {
        const live = await get(id);
        checkIfMatch(live, opts.ifMatch, `dataset ${id}`);
        const body: Record<string, unknown> = {};
        if (patch.name !== undefined && patch.name !== live.name) body.dataset_name = patch.name;
        if (patch.description !== undefined && patch.description !== live.description) body.description = patch.description;
        if (Object.keys(body).length) await this.api.call("PUT", path(id), { body, action: "UpdateDataset" });
        // New data: uploaded (content-addressed, so the same bytes are no change), imported, published as the next version.
        if (patch.source !== undefined) {
          const data = await this.uploadTo(DATASET_ROOT, patch.source, "dataset");
          if (normaliseObsPath(data) !== live.source) await this.importVersion(id, data, live.latestVersion + 1, importsOf, versionsOf);
        }
        return get(id);
      },
      delete: async (id) => {
        try {
          await this.api.call("DELETE", path(id), { action: "DeleteDataset" });
        } catch (e) {
          if (!(e instanceof NotFoundError)) throw e;
        }
      },
      list: async (filter: ListFilter = {}) => ({ items: filter.tag ? [] : filter.name ? await findByName(filter.name) : [] }),
      listAll: async (filter = {}) => (filter.tag ? [] : filter.name ? findByName(filter.name) : []),
      wait: (id, etag, timeoutMs) => pollUntilChanged(() => get(id), etag, timeoutMs, this.pollOptions()),
    };
    return {
      ...client,
      versions: async (id: string) =>
        (await versionsOf(id)).map((v, i) => ({
          version: i + 1, status: VERSION_STATUS[Number(v.status)] ?? "Failed", source: "", digest: "", sampleCount: Number(v.total_sample_count ?? 0), sizeBytes: 0, createdAt: isoOf(v.create_time),
        })),
    };
  }

  /**
   * Imports the OBS data at `data` into dataset `id` (an import task, waited until COMPLETED) and publishes it as
   * version `next` (V00<next>). Retries find what an applied-but-unanswered call made: the task by its import
   * path, the version by its name.
   */
  private async importVersion(id: string, data: string, next: number, importsOf: (id: string) => Promise<any[]>, versionsOf: (id: string) => Promise<any[]>): Promise<void> {
    const path = `/v2/{project_id}/datasets/${encodeURIComponent(id)}`;
    const name = `V${String(next).padStart(3, "0")}`;
    console.log(`dataset ${id}: importing ${data} as version ${name}`);
    const existing = (await importsOf(id)).find((t) => normaliseObsPath(t.import_path) === data && t.status !== "FAILED");
    const task =
      existing ??
      (await this.api.call("POST", `${path}/import-tasks`, {
        body: { import_path: data, import_type: "dir", import_annotations: false },
        action: "CreateImportTask",
        beforeResend: async () => (await importsOf(id)).find((t) => normaliseObsPath(t.import_path) === data),
      }));
    const taskId = task.task_id;
    for (const deadline = Date.now() + 30 * 60_000; ; ) {
      const t = await this.api.call("GET", `${path}/import-tasks/${encodeURIComponent(taskId)}`, { action: "ShowImportTask" });
      if (t.status === "COMPLETED") break;
      if (t.status === "FAILED" || t.status === "NOT_EXIST")
        throw new InvalidError(`ModelArts import of ${data} into dataset ${id} ended ${t.status}${t.error_msg ? `: ${t.error_msg}` : ""}${t.error_code ? ` (code ${t.error_code})` : ""}`, 400, "source");
      if (Date.now() > deadline) throw new InvalidError(`ModelArts import of ${data} into dataset ${id} did not finish in 30 minutes (last status ${t.status})`, 400, "source");
      await sleep(this.opts.pollIntervalMs ?? 500);
    }
    // The dataset leaves "importing" before a version can be published.
    for (const deadline = Date.now() + 10 * 60_000; Number((await this.api.call("GET", path, { action: "ShowDataset" })).status) !== 1 && Date.now() < deadline; )
      await sleep(this.opts.pollIntervalMs ?? 500);
    if (!(await versionsOf(id)).some((v) => v.version_name === name))
      await this.api.call("POST", `${path}/versions`, {
        body: { version_name: name, version_format: "Default" },
        action: "CreateDatasetVersion",
        beforeResend: async () => ((await versionsOf(id)).some((v) => v.version_name === name) ? {} : undefined),
      });
  }

  /** Uploads a local file/directory under `root` in the configured bucket (skipped when the bytes are there). */
  async uploadTo(root: string, source: string, what: string): Promise<string> {
    if (source.startsWith("obs://")) return source;
    const local = isAbsolute(source) ? source : resolve(process.cwd(), source);
    if (!existsSync(local)) throw new InvalidError(`${what} source ${source} does not exist (resolved to ${local})`, 400, "source");
    if (!this.opts.bucket)
      throw new InvalidError(`ModelArts: a local ${what} source needs an OBS bucket to upload to: set mlplatform:objectStoreBucket or MODELARTS_OBS_BUCKET`, 400, "source");
    const r = await this.store.uploadIfChanged(this.opts.bucket, root, local, await contentDigest(local));
    console.log(`${what} source ${basename(local)}: ${r.uploaded ? `uploaded ${r.files} file(s) to` : "unchanged, already at"} obs://${r.bucket}/${r.prefix}`);
    return `obs://${r.bucket}/${r.prefix}`;
  }

  // ------------------------------------------------------------------------------------------- models

  /** Every vendor model of this name (all versions), oldest first. */
  private async modelVersions(name: string): Promise<any[]> {
    const out: any[] = [];
    for (let offset = 0; ; offset++) {
      const r = await this.api.call("GET", "/v1/{project_id}/models", { query: { model_name: name, limit: "100", offset: String(offset) }, action: "ListModels" });
      const page = (r?.models ?? []) as any[];
      out.push(...page.filter((m) => m.model_name === name));
      if (page.length < 100) break;
    }
    return out.sort((a, b) => versionNumber(a.model_version) - versionNumber(b.model_version));
  }

  private async showModel(modelId: string): Promise<any> {
    return this.api.call("GET", `/v1/{project_id}/models/${encodeURIComponent(modelId)}`, { action: "ShowModel" });
  }

  /** The vendor model id serving neutral (name, version). */
  async modelIdOf(name: string, version: number): Promise<string> {
    const v = (await this.modelVersions(name)).find((m) => versionNumber(m.model_version) === version);
    if (!v) throw new NotFoundError(`ModelArts: model ${name} has no version ${versionString(version)} (neutral version ${version})`, 404, "not_found");
    return v.model_id;
  }

  private modelClient() {
    const get = async (name: string): Promise<Obj> => {
      const versions = await this.modelVersions(name);
      if (!versions.length) throw new NotFoundError(`ModelArts: no model named ${name}`, 404, "not_found");
      const latest = await this.showModel(versions[versions.length - 1].model_id);
      return withEtag(modelObject(latest, versions));
    };
    const register = async (spec: Record<string, any>, version: number, live: Obj | undefined) => {
      const body: Record<string, unknown> = {
        model_name: spec.name,
        model_version: versionString(version),
        source_location: await this.upload(spec.source, live),
        model_type: spec.framework ?? DEFAULT_MODEL_TYPE,
        ...(spec.description ? { description: spec.description } : {}),
        // model_metrics: a JSON string of the vendor's four evaluation metrics (REST create; read back the same way).
        ...(spec.metrics && Object.keys(spec.metrics).length ? { model_metrics: JSON.stringify(spec.metrics) } : {}),
      };
      await this.api.call("POST", "/v1/{project_id}/models", {
        body,
        action: "CreateModel",
        // A 5xx after the model was made: (name, version) is unique, so that version is the first attempt's.
        beforeResend: async () => ((await this.modelVersions(spec.name)).find((m) => m.model_version === body.model_version) ? {} : undefined),
      });
    };
    const client: KindClient<any, any, Obj> = {
      create: async (spec) => {
        if ((await this.modelVersions(spec.name)).length)
          throw new ConflictError(`ModelArts CreateModel: a model named "${spec.name}" already exists (code ModelArts.3002)`, 409, "conflict");
        await register(spec, FIRST_VERSION, undefined);
        return get(spec.name);
      },
      get,
      update: async (name, patch, opts = {}) => {
        const live = await get(name);
        checkIfMatch(live, opts.ifMatch, `model ${name}`);
        // The live source is the OBS path the bytes went to; a local path with those same bytes is no change.
        if (patch.source !== undefined && (await this.sameContent(patch.source, live.source))) patch = { ...patch, source: undefined };
        const changed = ["source", "framework", "description", "metrics"].filter((k) => patch[k] !== undefined && JSON.stringify(patch[k]) !== JSON.stringify(live[k]));
        if (changed.length === 0) return live;
        // Models are immutable: any change is the next version of the same name.
        const next = live.latestVersion + 1;
        console.log(`model ${name}: registering version ${versionString(next)} (${changed.join(", ")} changed)`);
        await register({ ...live, source: live.source, ...Object.fromEntries(changed.map((k) => [k, patch[k]])), name }, next, live);
        await this.deleteUnservedVersions(name, next);
        return get(name);
      },
      delete: async (name) => {
        const deadline = Date.now() + (this.opts.inUseWaitMs ?? 5 * 60_000);
        for (const m of (await this.modelVersions(name)).reverse()) {
          for (;;) {
            try {
              await this.api.call("DELETE", `/v1/{project_id}/models/${encodeURIComponent(m.model_id)}`, { action: "DeleteModel" });
              break;
            } catch (e) {
              if (e instanceof NotFoundError) break;
              // In use by a service that is itself being deleted (destroy order): wait for it to go.
              if (e instanceof ConflictError && Date.now() < deadline) {
                console.log(`model ${name} ${m.model_version} is still deployed by a service; waiting for it to be released`);
                await sleep(this.opts.pollMaxIntervalMs ?? 2_000);
                continue;
              }
              throw e;
            }
          }
        }
      },
      list: async (filter: ListFilter = {}) => ({ items: filter.name && !filter.tag ? await findModel(filter.name) : [] }),
      listAll: async (filter = {}) => (filter.name && !filter.tag ? findModel(filter.name) : []),
      wait: (id, etag, timeoutMs) => pollUntilChanged(() => get(id), etag, timeoutMs, this.pollOptions()),
    };
    const findModel = async (name: string) => ((await this.modelVersions(name)).length ? [await get(name)] : []);
    return {
      ...client,
      versions: async (name: string) => (await this.modelVersions(name)).map(versionObject),
      version: async (name: string, version: number) => versionObject(await this.showModel(await this.modelIdOf(name, version))),
      deleteVersion: async (name: string, version: number) => {
        await this.api.call("DELETE", `/v1/{project_id}/models/${encodeURIComponent(await this.modelIdOf(name, version))}`, { action: "DeleteModel" });
      },
    };
  }

  /**
   * Deletes every version of `name` older than `keep` that no service deploys. ModelArts refuses to delete a
   * deployed model (ModelArts.3009): such a version stays, and goes when a service update moves off it.
   */
  async deleteUnservedVersions(name: string, keep: number): Promise<void> {
    for (const m of await this.modelVersions(name)) {
      if (versionNumber(m.model_version) >= keep) continue;
      try {
        await this.api.call("DELETE", `/v1/{project_id}/models/${encodeURIComponent(m.model_id)}`, { action: "DeleteModel" });
        console.log(`model ${name}: deleted version ${m.model_version} (nothing serves it)`);
      } catch (e) {
        if (e instanceof ConflictError) console.log(`model ${name}: version ${m.model_version} is still served; it is deleted when its service moves off it`);
        else if (!(e instanceof NotFoundError)) throw e;
      }
    }
  }

  /** Whether a local source holds the bytes already uploaded to `obsPath` (its digest names the prefix). */
  private async sameContent(source: string, obsPath: string | undefined): Promise<boolean> {
    return normaliseObsPath(source) === normaliseObsPath(obsPath) || holdsUploadedBytes(source, obsPath, "obs://");
  }

  private async upload(source: string, live: Obj | undefined): Promise<string> {
    if (live && source === live.source) return live.source;
    return this.uploadTo(UPLOAD_ROOT, source, "model");
  }

  // ------------------------------------------------------------------------------------------ services

  private serviceClient(): KindClient<any, any, Obj> {
    const path = (id: string) => `/v1/{project_id}/services/${encodeURIComponent(id)}`;
    const get = async (id: string): Promise<Obj> => withEtag(serviceObject(await this.api.call("GET", path(id), { action: "ShowService" })));
    const findByName = async (name: string): Promise<Obj[]> => {
      const r = await this.api.call("GET", "/v1/{project_id}/services", { query: { service_name: name, limit: "100" }, action: "ListServices" });
      return Promise.all(((r?.services ?? []) as any[]).filter((s) => s.service_name === name).map((s) => get(s.service_id)));
    };
    const configOf = async (want: Record<string, any>) =>
      Promise.all(
        (want.models as { modelId: string; version: number; weight?: number }[]).map(async (m) => ({
          model_id: await this.modelIdOf(m.modelId, m.version),
          weight: m.weight ?? 100,
          specification: want.flavor,
          instance_count: want.replicas ?? 1,
          envs: { ...(want.env ?? {}) },
        })),
      );
    const waitSettled = async (live: Obj): Promise<Obj> => {
      for (const deadline = Date.now() + 10 * 60_000; (live.status === "Deploying" || live.status === "Updating") && Date.now() < deadline; ) {
        console.log(`service ${live.name} (${live.id}) is ${live.status}; waiting for it before updating`);
        live = await pollUntilChanged(() => get(live.id), live.etag, 30_000, this.pollOptions());
      }
      return live;
    };
    return {
      create: async (spec) => {
        const body = { service_name: spec.name, infer_type: "real-time", description: spec.description ?? "", config: await configOf(spec) };
        const r = await this.api.call("POST", "/v1/{project_id}/services", {
          body,
          action: "CreateService",
          // Service names are unique (ModelArts.3503): a service of this name made since is the first attempt's.
          beforeResend: firstFound(() => findByName(spec.name), (found) => ({ service_id: found.id })),
        });
        return get(r.service_id);
      },
      get,
      update: async (id, patch, opts = {}) => {
        let live = await get(id);
        checkIfMatch(live, opts.ifMatch, `service ${id}`);
        // ModelArts refuses updates while a deployment is in flight (ModelArts.3519): let it land first.
        live = await waitSettled(live);
        const want = { ...live, ...Object.fromEntries(Object.entries(patch).filter(([, v]) => v !== undefined)) };
        const configChanged = ["models", "replicas", "flavor", "env"].some((k) => patch[k] !== undefined && JSON.stringify(patch[k]) !== JSON.stringify(live[k]));
        const before = (live.vendorConfig ?? []) as { model_id: string; model_name: string }[];
        if (configChanged || (patch.description !== undefined && patch.description !== live.description)) {
          const body: Record<string, unknown> = {};
          if (patch.description !== undefined) body.description = patch.description;
          if (configChanged) body.config = await configOf(want);
          // An update answered with a 5xx may have landed: the service then shows the new config.
          // (Served models are compared as (model, version, weight): the live entries also carry modelName.)
          const served = (ms: any[]) => JSON.stringify((ms ?? []).map((m) => [m.modelId, m.version, m.weight ?? 100]));
          const landed = async () => {
            const now = await get(id);
            const same = served(now.models) === served(want.models) && ["replicas", "flavor", "env", "description"].every((k) => JSON.stringify(now[k]) === JSON.stringify(want[k]));
            return same ? {} : undefined;
          };
          await this.api.call("PUT", path(id), { body, action: "UpdateService", beforeResend: landed });
          live = await waitSettled(await get(id));
        }
        // Start is its own update: the vendor applies only `status` when status and config come together.
        if (live.status === "Stopped") {
          console.log(`service ${live.name} (${id}) is stopped; starting it`);
          await this.api.call("PUT", path(id), { body: { status: "running" }, action: "UpdateService(status)", beforeResend: async () => ((await get(id)).status !== "Stopped" ? {} : undefined) });
        }
        // Versions this service moved off: delete them now if no other service holds them and a newer exists.
        if (configChanged) {
          const nowIds = new Set(((await get(id)).vendorConfig as any[]).map((c) => c.model_id));
          for (const name of new Set(before.filter((c) => !nowIds.has(c.model_id)).map((c) => c.model_name))) {
            const versions = await this.modelVersions(name);
            if (versions.length) await this.deleteUnservedVersions(name, versionNumber(versions[versions.length - 1].model_version));
          }
        }
        return get(id);
      },
      delete: async (id) => {
        try {
          await this.api.call("DELETE", path(id), { action: "DeleteService" });
        } catch (e) {
          if (e instanceof NotFoundError) return;
          throw e;
        }
        // Deletion is asynchronous; the models it deployed are released only once it is gone.
        for (const deadline = Date.now() + 10 * 60_000; Date.now() < deadline; ) {
          try {
            await get(id);
          } catch (e) {
            if (e instanceof NotFoundError) return;
            throw e;
          }
          await sleep(this.opts.pollIntervalMs ?? 500);
        }
      },
      list: async (filter: ListFilter = {}) => ({ items: filter.tag ? [] : filter.name ? await findByName(filter.name) : [] }),
      listAll: async (filter = {}) => (filter.tag ? [] : filter.name ? findByName(filter.name) : []),
      wait: (id, etag, timeoutMs) => pollUntilChanged(() => get(id), etag, timeoutMs, this.pollOptions()),
    };
  }

  /** Starts or stops a service (a status-only update). */
  async setServiceRunning(id: string, running: boolean): Promise<void> {
    await this.api.call("PUT", `/v1/{project_id}/services/${encodeURIComponent(id)}`, { body: { status: running ? "running" : "stopped" }, action: "UpdateService(status)" });
  }

  private pollOptions() {
    return { intervalMs: this.opts.pollIntervalMs, maxIntervalMs: this.opts.pollMaxIntervalMs };
  }
}

// ----------------------------------------------------------------------------------------- mapping

function withEtag(o: Record<string, any>): Obj {
  const { vendorConfig: _hidden, ...visible } = o;
  return { ...o, etag: etagOf(visible) } as Obj;
}

/** The vendor's model_metrics (a JSON string, absent when none) as a map of numbers. */
export function metricsOf(raw: unknown): Record<string, number> {
  if (typeof raw !== "string" || raw === "") return {};
  try {
    const parsed = JSON.parse(raw);
    return Object.fromEntries(Object.entries(parsed ?? {}).filter(([, v]) => typeof v === "number" || (typeof v === "string" && v !== "" && !Number.isNaN(Number(v)))).map(([k, v]) => [k, Number(v)]));
  } catch {
    return {};
  }
}

function isoOf(ms: unknown): string {
  const n = Number(ms);
  return Number.isFinite(n) && n > 0 ? new Date(n).toISOString() : new Date(0).toISOString();
}

function modelObject(latest: any, versions: any[]): Omit<Obj, "etag"> {
  const status = MODEL_STATUS[latest.model_status] ?? "Failed";
  return {
    id: latest.model_name,
    name: latest.model_name,
    createdAt: isoOf(versions[0]?.create_at ?? latest.create_at),
    updatedAt: isoOf(latest.create_at),
    status,
    statusMessage: status === "Failed" ? latest.failed_msg ?? `model_status ${latest.model_status}` : undefined,
    latestVersion: versionNumber(latest.model_version),
    source: normaliseObsPath(latest.source_location),
    // ModelArts keeps no model format; the kind rules keep the declared one in state.
    format: "onnx",
    framework: latest.model_type,
    metrics: metricsOf(latest.model_metrics),
    description: latest.description ?? "",
    tags: {},
    versions: versions.map((v) => ({ version: versionNumber(v.model_version), status: MODEL_STATUS[v.model_status] ?? "Failed" })),
  };
}

function versionObject(v: any) {
  return {
    version: versionNumber(v.model_version),
    status: (MODEL_STATUS[v.model_status] ?? "Failed") as "Ready",
    source: normaliseObsPath(v.source_location) ?? "",
    format: "onnx" as const,
    framework: v.model_type,
    artifactDigest: /\/sha256-([0-9a-f]{64})\//.exec(v.source_location ?? "")?.[1] ?? "",
    sizeBytes: Number(v.model_size ?? 0),
    metrics: metricsOf(v.model_metrics),
    createdAt: isoOf(v.create_at),
  };
}

function datasetObject(d: any, versions: any[], imported?: string): Record<string, any> {
  const status = DATASET_STATUS[Number(d.status)] ?? "Failed";
  const latest = versions[versions.length - 1];
  const versionStatus = latest ? VERSION_STATUS[Number(latest.status)] ?? "Failed" : "Creating";
  // Ready only once the dataset is normal AND its version is usable.
  const overall = status === "Ready" ? versionStatus : status;
  return {
    id: d.dataset_id,
    name: d.dataset_name,
    createdAt: isoOf(d.create_time),
    updatedAt: isoOf(d.update_time ?? d.create_time),
    status: overall,
    statusMessage: overall === "Failed" ? `ModelArts dataset status ${d.status}${latest ? `, version ${latest.version_name} status ${latest.status}` : ""}` : undefined,
    source: normaliseObsPath(imported ?? d.data_sources?.[0]?.data_path) ?? "",
    // ModelArts keeps no csv/jsonl/files format: the kind rules keep the declared one in state.
    format: "files",
    description: d.description ?? "",
    tags: {},
    latestVersion: versions.length,
    digest: /\/sha256-([0-9a-f]{64})\//.exec(imported ?? d.data_sources?.[0]?.data_path ?? "")?.[1],
    sampleCount: Number(d.total_sample_count ?? 0),
    sizeBytes: 0,
  };
}

function serviceObject(s: any): Record<string, any> {
  const config = (s.config ?? []) as any[];
  const first = config[0] ?? {};
  const status = SERVICE_STATUS[s.status] ?? s.status;
  const replicas = Number(first.instance_count ?? 0);
  return {
    id: s.service_id,
    name: s.service_name,
    createdAt: isoOf(s.start_time ?? s.update_time),
    updatedAt: isoOf(s.update_time),
    status,
    statusMessage: s.status === "concerning" ? "ModelArts reports the service as concerning (some instances unhealthy)" : s.failed_msg ?? s.error_msg,
    // The seeds send weights as strings ("70") and read them back as integers: one number here.
    models: config.map((c) => ({ modelId: c.model_name, modelName: c.model_name, version: versionNumber(c.model_version), weight: Number(c.weight) })),
    replicas,
    readyReplicas: status === "Running" ? replicas : 0,
    flavor: first.specification ?? "",
    env: Object.fromEntries(Object.entries(first.envs ?? {}).map(([k, v]) => [k, String(v)])),
    description: s.description ?? "",
    tags: {},
    endpoint: s.access_address ?? "",
    vendorConfig: config,
  };
}
