// A Huawei ModelArts emulator (v1 models, classic v1 real-time services and v2 datasets; seeds 002/004, the digests and the
// vendor SDK's wire format): a real HTTP server on 127.0.0.1 that verifies SDK-HMAC-SHA256 signatures like the
// API gateway in front of ModelArts (401 APIGW.0301 on a wrong key, signature or stale X-Sdk-Date), answers
// `{error_code, error_msg}` with X-Request-Id, enforces the seeds' rules (name/version patterns, (name,
// version) unique = ModelArts.3002, weights summing to 100, distinct versions per service = 3516, at most 5
// instances, a deployed model cannot be deleted = 3009 with HTTP 500, no update while deploying = 3519, status
// XOR config per update), checks that a model's OBS source exists in the S3 store (moto), and runs model
// publishing and service deploy/update/stop/delete as timed state machines, with injectable faults
// (throttling, 5xx before applying, applied-then-5xx). Paths come back as `/bucket/path/` as the vendor's do.
import { randomBytes, randomUUID } from "node:crypto";
import type { IncomingMessage, ServerResponse } from "node:http";
import { ListObjectsV2Command, PutObjectCommand } from "@aws-sdk/client-s3";
import { canonicalRequest, parseAuthorization, signatureOf } from "../../../sdk/modelarts/signer";
import { EmulatorServer, type AnsweredRequest } from "../http-scaffold";
export type { Fault, FaultPlan } from "../faults";

type Json = Record<string, any>;

export interface ModelArtsEmulatorOptions {
  projectId: string;
  /** Access key id → secret key. */
  keys: Record<string, string>;
  s3Endpoint: string;
  /** Bucket created in the S3 store at start (local sources are uploaded there). */
  bucket: string;
  delays?: Partial<{ modelPublishMs: number; serviceDeployMs: number; serviceStopMs: number; serviceDeleteMs: number; datasetMs: number; trainingPhaseMs: number }>;
  maxSkewMs?: number;
  seed?: number;
}

export interface RequestRecord extends AnsweredRequest {
  code?: string;
  userAgent?: string;
}

export const SPECIFICATIONS = ["modelarts.vm.cpu.2u", "modelarts.vm.cpu.8u", "modelarts.vm.gpu.p4"];
const MODEL_TYPES = ["TensorFlow", "MXNet", "Caffe", "Spark_MLlib", "Scikit_Learn", "XGBoost", "Image", "PyTorch", "Template", "Custom"];
const NAME = /^[A-Za-z][A-Za-z0-9_-]{0,63}$/;
const VERSION = /^(0|[1-9]\d?)\.(0|[1-9]\d?)\.(0|[1-9]\d?)$/;

class ApiFailure extends Error {
  constructor(readonly status: number, readonly code: string, message: string) {
    super(message);
  }
}
const bad = (msg: string, code = "ModelArts.0104") => new ApiFailure(400, code, msg);

export interface EmuModel extends Json {
  model_id: string;
  model_name: string;
  model_version: string;
  publishAt: number;
}
export interface EmuService {
  service_id: string;
  service_name: string;
  description: string;
  config: Json[];
  create: number;
  update_time: number;
  /** Current transition: `status` until `at`, then `then` (deleted when then = "gone"). */
  status: string;
  at: number;
  then: string;
}

/** What a training run does in the emulator: its log lines, whether it fails, and with which exit code. */
export interface TrainingOutcome {
  log: string[];
  fail?: { exitCode: number; message: string };
}

export interface EmuTrainingJob {
  body: Json;
  id: string;
  create_time: number;
  /** Phase timeline: Creating until +1 phase, Pending until +2, Running until +3, then the outcome. */
  phaseMs: number;
  outcome: TrainingOutcome;
  /** Set by the stop action: Terminating until then, Terminated after. */
  terminatedAt?: number;
  outputWritten?: boolean;
}

export const TRAINING_FLAVORS = [
  { flavor_id: "modelarts.vm.cpu.2u", flavor_name: "Computing CPU(2U) instance", flavor_type: "CPU", max_num: 1, cores: 2 },
  { flavor_id: "modelarts.vm.cpu.8u", flavor_name: "Computing CPU(8U) instance", flavor_type: "CPU", max_num: 16, cores: 8 },
  { flavor_id: "modelarts.vm.gpu.pnt1", flavor_name: "Computing GPU(Pnt1) instance", flavor_type: "GPU", max_num: 8, cores: 8 },
];
export const TRAINING_ENGINES: Record<string, string[]> = {
  PyTorch: ["pytorch_1.8.0-cuda_10.2-py_3.7-ubuntu_18.04-x86_64", "PyTorch-1.4.0-python3.6"],
  TensorFlow: ["tensorflow_2.1.0-cuda_10.1-py_3.7-ubuntu_18.04-x86_64"],
  "Scikit_Learn": ["scikit_learn_0.20.0-python3.6"],
};

export interface EmuDataset {
  dataset_id: string;
  dataset_name: string;
  description: string;
  dataset_type: number;
  data_sources: Json[];
  work_path: string;
  create_time: number;
  update_time: number;
  readyAt: number;
  /** Set when deleted: status 2 (deleting) until then, gone after. */
  goneAt?: number;
  versions: { version_id: string; version_name: string; create_time: number; readyAt: number; description: string }[];
  imports: { task_id: string; import_path: string; create_time: number; doneAt: number }[];
}

export class ModelArtsEmulator extends EmulatorServer<RequestRecord> {
  readonly models = new Map<string, EmuModel>();
  readonly services = new Map<string, EmuService>();
  readonly datasets = new Map<string, EmuDataset>();
  readonly trainingJobs = new Map<string, EmuTrainingJob>();
  /** What each new training run will do (tests swap it to make runs fail). */
  trainingOutcome: (job: Json) => TrainingOutcome = (job) => ({
    log: [`[ModelArts Service Log] job ${job.metadata.name} on ${job.spec.resource.flavor_id} x${job.spec.resource.node_count}`, ...[1, 2, 3].map((e) => `epoch ${e} loss ${(1 / (e + 1)).toFixed(4)}`), "training finished, model saved to train_url"],
  });
  private readonly delays: { modelPublishMs: number; serviceDeployMs: number; serviceStopMs: number; serviceDeleteMs: number; datasetMs: number; trainingPhaseMs: number };

