// Models: a registry entry with numbered versions. Each version's artifact (a local file/directory, or a
// training job's output via mlp://training-jobs/<id>/output[/file]) is copied into the artifact store and
// checked: the stored copy must hash to its digest, and the format's serving runtime must load it (a
// logreg-json artifact parses with consistent shapes; an ONNX file loads in ONNX Runtime with tensor inputs
// and outputs). The signature the runtime reads is recorded in the version, and must match the inputs and
// outputs the spec declares. Formats without a local runtime are refused, so nothing unservable gets
// registered.
// A create whose artifact is at least ASYNC_REGISTRATION_BYTES registers in the background (issue 18 §3): the
// POST answers at once with version 1 Registering and `progress` (bytes copied of the total), the copy is one
// read of the source (hashed while written; the load reads the stored copy, which is not hashed again), and
// the version ends Ready or Failed with the reason; such an artifact is loaded in a process of its own
// (runtimes/signature-process.ts). A restart mid-copy registers it again (recover). Smaller
// artifacts register within the request as before (a few milliseconds; clients see Ready at once).
// A PATCH registers its new version within the request whatever its size.
import { readFileSync, statSync } from "node:fs";
import { join, normalize, sep } from "node:path";
import type { z } from "zod";
import { Model, ModelPatch, ModelSpec, ModelVersion, Page, TensorSpec } from "../../schemas/index";
import type { ContainedPath } from "../core/contained";
import { newId } from "../core/ids";
import { type KindController, type PlatformContext, type Problem, type StoredObject } from "../core/types";
import { collectProblem, HttpError, refuseProblems } from "../core/errors";
import { nameProblem } from "../core/rules";
import { everyObject } from "../core/store";
import { PerObjectQueue, perPlatform } from "../core/runtime-state";
import { bytesToCopy, progressWriter } from "../core/progress";
import { canServe, LogregArtifact, readSignature, readSignatureIsolated, servableFormats, type TensorMetadata } from "../serving/runtimes";
import { jobOutputPath } from "../training/controller";

type ModelObject = Model & StoredObject;
const KIND = "models" as const;

/** The file holding a logreg-json artifact: the path itself, or model.json in a directory. */
function logregFile(path: string): string {
  return statSync(path).isDirectory() ? join(path, "model.json") : path;
}

function validateArtifact(path: string, format: string, shownSource: string): void {
  if (format !== "logreg-json") return;
  const file = logregFile(path);
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(file, "utf8"));
  } catch {
    // Not the parser's message: it quotes the content, and an error must never echo a file.
    throw HttpError.unprocessable(`${shownSource} is not a logreg-json artifact: ${file !== path ? "model.json in it is missing or" : "it is"} not JSON`, "source");
  }
  const r = LogregArtifact.safeParse(parsed);
  if (!r.success) {
    const issues = r.error.issues.map((i) => `${i.path.join(".") || "(root)"} ${i.message}`).join("; ");
    throw HttpError.unprocessable(`${shownSource} is not a valid logreg-json/v1 artifact: ${issues}`, "source");
  }
}

type Signature = { inputs: TensorMetadata[]; outputs: TensorMetadata[] };

/**
 * Loads the artifact with its runtime, as a replica will, and returns the signature it reads. A large artifact
 * is loaded in a process of its own (a 500 MiB ONNX graph in ONNX Runtime takes over a GiB), so the platform's
 * memory does not grow with model size; a small one in this process (no process start per registration).
 */
async function loadSignature(path: string, format: string, shownSource: string, sizeBytes: number): Promise<Signature> {
  try {
    return await (sizeBytes >= ASYNC_REGISTRATION_BYTES ? readSignatureIsolated(format, path) : readSignature(format, path));
  } catch (err) {
    throw HttpError.unprocessable(`${shownSource} cannot be served as format "${format}": ${(err as Error).message}`, "source");
  }
}

const showTensor = (t: { name: string; datatype: string; shape: number[] }) => `"${t.name}" ${t.datatype} [${t.shape.join(", ")}]`;

/** Declared inputs/outputs must name the artifact's tensors with their datatypes and compatible shapes (-1 fits any size). */
function checkDeclared(declared: z.infer<typeof TensorSpec>[] | undefined, actual: TensorMetadata[], field: "inputs" | "outputs", shownSource: string): void {
  if (!declared) return;
  const problems: string[] = [];
  for (const d of declared) {
    const a = actual.find((t) => t.name === d.name);
    if (!a) problems.push(`declares ${showTensor(d)}, which the model does not have`);
    else if (a.datatype !== d.datatype || (a.shape.length > 0 && (a.shape.length !== d.shape.length || a.shape.some((n, i) => n >= 0 && d.shape[i] >= 0 && n !== d.shape[i])))) {
      problems.push(`declares ${showTensor(d)}, the model has ${showTensor(a)}`);
    }
  }
  for (const a of actual) if (!declared.some((d) => d.name === a.name)) problems.push(`does not declare ${showTensor(a)}`);
  if (problems.length) throw HttpError.unprocessable(`${field} do not match ${shownSource}: ${problems.join("; ")}`, field);
}

