// A Volcengine ML Platform emulator (API 2021-10-01, seeds 000/001 + the vendor SDK's wire format): a real
// HTTP server on 127.0.0.1 that verifies SignerV4 signatures and rejects bad ones with the vendor's error
// codes, validates bodies with the SDK's own rules (formats, model types, tensor-config and metrics schemas,
// job types), keeps model files in an S3 store (moto) and checks CreateModel paths against it, and runs the
// asynchronous parts (perf tasks, service deployments) as state machines with injectable delays, failures
// and faults (throttling, 5xx before or after applying a call). Where the seeds are silent (status names,
// error codes, read shapes) the choice is marked "assumed" and documented in the README's Volcengine section.
import { createHash, randomBytes } from "node:crypto";
import type { IncomingMessage, ServerResponse } from "node:http";
import { ListObjectsV2Command } from "@aws-sdk/client-s3";
import { canonicalQuery, parseAuthorization, sign } from "../../../sdk/volcengine/signer";
import { EmulatorServer, type AnsweredRequest } from "../http-scaffold";
export type { Fault, FaultPlan } from "../faults";

type Json = Record<string, any>;

export interface EmulatorDelays {
  serviceDeployMs: number;
  serviceUpdateMs: number;
  serviceStopMs: number;
  serviceDeleteMs: number;
  perfStartMs: number;
  perfTaskMs: number;
  perfCancelMs: number;
}

export interface EmulatorOptions {
  region?: string;
  /** Access key id → secret key. */
  keys: Record<string, string>;
  s3Endpoint: string;
  accountId?: string;
  delays?: Partial<EmulatorDelays>;
  /** Allowed clock skew of X-Date (ms). Default 15 minutes. */
  maxSkewMs?: number;
  /** Figures a finished perf task reports, per flavor (defaults scale with the flavor's vCPUs). */
  perfFigures?: (flavor: string) => { p50: number; p90: number; p99: number; qps: number; requests: number; errors: number };
  /** Services whose deployment fails (by name). */
  failServices?: string[];
  seed?: number;
}

export interface RequestRecord extends AnsweredRequest {
  code?: string;
  userAgent?: string;
}

const FLAVORS = [
  { FlavorID: "ml.highcpu.large", Name: "ml.highcpu.large", vCPU: 4, Memory: 8, GPU: 0, group: "CPU" },
  { FlavorID: "ml.standard.xlarge", Name: "ml.standard.xlarge", vCPU: 4, Memory: 16, GPU: 0, group: "CPU" },
  { FlavorID: "ml.g1e.large", Name: "ml.g1e.large", vCPU: 8, Memory: 32, GPU: 1, group: "GPU" },
  { FlavorID: "ml.g1e.xlarge", Name: "ml.g1e.xlarge", vCPU: 16, Memory: 64, GPU: 1, group: "GPU" },
];
const MODEL_FORMATS = ["SavedModel", "GraphDef", "TorchScript", "PTX", "CaffeModel", "NetDef", "MXNetParams", "Scikit_Learn", "XGBoost", "TensorRT", "ONNX", "Custom"];
const FRAMEWORKS = ["TensorFlow", "PyTorch", "ONNX", "Caffe", "Caffe2", "MXNet", "TensorRT", "Scikit_Learn", "XGBoost", "LightGBM"];
const DTYPES = ["FLOAT16", "FLOAT", "DOUBLE", "INT8", "INT16", "INT32", "INT64", "UINT8", "UINT16", "UINT32", "UINT64", "STRING", "BOOL"];
const PERF_DTYPES = DTYPES.filter((d) => d !== "STRING" && d !== "BOOL");
const METRICS_TYPES = ["ImageClassification", "TextClassification", "TabularClassification", "TabularRegression", "Perf"];
const SOURCE_TYPES = ["TOS", "Local", "AutoML", "Perf"];
const CATEGORIES = ["TextClassification", "TabularClassification", "TabularRegression", "ImageClassification"];

class ApiFailure extends Error {
  constructor(readonly status: number, readonly code: string, message: string) {
    super(message);
  }
}
const invalid = (msg: string, code = "InvalidParameter") => new ApiFailure(400, code, msg);
const notFound = (code: string, msg: string) => new ApiFailure(404, code, msg);

interface Model {
  ModelID: string;
  ModelName: string;
  CreateTime: string;
  versions: Map<number, Json>;
  next: number;
}
interface Task {
  TaskID: string;
  JobID: string;
  ModelVersionID: string;
  TaskArgs: Json;
  CreateTime: string;
  startAt: number;
  endAt: number;
  cancelledAt?: number;
}
interface PerfJob {
  body: Json;
  JobID: string;
  TensorConfigID: string;
  CreateTime: string;
  tasks: Task[];
  cancelledAt?: number;
}
interface Service {
  ServiceID: string;
  ServiceName: string;
  CreateTime: string;
  UpdateTime: string;
  d: Json;
  /** Current transition: status until `at`, then `then`. */
  status: string;
  at: number;
  then: string;
  versions: number;
  deleteAt?: number;
}