  constructor(private readonly opts: ModelArtsEmulatorOptions) {
    super({ endpoint: opts.s3Endpoint, region: "cn-north-4" }, opts.seed ?? 7);
    this.delays = { modelPublishMs: 200, serviceDeployMs: 300, serviceStopMs: 100, serviceDeleteMs: 200, datasetMs: 200, trainingPhaseMs: 150, ...opts.delays };
  }

  async start(): Promise<string> {
    await this.ensureBucket(this.opts.bucket);
    return super.start();
  }

  /** Live services (deleted ones dropped), after advancing their state machines. */
  liveServices(): EmuService[] {
    for (const s of [...this.services.values()]) this.advance(s);
    return [...this.services.values()];
  }

  // ------------------------------------------------------------------------------------------ transport

  protected async handle(req: IncomingMessage, res: ServerResponse, body: Buffer): Promise<void> {
    const url = new URL(req.url ?? "/", "http://x");
    const requestId = randomBytes(16).toString("hex");
    const record: RequestRecord = { action: "", status: 200, userAgent: req.headers["user-agent"] };
    const send = (status: number, payload: unknown, extra: Record<string, string> = {}) =>
      this.answer(res, record, status, { "content-type": "application/json", "x-request-id": requestId, ...extra }, payload === undefined ? "" : JSON.stringify(payload));
    const fail = (f: ApiFailure, extra: Record<string, string> = {}) => {
      record.code = f.code;
      // Training calls add error_solution (seed, all training APIs).
      const training = url.pathname.includes("/training-job");
      send(f.status, { error_code: f.code, error_msg: f.message, ...(training ? { error_solution: "check the request against the ModelArts training API reference" } : {}) }, extra);
    };
    try {
      this.verifySignature(req, url, body);
      const route = this.route(req.method ?? "GET", url.pathname);
      record.action = route.action;
      let input: Json = {};
      if (body.length) {
        try {
          input = JSON.parse(body.toString("utf8"));
        } catch {
          throw bad("the request body is not JSON", "ModelArts.0101");
        }
      }
      const fault = this.drawFault(record);
      if (fault === "throttle") return fail(new ApiFailure(429, "APIGW.0308", "The throttling threshold has been reached"), { "retry-after": "0" });
      if (fault === "unavailable") return fail(new ApiFailure(503, "ModelArts.0010", "the service is temporarily unavailable"));
      // A run that completed has written its output by the time anyone can see it Completed.
      for (const j of this.trainingJobs.values()) await this.settleTraining(j);
      const [status, out] = await route.run(input, Object.fromEntries(url.searchParams));
      if (fault === "lostResponse") return fail(new ApiFailure(500, "ModelArts.0010", "internal error (the call was applied)"));
      if (route.action === "DeleteTrainingJob" && status === 202) {
        // The vendor answers 202 with an empty body (not JSON).
        return this.answer(res, record, status, { "x-request-id": requestId }, "");
      }
      send(status, out);
    } catch (e) {
      if (e instanceof ApiFailure) return fail(e);
      fail(new ApiFailure(500, "ModelArts.0010", String((e as Error)?.message ?? e)));
    }
  }