/** `mlp://training-jobs/<id>/output[/sub/path]` → the job id and the path inside its output. */
export function parseJobOutputUri(source: string): { jobId: string; subPath?: string } | undefined {
  const m = /^mlp:\/\/(?:training-jobs|jobs)\/([^/]+)\/output(?:\/(.*))?$/.exec(source);
  if (!m) return undefined;
  return { jobId: m[1], subPath: m[2] || undefined };
}

/**
 * What an artifact source names (422 naming `source` when it cannot be used): a path in the store (a job's
 * stored output), or a user path opened once and checked (the caller closes it).
 */
async function resolveSource(ctx: PlatformContext, source: string): Promise<{ path: string | ContainedPath; jobId?: string }> {
  if (source.startsWith("mlp://")) {
    const ref = parseJobOutputUri(source);
    if (!ref) throw HttpError.unprocessable(`source "${source}" is not a training job output (mlp://training-jobs/<id>/output[/file])`, "source");
    const root = await jobOutputPath(ctx, ref.jobId);
    if (!ref.subPath) return { path: root, jobId: ref.jobId };
    const sub = normalize(ref.subPath);
    if (sub.startsWith("..") || sub.startsWith(sep)) throw HttpError.unprocessable(`source "${source}" leaves the job's output directory`, "source");
    const path = join(root, sub);
    try {
      statSync(path);
    } catch {
      throw HttpError.unprocessable(`training job ${ref.jobId} has no output file "${ref.subPath}"`, "source");
    }
    return { path, jobId: ref.jobId };
  }
  return { path: ctx.openPath(source, "source") };
}

function refuseUnservable(format: string): void {
  if (!canServe(format)) {
    throw HttpError.unprocessable(`format "${format}" cannot be served by the local platform (no ${format} runtime is installed); it serves: ${servableFormats().join(", ")}`, "format");
  }
}

/** Every problem registering `source` as `format` would meet (nothing is stored). */
async function artifactProblems(ctx: PlatformContext, source: string, format: string): Promise<Problem[]> {
  const problems: Problem[] = [];
  const servable = await collectProblem(problems, () => refuseUnservable(format));
  let path: string | undefined;
  await collectProblem(problems, async () => {
    // Only read to validate (a dry run stores nothing); registration validates the stored copy again.
    const resolved = (await resolveSource(ctx, source)).path;
    if (typeof resolved === "string") path = resolved;
    else {
      path = resolved.realPath;
      resolved.close();
    }
  });
  if (servable && path !== undefined) await collectProblem(problems, () => validateArtifact(path!, format, `source "${source}"`));
  return problems;
}

/** Artifacts at least this large register in the background: the create answers Registering at once. */
export const ASYNC_REGISTRATION_BYTES = 8 * 1024 * 1024;

/** The bytes registering `source` copies (stats only). */
async function sourceBytes(ctx: PlatformContext, source: string): Promise<number> {
  const { path } = await resolveSource(ctx, source);
  if (typeof path === "string") return bytesToCopy(path);
  try {
    return bytesToCopy(path.realPath);
  } finally {
    path.close();
  }
}

/** Validates, stores and verifies one artifact; returns the version record (not yet saved). */
async function registerVersion(
  ctx: PlatformContext,
  number: number,
  source: string,
  format: ModelVersion["format"],
  framework: string | undefined,
  metrics: Record<string, number> | undefined,
  declared: Partial<Signature> = {},
  copy: { signal?: AbortSignal; progress?: (bytesDone: number) => void } = {},
): Promise<ModelVersion> {
  refuseUnservable(format);
  const { path, jobId } = await resolveSource(ctx, source);
  ctx.log("model version registration started", { source, version: number });
  let stored: { digest: string; sizeBytes: number };
  try {
    stored = await ctx.artifacts.put(path, copy);
  } finally {
    if (typeof path !== "string") path.close();
  }
  const { digest, sizeBytes } = stored;
  // Validated and loaded in the store (hashed as it was written there; a read checks its files' sizes and
  // mtimes): what is checked is what is served. A stored copy that fails is unreferenced and goes with the next artifact sweep.
  let signature: Signature;
  try {
    const storedPath = await ctx.artifacts.path(digest);
    validateArtifact(storedPath, format, `source "${source}"`);
    signature = await loadSignature(storedPath, format, `source "${source}"`, sizeBytes);
    checkDeclared(declared.inputs, signature.inputs, "inputs", `source "${source}"`);
    checkDeclared(declared.outputs, signature.outputs, "outputs", `source "${source}"`);
  } catch (err) {
    ctx.artifacts.release(digest);
    throw err;
  }
  const jobMetrics = jobId ? (ctx.store.get<StoredObject & { finalMetrics?: Record<string, number> }>("training-jobs", jobId)?.finalMetrics ?? {}) : {};
  return {
    version: number,
    status: "Ready",
    source,
    format,
    ...(framework !== undefined ? { framework } : {}),
    artifactDigest: digest,
    sizeBytes,
    metrics: metrics ?? jobMetrics,
    createdAt: new Date().toISOString(),
    inputs: signature.inputs,
    outputs: signature.outputs,
  };
}

