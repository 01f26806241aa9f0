// ModelArts training jobs (v2 `/v2/{project_id}/training-jobs`, the API huaweicloudsdkmodelarts generates as
// CreateTrainingJob / ShowTrainingJobDetails / ChangeTrainingJobDescription / StopTrainingJob / DeleteTrainingJob /
// ListTrainingJobs / ShowTrainingJobLogsPreview / ShowTrainingJobMetrics) as the neutral TrainingJob: the code
// directory is uploaded to OBS first (only when its bytes changed: the prefix is named by their digest), the
// dataset input is a ModelArts dataset version (`remote.dataset{id, version_id}`), the output an OBS directory
// (`train_url`, by default one per distinct run under mlplatform/training-output/<name>/) that becomes the job's
// `outputUri`, usable as a Model source. Hyper-parameters go out as
// `parameters[{name, value}]` with string values (the SDK's Parameters.value is a str). Phases map to the
// neutral statuses (Creating/Pending → Pending, Running/Terminating → Running, Completed, Failed/Abnormal →
// Failed, Terminated → Stopped); logs and resource metrics are read from task worker-0. Job names are not
// unique on the vendor (the seeds name no conflict code), so the driver keeps them unique: a create finds what a
// failed-but-applied attempt made by name (training-job-searches) before it re-sends.
import { createHash } from "node:crypto";
import { ConflictError, InvalidError, NotFoundError } from "../errors";
import { checkIfMatch } from "../cloud/if-match";
import { etagOf, pollUntilChanged } from "../cloud/poll";
import type { KindClient, ListFilter } from "../platform";
import type { ModelArtsApi } from "./api";
import { normaliseObsPath } from "./paths";

type Obj = { id: string; name: string; etag: string; status: string } & Record<string, any>;

/** The channel names the job sees its data and output under (ModelArts' own examples use these). */
export const INPUT_CHANNEL = "data_url";
export const OUTPUT_CHANNEL = "train_url";
const TASK = "worker-0";
const CODE_ROOT = "mlplatform/code/";

const PHASE: Record<string, string> = {
  Creating: "Pending", Pending: "Pending", Running: "Running", Terminating: "Running",
  Completed: "Completed", Failed: "Failed", Abnormal: "Failed", Terminated: "Stopped",
};

export interface TrainingContext {
  api: ModelArtsApi;
  bucket?: string;
  /** Local path → obs:// directory (uploaded when changed). */
  upload(root: string, source: string, what: string): Promise<string>;
  /** Dataset versions oldest first (neutral version N = the N-th). */
  datasetVersions(datasetId: string): Promise<any[]>;
  pollOptions(): { intervalMs?: number; maxIntervalMs?: number };
}