  private route(method: string, path: string): { action: string; run: (b: Json, q: Record<string, string>) => Promise<[number, unknown]> | [number, unknown] } {
    const tj = /^\/v2\/([^/]+)\/(training-jobs|training-job-searches|training-job-flavors|training-job-engines)(?:\/([^/]+)(\/actions|\/tasks\/[^/]+\/logs\/preview|\/metrics\/[^/]+)?)?\/?$/.exec(path);
    if (tj) {
      if (tj[1] !== this.opts.projectId) throw new ApiFailure(403, "ModelArts.0108", `You are not authorized to perform the operation on project ${tj[1]}`);
      const id = tj[3] ? decodeURIComponent(tj[3]) : undefined;
      const sub = tj[4] ? (tj[4] === "/actions" ? "/actions" : tj[4].includes("/logs/") ? "/logs" : "/metrics") : "";
      const key = `${method} ${tj[2]}${id ? "/{id}" : ""}${sub}`;
      const table: Record<string, [string, (b: Json, q: Record<string, string>) => Promise<[number, unknown]> | [number, unknown]]> = {
        "POST training-jobs": ["CreateTrainingJob", (b) => this.createTrainingJob(b)],
        "GET training-jobs/{id}": ["ShowTrainingJobDetails", () => [200, this.trainingJobView(this.trainingJob(id!))]],
        "PUT training-jobs/{id}": ["ChangeTrainingJobDescription", (b) => this.changeTrainingJobDescription(id!, b)],
        "DELETE training-jobs/{id}": ["DeleteTrainingJob", () => this.deleteTrainingJob(id!)],
        "POST training-jobs/{id}/actions": ["StopTrainingJob", (b) => this.trainingJobAction(id!, b)],
        "GET training-jobs/{id}/logs": ["ShowTrainingJobLogsPreview", () => this.trainingJobLogs(id!, tj[4]!)],
        "GET training-jobs/{id}/metrics": ["ShowTrainingJobMetrics", () => this.trainingJobMetrics(id!, tj[4]!)],
        "POST training-job-searches": ["ListTrainingJobs", (b) => this.listTrainingJobs(b)],
        "GET training-job-flavors": ["ShowTrainingJobFlavors", () => [200, { total_count: TRAINING_FLAVORS.length, flavors: TRAINING_FLAVORS.map((f) => ({ flavor_id: f.flavor_id, flavor_name: f.flavor_name, flavor_type: f.flavor_type, billing: { code: f.flavor_id, unit_num: 1 }, flavor_info: { max_num: f.max_num, cpu: { arch: "x86", core_num: f.cores }, memory: { size: f.cores * 4, unit: "GB" } } })) }]],
        "GET training-job-engines": ["ShowTrainingJobEngines", () => [200, { total: Object.values(TRAINING_ENGINES).flat().length, items: Object.entries(TRAINING_ENGINES).flatMap(([name, vs]) => vs.map((v) => ({ engine_id: v, engine_name: name, engine_version: v, v1_compatible: false, run_user: "1102" }))) }]],
      };
      const hit = table[key];
      if (!hit) throw new ApiFailure(404, "APIGW.0101", `The API does not exist or has not been published in the environment (${method} ${path})`);
      return { action: hit[0], run: hit[1] };
    }
    const ds = /^\/v2\/([^/]+)\/datasets(?:\/([^/]+)(\/versions|\/import-tasks(?:\/([^/]+))?)?)?\/?$/.exec(path);
    if (ds) {
      if (ds[1] !== this.opts.projectId) throw new ApiFailure(403, "ModelArts.0108", `You are not authorized to perform the operation on project ${ds[1]}`);
      const id = ds[2] ? decodeURIComponent(ds[2]) : undefined;
      const taskId = ds[4] ? decodeURIComponent(ds[4]) : undefined;
      const key = `${method} datasets${id ? "/{id}" : ""}${ds[3] ? (ds[3].startsWith("/import-tasks") ? `/import-tasks${taskId ? "/{task}" : ""}` : ds[3]) : ""}`;
      const table: Record<string, [string, (b: Json, q: Record<string, string>) => Promise<[number, unknown]> | [number, unknown]]> = {
        "POST datasets": ["CreateDataset", (b) => this.createDataset(b)],
        "GET datasets": ["ListDatasets", (_b, q) => this.listDatasets(q)],
        "GET datasets/{id}": ["ShowDataset", () => [200, this.datasetView(this.dataset(id!))]],
        "PUT datasets/{id}": ["UpdateDataset", (b) => this.updateDataset(id!, b)],
        "DELETE datasets/{id}": ["DeleteDataset", () => this.deleteDataset(id!)],
        "POST datasets/{id}/versions": ["CreateDatasetVersion", (b) => this.createDatasetVersion(id!, b)],
        "GET datasets/{id}/versions": ["ListDatasetVersions", () => [200, this.listDatasetVersions(id!)]],
        "POST datasets/{id}/import-tasks": ["CreateImportTask", (b) => this.createImportTask(id!, b)],
        "GET datasets/{id}/import-tasks": ["ListImportTasks", () => [200, this.listImportTasks(id!)]],
        "GET datasets/{id}/import-tasks/{task}": ["ShowImportTask", () => [200, this.importTaskView(this.dataset(id!), taskId!)]],
      };
      const hit = table[key];
      if (!hit) throw new ApiFailure(404, "APIGW.0101", `The API does not exist or has not been published in the environment (${method} ${path})`);
      return { action: hit[0], run: hit[1] };
    }
    const m = /^\/v1\/([^/]+)\/(models|services)(?:\/([^/]+))?\/?$/.exec(path);
    if (!m) throw new ApiFailure(404, "APIGW.0101", `The API does not exist or has not been published in the environment (${method} ${path})`);
    if (m[1] !== this.opts.projectId) throw new ApiFailure(403, "ModelArts.0108", `You are not authorized to perform the operation on project ${m[1]}`);
    const [kind, id] = [m[2], m[3] ? decodeURIComponent(m[3]) : undefined];
    const key = `${method} ${kind}${id === undefined ? "" : id === "specifications" ? "/specifications" : "/{id}"}`;
    const table: Record<string, [string, (b: Json, q: Record<string, string>) => Promise<[number, unknown]> | [number, unknown]]> = {
      "POST models": ["CreateModel", (b) => this.createModel(b)],
      "GET models": ["ListModels", (_b, q) => this.listModels(q)],
      "GET models/{id}": ["ShowModel", () => [200, this.showModel(id!)]],
      "DELETE models/{id}": ["DeleteModel", () => this.deleteModel(id!)],
      "GET services/specifications": ["ListSpecifications", () => [200, { is_personal_cluster: false, specifications: SPECIFICATIONS.map((s) => ({ specification: s, billing_spec: s, spec_status: "normal", is_open: true, cpu: s.includes("8u") ? "8" : "2", memory: "8192", source_type: "", spec_en: s })) }]],
      "POST services": ["CreateService", (b) => this.createService(b)],
      "GET services": ["ListServices", (_b, q) => this.listServices(q)],
      "GET services/{id}": ["ShowService", () => [200, this.showService(id!)]],
      "PUT services/{id}": ["UpdateService", (b) => this.updateService(id!, b)],
      "DELETE services/{id}": ["DeleteService", () => this.deleteService(id!)],
    };
    const hit = table[key];
    if (!hit) throw new ApiFailure(404, "APIGW.0101", `The API does not exist or has not been published in the environment (${method} ${path})`);
    return { action: hit[0], run: hit[1] };
  }



  /** SDK-HMAC-SHA256 as the API gateway checks it: every failure is 401 APIGW.0301, as on Huawei Cloud. */
  private verifySignature(req: IncomingMessage, url: URL, body: Buffer): void {
    const refuse = (why: string) => new ApiFailure(401, "APIGW.0301", `Incorrect IAM authentication information: ${why}`);
    const auth = parseAuthorization(req.headers.authorization);
    if (!auth) throw refuse("the Authorization header is missing or not SDK-HMAC-SHA256");
    const secret = this.opts.keys[auth.accessKeyId];
    if (secret === undefined) throw refuse(`ak ${auth.accessKeyId} not exist`);
    const date = String(req.headers["x-sdk-date"] ?? "");
    const d = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/.exec(date);
    if (!d) throw refuse("X-Sdk-Date is missing or malformed");
    const t = Date.parse(`${d[1]}-${d[2]}-${d[3]}T${d[4]}:${d[5]}:${d[6]}Z`);
    if (Math.abs(Date.now() - t) > (this.opts.maxSkewMs ?? 15 * 60_000)) throw refuse(`X-Sdk-Date ${date} is too far from the server time`);
    for (const h of ["host", "x-sdk-date"]) if (!auth.signedHeaders.includes(h)) throw refuse(`SignedHeaders must include ${h}`);
    const headers: Record<string, string> = {};
    for (const h of auth.signedHeaders) headers[h] = String(req.headers[h] ?? "");
    // The canonical query is rebuilt from the decoded parameters, as the gateway does.
    const query = Object.fromEntries(url.searchParams);
    const canon = canonicalRequest(req.method ?? "GET", url.pathname, query, headers, body, auth.signedHeaders);
    if (signatureOf(secret, date, canon.text) !== auth.signature) throw refuse("verify aksk signature fail");
  }

  // ------------------------------------------------------------------------------------------- models