function versionsOf(ctx: PlatformContext, id: string): ModelVersion[] {
  return ctx.store.listChildren<ModelVersion>(KIND, id, "versions").sort((a, b) => a.version - b.version);
}

/** The object fields that mirror its newest version. */
function latestFields(versions: ModelVersion[]): Pick<ModelObject, "latestVersion" | "status" | "source" | "format" | "metrics" | "versions"> {
  const latest = versions[versions.length - 1];
  return {
    latestVersion: latest.version,
    status: latest.status,
    source: latest.source,
    format: latest.format,
    metrics: latest.metrics,
    versions: versions.map((v) => ({ version: v.version, status: v.status })),
  };
}

/** Services whose models[] name this model (and version, when given). */
export function servicesUsing(ctx: PlatformContext, modelId: string, version?: number): { id: string; name: string }[] {
  const users: { id: string; name: string }[] = [];
  for (const svc of everyObject<StoredObject & { models?: { modelId: string; version: number }[] }>(ctx.store, "services")) {
    if ((svc.models ?? []).some((m) => m.modelId === modelId && (version === undefined || m.version === version))) users.push({ id: svc.id, name: svc.name });
  }
  return users;
}

function refuseIfUsed(ctx: PlatformContext, model: StoredObject, version?: number): void {
  const users = servicesUsing(ctx, model.id, version);
  if (users.length) {
    const what = version === undefined ? `model "${model.name}"` : `model "${model.name}" version ${version}`;
    throw HttpError.conflict(`${what} is used by service ${users.map((u) => `"${u.name}" (${u.id})`).join(", ")}; change or delete the service first`);
  }
}

/** Registrations per model one at a time, so concurrent PATCHes number their versions in order. */
const registrations = perPlatform(() => new PerObjectQueue());
/** Background registrations: aborted all at shutdown (recover() runs them again), or one by its model's delete. */
const copies = perPlatform(() => ({ stopping: new AbortController(), byModel: new Map<string, AbortController>() }));

/** What a background registration needs that its version record does not hold. */
interface PendingRegistration {
  metrics?: Record<string, number>;
  bytesTotal: number;
}

/** Registers a Registering version in the background; the version and the object go Ready or Failed. */
async function registerInBackground(ctx: PlatformContext, id: string, number: number): Promise<void> {
  const model = ctx.store.get<ModelObject>(KIND, id);
  const pending = ctx.store.getChild<ModelVersion>(KIND, id, "versions", String(number));
  if (!model || pending?.status !== "Registering") return;
  const state = copies(ctx);
  if (state.stopping.signal.aborted) return;
  const mine = new AbortController();
  state.byModel.set(id, mine);
  const signal = AbortSignal.any([state.stopping.signal, mine.signal]);
  const extra = ctx.store.getChild<PendingRegistration>(KIND, id, "meta", `pending-${number}`) ?? { bytesTotal: 0 };
  let version: ModelVersion;
  try {
    const progress = progressWriter(ctx, KIND, id, extra.bytesTotal, (o) => o.status === "Registering");
    version = await registerVersion(ctx, number, pending.source, pending.format, pending.framework, extra.metrics, { inputs: model.inputs, outputs: model.outputs }, { signal, progress });
  } catch (err) {
    if (signal.aborted) return; // shutting down (recover() registers it again) or deleted
    version = { ...pending, status: "Failed", statusMessage: `registration of ${pending.source} failed: ${(err as Error).message}` };
  } finally {
    if (state.byModel.get(id) === mine) state.byModel.delete(id);
  }
  try {
    if (!ctx.store.get(KIND, id)) return; // deleted meanwhile
    ctx.store.putChild(KIND, id, "versions", String(number), version);
    ctx.store.deleteChild(KIND, id, "meta", `pending-${number}`);
    ctx.store.update<ModelObject>(KIND, id, (o) => {
      const next: ModelObject = { ...o, ...latestFields(versionsOf(ctx, id)) };
      delete next.progress;
      if (version.status === "Failed") next.statusMessage = version.statusMessage;
      else delete next.statusMessage;
      return next;
    });
  } finally {
    if (version.status === "Ready") ctx.artifacts.release(version.artifactDigest);
  }
}