export class VolcengineEmulator extends EmulatorServer<RequestRecord> {
  readonly models = new Map<string, Model>();
  readonly perfJobs = new Map<string, PerfJob>();
  readonly services = new Map<string, Service>();
  readonly region: string;
  readonly bucket: string;
  private readonly delays: EmulatorDelays;

  constructor(private readonly opts: EmulatorOptions) {
    super({ endpoint: opts.s3Endpoint, region: opts.region ?? "cn-beijing" }, opts.seed ?? 42);
    this.region = opts.region ?? "cn-beijing";
    this.bucket = `ml-platform-auto-created-required-${opts.accountId ?? "2100000050"}-${this.region}`;
    this.delays = { serviceDeployMs: 300, serviceUpdateMs: 300, serviceStopMs: 100, serviceDeleteMs: 200, perfStartMs: 100, perfTaskMs: 300, perfCancelMs: 100, ...opts.delays };
  }

  /** The account's auto-created model bucket (the vendor makes it) exists before the first call. */
  async start(): Promise<string> {
    await this.ensureBucket(this.bucket);
    return super.start();
  }

  // ------------------------------------------------------------------------------------------ transport

  protected async handle(req: IncomingMessage, res: ServerResponse, body: Buffer): Promise<void> {
    const url = new URL(req.url ?? "/", "http://x");
    const query = Object.fromEntries(url.searchParams);
    const action = query.Action ?? "";
    const version = query.Version ?? "";
    const requestId = new Date(Date.now() + 8 * 3600_000).toISOString().replace(/\D/g, "").slice(0, 14) + randomBytes(10).toString("hex").toUpperCase();
    const meta: Json = { RequestId: requestId, Action: action, Version: version, Service: "ml_platform", Region: this.region };
    const record: RequestRecord = { action, status: 200, userAgent: req.headers["user-agent"] };
    const send = (status: number, payload: Json, extraHeaders: Record<string, string> = {}) =>
      this.answer(res, record, status, { "content-type": "application/json", ...extraHeaders }, JSON.stringify(payload));
    const fail = (f: ApiFailure, extraHeaders: Record<string, string> = {}) => {
      record.code = f.code;
      send(f.status, { ResponseMetadata: { ...meta, Error: { Code: f.code, CodeN: f.status * 1000, Message: f.message } } }, extraHeaders);
    };
    try {
      if (req.method !== "POST" && req.method !== "GET") throw new ApiFailure(405, "InvalidHttpMethod", `method ${req.method} is not allowed`);
      this.verifySignature(req, url.pathname, query, body);
      if (version !== "2021-10-01" && version !== "2021-07-01") throw new ApiFailure(404, "InvalidActionOrVersion", `version ${version} is not supported`);
      const handler = (this.actions as Record<string, (b: Json) => Promise<Json> | Json>)[action];
      if (!handler) throw new ApiFailure(404, "InvalidActionOrVersion", `action ${action} does not exist in version ${version}`);
      let input: Json;
      try {
        input = body.length ? JSON.parse(body.toString("utf8")) : {};
      } catch {
        throw invalid("the request body is not JSON", "InvalidParameter.Body");
      }
      if (typeof input !== "object" || input === null || Array.isArray(input)) throw invalid("the request body must be a JSON object", "InvalidParameter.Body");
      const fault = this.drawFault(record);
      if (fault === "throttle") return fail(new ApiFailure(429, "FlowLimitExceeded", "the request rate exceeds the limit"), { "retry-after": "0" });
      if (fault === "unavailable") return fail(new ApiFailure(503, "ServiceUnavailableTemp", "the service is temporarily unavailable"));
      const result = await handler.call(this, input);
      if (fault === "lostResponse") return fail(new ApiFailure(500, "InternalError", "internal error (the call was applied)"));
      send(200, { ResponseMetadata: meta, Result: result });
    } catch (e) {
      if (e instanceof ApiFailure) return fail(e);
      fail(new ApiFailure(500, "InternalError", String((e as Error)?.message ?? e)));
    }
  }



