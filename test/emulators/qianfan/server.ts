// A Baidu Qianfan console API V2 emulator (seed 003 + the qianfan SDK's wire format): a real HTTP server on
// 127.0.0.1 answering `POST /v2/<area>?Action=<Name>` that verifies bce-auth-v1 signatures over what they
// cover (host and x-bce-date must be signed; the body is not covered, as on the vendor), refuses bad ones
// with the vendor's error shape, validates bodies (names, formats, hyper-parameter ranges, at least 32
// dataset entries), imports dataset files from an S3 store (moto, standing in for BOS), and runs the
// asynchronous parts (import, publish, fine-tuning, model publish, deployment) as time-driven state machines
// with injectable delays and faults (throttling, 5xx before or after applying). A service in the private
// pool stays `New` until `pay()` (the console payment); there is no service delete, as on the vendor.
// Where the SDK and docs are silent (result field names, V2 not-found codes) the choice is marked "assumed"
// and listed in the README's Qianfan section.
import { randomBytes } from "node:crypto";
import type { IncomingMessage, ServerResponse } from "node:http";
import { GetObjectCommand } from "@aws-sdk/client-s3";
import { authorization, parseAuthorization } from "../../../sdk/qianfan/signer";
import { EmulatorServer, type AnsweredRequest } from "../http-scaffold";
export type { Fault, FaultPlan } from "../faults";

type Json = Record<string, any>;

export interface QianfanDelays {
  importMs: number;
  publishMs: number;
  trainMs: number;
  modelPublishMs: number;
  deployMs: number;
}

export interface QianfanEmulatorOptions {
  /** Access key id → secret key. */
  keys: Record<string, string>;
  s3Endpoint: string;
  delays?: Partial<QianfanDelays>;
  /** Fine-tuning jobs (by name) whose runs fail. */
  failRuns?: string[];
  seed?: number;
}

export interface RequestRecord extends AnsweredRequest {
  area: string;
  code?: number;
  requestSource?: string;
}

class ApiFailure extends Error {
  constructor(readonly status: number, readonly code: number, message: string) {
    super(message);
  }
}
const invalid = (msg: string, code = 500001) => new ApiFailure(400, code, msg);
// Assumed V2 not-found codes (the docs name 10001 model, 510202/510301 task/job only).
const NOT_FOUND = { dataset: 10401, version: 10402, job: 510202, task: 510301, modelSet: 10001, model: 10002, service: 10501 };

interface Version {
  versionId: string;
  datasetId: string;
  versionNumber: number;
  description: string;
  createTime: string;
  importFiles: string[];
  importTaskId?: string;
  importAt?: number;
  importError?: string;
  entityCount: number;
  publishAt?: number;
}
interface Task {
  taskId: string;
  jobId: string;
  body: Json;
  createTime: string;
  startAt: number;
  endAt: number;
  stoppedAt?: number;
  fail: boolean;
}
interface Service {
  body: Json;
  serviceId: string;
  createTime: string;
  paidAt?: number;
  deployAt: number;
  modelId: string;
  modelSetId: string;
}

const BASE_MODELS = ["ERNIE-Speed-8K", "ERNIE-Lite-8K", "ERNIE-Tiny-8K", "Llama-2-7b", "ChatGLM2-6B", "Qianfan-Chinese-Llama-2-7B"];

export class QianfanEmulator extends EmulatorServer<RequestRecord> {
  readonly datasets = new Map<string, Json>();
  readonly versions = new Map<string, Version>();
  readonly jobs = new Map<string, Json>();
  readonly tasks = new Map<string, Task>();
  readonly modelSets = new Map<string, Json>();
  readonly models = new Map<string, Json>();
  readonly services = new Map<string, Service>();
  /** Mutable: a test may slow one phase down (a long run to stop). */
  readonly delays: QianfanDelays;

  constructor(private readonly opts: QianfanEmulatorOptions) {
    super({ endpoint: opts.s3Endpoint, region: "bj" }, opts.seed ?? 42);
    this.delays = { importMs: 100, publishMs: 100, trainMs: 300, modelPublishMs: 100, deployMs: 200, ...opts.delays };
  }

  /** A bucket for BOS uploads (what a user creates once in the BOS console). */
  async createBucket(name: string): Promise<void> {
    await this.ensureBucket(name);
  }