/** A new model object's fields from its spec and its first version (sync and background registration alike). */
function newModelFields(id: string, spec: ModelSpec, v1: ModelVersion) {
  return {
    id,
    name: spec.name,
    ...(spec.description !== undefined ? { description: spec.description } : {}),
    tags: spec.tags ?? {},
    ...(spec.framework !== undefined ? { framework: spec.framework } : {}),
    ...(spec.inputs ? { inputs: spec.inputs } : {}),
    ...(spec.outputs ? { outputs: spec.outputs } : {}),
    ...latestFields([v1]),
  };
}

/** Stores version 1 as Registering, answers with it, and registers it in the background. */
function createInBackground(spec: ModelSpec, bytesTotal: number, ctx: PlatformContext): ModelObject {
  const id = newId("models");
  const v1: ModelVersion = {
    version: 1,
    status: "Registering",
    source: spec.source,
    format: spec.format,
    ...(spec.framework !== undefined ? { framework: spec.framework } : {}),
    artifactDigest: "",
    sizeBytes: 0,
    metrics: spec.metrics ?? {},
    createdAt: new Date().toISOString(),
  };
  ctx.store.putChild(KIND, id, "versions", "1", v1);
  ctx.store.putChild(KIND, id, "meta", "pending-1", { metrics: spec.metrics, bytesTotal } satisfies PendingRegistration);
  let obj: ModelObject;
  try {
    obj = ctx.store.insert<ModelObject>(KIND, {
      ...newModelFields(id, spec, v1),
      statusMessage: "registering version 1",
      progress: { bytesDone: 0, bytesTotal },
    } as Omit<ModelObject, "etag" | "createdAt" | "updatedAt">);
  } catch (err) {
    ctx.store.deleteChild(KIND, id, "versions", "1");
    ctx.store.deleteChild(KIND, id, "meta", "pending-1");
    throw err;
  }
  void registrations(ctx)
    .run(id, () => registerInBackground(ctx, id, 1))
    .catch((err) => ctx.log("model registration crashed", { id, error: String(err) }));
  return obj;
}