  /** SignerV4 verification with the vendor's codes (assumed HTTP statuses: 401 credentials, 403 signature). */
  private verifySignature(req: IncomingMessage, path: string, query: Record<string, string>, body: Buffer): void {
    const auth = parseAuthorization(req.headers.authorization);
    if (!req.headers.authorization) throw new ApiFailure(401, "MissingAuthenticationToken", "the request carries no Authorization header");
    if (!auth || auth.terminator !== "request") throw new ApiFailure(401, "InvalidAuthorization", "the Authorization header is malformed");
    const secret = this.opts.keys[auth.accessKeyId];
    if (secret === undefined) throw new ApiFailure(401, "InvalidAccessKey", `the access key ${auth.accessKeyId} does not exist`);
    if (auth.service !== "ml_platform") throw new ApiFailure(401, "InvalidCredential", `credential scope names service ${auth.service}, not ml_platform`);
    if (auth.region !== this.region) throw new ApiFailure(401, "InvalidRegion", `credential scope names region ${auth.region}; this endpoint serves ${this.region}`);
    const xdate = String(req.headers["x-date"] ?? "");
    const m = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/.exec(xdate);
    if (!m) throw new ApiFailure(401, "InvalidTimestamp", "X-Date is missing or malformed");
    const date = new Date(`${m[1]}-${m[2]}-${m[3]}T${m[4]}:${m[5]}:${m[6]}Z`);
    if (Math.abs(Date.now() - date.getTime()) > (this.opts.maxSkewMs ?? 15 * 60_000) || auth.date8 !== xdate.slice(0, 8))
      throw new ApiFailure(401, "InvalidTimestamp", `X-Date ${xdate} is too far from the server time`);
    for (const required of ["host", "x-date", "x-content-sha256"])
      if (!auth.signedHeaders.includes(required)) throw new ApiFailure(403, "SignatureDoesNotMatch", `SignedHeaders must include ${required}`);
    const bodyHash = createHash("sha256").update(body).digest("hex");
    if (req.headers["x-content-sha256"] !== bodyHash) throw new ApiFailure(403, "SignatureDoesNotMatch", "X-Content-Sha256 does not match the body");
    const headers: Record<string, string> = {};
    for (const h of auth.signedHeaders) headers[h] = String(req.headers[h] ?? "");
    const expected = sign({
      method: req.method ?? "POST", path, query, headers, body, accessKeyId: auth.accessKeyId, secretAccessKey: secret,
      region: auth.region, service: auth.service, date, sessionToken: undefined,
    });
    if (expected.signedHeaders !== auth.signedHeaders.join(";") || expected.signature !== auth.signature)
      throw new ApiFailure(403, "SignatureDoesNotMatch", `the request signature does not match (canonical query ${canonicalQuery(query)})`);
  }

  // -------------------------------------------------------------------------------------------- helpers

  private id(prefix: string): string {
    const ts = new Date(Date.now() + 8 * 3600_000).toISOString().replace(/\D/g, "").slice(0, 14);
    return `${prefix}-${ts}-${randomBytes(4).toString("hex").slice(0, 5)}`;
  }

  private now(): string {
    return new Date(Date.now() + 8 * 3600_000).toISOString().replace(/\.\d{3}Z$/, "+08:00");
  }

  private page(list: Json[], b: Json, sortKeys: string[]): Json {
    const sortBy = b.SortBy ?? "CreateTime";
    if (!sortKeys.includes(sortBy)) throw invalid(`SortBy must be one of ${sortKeys.join(", ")}`, "InvalidParameter.SortBy");
    if (b.SortOrder !== undefined && b.SortOrder !== "Ascend" && b.SortOrder !== "Descend") throw invalid("SortOrder must be Ascend or Descend", "InvalidParameter.SortOrder");
    const limit = b.Limit ?? 10;
    if (!Number.isInteger(limit) || limit < 1 || limit > 100) throw invalid("Limit must be 1..100", "InvalidParameter.Limit");
    const sorted = [...list].sort((x, y) => (x[sortBy] < y[sortBy] ? -1 : x[sortBy] > y[sortBy] ? 1 : 0));
    if ((b.SortOrder ?? "Descend") === "Descend") sorted.reverse();
    const offset = b.Offset ?? 0;
    return { Total: list.length, List: sorted.slice(offset, offset + limit) };
  }

  private model(id: unknown): Model {
    const m = typeof id === "string" ? this.models.get(id) : undefined;
    if (!m) throw notFound("ModelNotFound", `model ${String(id)} does not exist`);
    return m;
  }

  private version(versionId: unknown): { model: Model; v: Json } {
    const s = String(versionId ?? "");
    const i = s.lastIndexOf("-");
    const m = this.models.get(s.slice(0, i));
    const v = m?.versions.get(Number(s.slice(i + 1)));
    if (!m || !v) throw notFound("ModelVersionNotFound", `model version ${s} does not exist`);
    return { model: m, v };
  }