  /** The console payment of a private-pool service: it leaves New and deploys. */
  pay(serviceId: string): void {
    const s = this.services.get(serviceId);
    if (!s) throw new Error(`no service ${serviceId}`);
    s.paidAt = Date.now();
    s.deployAt = Date.now() + this.delays.deployMs;
  }

  // ------------------------------------------------------------------------------------------ transport

  protected async handle(req: IncomingMessage, res: ServerResponse, body: Buffer): Promise<void> {
    const url = new URL(req.url ?? "/", "http://x");
    const query = Object.fromEntries(url.searchParams);
    const area = /^\/v2\/([a-z]+)$/.exec(url.pathname)?.[1] ?? "";
    const action = query.Action ?? "";
    const logId = randomBytes(8).toString("hex");
    const record: RequestRecord = { area, action, status: 200, requestSource: req.headers["request-source"] as string | undefined };
    const send = (status: number, payload: Json, extra: Record<string, string> = {}) =>
      this.answer(res, record, status, { "content-type": "application/json", ...extra }, JSON.stringify(payload));
    const fail = (f: ApiFailure, extra: Record<string, string> = {}) => {
      record.code = f.code;
      send(f.status, { log_id: logId, error_code: f.code, error_msg: f.message }, extra);
    };
    try {
      if (req.method !== "POST") throw new ApiFailure(405, 336101, `method ${req.method} is not allowed`);
      this.verifySignature(req, url.pathname, query);
      const handler = (this.handlers as Record<string, Record<string, (b: Json) => Promise<Json | boolean> | Json | boolean>>)[area]?.[action];
      // An unknown area or action is the vendor's "API name does not exist": an invalid request, never "not found".
      if (!handler) throw new ApiFailure(400, 336005, `API ${url.pathname}?Action=${action} does not exist`);
      let input: Json;
      try {
        input = body.length ? JSON.parse(body.toString("utf8")) : {};
      } catch {
        throw new ApiFailure(400, 336002, "the request body is not valid JSON");
      }
      if (typeof input !== "object" || input === null || Array.isArray(input)) throw new ApiFailure(400, 336002, "the request body must be a JSON object");
      const fault = this.drawFault(record);
      if (fault === "throttle") return fail(new ApiFailure(429, 18, "QPS limit reached"), { "retry-after": "0" });
      if (fault === "unavailable") return fail(new ApiFailure(503, 336100, "server high load, please retry"));
      const result = await handler.call(this, input);
      if (fault === "lostResponse") return fail(new ApiFailure(500, 500000, "internal server error (the call was applied)"));
      send(200, { log_id: logId, result });
    } catch (e) {
      if (e instanceof ApiFailure) return fail(e);
      fail(new ApiFailure(500, 500000, String((e as Error)?.message ?? e)));
    }
  }



  /** bce-auth-v1 verification over what the signature covers (never the body); 500002 as the console answers. */
  private verifySignature(req: IncomingMessage, path: string, query: Record<string, string>): void {
    const denied = (why: string) => new ApiFailure(401, 500002, `auth failed, no access: ${why}`);
    if (!req.headers.authorization) throw denied("the request carries no Authorization header");
    const auth = parseAuthorization(req.headers.authorization);
    if (!auth) throw denied("the Authorization header is not bce-auth-v1");
    const secret = this.opts.keys[auth.accessKeyId];
    if (secret === undefined) throw denied(`access key ${auth.accessKeyId} does not exist`);
    for (const required of ["host", "x-bce-date"]) if (!auth.signedHeaders.includes(required)) throw denied(`the signature must cover ${required}`);
    if (req.headers["x-bce-date"] !== auth.timestamp) throw denied("x-bce-date differs from the signature's timestamp");
    const signedAt = Date.parse(auth.timestamp);
    if (!(Date.now() >= signedAt - 5 * 60_000 && Date.now() <= signedAt + auth.expirationSeconds * 1000)) throw denied(`the signature of ${auth.timestamp} has expired or is from the future`);
    const headers: Record<string, string> = {};
    for (const [k, v] of Object.entries(req.headers)) if (k !== "authorization" && typeof v === "string") headers[k] = v;
    const expected = authorization({
      method: req.method ?? "POST", path, query, headers, accessKeyId: auth.accessKeyId, secretAccessKey: secret,
      timestamp: auth.timestamp, expirationSeconds: auth.expirationSeconds, signedHeaders: auth.signedHeaders,
    });
    if (!expected.endsWith("/" + auth.signature)) throw denied("signature does not match");
  }