export const modelController: KindController = {
  kind: KIND,

  async validate(raw, ctx, opts) {
    const spec = raw as ModelSpec;
    const problems = await artifactProblems(ctx, spec.source, spec.format);
    const taken = nameProblem(ctx, KIND, "model", spec, opts);
    if (taken) problems.push(taken);
    return problems;
  },

  async validatePatch(current, raw, ctx) {
    const patch = raw as ModelPatch;
    if (patch.source === undefined && patch.format === undefined) return [];
    const cur = current as ModelObject;
    return artifactProblems(ctx, patch.source ?? cur.source, patch.format ?? cur.format);
  },

  async create(raw, ctx) {
    const spec = raw as ModelSpec;
    refuseProblems(await modelController.validate(spec, ctx), "model spec");
    const bytesTotal = await sourceBytes(ctx, spec.source);
    if (bytesTotal >= ASYNC_REGISTRATION_BYTES) return createInBackground(spec, bytesTotal, ctx);
    const v1 = await registerVersion(ctx, 1, spec.source, spec.format, spec.framework, spec.metrics, spec);
    const id = newId("models");
    ctx.store.putChild(KIND, id, "versions", "1", v1);
    ctx.artifacts.release(v1.artifactDigest);
    try {
      return ctx.store.insert<ModelObject>(KIND, newModelFields(id, spec, v1) as Omit<ModelObject, "etag" | "createdAt" | "updatedAt">);
    } catch (err) {
      ctx.store.deleteChild(KIND, id, "versions", "1");
      throw err;
    }
  },

  async patch(current, raw, ctx) {
    const patch = raw as ModelPatch;
    refuseProblems(await modelController.validatePatch(current, patch, ctx), "model patch");
    return registrations(ctx).run(current.id, async () => {
      const cur = ctx.store.get<ModelObject>(KIND, current.id);
      if (!cur) throw HttpError.notFound(`model ${current.id} does not exist`);
      let added: ModelVersion | undefined;
      if (patch.source !== undefined || patch.format !== undefined) {
        const highest = ctx.store.getChild<number>(KIND, cur.id, "meta", "highestVersion") ?? cur.latestVersion;
        const candidate = await registerVersion(ctx, highest + 1, patch.source ?? cur.source, patch.format ?? cur.format, patch.framework ?? cur.framework, patch.metrics, {
          inputs: patch.inputs ?? cur.inputs,
          outputs: patch.outputs ?? cur.outputs,
        });
        const latest = ctx.store.getChild<ModelVersion>(KIND, cur.id, "versions", String(cur.latestVersion));
        // Same bytes in the same format is the same version: no new number for a re-sent source.
        if (!latest || latest.artifactDigest !== candidate.artifactDigest || latest.format !== candidate.format) {
          added = candidate;
          ctx.store.putChild(KIND, cur.id, "versions", String(added.version), added);
          ctx.store.putChild(KIND, cur.id, "meta", "highestVersion", added.version);
        }
        ctx.artifacts.release(candidate.artifactDigest);
      }
      if (!added && patch.metrics !== undefined) {
        const latest = ctx.store.getChild<ModelVersion>(KIND, cur.id, "versions", String(cur.latestVersion));
        if (latest) ctx.store.putChild(KIND, cur.id, "versions", String(latest.version), { ...latest, metrics: patch.metrics });
      }
      return ctx.store.update<ModelObject>(KIND, cur.id, (o) => ({
        ...o,
        ...(patch.description !== undefined ? { description: patch.description } : {}),
        ...(patch.tags !== undefined ? { tags: patch.tags } : {}),
        ...(patch.framework !== undefined ? { framework: patch.framework } : {}),
        ...(patch.inputs !== undefined ? { inputs: patch.inputs } : {}),
        ...(patch.outputs !== undefined ? { outputs: patch.outputs } : {}),
        ...(patch.source !== undefined && !added ? { source: patch.source } : {}),
        ...latestFields(versionsOf(ctx, cur.id)),
      }));
    });
  },

  async remove(current, ctx) {
    copies(ctx).byModel.get(current.id)?.abort(); // a background copy stops instead of finishing first
    await registrations(ctx).run(current.id, async () => {
      refuseIfUsed(ctx, current);
      ctx.store.delete(KIND, current.id);
    });
  },

  async recover(ctx) {
    // A background registration cut short by a restart is run again: its source is still where it was.
    for (const m of everyObject<ModelObject>(ctx.store, KIND)) {
      for (const v of versionsOf(ctx, m.id)) {
        if (v.status === "Registering") void registrations(ctx).run(m.id, () => registerInBackground(ctx, m.id, v.version)).catch((err) => ctx.log("model registration crashed", { id: m.id, error: String(err) }));
      }
    }
  },

  async shutdown(ctx) {
    copies(ctx).stopping.abort();
    await registrations(ctx).drain();
  },

  extraRoutes: [
    {
      method: "GET",
      path: "/versions",
      response: Page(ModelVersion),
      async handler(current, _p, _q, ctx) {
        return { items: versionsOf(ctx, current.id) };
      },
    },
    {
      method: "GET",
      path: "/versions/:version",
      response: ModelVersion,
      async handler(current, params, _q, ctx) {
        const v = ctx.store.getChild<ModelVersion>(KIND, current.id, "versions", params.version);
        if (!v) throw HttpError.notFound(`model "${current.name}" has no version ${params.version}`);
        return v;
      },
    },
    {
      method: "DELETE",
      path: "/versions/:version",
      async handler(current, params, _q, ctx) {
        return registrations(ctx).run(current.id, async () => {
          const v = ctx.store.getChild<ModelVersion>(KIND, current.id, "versions", params.version);
          if (!v) throw HttpError.notFound(`model "${current.name}" has no version ${params.version}`);
          refuseIfUsed(ctx, current, v.version);
          const rest = versionsOf(ctx, current.id).filter((x) => x.version !== v.version);
          if (rest.length === 0) throw HttpError.conflict(`version ${v.version} is the only version of model "${current.name}"; delete the model instead`);
          ctx.store.deleteChild(KIND, current.id, "versions", params.version);
          // A deleted number is never reused: new versions number on from the highest ever registered.
          const highest = ctx.store.getChild<number>(KIND, current.id, "meta", "highestVersion") ?? (current as ModelObject).latestVersion;
          ctx.store.putChild(KIND, current.id, "meta", "highestVersion", Math.max(highest, v.version));
          ctx.store.update<ModelObject>(KIND, current.id, (o) => ({ ...o, ...latestFields(rest) }));
          return undefined;
        });
      },
    },
  ],
};