  private servedVersions(): Set<string> {
    return new Set([...this.services.values()].map((s) => s.d.Model.ModelVersionID));
  }

  private validateTensorConfig(tc: unknown, perf: boolean): void {
    const bad = (why: string) => invalid(`Invalid tensor config: ${why}`, "InvalidParameter.TensorConfig");
    if (typeof tc !== "object" || tc === null) throw bad("must be an object");
    const inputs = (tc as Json).Inputs;
    if (!Array.isArray(inputs)) throw bad("Inputs is required and must be an array");
    const outputs = (tc as Json).Outputs;
    if (outputs !== undefined && !Array.isArray(outputs)) throw bad("Outputs must be an array");
    const ints = (a: unknown) => Array.isArray(a) && a.length >= 1 && a.every((n) => Number.isInteger(n));
    for (const t of [...inputs, ...(outputs ?? [])]) {
      if (typeof t?.TensorName !== "string") throw bad("TensorName is required");
      if (!(perf ? PERF_DTYPES : DTYPES).includes(t.DType)) throw bad(`DType ${t.DType} is not one of ${(perf ? PERF_DTYPES : DTYPES).join(", ")}`);
      if (perf ? !(ints(t.Shape?.MinShape) && ints(t.Shape?.MaxShape)) : !ints(t.Shape))
        throw bad(perf ? "Shape needs MinShape and MaxShape integer arrays" : "Shape must be a non-empty integer array");
    }
  }

  private validateMetrics(list: unknown): void {
    const bad = (why: string) => invalid(`Invalid models metrics: ${why}`, "InvalidParameter.MetricsList");
    if (!Array.isArray(list) || list.length < 1) throw bad("must be a non-empty array");
    for (const m of list) {
      if (!METRICS_TYPES.includes(m?.MetricsType)) throw bad(`MetricsType ${m?.MetricsType} is not one of ${METRICS_TYPES.join(", ")}`);
      for (const k of ["Params", "MetricsData"]) {
        try {
          JSON.parse(m[k]);
        } catch {
          throw bad(`${k} must be a JSON-encoded string`);
        }
      }
    }
  }

  private async validatePath(path: unknown): Promise<void> {
    const m = /^tos:\/\/([^/]+)\/(.+)$/.exec(String(path ?? ""));
    if (!m) throw invalid(`Path must be tos://<bucket>/<prefix>, got ${String(path)}`, "InvalidParameter.Path");
    const r = await this.s3.send(new ListObjectsV2Command({ Bucket: m[1], Prefix: m[2], MaxKeys: 1 })).catch(() => undefined);
    if (!r?.KeyCount) throw invalid(`no objects under ${String(path)}: upload the model files before CreateModel`, "InvalidParameter.Path");
  }

  // -------------------------------------------------------------------------------------------- state

  private perfTaskStatus(t: Task, now = Date.now()): string {
    if (t.cancelledAt !== undefined && t.cancelledAt <= t.endAt) return now < t.cancelledAt + this.delays.perfCancelMs ? "Stopping" : "Cancelled";
    if (now < t.startAt) return "Submitted";
    if (now < t.endAt) return "Running";
    return this.opts.perfFigures && this.figures(t.TaskArgs.FlavorID).requests === 0 ? "Failed" : "Finished";
  }

  private figures(flavor: string) {
    if (this.opts.perfFigures) return this.opts.perfFigures(flavor);
    const vcpu = FLAVORS.find((f) => f.FlavorID === flavor)?.vCPU ?? 4;
    return { p50: 40 / vcpu, p90: 60 / vcpu, p99: 80 / vcpu, qps: 25 * vcpu, requests: 750 * vcpu, errors: 0 };
  }

  private taskView(t: Task): Json {
    const status = this.perfTaskStatus(t);
    const f = this.figures(t.TaskArgs.FlavorID);
    return {
      TaskID: t.TaskID, JobID: t.JobID, ModelVersionID: t.ModelVersionID, TaskArgs: t.TaskArgs, TaskStatus: status, CreateTime: t.CreateTime,
      // Assumed: the seeds show no result fields; these carry the figures the SLO gate needs.
      ...(status === "Finished" || status === "Failed"
        ? { Result: { Concurrency: 1, RequestCount: f.requests, ErrorCount: f.errors, P50LatencyMs: f.p50, P90LatencyMs: f.p90, P99LatencyMs: f.p99, Qps: f.qps } }
        : {}),
    };
  }