  private async createModel(b: Json): Promise<[number, unknown]> {
    if (typeof b.model_name !== "string" || !NAME.test(b.model_name)) throw bad(`model_name ${JSON.stringify(b.model_name)} must be 1-64 letters, digits, - or _, starting with a letter`);
    if (typeof b.model_version !== "string" || !VERSION.test(b.model_version)) throw bad(`model_version ${JSON.stringify(b.model_version)} must be Digit.Digit.Digit (0-99, no leading zeros)`);
    if (!MODEL_TYPES.includes(b.model_type)) throw bad(`model_type ${JSON.stringify(b.model_type)} is not one of ${MODEL_TYPES.join(", ")}`);
    if (b.description !== undefined && (String(b.description).length > 100 || /[!<>=&'"]/.test(String(b.description)))) throw bad("description: at most 100 characters, none of !<>=&'\"");
    if (b.model_metrics !== undefined) {
      let m: unknown;
      try {
        m = JSON.parse(String(b.model_metrics));
      } catch {
        m = undefined;
      }
      if (!m || typeof m !== "object" || Object.entries(m).some(([k, v]) => !["f1", "recall", "precision", "accuracy"].includes(k) || typeof v !== "number"))
        throw bad(`model_metrics ${JSON.stringify(b.model_metrics)} must be a JSON string of f1, recall, precision, accuracy numbers`);
    }
    const loc = /^obs:\/\/([^/]+)\/(.+)$/.exec(String(b.source_location ?? ""));
    if (!loc) throw bad(`source_location ${JSON.stringify(b.source_location)} must be an obs:// path`, "ModelArts.3017");
    const objects = await this.s3.send(new ListObjectsV2Command({ Bucket: loc[1], Prefix: loc[2], MaxKeys: 1 })).catch(() => undefined);
    if (!objects?.KeyCount) throw bad(`OBS path ${b.source_location} does not exist.`, "ModelArts.3551");
    for (const m of this.models.values())
      if (m.model_name === b.model_name && m.model_version === b.model_version) throw new ApiFailure(409, "ModelArts.3002", `Model (${b.model_name}, ${b.model_version}) already exists.`);
    const model_id = randomUUID();
    const now = Date.now();
    this.models.set(model_id, {
      model_id, model_name: b.model_name, model_version: b.model_version, model_type: b.model_type, description: b.description ?? "",
      source_location: b.source_location, create_at: now, publishAt: now + this.delays.modelPublishMs, model_size: 0, runtime: b.runtime ?? "",
      ...(b.model_metrics !== undefined ? { model_metrics: b.model_metrics } : {}),
    });
    return [200, { model_id }];
  }

  private modelView(m: EmuModel): Json {
    const { publishAt, ...rest } = m;
    // The vendor echoes OBS locations as /bucket/path/.
    return { ...rest, source_location: String(m.source_location).replace(/^obs:\//, ""), model_status: Date.now() >= publishAt ? "published" : "publishing", tenant: this.opts.projectId, project: this.opts.projectId };
  }

  private showModel(id: string): Json {
    const m = this.models.get(id);
    if (!m) throw new ApiFailure(404, "ModelArts.3001", `Model (${id}) does not exist.`);
    return this.modelView(m);
  }

  private listModels(q: Record<string, string>): [number, unknown] {
    const limit = Number(q.limit ?? 280);
    if (!Number.isInteger(limit) || limit < 1 || limit > 500) throw bad("limit must be 1..500");
    const offset = Number(q.offset ?? 0);
    // model_name is a fuzzy match on the vendor.
    const all = [...this.models.values()].filter((m) => !q.model_name || m.model_name.includes(q.model_name)).sort((a, b) => b.create_at - a.create_at);
    const page = all.slice(offset * limit, offset * limit + limit).map((m) => this.modelView(m));
    return [200, { total_count: all.length, count: page.length, models: page }];
  }

  private deleteModel(id: string): [number, unknown] {
    const m = this.models.get(id);
    if (!m) throw new ApiFailure(404, "ModelArts.3001", `Model (${id}) does not exist.`);
    if (this.liveServices().some((s) => s.config.some((c) => c.model_id === id)))
      throw new ApiFailure(500, "ModelArts.3009", `Failed to delete model, model (${id}) already deploy service.`);
    this.models.delete(id);
    return [200, { delete_success_list: [id], delete_failed_list: [] }];
  }

  // ------------------------------------------------------------------------------------------ services

  private advance(s: EmuService): void {
    while (s.at && Date.now() >= s.at) {
      if (s.then === "gone") {
        this.services.delete(s.service_id);
        return;
      }
      [s.status, s.at] = [s.then, 0];
    }
  }

  private service(id: string): EmuService {
    const s = this.services.get(id);
    if (s) this.advance(s);
    if (!this.services.has(id)) throw new ApiFailure(404, "ModelArts.3502", `Service ${id} does not exist.`);
    return s!;
  }

  private validateConfig(config: unknown): Json[] {
    if (!Array.isArray(config) || config.length < 1) throw bad("config must be a non-empty array");
    const out = config.map((c: Json) => {
      const m = this.models.get(String(c?.model_id));
      if (!m) throw new ApiFailure(404, "ModelArts.3507", `Model ${c?.model_id} does not exist.`);
      if (Date.now() < m.publishAt) throw bad(`The model ${m.model_id} cannot be used for deploying services because it is still being published.`, "ModelArts.3515");
      const weight = Number(c.weight);
      if (!Number.isInteger(weight) || weight < 0 || weight > 100) throw bad(`weight ${JSON.stringify(c.weight)} must be an integer 0..100`);
      if (!SPECIFICATIONS.includes(c.specification)) throw bad(`specification ${JSON.stringify(c.specification)} is not one of ${SPECIFICATIONS.join(", ")}`);
      if (!Number.isInteger(c.instance_count) || c.instance_count < 1 || c.instance_count > 5) throw bad(`instance_count ${c.instance_count} must be 1..5`);
      if (c.envs !== undefined && (typeof c.envs !== "object" || Array.isArray(c.envs) || Object.values(c.envs).some((v) => typeof v !== "string"))) throw bad("envs must be a map of strings");
      return { model_id: m.model_id, model_name: m.model_name, model_version: m.model_version, weight, specification: c.specification, instance_count: c.instance_count, envs: c.envs ?? {} };
    });
    if (out.reduce((a, c) => a + c.weight, 0) !== 100) throw bad("the weights of a real-time service's models must add up to 100");
    if (new Set(out.map((c) => c.model_id)).size !== out.length)
      throw bad("Failed to deploy services because the version of the model that is used for deploying services is the same.", "ModelArts.3516");
    return out;
  }

  private createService(b: Json): [number, unknown] {
    if (typeof b.service_name !== "string" || !NAME.test(b.service_name)) throw bad(`service_name ${JSON.stringify(b.service_name)} must be 1-64 letters, digits, - or _, starting with a letter`);
    if (b.infer_type !== "real-time") throw bad(`infer_type ${JSON.stringify(b.infer_type)}: this emulator serves real-time services`);
    if (b.description !== undefined && String(b.description).length > 100) throw bad("description: at most 100 characters");
    const config = this.validateConfig(b.config);
    if (this.liveServices().some((s) => s.service_name === b.service_name)) throw new ApiFailure(409, "ModelArts.3503", `Service ${b.service_name} already exists.`);
    const now = Date.now();
    const s: EmuService = { service_id: randomUUID(), service_name: b.service_name, description: b.description ?? "", config, create: now, update_time: now, status: "deploying", at: now + this.delays.serviceDeployMs, then: "running" };
    this.services.set(s.service_id, s);
    return [200, { service_id: s.service_id, resource_ids: [`INF-${randomBytes(8).toString("hex")}@${now}`] }];
  }

  private serviceView(s: EmuService): Json {
    return {
      service_id: s.service_id, service_name: s.service_name, description: s.description, status: s.status, infer_type: "real-time",
      config: s.config.map((c) => ({ ...c, envs: { ...c.envs } })), update_time: s.update_time, start_time: s.create,
      access_address: `https://modelarts-infer.cn-north-4.example/v1/infers/${s.service_id}`, progress: s.status === "deploying" ? 50 : 100,
      project: this.opts.projectId, owner: this.opts.projectId, tenant: this.opts.projectId,
    };
  }

  private showService(id: string): Json {
    return this.serviceView(this.service(id));
  }

  private listServices(q: Record<string, string>): [number, unknown] {
    const all = this.liveServices().filter((s) => !q.service_name || s.service_name.includes(q.service_name));
    return [200, { total_count: all.length, count: all.length, services: all.map((s) => this.serviceView(s)) }];
  }

  private updateService(id: string, b: Json): [number, unknown] {
    const s = this.service(id);
    if (["deploying", "stopping", "deleting"].includes(s.status))
      throw bad(`Services in state ${s.status} cannot be updated.`, "ModelArts.3519");
    const now = Date.now();
    if (b.description !== undefined) {
      if (String(b.description).length > 100) throw bad("description: at most 100 characters");
      s.description = b.description;
    }
    // The vendor applies only `status` when status and config come together (seed 004).
    if (b.status !== undefined) {
      if (b.status !== "running" && b.status !== "stopped") throw bad(`status ${JSON.stringify(b.status)} must be running or stopped`);
      if (b.status === "stopped" && s.status !== "stopped") [s.status, s.at, s.then] = ["stopping", now + this.delays.serviceStopMs, "stopped"];
      if (b.status === "running" && s.status === "stopped") [s.status, s.at, s.then] = ["deploying", now + this.delays.serviceDeployMs, "running"];
    } else if (b.config !== undefined) {
      s.config = this.validateConfig(b.config);
      [s.status, s.at, s.then] = ["deploying", now + this.delays.serviceDeployMs, s.status === "stopped" ? "stopped" : "running"];
    }
    s.update_time = now;
    return [200, {}];
  }

  private deleteService(id: string): [number, unknown] {
    const s = this.service(id);
    [s.status, s.at, s.then] = ["deleting", Date.now() + this.delays.serviceDeleteMs, "gone"];
    return [200, {}];
  }

  // ------------------------------------------------------------------------------------------ datasets

  /** Live datasets (deleted ones dropped). */
  liveDatasets(): EmuDataset[] {
    for (const d of [...this.datasets.values()]) if (d.goneAt && Date.now() >= d.goneAt) this.datasets.delete(d.dataset_id);
    return [...this.datasets.values()];
  }

  private dataset(id: string): EmuDataset {
    const d = this.liveDatasets().find((x) => x.dataset_id === id);
    if (!d) throw new ApiFailure(404, "ModelArts.4352", `Dataset ${id} does not exist.`);
    return d;
  }

  private async createDataset(b: Json): Promise<[number, unknown]> {
    if (typeof b.dataset_name !== "string" || !/^[A-Za-z0-9_-]{1,100}$/.test(b.dataset_name)) throw bad(`dataset_name ${JSON.stringify(b.dataset_name)} must be 1-100 letters, digits, - or _`);
    if (!Number.isInteger(b.dataset_type) || ![0, 1, 100, 101, 102, 200, 201, 202, 400, 600, 900].includes(b.dataset_type)) throw bad(`dataset_type ${JSON.stringify(b.dataset_type)} is not a ModelArts dataset type`);
    if (b.work_path_type !== 0) throw bad("work_path_type must be 0 (OBS)");
    if (typeof b.work_path !== "string" || !/^\/[^/]+\/.+\/$/.test(b.work_path)) throw bad(`work_path ${JSON.stringify(b.work_path)} must be /bucket/path/ (not a bare bucket)`, "ModelArts.2606");
    if (b.description !== undefined && (String(b.description).length > 256 || /[\^!<>=&"']/.test(String(b.description)))) throw bad("description: at most 256 characters, none of ^!<>=&\"'");
    if (!Array.isArray(b.data_sources) || b.data_sources.length < 1) throw bad("data_sources must be a non-empty array");
    for (const src of b.data_sources) {
      const m = /^\/([^/]+)\/(.+)$/.exec(String(src?.data_path ?? ""));
      if (!m) throw bad(`data_path ${JSON.stringify(src?.data_path)} must be /bucket/path/`);
      if (b.work_path === src.data_path) throw bad("work_path must differ from the input path");
      const objects = await this.s3.send(new ListObjectsV2Command({ Bucket: m[1], Prefix: m[2], MaxKeys: 1 })).catch(() => undefined);
      if (!objects?.KeyCount) throw bad(`OBS path obs:/${src.data_path} does not exist.`, "ModelArts.3551");
    }
    if (this.liveDatasets().some((d) => d.dataset_name === b.dataset_name)) throw new ApiFailure(409, "ModelArts.4351", `Dataset ${b.dataset_name} already exists.`);
    const now = Date.now();
    const d: EmuDataset = {
      dataset_id: randomBytes(10).toString("base64url").slice(0, 20), dataset_name: b.dataset_name, description: b.description ?? "", dataset_type: b.dataset_type,
      data_sources: b.data_sources.map((x: Json) => ({ data_type: x.data_type ?? 0, data_path: x.data_path })), work_path: b.work_path,
      create_time: now, update_time: now, readyAt: now + this.delays.datasetMs, versions: [], imports: [],
    };
    this.datasets.set(d.dataset_id, d);
    return [201, { dataset_id: d.dataset_id }];
  }

  datasetView(d: EmuDataset): Json {
    const now = Date.now();
    const current = d.versions[d.versions.length - 1];
    return {
      dataset_id: d.dataset_id, dataset_name: d.dataset_name, description: d.description, dataset_type: d.dataset_type, data_sources: d.data_sources,
      work_path: d.work_path, work_path_type: 0, create_time: d.create_time, update_time: d.update_time,
      status: d.goneAt ? 2 : now < d.readyAt ? 0 : d.imports.some((t) => now < t.doneAt) ? 8 : 1, total_sample_count: 3, annotated_sample_count: 0,
      current_version_id: current?.version_id, current_version_name: current?.version_name, version_count: d.versions.length,
    };
  }

  private listDatasets(q: Record<string, string>): [number, unknown] {
    const all = this.liveDatasets().filter((d) => !q.search_content || d.dataset_name.includes(q.search_content));
    return [200, { total_number: all.length, datasets: all.map((d) => this.datasetView(d)) }];
  }

  private updateDataset(id: string, b: Json): [number, unknown] {
    const d = this.dataset(id);
    for (const k of Object.keys(b))
      if (!["dataset_name", "description", "current_version_id", "add_labels", "update_labels", "delete_labels"].includes(k)) throw bad(`field ${k} cannot be updated`, "ModelArts.0107");
    if (b.dataset_name !== undefined) {
      if (!/^[A-Za-z0-9_-]{1,100}$/.test(String(b.dataset_name))) throw bad("dataset_name must be 1-100 letters, digits, - or _");
      if (this.liveDatasets().some((x) => x.dataset_name === b.dataset_name && x !== d)) throw new ApiFailure(409, "ModelArts.4351", `Dataset ${b.dataset_name} already exists.`);
      d.dataset_name = b.dataset_name;
    }
    if (b.description !== undefined) d.description = String(b.description);
    d.update_time = Date.now();
    return [200, { dataset_id: d.dataset_id }];
  }

  private deleteDataset(id: string): [number, unknown] {
    const d = this.dataset(id);
    d.goneAt = Date.now() + this.delays.datasetMs;
    return [204, undefined];
  }

  private createDatasetVersion(id: string, b: Json): [number, unknown] {
    const d = this.dataset(id);
    if (Date.now() < d.readyAt) throw bad(`Dataset ${id} is still being created.`, "ModelArts.4300"); // code assumed: the seeds name none
    if (d.imports.some((t) => Date.now() < t.doneAt)) throw bad("Dataset is importing; no version can be published now.", "ModelArts.4343");
    const name = b.version_name ?? `V${String(d.versions.length + 1).padStart(3, "0")}`;
    if (!/^[A-Za-z0-9_-]{1,32}$/.test(name)) throw bad("version_name must be 1-32 letters, digits, - or _");
    if (d.versions.some((v) => v.version_name === name)) throw new ApiFailure(409, "ModelArts.4371", `Dataset version ${name} already exists.`);
    const now = Date.now();
    const v = { version_id: randomBytes(10).toString("base64url").slice(0, 20), version_name: name, create_time: now, readyAt: now + this.delays.datasetMs, description: b.description ?? "" };
    d.versions.push(v);
    return [200, { version_id: v.version_id }];
  }

  private async createImportTask(id: string, b: Json): Promise<[number, unknown]> {
    const d = this.dataset(id);
    const now = Date.now();
    if (now < d.readyAt) throw bad(`Dataset ${id} is still being created.`, "ModelArts.4300"); // code assumed
    if (d.imports.some((t) => now < t.doneAt)) throw bad("Dataset already has running import task", "ModelArts.4356");
    const m = /^\/([^/]+)\/(.+)$/.exec(String(b.import_path ?? "").replace(/^obs:\//, ""));
    if (!m) throw bad(`import_path ${JSON.stringify(b.import_path)} is invalid`, "ModelArts.4374");
    if (b.import_type !== undefined && !["dir", "manifest", 0, 1].includes(b.import_type)) throw bad(`import_type ${JSON.stringify(b.import_type)} must be dir or manifest`);
    const objects = await this.s3.send(new ListObjectsV2Command({ Bucket: m[1], Prefix: m[2], MaxKeys: 1 })).catch(() => undefined);
    if (!objects?.KeyCount) throw bad(`OBS path ${b.import_path} does not exist.`, "ModelArts.4312");
    const task = { task_id: `${d.dataset_id}_${randomBytes(14).toString("base64url").slice(0, 19)}`, import_path: String(b.import_path), create_time: now, doneAt: now + this.delays.datasetMs };
    d.imports.push(task);
    return [200, { task_id: task.task_id }];
  }

  private importTaskView(d: EmuDataset, taskId: string): Json {
    const t = d.imports.find((x) => x.task_id === taskId);
    if (!t) throw new ApiFailure(404, "ModelArts.4352", `Import task ${taskId} does not exist.`); // code assumed
    const done = Date.now() >= t.doneAt;
    return {
      task_id: t.task_id, dataset_id: d.dataset_id, import_path: t.import_path, import_type: 0, status: done ? "COMPLETED" : "RUNNING",
      total_sample_count: 3, imported_sample_count: done ? 3 : 0, annotated_sample_count: 0, create_time: t.create_time, update_ms: Math.min(Date.now(), t.doneAt), elapsed_time: 0,
    };
  }

  private listImportTasks(id: string): Json {
    const d = this.dataset(id);
    return { total_count: d.imports.length, import_tasks: d.imports.map((t) => this.importTaskView(d, t.task_id)) };
  }

  private listDatasetVersions(id: string): Json {
    const d = this.dataset(id);
    const now = Date.now();
    return { total_number: d.versions.length, versions: d.versions.map(({ readyAt, ...v }) => ({ ...v, status: now >= readyAt ? 1 : 0, total_sample_count: 3 })) };
  }

  // ------------------------------------------------------------------------------------- training jobs

  private trainingJob(id: string): EmuTrainingJob {
    const j = this.trainingJobs.get(id);
    // Code assumed: the seeds name no training-job not-found code; ModelArts.0015 is the generic "resource not exist".
    if (!j) throw new ApiFailure(404, "ModelArts.0015", `The resource you requested is not exist (training job ${id})`);
    return j;
  }

  /** The phase now, from the timeline; a completed run's output lands in OBS as it completes. */
  private phaseOf(j: EmuTrainingJob): string {
    const now = Date.now();
    const t = now - j.create_time;
    if (j.terminatedAt !== undefined) return now >= j.terminatedAt ? "Terminated" : "Terminating";
    if (t < j.phaseMs) return "Creating";
    if (t < 2 * j.phaseMs) return "Pending";
    if (t < 3 * j.phaseMs) return "Running";
    return j.outcome.fail ? "Failed" : "Completed";
  }

  private async settleTraining(j: EmuTrainingJob): Promise<void> {
    if (j.outputWritten || this.phaseOf(j) !== "Completed") return;
    j.outputWritten = true;
    const out = /^\/([^/]+)\/(.*)$/.exec(this.obsSlash(j.body.algorithm.outputs[0].remote.obs.obs_url))!;
    await this.s3.send(new PutObjectCommand({ Bucket: out[1], Key: `${out[2]}model.onnx`, Body: `trained by ${j.body.metadata.name} ${JSON.stringify(j.body.algorithm.parameters)}` }));
  }

  /** obs://b/p/ and /b/p/ → /b/p/ */
  private obsSlash(p: string): string {
    return String(p).replace(/^obs:\//, "");
  }

  private async createTrainingJob(b: Json): Promise<[number, unknown]> {
    if (b.kind !== undefined && b.kind !== "job") throw bad(`kind ${JSON.stringify(b.kind)}: this emulator runs kind job`);
    const name = b.metadata?.name;
    if (typeof name !== "string" || !/^[A-Za-z0-9_-]{1,64}$/.test(name)) throw bad(`metadata.name ${JSON.stringify(name)} must be 1-64 letters, digits, _ or -`);
    if (b.metadata.description !== undefined && String(b.metadata.description).length > 256) throw bad("metadata.description: at most 256 characters");
    const a = b.algorithm ?? {};
    const e = a.engine ?? {};
    if (!e.image_url && !(e.engine_name && e.engine_version) && !e.engine_id) throw bad("algorithm.engine needs engine_id, engine_name + engine_version, or image_url");
    if (e.image_url && e.engine_name) throw bad("algorithm.engine: image_url and engine_name exclude each other");
    if (e.engine_name && !(TRAINING_ENGINES[e.engine_name] ?? []).includes(e.engine_version))
      throw bad(`engine ${e.engine_name} ${e.engine_version} does not exist (training-job-engines lists ${Object.entries(TRAINING_ENGINES).map(([n, v]) => `${n} ${v.join("|")}`).join("; ")})`, "ModelArts.2763"); // code assumed
    if (e.image_url && !a.command) throw bad("a custom image job needs algorithm.command");
    const code = /^\/([^/]+)\/(.+\/)$/.exec(this.obsSlash(a.code_dir ?? ""));
    if (!code) throw bad(`algorithm.code_dir ${JSON.stringify(a.code_dir)} must be an OBS directory (obs://bucket/path/)`, "ModelArts.2606");
    const codeObjects = await this.s3.send(new ListObjectsV2Command({ Bucket: code[1], Prefix: code[2], MaxKeys: 1 })).catch(() => undefined);
    if (!codeObjects?.KeyCount) throw bad(`OBS path ${a.code_dir} does not exist.`, "ModelArts.3551");
    if (e.engine_name) {
      if (!a.boot_file || !this.obsSlash(a.boot_file).startsWith(this.obsSlash(a.code_dir))) throw bad("algorithm.boot_file must be stored in code_dir");
      const boot = /^\/([^/]+)\/(.+)$/.exec(this.obsSlash(a.boot_file))!;
      const bootObjects = await this.s3.send(new ListObjectsV2Command({ Bucket: boot[1], Prefix: boot[2], MaxKeys: 1 })).catch(() => undefined);
      if (!bootObjects?.Contents?.some((o) => o.Key === boot[2])) throw bad(`boot file ${a.boot_file} does not exist.`, "ModelArts.3551");
    }
    for (const p of a.parameters ?? []) if (typeof p?.name !== "string" || typeof p.value !== "string") throw bad("algorithm.parameters[] are {name, value} strings");
    for (const input of a.inputs ?? []) {
      const ds = input?.remote?.dataset;
      if (ds) {
        const d = this.dataset(String(ds.id));
        if (!d.versions.some((v) => v.version_id === ds.version_id)) throw new ApiFailure(404, "ModelArts.4353", `Dataset version ${ds.version_id} does not exist.`);
      } else if (!input?.remote?.obs?.obs_url) throw bad("algorithm.inputs[].remote needs dataset{id, version_id} or obs{obs_url}");
    }
    if (!Array.isArray(a.outputs) || !a.outputs[0]?.remote?.obs?.obs_url || !/^\/[^/]+\/.+\/$/.test(this.obsSlash(a.outputs[0].remote.obs.obs_url)))
      throw bad("algorithm.outputs[0].remote.obs.obs_url must be an OBS directory (not a bucket)", "ModelArts.2606");
    const r = b.spec?.resource ?? {};
    const flavor = TRAINING_FLAVORS.find((f) => f.flavor_id === r.flavor_id);
    if (!flavor) throw bad(`flavor ${JSON.stringify(r.flavor_id)} is not one of ${TRAINING_FLAVORS.map((f) => f.flavor_id).join(", ")}`, "ModelArts.2764"); // code assumed
    if (!Number.isInteger(r.node_count) || r.node_count < 1 || r.node_count > flavor.max_num) throw bad(`node_count ${r.node_count} must be 1..${flavor.max_num} for ${flavor.flavor_id}`);
    const id = randomUUID();
    const j: EmuTrainingJob = { body: structuredClone(b), id, create_time: Date.now(), phaseMs: this.delays.trainingPhaseMs, outcome: this.trainingOutcome(b) };
    this.trainingJobs.set(id, j);
    return [201, this.trainingJobView(j)];
  }

  trainingJobView(j: EmuTrainingJob): Json {
    let phase = this.phaseOf(j);
    // Completed only once the output is there (settled before each request).
    if (phase === "Completed" && !j.outputWritten) phase = "Running";
    const a = j.body.algorithm;
    const started = j.create_time + 2 * j.phaseMs;
    const nodes = j.body.spec.resource.node_count;
    const terminal = ["Completed", "Failed", "Terminated"].includes(phase);
    const datasetInputs = (a.inputs ?? []).map((i: Json) => {
      const ds = i.remote?.dataset;
      if (!ds) return { ...i, local_dir: `/home/ma-user/modelarts/inputs/${i.name}_0`, remote: { obs: { obs_url: this.obsSlash(i.remote.obs.obs_url) } } };
      const d = this.datasets.get(String(ds.id));
      return { ...i, local_dir: `/home/ma-user/modelarts/inputs/${i.name}_0`, remote: { dataset: { id: ds.id, version_id: ds.version_id, obs_url: d ? String(d.data_sources[0]?.data_path) : "" } } };
    });
    return {
      kind: "job",
      metadata: { id: j.id, name: j.body.metadata.name, description: j.body.metadata.description ?? "", create_time: j.create_time, workspace_id: "0", user_name: "" },
      status: {
        phase,
        secondary_phase: phase,
        duration: Date.now() >= started ? (terminal ? 3 * j.phaseMs : Date.now() - j.create_time) - 2 * j.phaseMs : 0,
        start_time: Date.now() >= started ? started : 0,
        tasks: Array.from({ length: nodes }, (_, i) => `worker-${i}`),
        task_statuses: terminal ? Array.from({ length: nodes }, (_, i) => ({ task: `worker-${i}`, exit_code: j.outcome.fail ? j.outcome.fail.exitCode : phase === "Terminated" ? 137 : 0, message: j.outcome.fail?.message ?? "" })) : [],
      },
      algorithm: {
        // Code and boot file echo as given; inputs/outputs as /bucket/path/ (seed samples).
        code_dir: a.code_dir, boot_file: a.boot_file, command: a.command, engine: a.engine,
        parameters: (a.parameters ?? []).map((p: Json) => ({ name: p.name, value: p.value, description: "", constraint: { type: "String", editable: true, required: false, sensitive: false, valid_type: "None", valid_range: [] } })),
        inputs: datasetInputs,
        outputs: a.outputs.map((o: Json) => ({ name: o.name, local_dir: `/home/ma-user/modelarts/outputs/${o.name}_0`, remote: { obs: { obs_url: this.obsSlash(o.remote.obs.obs_url) } } })),
        // The SDK's response model reads environments as a list of maps.
        environments: a.environments ? [a.environments] : [],
      },
      spec: { resource: { flavor_id: j.body.spec.resource.flavor_id, node_count: nodes, policy: "regular", flavor_name: TRAINING_FLAVORS.find((f) => f.flavor_id === j.body.spec.resource.flavor_id)?.flavor_name } },
    };
  }

  private changeTrainingJobDescription(id: string, b: Json): [number, unknown] {
    const j = this.trainingJob(id);
    for (const k of Object.keys(b)) if (k !== "description") throw bad(`field ${k} cannot be updated; only description changes in place`, "ModelArts.0107");
    if (String(b.description ?? "").length > 256) throw bad("description: at most 256 characters");
    j.body.metadata.description = b.description ?? "";
    return [200, null];
  }

  private trainingJobAction(id: string, b: Json): [number, unknown] {
    const j = this.trainingJob(id);
    if (b.action_type !== "terminate") throw bad(`action_type ${JSON.stringify(b.action_type)} must be terminate`);
    const phase = this.phaseOf(j);
    if (!["Creating", "Pending", "Running"].includes(phase)) throw bad(`Only jobs in the creating, awaiting, or running state can be terminated (job is ${phase}).`, "ModelArts.2762"); // code assumed
    j.terminatedAt = Date.now() + j.phaseMs;
    return [202, this.trainingJobView(j)];
  }

  private deleteTrainingJob(id: string): [number, unknown] {
    this.trainingJob(id);
    this.trainingJobs.delete(id);
    return [202, undefined];
  }

  private trainingJobLogs(id: string, sub: string): [number, unknown] {
    const j = this.trainingJob(id);
    const task = /\/tasks\/([^/]+)\//.exec(sub)![1];
    if (!/^worker-\d+$/.test(task) || Number(task.split("-")[1]) >= j.body.spec.resource.node_count) throw bad(`task ${task} does not exist`, "ModelArts.0806");
    const phase = this.phaseOf(j);
    const lines = phase === "Creating" || phase === "Pending" ? [] : phase === "Running" ? j.outcome.log.slice(0, 2) : j.outcome.log;
    const content = lines.map((l) => l + "\n").join("");
    return [200, { content, current_size: Buffer.byteLength(content), full_size: Buffer.byteLength(content) }];
  }

  private trainingJobMetrics(id: string, sub: string): [number, unknown] {
    const j = this.trainingJob(id);
    void sub;
    const started = this.phaseOf(j) !== "Creating" && this.phaseOf(j) !== "Pending";
    const series = (v: number) => (started ? [-1, v, +(v * 1.1).toFixed(3)] : [-1]);
    return [200, { metrics: [["cpuUsage", 2.43], ["memUsage", 812.5], ["gpuUtil", -1], ["gpuMemUsage", -1], ["npuUtil", -1], ["npuMemUsage", -1]].map(([m, v]) => ({ metric: m, value: (v as number) < 0 ? [-1] : series(v as number) })) }];
  }

  private listTrainingJobs(b: Json): [number, unknown] {
    const limit = Number(b.limit ?? 10);
    if (!Number.isInteger(limit) || limit < 1 || limit > 50) throw bad("limit must be 1..50");
    const offset = Number(b.offset ?? 0);
    let all = [...this.trainingJobs.values()].sort((x, y) => y.create_time - x.create_time);
    for (const f of (b.filters ?? []) as Json[]) {
      if (f.key !== "name") continue;
      const values = (f.value ?? []) as string[];
      all = all.filter((j) => ((f.operator ?? "in") === "like" ? values.some((v) => j.body.metadata.name.includes(v)) : values.includes(j.body.metadata.name)));
    }
    // offset counts pages (ext REST: "number of pages").
    const page = all.slice(offset * limit, offset * limit + limit).map((j) => this.trainingJobView(j));
    return [200, { total: this.trainingJobs.size, count: all.length, limit, offset, sort_by: "create_time", order: "desc", group_by: "", workspace_id: "0", ai_project: "default-ai-project", items: page }];
  }

  /** Phase of every training job now (the test's view of the vendor). */
  liveTrainingJobs(): { id: string; name: string; phase: string; description: string; parameters: Json[] }[] {
    return [...this.trainingJobs.values()].map((j) => ({ id: j.id, name: j.body.metadata.name, phase: this.phaseOf(j), description: j.body.metadata.description ?? "", parameters: j.body.algorithm.parameters ?? [] }));
  }

  /** An out-of-band change (the console, another tool): scale a service without the driver. */
  scale(id: string, instances: number): void {
    const s = this.service(id);
    s.config = s.config.map((c) => ({ ...c, instance_count: instances }));
    s.update_time = Date.now();
  }
}