  // ------------------------------------------------------------------------------------------ helpers

  private id(prefix: string): string {
    return `${prefix}-${randomBytes(6).toString("hex")}`;
  }

  private now(): string {
    return new Date().toISOString().replace(/\.\d{3}Z$/, "Z");
  }

  private str(b: Json, key: string, min = 1, max = 200): string {
    const v = b[key];
    if (typeof v !== "string" || v.length < min || v.length > max) throw invalid(`param invalid: ${key} must be a string of ${min}–${max} characters`);
    return v;
  }

  private version(versionId: unknown): Version {
    const v = this.versions.get(String(versionId));
    if (!v) throw new ApiFailure(400, NOT_FOUND.version, `dataset version ${versionId} does not exist`);
    return v;
  }

  private versionView(v: Version): Json {
    const t = Date.now();
    const importStatus = !v.importTaskId ? "NotStarted" : t < v.importAt! ? "Running" : v.importError ? "Failed" : "Done";
    const publishStatus = v.publishAt === undefined ? "NotPublished" : t < v.publishAt ? "Publishing" : "Published";
    return {
      versionId: v.versionId, datasetId: v.datasetId, versionNumber: v.versionNumber, description: v.description, createTime: v.createTime,
      importTaskId: v.importTaskId, importFiles: v.importFiles, importStatus, publishStatus,
      entityCount: importStatus === "Done" ? v.entityCount : 0, errorMessage: v.importError,
    };
  }

  private task(taskId: unknown): Task {
    const t = this.tasks.get(String(taskId));
    if (!t) throw new ApiFailure(400, NOT_FOUND.task, `fine-tuning task ${taskId} does not exist`);
    return t;
  }

  private runStatus(t: Task): string {
    const now = Date.now();
    if (t.stoppedAt !== undefined) return "Stopped";
    if (now < t.startAt) return "Waiting";
    if (now < t.endAt) return "Running";
    return t.fail ? "Failed" : "Done";
  }

  private taskView(t: Task): Json {
    const job = this.jobs.get(t.jobId)!;
    const status = this.runStatus(t);
    const progress = status === "Running" ? Math.floor(((Date.now() - t.startAt) / (t.endAt - t.startAt)) * 100) : status === "Done" ? 100 : 0;
    return {
      taskId: t.taskId, jobId: t.jobId, jobName: job.name, model: job.model, trainMode: job.trainMode, description: job.description ?? "",
      parameterScale: t.body.parameterScale, hyperParameterConfig: t.body.hyperParameterConfig, datasetConfig: t.body.datasetConfig,
      runStatus: status, runProgress: `${progress}%`, createTime: t.createTime,
      startTime: Date.now() >= t.startAt ? new Date(t.startAt).toISOString() : "",
      finishTime: status === "Done" || status === "Failed" ? new Date(t.endAt).toISOString() : status === "Stopped" ? new Date(t.stoppedAt!).toISOString() : "",
      vdlLink: `https://console.bce.baidu.com/qianfan/visualdl/${t.taskId}`,
      metrics: status === "Done" ? { trainLoss: 0.42, evalLoss: 0.51 } : {},
      errorMessage: status === "Failed" ? "training failed: loss diverged (NaN at step 120)" : undefined,
    };
  }

  private modelView(m: Json): Json {
    const state = Date.now() < m.readyAt ? "Creating" : "Ready";
    return { modelId: m.modelId, modelSetId: m.modelSetId, version: m.version, state, sourceType: "Train", sourceExtra: m.sourceExtra, description: m.description ?? "", createTime: m.createTime };
  }

  private serviceView(s: Service): Json {
    const now = Date.now();
    const private_ = s.body.resourceConfig?.type === "PrivateResource";
    const runStatus = private_ && s.paidAt === undefined ? "New" : now < s.deployAt ? "Deploying" : "Serving";
    return {
      serviceId: s.serviceId, name: s.body.name, urlSuffix: s.body.urlSuffix, description: s.body.description ?? "",
      modelSetId: s.modelSetId, modelId: s.modelId, resourceConfig: s.body.resourceConfig, billing: s.body.billing,
      runStatus, createTime: s.createTime,
      url: `https://qianfan.baidubce.com/v2/chat/completions?model=${s.body.urlSuffix}`,
    };
  }