  private jobStatus(j: PerfJob): { status: string; ended: number } {
    const st = j.tasks.map((t) => this.perfTaskStatus(t));
    const ended = st.filter((s) => s === "Finished" || s === "Failed" || s === "Cancelled").length;
    if (st.some((s) => s === "Stopping")) return { status: "Stopping", ended };
    if (j.cancelledAt !== undefined && ended === st.length) return { status: "Cancelled", ended };
    if (ended === st.length) return { status: st.some((s) => s === "Failed") ? "Failed" : "Finished", ended };
    return { status: st.some((s) => s !== "Submitted") ? "Running" : "Submitted", ended };
  }

  /** Advances a service's state machine to now. */
  private settle(s: Service): void {
    if (s.deleteAt !== undefined && Date.now() >= s.deleteAt) {
      this.services.delete(s.ServiceID);
      return;
    }
    if (s.status !== s.then && Date.now() >= s.at) s.status = s.then;
  }

  private transition(s: Service, now: string, then: string, ms: number): void {
    s.status = now;
    s.then = then;
    s.at = Date.now() + ms;
    s.UpdateTime = this.now();
  }

  private liveService(id: unknown): Service {
    const s = typeof id === "string" ? this.services.get(id) : undefined;
    if (s) this.settle(s);
    const live = typeof id === "string" ? this.services.get(id) : undefined;
    if (!live) throw notFound("ServiceNotFound", `service ${String(id)} does not exist`);
    return live;
  }

  private serviceView(s: Service): Json {
    const { model, v } = (() => {
      try {
        return this.version(s.d.Model.ModelVersionID);
      } catch {
        return { model: undefined, v: undefined };
      }
    })();
    return {
      ServiceID: s.ServiceID, ServiceName: s.ServiceName, CreateTime: s.CreateTime, UpdateTime: s.UpdateTime,
      ServiceDeployment: {
        ...s.d,
        Model: { ...s.d.Model, Version: v?.ModelVersion, Type: v?.ModelType, Path: v?.Path, Name: model?.ModelName },
        Status: s.status,
        EndpointURL: `http://${s.ServiceID}.ml-platform-${this.region}.volces.com`,
        ServiceVersionID: `${s.ServiceID}-v${s.versions}`,
      },
    };
  }

  private checkDeployment(d: Json, full: boolean): void {
    if (!Number.isInteger(d.Replicas) || d.Replicas < 1 || d.Replicas > 50) throw invalid("Replicas must be an integer 1..50", "InvalidParameter.Replicas");
    if (!full) return;
    if (!FLAVORS.some((f) => f.FlavorID === d.FlavorID)) throw invalid(`FlavorID ${d.FlavorID} does not exist`, "InvalidParameter.FlavorID");
    if (typeof d.ImageID !== "string" || !d.ImageID) throw invalid("ImageID is required", "MissingParameter.ImageID");
    const { model } = this.version(d.Model?.ModelVersionID);
    if (model.ModelID !== d.Model?.ModelID) throw invalid("Model.ModelVersionID does not belong to Model.ModelID", "InvalidParameter.Model");
    if (d.Envs !== undefined && !(Array.isArray(d.Envs) && d.Envs.every((e: Json) => typeof e?.Name === "string" && typeof e?.Value === "string")))
      throw invalid("Envs must be [{Name, Value}] with string values", "InvalidParameter.Envs");
  }

  // ------------------------------------------------------------------------------------------- actions