/** argv → one shell command line (ModelArts' algorithm.command is a string). */
export function shellJoin(argv: string[]): string {
  return argv.map((a) => (/^[A-Za-z0-9_@%+=:,./-]+$/.test(a) ? a : `'${a.replace(/'/g, `'\\''`)}'`)).join(" ");
}

/** A parameter value as the job declared it: the vendor hands every value back as a string. */
function typedValue(v: unknown): string | number | boolean {
  if (typeof v !== "string") return v as number | boolean;
  if (v === "true" || v === "false") return v === "true";
  return /^-?(0|[1-9]\d*)(\.\d+)?([eE][-+]?\d+)?$/.test(v) ? Number(v) : v;
}

export function trainingJobClient(ctx: TrainingContext) {
  const path = (id: string) => `/v2/{project_id}/training-jobs/${encodeURIComponent(id)}`;
  const { api } = ctx;

  const logs = async (id: string, tail = 100): Promise<string[]> => {
    const r = await api.call("GET", `${path(id)}/tasks/${TASK}/logs/preview`, { action: "ShowTrainingJobLogsPreview" });
    const lines = String(r?.content ?? r?.context ?? "").split("\n").filter((l) => l !== "");
    return lines.slice(-tail);
  };
  /** Last sample of each resource series (-1 = no sample). */
  const finalMetrics = async (id: string): Promise<Record<string, number>> => {
    const r = await api.call("GET", `${path(id)}/metrics/${TASK}`, { action: "ShowTrainingJobMetrics" });
    const out: Record<string, number> = {};
    for (const m of (r?.metrics ?? []) as { metric: string; value: number[] }[]) {
      const last = [...(m.value ?? [])].reverse().find((v) => v !== -1);
      if (last !== undefined) out[m.metric] = last;
    }
    return out;
  };

  const toObject = async (j: any, withMetrics: boolean): Promise<Obj> => {
    const phase = j.status?.phase ?? "Creating";
    const status = PHASE[phase] ?? "Failed";
    const algorithm = j.algorithm ?? {};
    const engine = algorithm.engine ?? {};
    const codeDir = normaliseObsPath(algorithm.code_dir) ?? "";
    const boot = normaliseObsPath(algorithm.boot_file);
    const input = ((algorithm.inputs ?? []) as any[]).find((i) => i.name === INPUT_CHANNEL)?.remote?.dataset;
    const output = normaliseObsPath(((algorithm.outputs ?? []) as any[]).find((o) => o.name === OUTPUT_CHANNEL)?.remote?.obs?.obs_url) ?? "";
    let datasetVersion = 0;
    if (input?.id) {
      try {
        datasetVersion = (await ctx.datasetVersions(input.id)).findIndex((v) => v.version_id === input.version_id) + 1;
      } catch (e) {
        if (!(e instanceof NotFoundError)) throw e; // the dataset went: the job still names it
      }
    }
    // environments: a map in the docs, a list of maps in the SDK's response model; both read as one map.
    const envs = Array.isArray(algorithm.environments) ? Object.assign({}, ...algorithm.environments) : (algorithm.environments ?? {});
    const task = ((j.status?.task_statuses ?? []) as any[]).find((t) => t.task === TASK) ?? j.status?.task_statuses?.[0];
    const terminal = ["Completed", "Failed", "Stopped"].includes(status);
    const metrics = withMetrics && terminal ? await finalMetrics(j.metadata.id).catch(() => ({})) : {};
    const failed = status === "Failed";
    const metricText = Object.entries(metrics).map(([k, v]) => `${k}=${v}`).join(" ");
    const obj: Record<string, any> = {
      id: j.metadata.id,
      name: j.metadata.name,
      createdAt: new Date(Number(j.metadata.create_time) || 0).toISOString(),
      updatedAt: new Date(Number(j.metadata.create_time) + Number(j.status?.duration ?? 0) || 0).toISOString(),
      status,
      statusMessage: failed
        ? `ModelArts phase ${phase}${j.status?.secondary_phase && j.status.secondary_phase !== phase ? ` (${j.status.secondary_phase})` : ""}${task?.message ? `: ${task.message}` : ""}${metricText ? `; last metrics ${metricText}` : ""}`
        : phase === "Terminating" ? "ModelArts phase Terminating" : undefined,
      ...(engine.image_url ? { image: engine.image_url } : { engine: { name: engine.engine_name, version: engine.engine_version } }),
      ...(algorithm.command ? { command: [algorithm.command] } : {}),
      workingDir: codeDir,
      bootFile: boot && codeDir && boot.startsWith(codeDir) ? boot.slice(codeDir.length) : boot,
      env: Object.fromEntries(Object.entries(envs).map(([k, v]) => [k, String(v)])),
      datasetId: input?.id ?? "",
      datasetVersion,
      hyperParameters: Object.fromEntries(((algorithm.parameters ?? []) as any[]).map((p) => [p.name, typedValue(p.value)])),
      flavor: j.spec?.resource?.flavor_id ?? "",
      instanceCount: Number(j.spec?.resource?.node_count ?? 1),
      outputDir: output,
      outputUri: output,
      description: j.metadata.description ?? "",
      tags: {},
      startedAt: Number(j.status?.start_time) > 0 ? new Date(Number(j.status.start_time)).toISOString() : undefined,
      finishedAt: terminal && Number(j.status?.start_time) > 0 ? new Date(Number(j.status.start_time) + Number(j.status.duration ?? 0)).toISOString() : undefined,
      exitCode: task?.exit_code ?? null,
      finalMetrics: metrics,
    };
    const { finalMetrics: _m, ...visible } = obj;
    return { ...obj, etag: etagOf(visible) } as Obj;
  };

  const show = (id: string) => api.call("GET", path(id), { action: "ShowTrainingJobDetails" });
  const get = async (id: string): Promise<Obj> => toObject(await show(id), true);

  const findByName = async (name: string): Promise<any[]> => {
    const found: any[] = [];
    for (let offset = 0; ; offset++) {
      const r = await api.call("POST", "/v2/{project_id}/training-job-searches", {
        body: { offset, limit: 50, filters: [{ key: "name", operator: "like", value: [name] }] },
        action: "ListTrainingJobs",
      });
      const items = (r?.items ?? []) as any[];
      found.push(...items.filter((j) => j.metadata?.name === name));
      if (items.length < 50) return found;
    }
  };

  const client: KindClient<any, any, Obj> = {
    create: async (spec) => {
      if ((await findByName(spec.name)).length)
        throw new ConflictError(`ModelArts CreateTrainingJob: a training job named "${spec.name}" already exists (this driver keeps training job names unique)`, 409, "conflict");
      if (!ctx.bucket && !String(spec.outputDir ?? "").startsWith("obs://"))
        throw new InvalidError("ModelArts: a training job's output needs an OBS bucket: set mlplatform:objectStoreBucket or MODELARTS_OBS_BUCKET, or the job's outputDir", 400, "outputDir");
      const codeDir = (await ctx.upload(CODE_ROOT, spec.workingDir, "code")).replace(/\/?$/, "/");
      const versions = await ctx.datasetVersions(spec.datasetId);
      const n = spec.datasetVersion ?? versions.length;
      const version = versions[n - 1];
      if (!version) throw new InvalidError(`ModelArts: dataset ${spec.datasetId} has no version ${n} (it has ${versions.length})`, 400, "datasetVersion");
      const algorithm = {
        code_dir: codeDir,
        ...(spec.bootFile ? { boot_file: codeDir + spec.bootFile } : {}),
        ...(spec.command ? { command: shellJoin(spec.command) } : {}),
        engine: spec.image ? { image_url: spec.image } : { engine_name: spec.engine.name, engine_version: spec.engine.version },
        parameters: Object.entries(spec.hyperParameters ?? {}).map(([name, value]) => ({ name, value: String(value) })),
        inputs: [{ name: INPUT_CHANNEL, remote: { dataset: { id: spec.datasetId, version_id: version.version_id } } }],
        ...(spec.env && Object.keys(spec.env).length ? { environments: spec.env } : {}),
      };
      const resource = { flavor_id: spec.flavor, node_count: spec.instanceCount ?? 1 };
      // Each distinct run writes to its own directory (named by what defines the run), so a new run's output is
      // a new model source and registers the next model version; a retried create of the same run keeps it.
      const run = createHash("sha256").update(JSON.stringify([spec.name, algorithm, resource])).digest("hex").slice(0, 12);
      const output = spec.outputDir ?? `obs://${ctx.bucket}/mlplatform/training-output/${spec.name}/${run}/`;
      const body = {
        kind: "job",
        metadata: { name: spec.name, ...(spec.description ? { description: spec.description } : {}) },
        algorithm: { ...algorithm, outputs: [{ name: OUTPUT_CHANNEL, remote: { obs: { obs_url: output } } }] },
        spec: { resource },
      };
      const r = await api.call("POST", "/v2/{project_id}/training-jobs", {
        body,
        action: "CreateTrainingJob",
        // A 5xx after the job was made: the job of this name made since is the first attempt's.
        beforeResend: async () => (await findByName(spec.name))[0],
      });
      return get(r.metadata.id);
    },
    get,
    update: async (id, patch, opts = {}) => {
      const live = await get(id);
      checkIfMatch(live, opts.ifMatch, `training job ${id}`);
      if (patch.description !== undefined && patch.description !== live.description)
        await api.call("PUT", path(id), { body: { description: patch.description }, action: "ChangeTrainingJobDescription" });
      return get(id);
    },
    delete: async (id) => {
      try {
        await api.call("DELETE", path(id), { action: "DeleteTrainingJob" });
      } catch (e) {
        if (!(e instanceof NotFoundError)) throw e;
      }
    },
    list: async (filter: ListFilter = {}) => ({ items: filter.tag || !filter.name ? [] : await Promise.all((await findByName(filter.name)).map((j) => toObject(j, false))) }),
    listAll: async (filter = {}) => (filter.tag || !filter.name ? [] : Promise.all((await findByName(filter.name)).map((j) => toObject(j, false)))),
    wait: (id, etag, timeoutMs) => pollUntilChanged(() => get(id), etag, timeoutMs, ctx.pollOptions()),
  };
  return {
    ...client,
    logs,
    metrics: async (id: string) => {
      const now = new Date().toISOString();
      return Object.entries(await finalMetrics(id)).map(([name, value]) => ({ step: 0, name, value, time: now }));
    },
    stop: async (id: string) => {
      const live = await get(id);
      if (live.status !== "Pending" && live.status !== "Running") return live;
      await api.call("POST", `${path(id)}/actions`, {
        body: { action_type: "terminate" },
        action: "StopTrainingJob",
        beforeResend: async () => {
          const phase = (await show(id)).status?.phase;
          return phase === "Terminating" || phase === "Terminated" ? {} : undefined;
        },
      });
      return get(id);
    },
  };
}