  private async readBos(path: string): Promise<string> {
    const m = /^bos:\/\/([^/]+)\/(.+)$/.exec(path);
    if (!m) throw invalid(`param invalid: files must be bos://bucket/key paths, got ${path}`);
    try {
      const r = await this.s3.send(new GetObjectCommand({ Bucket: m[1], Key: m[2] }));
      return await r.Body!.transformToString();
    } catch (e) {
      throw invalid(`param invalid: ${path} cannot be read from BOS (${(e as Error).name})`);
    }
  }

  // ------------------------------------------------------------------------------------------ actions

  readonly handlers = {
    dataset: {
      CreateDataset: (b: Json) => {
        const name = this.str(b, "datasetName", 1, 100);
        if (![...this.datasets.values()].every((d) => d.datasetName !== name)) throw new ApiFailure(400, 10403, `dataset name ${name} already exists`);
        if (!["PromptResponse", "Text", "Prompt", "PromptSortedresponses"].includes(b.dataFormat)) throw invalid(`param invalid: dataFormat ${b.dataFormat}`);
        if (!["BOS", "sysStorage"].includes(b.storageType)) throw invalid(`param invalid: storageType ${b.storageType}`);
        if (b.storageType === "BOS" && typeof b.storagePath !== "string") throw invalid("param invalid: storagePath is required for BOS storage");
        const d = { datasetId: this.id("ds"), datasetName: name, dataFormat: b.dataFormat, storageType: b.storageType, storagePath: b.storagePath, createTime: this.now() };
        this.datasets.set(d.datasetId, d);
        return { datasetId: d.datasetId, datasetName: name };
      },
      DescribeDatasets: (b: Json) => {
        const f = b.filter ?? {};
        const list = [...this.datasets.values()].filter((d) => (!f.datasetName || d.datasetName === f.datasetName) && (!f.datasetId || d.datasetId === f.datasetId));
        return { datasets: list.slice(0, b.maxKeys ?? 10), isTruncated: list.length > (b.maxKeys ?? 10), nextMarker: "" };
      },
      DeleteDataset: (b: Json) => {
        if (!this.datasets.delete(String(b.datasetId))) throw new ApiFailure(400, NOT_FOUND.dataset, `dataset ${b.datasetId} does not exist`);
        for (const [k, v] of this.versions) if (v.datasetId === b.datasetId) this.versions.delete(k);
        return true;
      },
      CreateDatasetVersion: (b: Json) => {
        if (!this.datasets.has(String(b.datasetId))) throw new ApiFailure(400, NOT_FOUND.dataset, `dataset ${b.datasetId} does not exist`);
        const n = [...this.versions.values()].filter((v) => v.datasetId === b.datasetId).length + 1;
        const v: Version = { versionId: this.id("dsv"), datasetId: b.datasetId, versionNumber: n, description: b.description ?? "", createTime: this.now(), importFiles: [], entityCount: 0 };
        this.versions.set(v.versionId, v);
        return { versionId: v.versionId, versionNumber: n };
      },
      DescribeDatasetVersion: (b: Json) => this.versionView(this.version(b.versionId)),
      DescribeDatasetVersions: (b: Json) => {
        if (!this.datasets.has(String(b.datasetId))) throw new ApiFailure(400, NOT_FOUND.dataset, `dataset ${b.datasetId} does not exist`);
        const list = [...this.versions.values()].filter((v) => v.datasetId === b.datasetId).map((v) => this.versionView(v));
        return { versions: list, isTruncated: false, nextMarker: "" };
      },
      CreateImportTask: async (b: Json) => {
        const v = this.version(b.versionId);
        if (!Array.isArray(b.files) || b.files.length === 0) throw invalid("param invalid: files must list at least one bos:// path");
        if (v.importTaskId) throw new ApiFailure(400, 10403, `version ${v.versionId} already has an import task`);
        const texts = await Promise.all(b.files.map((f: string) => this.readBos(f)));
        const lines = texts.flatMap((t) => t.split("\n").filter((l) => l.trim()));
        const bad = lines.findIndex((l) => {
          try {
            const o = JSON.parse(l);
            return typeof o.prompt !== "string" || !Array.isArray(o.response);
          } catch {
            return true;
          }
        });
        v.importTaskId = this.id("import");
        v.importFiles = b.files;
        v.importAt = Date.now() + this.delays.importMs;
        v.entityCount = lines.length;
        if (bad >= 0) v.importError = `line ${bad + 1} is not a {"prompt": ..., "response": [[...]]} object`;
        return { taskId: v.importTaskId };
      },
      DescribeImportTask: (b: Json) => {
        const v = [...this.versions.values()].find((x) => x.importTaskId === b.taskId);
        if (!v) throw new ApiFailure(400, NOT_FOUND.version, `import task ${b.taskId} does not exist`);
        const view = this.versionView(v);
        return { taskId: b.taskId, versionId: v.versionId, status: view.importStatus, errorMessage: v.importError };
      },
      PublishDatasetVersion: (b: Json) => {
        const v = this.version(b.versionId);
        if (this.versionView(v).importStatus !== "Done") throw new ApiFailure(400, 10403, `version ${v.versionId} cannot be published before its import is done`);
        v.publishAt ??= Date.now() + this.delays.publishMs;
        return true;
      },
    },
    finetuning: {
      CreateFineTuningJob: (b: Json) => {
        const name = this.str(b, "name", 2, 50);
        if (!BASE_MODELS.includes(b.model)) throw new ApiFailure(400, 510401, `train config error: model ${b.model} cannot be fine-tuned (supported: ${BASE_MODELS.join(", ")})`);
        if (!["SFT", "PostPretrain", "DPO", "KTO"].includes(b.trainMode)) throw invalid(`param invalid: trainMode ${b.trainMode}`);
        if ([...this.jobs.values()].some((j) => j.name === name)) throw new ApiFailure(400, 510201, `task name exist: ${name}`);
        const job = { jobId: this.id("job"), name, model: b.model, trainMode: b.trainMode, description: b.description, createTime: this.now() };
        this.jobs.set(job.jobId, job);
        return { jobId: job.jobId };
      },
      DescribeFineTuningJobs: (b: Json) => ({ jobs: [...this.jobs.values()].filter((j) => !b.name || j.name === b.name), isTruncated: false }),
      CreateFineTuningTask: (b: Json) => {
        const job = this.jobs.get(String(b.jobId));
        if (!job) throw new ApiFailure(400, NOT_FOUND.job, `fine-tuning job ${b.jobId} does not exist`);
        if (!["FullFineTuning", "PromptTuning", "LoRA"].includes(b.parameterScale)) throw new ApiFailure(400, 510401, `train config error: parameterScale ${b.parameterScale}`);
        const hp = b.hyperParameterConfig ?? {};
        if (!Number.isInteger(hp.epoch) || hp.epoch < 1 || hp.epoch > 50) throw new ApiFailure(400, 510401, "train config error: epoch must be 1–50");
        const [lo, hi] = /^ERNIE/.test(job.model) ? [0.00001, 0.00004] : [0.0000002, 0.0002];
        if (typeof hp.learningRate !== "number" || hp.learningRate < lo || hp.learningRate > hi) throw new ApiFailure(400, 510401, `train config error: learningRate must be ${lo}–${hi} for ${job.model}`);
        if (hp.maxSeqLen !== undefined && ![4096, 8192].includes(hp.maxSeqLen)) throw new ApiFailure(400, 510401, "train config error: maxSeqLen must be 4096 or 8192");
        const dc = b.datasetConfig ?? {};
        if (dc.sourceType !== "Platform" || !Array.isArray(dc.versions) || dc.versions.length !== 1) throw new ApiFailure(400, 510102, "dataset config error: one Platform dataset version expected");
        if (typeof dc.splitRatio !== "number" || dc.splitRatio < 0 || dc.splitRatio > 50) throw new ApiFailure(400, 510102, "dataset config error: splitRatio must be 0–50");
        const v = this.versionView(this.version(dc.versions[0].versionId));
        if (v.publishStatus !== "Published") throw new ApiFailure(400, 510102, `dataset config error: version ${v.versionId} is not published`);
        if (v.entityCount < 32) throw new ApiFailure(400, 510101, `dataset entity count not enough, at least 32 (version ${v.versionId} has ${v.entityCount})`);
        if ([...this.tasks.values()].some((t) => t.jobId === job.jobId && ["Waiting", "Running"].includes(this.runStatus(t)))) throw new ApiFailure(400, 510402, "job training count over limit");
        const start = Date.now() + 50;
        const t: Task = { taskId: this.id("task"), jobId: job.jobId, body: b, createTime: this.now(), startAt: start, endAt: start + this.delays.trainMs, fail: (this.opts.failRuns ?? []).includes(job.name) };
        this.tasks.set(t.taskId, t);
        return { taskId: t.taskId };
      },
      DescribeFineTuningTasks: (b: Json) => ({ tasks: [...this.tasks.values()].filter((t) => t.jobId === b.jobId).map((t) => this.taskView(t)), isTruncated: false }),
      DescribeFineTuningTask: (b: Json) => this.taskView(this.task(b.taskId)),
      StopFineTuningTask: (b: Json) => {
        const t = this.task(b.taskId);
        const s = this.runStatus(t);
        if (s !== "Running" && s !== "Waiting") throw new ApiFailure(400, 510302, `job status invalid: the task is ${s}`);
        t.stoppedAt = Date.now();
        return true;
      },
      DeleteFineTuningTask: (b: Json) => {
        const t = this.task(b.taskId);
        if (["Waiting", "Running"].includes(this.runStatus(t))) throw new ApiFailure(400, 510302, "job status invalid: stop the task before deleting it");
        this.tasks.delete(t.taskId);
        return true;
      },
      DeleteFineTuningJob: (b: Json) => {
        if (!this.jobs.has(String(b.jobId))) throw new ApiFailure(400, NOT_FOUND.job, `fine-tuning job ${b.jobId} does not exist`);
        if ([...this.tasks.values()].some((t) => t.jobId === b.jobId)) throw new ApiFailure(400, 510302, "job status invalid: the job still has tasks");
        this.jobs.delete(String(b.jobId));
        return true;
      },
    },
    model: {
      CreateCustomModelSet: (b: Json) => {
        const name = this.str(b, "modelSetName", 2, 50);
        if (!["Text2Text", "Text2Image", "TextRepresentation"].includes(b.modelType)) throw invalid(`param invalid: modelType ${b.modelType}`);
        if ([...this.modelSets.values()].some((s) => s.modelSetName === name)) throw new ApiFailure(400, 70101, `AI model name already exists: ${name}`);
        const s = { modelSetId: this.id("am"), modelSetName: name, modelType: b.modelType, createTime: this.now(), modelIds: [] as string[] };
        this.modelSets.set(s.modelSetId, s);
        return { modelSetId: s.modelSetId };
      },
      DescribeCustomModelSets: (b: Json) => ({ modelSets: [...this.modelSets.values()].filter((s) => !b.modelSetName || s.modelSetName === b.modelSetName), isTruncated: false }),
      DescribeModelSet: (b: Json) => {
        // By id, or by name (the SDK sends one of them).
        const s = b.modelSetId !== undefined ? this.modelSets.get(String(b.modelSetId)) : [...this.modelSets.values()].find((x) => x.modelSetName === b.modelSetName);
        if (!s) throw new ApiFailure(400, NOT_FOUND.modelSet, `model ${b.modelSetId ?? b.modelSetName} does not exist`);
        return { ...s, modelIds: [...s.modelIds] };
      },
      DeleteModelSet: (b: Json) => {
        const s = this.modelSets.get(String(b.modelSetId));
        if (!s) throw new ApiFailure(400, NOT_FOUND.modelSet, `model ${b.modelSetId} does not exist`);
        if (s.modelIds.length) throw new ApiFailure(400, 21002, "the model still has versions; delete them first");
        this.modelSets.delete(s.modelSetId);
        return true;
      },
      CreateCustomModel: (b: Json) => {
        const s = this.modelSets.get(String(b.modelSetId));
        if (!s) throw new ApiFailure(400, NOT_FOUND.modelSet, `model ${b.modelSetId} does not exist`);
        if (b.sourceType !== "Train") throw new ApiFailure(400, 70128, `this model takes versions from training only (sourceType ${b.sourceType})`);
        const t = this.task(b.trainMeta?.taskId);
        if (this.runStatus(t) !== "Done") throw new ApiFailure(400, 21002, `the published training task's state is abnormal (${this.runStatus(t)})`);
        if (s.modelIds.some((id: string) => this.models.get(id)?.sourceExtra.taskId === t.taskId)) throw new ApiFailure(400, 70118, "this model already has a version published from that run");
        const m = { modelId: this.id("amv"), modelSetId: s.modelSetId, version: `V${s.modelIds.length + 1}`, sourceExtra: { jobId: t.jobId, taskId: t.taskId }, description: b.description, createTime: this.now(), readyAt: Date.now() + this.delays.modelPublishMs };
        this.models.set(m.modelId, m);
        s.modelIds.push(m.modelId);
        return { modelId: m.modelId, modelSetId: s.modelSetId };
      },
      DescribeModel: (b: Json) => {
        const m = this.models.get(String(b.modelId));
        if (!m) throw new ApiFailure(400, NOT_FOUND.model, `model version ${b.modelId} does not exist`);
        return this.modelView(m);
      },
      DeleteModel: (b: Json) => {
        const m = this.models.get(String(b.modelId));
        if (!m) throw new ApiFailure(400, NOT_FOUND.model, `model version ${b.modelId} does not exist`);
        if ([...this.services.values()].some((s) => s.modelId === m.modelId)) throw new ApiFailure(400, 21002, `model version ${m.modelId} is deployed in a service`);
        this.models.delete(m.modelId);
        const s = this.modelSets.get(m.modelSetId);
        if (s) s.modelIds = s.modelIds.filter((x: string) => x !== m.modelId);
        return true;
      },
    },
    service: {
      CreateService: (b: Json) => {
        const name = this.str(b, "name", 2, 20);
        this.str(b, "urlSuffix", 2, 20);
        const m = this.models.get(String(b.modelId));
        if (!m || m.modelSetId !== b.modelSetId) throw new ApiFailure(400, NOT_FOUND.model, `model version ${b.modelId} of ${b.modelSetId} does not exist`);
        if (this.modelView(m).state !== "Ready") throw new ApiFailure(400, 21002, `model version ${b.modelId} is not ready`);
        const rc = b.resourceConfig ?? {};
        if (!["PublicResource", "PrivateResource"].includes(rc.type)) throw invalid(`param invalid: resourceConfig.type ${rc.type}`);
        if (!Number.isInteger(rc.replicasCount) || rc.replicasCount < 1) throw invalid("param invalid: resourceConfig.replicasCount must be a positive integer");
        if (!["Prepaid", "Postpaid"].includes(b.billing?.paymentTiming)) throw invalid("param invalid: billing.paymentTiming must be Prepaid or Postpaid");
        if ([...this.services.values()].some((s) => s.body.name === name)) throw new ApiFailure(400, 10502, `service name ${name} already exists`);
        const s: Service = { body: b, serviceId: this.id("svco"), createTime: this.now(), deployAt: Date.now() + this.delays.deployMs, modelId: m.modelId, modelSetId: m.modelSetId };
        this.services.set(s.serviceId, s);
        return { serviceId: s.serviceId };
      },
      DescribeServices: (b: Json) => ({ serviceList: [...this.services.values()].filter((s) => !b.name || s.body.name === b.name).map((s) => this.serviceView(s)), isTruncated: false }),
      DescribeService: (b: Json) => {
        const s = this.services.get(String(b.serviceId));
        if (!s) throw new ApiFailure(400, NOT_FOUND.service, `service ${b.serviceId} does not exist`);
        return this.serviceView(s);
      },
      ModifyService: (b: Json) => {
        const s = this.services.get(String(b.serviceId));
        if (!s) throw new ApiFailure(400, NOT_FOUND.service, `service ${b.serviceId} does not exist`);
        const m = this.models.get(String(b.modelId));
        if (!m || m.modelSetId !== b.modelSetId) throw new ApiFailure(400, NOT_FOUND.model, `model version ${b.modelId} of ${b.modelSetId} does not exist`);
        if (this.serviceView(s).runStatus !== "Serving") throw new ApiFailure(400, 21002, `service ${s.serviceId} is ${this.serviceView(s).runStatus}; it can change only while Serving`);
        s.modelId = m.modelId;
        s.modelSetId = m.modelSetId;
        s.deployAt = Date.now() + this.delays.deployMs;
        return true;
      },
    },
  };
}