  private readonly actions = {
    GetTOSUploadPath: (b: Json) => {
      if (typeof b.ServiceName !== "string") throw invalid("ServiceName is required", "MissingParameter.ServiceName");
      const path = Array.isArray(b.Path) ? b.Path.join("/") + "/" : "";
      return { Bucket: this.bucket, KeyPrefix: `${b.ServiceName}/${path}${Date.now()}/` };
    },

    CreateModel: async (b: Json) => {
      const info = b.VersionInfo;
      if (typeof info !== "object" || info === null) throw invalid("VersionInfo is required", "MissingParameter.VersionInfo");
      let model: Model | undefined;
      if (b.ModelID !== undefined) model = this.model(b.ModelID);
      else {
        if (typeof b.ModelName !== "string" || !b.ModelName) throw invalid("ModelName is required for a new model", "MissingParameter.ModelName");
        if ([...this.models.values()].some((m) => m.ModelName === b.ModelName)) throw new ApiFailure(409, "ModelNameDuplicated", `a model named ${b.ModelName} exists`);
      }
      if (!MODEL_FORMATS.includes(info.ModelFormat)) throw invalid(`ModelFormat ${info.ModelFormat} is not one of ${MODEL_FORMATS.join(", ")}`, "InvalidParameter.ModelFormat");
      const fw = /^([^:]+):(.+)$/.exec(String(info.ModelType ?? ""));
      if (!fw || !FRAMEWORKS.includes(fw[1])) throw invalid(`ModelType must be <framework>:<version> with framework one of ${FRAMEWORKS.join(", ")}`, "InvalidParameter.ModelType");
      if (info.SourceType !== undefined && !SOURCE_TYPES.includes(info.SourceType)) throw invalid(`SourceType ${info.SourceType} is not one of ${SOURCE_TYPES.join(", ")}`, "InvalidParameter.SourceType");
      if (b.ModelCategory !== undefined && !CATEGORIES.includes(b.ModelCategory)) throw invalid(`ModelCategory ${b.ModelCategory} is not valid`, "InvalidParameter.ModelCategory");
      if (info.TensorConfig !== undefined) this.validateTensorConfig(info.TensorConfig, false);
      if (info.MetricsList !== undefined) this.validateMetrics(info.MetricsList);
      await this.validatePath(info.Path);
      if (!model) {
        model = { ModelID: this.id("m"), ModelName: b.ModelName, CreateTime: this.now(), versions: new Map(), next: 1 };
        this.models.set(model.ModelID, model);
      }
      const n = model.next++;
      const v: Json = {
        ModelVersionID: `${model.ModelID}-${n}`, ModelVersion: n, ModelFormat: info.ModelFormat, ModelType: info.ModelType,
        Path: String(info.Path).replace(/\/?$/, "/"), Description: info.Description ?? "", SourceType: info.SourceType ?? "TOS", CreateTime: this.now(),
        TensorConfig: info.TensorConfig ?? { Inputs: [] },
        ...(info.MetricsList ? { MetricsList: info.MetricsList } : {}),
      };
      model.versions.set(n, v);
      return { ModelID: model.ModelID, VersionInfo: { ModelVersionID: v.ModelVersionID, ModelVersion: n } };
    },

    GetModel: (b: Json) => {
      const m = this.model(b.ModelID);
      const latest = Math.max(0, ...m.versions.keys());
      return { ModelID: m.ModelID, ModelName: m.ModelName, CreateTime: m.CreateTime, ModelVersionsCount: m.versions.size, LatestVersion: String(latest) };
    },

    ListModels: (b: Json) => {
      const list = [...this.models.values()]
        .filter((m) => (b.ModelName === undefined || m.ModelName === b.ModelName) && (b.ModelNameContains === undefined || m.ModelName.includes(b.ModelNameContains)) && (b.IdContains === undefined || m.ModelID.includes(b.IdContains)))
        .map((m) => ({ ModelID: m.ModelID, ModelName: m.ModelName, CreateTime: m.CreateTime, ModelVersionsCount: m.versions.size, LatestVersion: String(Math.max(0, ...m.versions.keys())) }));
      return this.page(list, b, ["ModelName", "CreateTime"]);
    },

    UpdateModel: (b: Json) => {
      const m = this.model(b.ModelID);
      if (b.ModelName !== undefined) {
        if (typeof b.ModelName !== "string" || !b.ModelName) throw invalid("ModelName must be a non-empty string", "InvalidParameter.ModelName");
        if ([...this.models.values()].some((o) => o !== m && o.ModelName === b.ModelName)) throw new ApiFailure(409, "ModelNameDuplicated", `a model named ${b.ModelName} exists`);
        m.ModelName = b.ModelName;
      }
      return { ModelID: m.ModelID };
    },

    ListModelVersions: (b: Json) => {
      if (typeof b.ModelID !== "string") throw invalid("ModelID is required", "MissingParameter.ModelID");
      const m = this.model(b.ModelID);
      const list = [...m.versions.values()].filter((v) => b.ModelVersion === undefined || String(v.ModelVersion) === String(b.ModelVersion));
      return this.page(list, b, ["ModelVersion", "CreateTime"]);
    },

    GetModelVersion: (b: Json) => this.version(b.ModelVersionID).v,

    UpdateModelVersion: (b: Json) => {
      const { v } = this.version(b.ModelVersionID);
      if (b.TensorConfig !== undefined) this.validateTensorConfig(b.TensorConfig, false);
      if (b.MetricsList !== undefined) this.validateMetrics(b.MetricsList);
      if (b.Description !== undefined) v.Description = String(b.Description);
      if (b.TensorConfig !== undefined) v.TensorConfig = b.TensorConfig;
      if (b.MetricsList !== undefined) v.MetricsList = b.MetricsList;
      return { ModelVersionID: v.ModelVersionID };
    },

    DeleteModelVersion: (b: Json) => {
      const { model, v } = this.version(b.ModelVersionID);
      if (this.servedVersions().has(v.ModelVersionID)) throw new ApiFailure(409, "ResourceInUse", `model version ${v.ModelVersionID} is served by a service`);
      model.versions.delete(v.ModelVersion);
      return { ModelVersionID: v.ModelVersionID };
    },

    DeleteModel: (b: Json) => {
      const m = this.model(b.ModelID);
      const served = [...m.versions.values()].find((v) => this.servedVersions().has(v.ModelVersionID));
      if (served) throw new ApiFailure(409, "ResourceInUse", `model version ${served.ModelVersionID} is served by a service`);
      this.models.delete(m.ModelID);
      return { ModelID: m.ModelID };
    },

    CreatePerfJob: (b: Json) => {
      const { v } = this.version(b.ModelVersionID);
      if (b.TensorConfig === undefined) throw invalid("Invalid tensor config: TensorConfig is required", "MissingParameter.TensorConfig");
      this.validateTensorConfig(b.TensorConfig, true);
      if (b.JobType !== "PERF_ONLY" && b.JobType !== "CONVERT_PERF") throw invalid("JobType must be PERF_ONLY or CONVERT_PERF", "InvalidParameter.JobType");
      if (!Array.isArray(b.JobParamsList) || !b.JobParamsList.length) throw invalid("JobParamsList is required", "MissingParameter.JobParamsList");
      const job: PerfJob = { body: b, JobID: this.id("pj"), TensorConfigID: this.id("t"), CreateTime: this.now(), tasks: [] };
      const start = Date.now();
      for (const p of b.JobParamsList) {
        if (!Array.isArray(p?.FlavorIDList) || !p.FlavorIDList.length) throw invalid("JobParamsList[].FlavorIDList is required", "MissingParameter.FlavorIDList");
        for (const flavor of p.FlavorIDList) {
          if (!FLAVORS.some((f) => f.FlavorID === flavor)) throw invalid(`FlavorID ${flavor} does not exist`, "InvalidParameter.FlavorID");
          const precisions: string[] = b.JobType === "CONVERT_PERF" ? (p.ConvertPrecisionList ?? ["base"]) : ["base"];
          for (const precision of precisions)
            job.tasks.push({
              TaskID: this.id("pf"), JobID: job.JobID, ModelVersionID: v.ModelVersionID, CreateTime: job.CreateTime,
              TaskArgs: { TaskType: b.JobType, FlavorID: flavor, ConvertType: p.ConvertType ?? "base", ConvertPrecision: precision },
              startAt: start + this.delays.perfStartMs, endAt: start + this.delays.perfStartMs + this.delays.perfTaskMs,
            });
        }
      }
      this.perfJobs.set(job.JobID, job);
      return {
        JobID: job.JobID, ModelVersionID: v.ModelVersionID, TensorConfig: b.TensorConfig, TensorConfigID: job.TensorConfigID,
        JobParamsList: b.JobParamsList, JobType: b.JobType, JobStatus: "Submitted", CreateTime: job.CreateTime.replace("+08:00", ".000+08:00"),
      };
    },

    ListPerfJobs: (b: Json) => {
      const list = [...this.perfJobs.values()]
        .filter((j) => (b.JobID === undefined || j.JobID === b.JobID) && (b.ModelVersionID === undefined || j.body.ModelVersionID === b.ModelVersionID))
        .map((j) => {
          const { status, ended } = this.jobStatus(j);
          return {
            JobID: j.JobID, ModelVersionID: j.body.ModelVersionID, TensorConfigID: j.TensorConfigID, JobParamsList: j.body.JobParamsList,
            JobType: j.body.JobType, JobStatus: status, CreateTime: j.CreateTime, TaskCount: j.tasks.length, EndedTaskCount: ended,
          };
        });
      return this.page(list, b, ["ModelName", "CreateTime"]);
    },

    ListPerfTasks: (b: Json) => {
      const list = [...this.perfJobs.values()]
        .flatMap((j) => j.tasks)
        .filter((t) => (b.JobID === undefined || t.JobID === b.JobID) && (b.TaskID === undefined || t.TaskID === b.TaskID))
        .map((t) => this.taskView(t));
      return this.page(list, b, ["ModelName", "CreateTime"]);
    },

    CancelPerfJob: (b: Json) => {
      const j = this.perfJobs.get(b.JobID);
      if (!j) throw notFound("PerfJobNotFound", `perf job ${String(b.JobID)} does not exist`);
      const now = Date.now();
      j.cancelledAt = now;
      for (const t of j.tasks) if (this.perfTaskStatus(t, now) === "Submitted" || this.perfTaskStatus(t, now) === "Running") t.cancelledAt = now;
      return { JobID: j.JobID };
    },

    ListResource: (b: Json) => {
      const picked = FLAVORS.filter((f) => b.Name === undefined || f.Name === b.Name);
      const groups: Record<string, Json[]> = {};
      for (const { group, ...f } of picked) (groups[group] ??= []).push({ ...f, Id: f.FlavorID });
      return { Total: picked.length, List: groups };
    },

    CreateService: (b: Json) => {
      if (typeof b.ServiceName !== "string" || !/^[A-Za-z][A-Za-z0-9-_]{0,63}$/.test(b.ServiceName)) throw invalid("ServiceName is required: 1-64 letters, digits, - or _", "InvalidParameter.ServiceName");
      if ([...this.services.values()].some((s) => s.ServiceName === b.ServiceName && s.deleteAt === undefined)) throw new ApiFailure(409, "ServiceNameDuplicated", `a service named ${b.ServiceName} exists`);
      const d = b.ServiceDeployment;
      if (typeof d !== "object" || d === null) throw invalid("ServiceDeployment is required", "MissingParameter.ServiceDeployment");
      this.checkDeployment(d, true);
      const now = this.now();
      const s: Service = {
        ServiceID: this.id("s"), ServiceName: b.ServiceName, CreateTime: now, UpdateTime: now,
        d: { Replicas: d.Replicas, FlavorID: d.FlavorID, Model: { ModelID: d.Model.ModelID, ModelVersionID: d.Model.ModelVersionID }, ImageID: d.ImageID, Envs: d.Envs ?? [], ...(d.Description !== undefined ? { Description: d.Description } : {}) },
        status: "Deploying", then: this.opts.failServices?.includes(b.ServiceName) ? "Failed" : "Running", at: Date.now() + this.delays.serviceDeployMs, versions: 1,
      };
      this.services.set(s.ServiceID, s);
      return { ServiceID: s.ServiceID };
    },

    GetService: (b: Json) => this.serviceView(this.liveService(b.ServiceID)),

    ListServices: (b: Json) => {
      for (const s of [...this.services.values()]) this.settle(s);
      const list = [...this.services.values()]
        .filter((s) => (b.ServiceName === undefined || s.ServiceName === b.ServiceName) && (b.ServiceNameContains === undefined || s.ServiceName.includes(b.ServiceNameContains)))
        .map((s) => ({ ServiceID: s.ServiceID, ServiceName: s.ServiceName, CreateTime: s.CreateTime, Status: s.status }));
      return this.page(list, b, ["ServiceName", "CreateTime"]);
    },

    UpdateService: (b: Json) => {
      const s = this.liveService(b.ServiceID);
      if (s.status !== "Running" && s.status !== "Stopped" && s.status !== "Failed")
        throw new ApiFailure(409, "OperationDenied.InvalidState", `service ${s.ServiceID} is ${s.status}; update it when it is Running or Stopped`);
      if (b.ChangeType === "ScalingService") {
        this.checkDeployment({ Replicas: b.Replicas }, false);
        s.d.Replicas = b.Replicas;
      } else if (typeof b.ChangeType === "string" && b.ChangeType) {
        const d = { Replicas: b.Replicas, FlavorID: b.FlavorID, Model: b.Model, ImageID: b.ImageID, Envs: b.Envs ?? [] };
        this.checkDeployment(d, true);
        s.d = { ...d, Model: { ModelID: b.Model.ModelID, ModelVersionID: b.Model.ModelVersionID }, ...(b.Description !== undefined ? { Description: b.Description } : s.d.Description !== undefined ? { Description: s.d.Description } : {}) };
        s.versions++;
      } else throw invalid("ChangeType is required", "MissingParameter.ChangeType");
      if (s.status !== "Stopped") this.transition(s, "Updating", this.opts.failServices?.includes(s.ServiceName) ? "Failed" : "Running", this.delays.serviceUpdateMs);
      return { ServiceID: s.ServiceID };
    },

    StartService: (b: Json) => {
      const s = this.liveService(b.ServiceID);
      if (s.status !== "Stopped") throw new ApiFailure(409, "OperationDenied.InvalidState", `service ${s.ServiceID} is ${s.status}, not Stopped`);
      this.transition(s, "Deploying", "Running", this.delays.serviceDeployMs);
      return { ServiceID: s.ServiceID };
    },

    StopService: (b: Json) => {
      const s = this.liveService(b.ServiceID);
      if (s.status !== "Running") throw new ApiFailure(409, "OperationDenied.InvalidState", `service ${s.ServiceID} is ${s.status}, not Running`);
      this.transition(s, "Stopping", "Stopped", this.delays.serviceStopMs);
      return { ServiceID: s.ServiceID };
    },

    DeleteService: (b: Json) => {
      const s = this.liveService(b.ServiceID);
      if (s.deleteAt === undefined) {
        this.transition(s, "Deleting", "Deleting", 0);
        s.deleteAt = Date.now() + this.delays.serviceDeleteMs;
      }
      return { ServiceID: s.ServiceID };
    },
  };
}
