// Plain statements of what a change means for the ML system: a service rolling to a new model version,
// traffic moving between versions, a training job re-running and how long that took last time.
// Inputs follow schemas/*.ts (Service: models[{modelId, version, weight}], replicas); outputs follow
// provider/resources.ts (Model: version, latestVersion; Service: servedModels with model names;
// TrainingJob: startedAt, finishedAt, outputUri, status; Dataset: latestVersion).
import { kindOf, kindNoun, type Kind } from "./kinds";
import { diffProperties } from "./property-diff";
import type { ResourceStep, StateSnapshot } from "./steps";
import { formatDuration, formatPath, formatValue, isObject, isUnknownValue } from "./values";

/** What a Model step does to its version numbers, so services that follow it can be described. */
interface ModelPlan {
  name: string;
  /** The version this deployment registers, when it registers one. */
  toVersion?: number;
}

const code = (s: string | number) => `\`${s}\``;

function num(value: unknown): number | undefined {
  return typeof value === "number" && Number.isFinite(value) ? value : undefined;
}

function str(value: unknown): string | undefined {
  return typeof value === "string" && value !== "" && !isUnknownValue(value) ? value : undefined;
}

/** The platform name of the object (its `name` input), else the program's name for it. */
function displayName(step: ResourceStep): string {
  return str(step.new?.inputs.name) ?? str(step.old?.inputs.name) ?? str(step.old?.outputs.name) ?? step.name;
}

function objectId(state: StateSnapshot | undefined): string | undefined {
  return str(state?.outputs.id) ?? str(state?.id);
}

function changedTopKeys(step: ResourceStep): Set<string> {
  const keys = new Set(diffProperties(step.old?.inputs, step.new?.inputs).map((d) => String(d.path[0])));
  for (const k of [...step.diffKeys, ...step.replaceKeys]) keys.add(k.split(/[.[]/)[0]!);
  return keys;
}

/** The version the Model resource registered (`version`), else the registry's newest (`latestVersion`). */
function modelVersionOf(state: StateSnapshot | undefined): number | undefined {
  return num(state?.outputs.version) || num(state?.outputs.latestVersion);
}

/** The number the platform gives the next version: one past the registry's newest. */
function nextModelVersion(state: StateSnapshot | undefined): number | undefined {
  const latest = num(state?.outputs.latestVersion) ?? modelVersionOf(state);
  return latest === undefined ? undefined : latest + 1;
}

/** Keys whose change makes a Dataset or Model ingest/register a new version. */
const NEW_CONTENT_KEYS = ["source", "format", "sourceDigest"];

function planModels(steps: readonly ResourceStep[]): Map<string, ModelPlan> {
  const plans = new Map<string, ModelPlan>();
  for (const step of steps) {
    if (kindOf(step.type) !== "Model" || step.op !== "update") continue;
    const id = objectId(step.old);
    if (!id) continue;
    const registers = NEW_CONTENT_KEYS.some((k) => changedTopKeys(step).has(k));
    plans.set(id, { name: displayName(step), toVersion: registers ? nextModelVersion(step.old) : undefined });
  }
  return plans;
}

/** Old outputUri → name of each training job this deployment re-runs, to say where a model's new source comes from. */
function rerunTrainingOutputs(steps: readonly ResourceStep[]): Map<string, string> {
  const outputs = new Map<string, string>();
  for (const step of steps) {
    const uri = str(step.old?.outputs.outputUri);
    if (kindOf(step.type) === "TrainingJob" && step.op === "replace" && uri) outputs.set(uri, displayName(step));
  }
  return outputs;
}

/** Statements per resource URN. */
export function explainChanges(steps: readonly ResourceStep[]): Map<string, string[]> {
  const models = planModels(steps);
  const rerunJobs = rerunTrainingOutputs(steps);
  const out = new Map<string, string[]>();
  for (const step of steps) {
    const kind = kindOf(step.type);
    if (!kind) continue;
    const notes = explain(kind, step, models, rerunJobs);
    if (notes.length > 0) out.set(step.urn, notes);
  }
  return out;
}

function explain(kind: Kind, step: ResourceStep & { condition?: string }, models: Map<string, ModelPlan>, rerunJobs: Map<string, string>): string[] {
  const name = code(displayName(step));
  const noun = kindNoun(kind);
  if (step.op === "delete") return [deleteNote(kind, step, `${noun} ${name}`)];
  // What depends on apply is said as a condition, never as a fact.
  if (step.condition) return [`${noun} ${name} ${CONDITIONAL_VERB[kind][step.op === "replace" ? "replace" : "update"]} if ${step.condition}`];
  const notes = kindNotes(kind, step, name, models, rerunJobs);
  if (notes.length > 0 || step.op !== "update") return notes;
  // An in-place change with no consequence for the ML system: say exactly what changes.
  const keys = [...changedTopKeys(step)].filter((k) => k !== "deadlineSeconds" && k !== "sourceDigest");
  if (keys.length === 0) return [];
  const list = keys.length === 1 ? keys[0]! : `${keys.slice(0, -1).join(", ")} and ${keys[keys.length - 1]}`;
  // "description changes", "tags change": the verb agrees with the property's own number.
  return [`${noun} ${name}: ${list} ${keys.length === 1 && !keys[0]!.endsWith("s") ? "changes" : "change"}`];
}

/** "training job `t` re-runs if …": what a kind's step does, for conditional statements. */
const CONDITIONAL_VERB: Record<Kind, { update: string; replace: string }> = {
  Dataset: { update: "ingests a new version", replace: "is replaced" },
  TrainingJob: { update: "is updated", replace: "re-runs" },
  Model: { update: "registers a new version", replace: "is replaced" },
  PerfJob: { update: "is updated", replace: "re-runs its benchmark" },
  Service: { update: "rolls to the new model version", replace: "is replaced" },
};

function kindNotes(kind: Kind, step: ResourceStep, name: string, models: Map<string, ModelPlan>, rerunJobs: Map<string, string>): string[] {
  switch (kind) {
    case "Service": return serviceNotes(step, name, models);
    case "Model": return modelNotes(step, name, rerunJobs);
    case "TrainingJob": return trainingNotes(step, name);
    case "Dataset": return datasetNotes(step, name);
    case "PerfJob": return perfNotes(step, name, models);
  }
}

function deleteNote(kind: Kind, step: ResourceStep, subject: string): string {
  switch (kind) {
    case "Service": {
      const endpoint = str(step.old?.outputs.endpoint);
      return `${subject} is deleted: it stops serving${endpoint ? ` at ${code(endpoint)}` : ""}`;
    }
    case "Model": return `${subject} is deleted with all its versions`;
    case "Dataset": return `${subject} is deleted with all its versions`;
    default: return `${subject} is deleted`;
  }
}

// ---- Service ----

interface Served {
  modelId?: string;
  version?: number;
  versionUnknown: boolean;
  weight: number;
}

function servedModels(inputs: Record<string, unknown> | undefined): Served[] | undefined {
  const models = inputs?.models;
  if (isUnknownValue(models)) return undefined;
  if (!Array.isArray(models)) return [];
  return models.filter(isObject).map((m) => ({
    modelId: str(m.modelId),
    version: num(m.version),
    versionUnknown: isUnknownValue(m.version),
    weight: num(m.weight) ?? (isUnknownValue(m.weight) ? NaN : 100),
  }));
}

function replicasOf(state: StateSnapshot | undefined): number | undefined {
  return num(state?.inputs.replicas) ?? num(state?.outputs.replicas);
}

function serviceNotes(step: ResourceStep, name: string, models: Map<string, ModelPlan>): string[] {
  // The provider reports what is served as `servedModels` (with model names); the platform object as `models`.
  const oldOutputs = step.old?.outputs.servedModels ?? step.old?.outputs.models;
  const modelLabel = (modelId: string | undefined): string => {
    if (!modelId) return "a model created in this update";
    if (Array.isArray(oldOutputs)) {
      const served = oldOutputs.find((m) => isObject(m) && m.modelId === modelId);
      if (isObject(served) && str(served.modelName)) return `model ${code(served.modelName as string)}`;
    }
    return `model ${code(models.get(modelId)?.name ?? modelId)}`;
  };
  const versionLabel = (s: Served): string => {
    if (s.version !== undefined) return `v${s.version}`;
    const planned = s.modelId ? models.get(s.modelId)?.toVersion : undefined;
    if (planned !== undefined) return `v${planned}`;
    return s.versionUnknown ? "(version known after apply)" : "(latest version)";
  };
  const replicas = replicasOf(step.new) ?? replicasOf(step.old);
  const replicaText = replicas === undefined ? "" : `; ${replicas} ${replicas === 1 ? "replica" : "replicas"}`;
  const news = servedModels(step.new?.inputs);

  if (step.op === "create" || step.op === "import") {
    if (!news) return [`service ${name} is created${replicaText}`];
    const list = news.map((s) => `${modelLabel(s.modelId)} ${versionLabel(s)} (${s.weight}%)`).join(", ");
    return [`service ${name} will serve ${list}${replicaText}`];
  }
  const notes: string[] = [];
  if (step.op === "replace") {
    notes.push(`service ${name} is replaced: the old service is deleted and a new one created, so its endpoint changes and requests fail in between`);
  }
  const olds = servedModels(step.old?.inputs) ?? [];
  const changed = changedTopKeys(step);
  const oldReplicas = replicasOf(step.old);
  const newReplicas = replicasOf(step.new);
  const scales = changed.has("replicas") && oldReplicas !== undefined && newReplicas !== undefined && oldReplicas !== newReplicas;
  if (changed.has("models")) {
    const replicaChange = scales ? `; replicas ${oldReplicas} → ${newReplicas}` : replicaText;
    notes.push(modelsNote(name, olds, news, modelLabel, versionLabel, replicaChange));
  } else if (scales) {
    notes.push(`service ${name} scales from ${oldReplicas} to ${newReplicas} replicas`);
  }
  const rolling = ["flavor", "env"].filter((k) => changed.has(k));
  if (step.op === "update" && !changed.has("models") && rolling.length > 0) {
    notes.push(`service ${name} rolls its replicas one at a time to apply ${rolling.map(code).join(" and ")}${replicaText}`);
  }
  return notes;
}

function modelsNote(
  name: string,
  olds: Served[],
  news: Served[] | undefined,
  modelLabel: (id: string | undefined) => string,
  versionLabel: (s: Served) => string,
  replicaText: string,
): string {
  if (!news) return `service ${name} changes the models it serves (known after apply)${replicaText}`;
  // One model before and after: a roll from one version (or model) to another.
  if (olds.length === 1 && news.length === 1) {
    const [o, n] = [olds[0]!, news[0]!];
    if (o.modelId === n.modelId) {
      return `service ${name} rolls from ${modelLabel(o.modelId)} ${versionLabel(o)} to ${versionLabel(n)}${replicaText}`;
    }
    return `service ${name} switches from ${modelLabel(o.modelId)} ${versionLabel(o)} to ${modelLabel(n.modelId)} ${versionLabel(n)}${replicaText}`;
  }
  // Several models or versions: state the traffic split before and after, entry by entry.
  const key = (s: Served) => `${s.modelId ?? "?"}@${s.version ?? versionLabel(s)}`;
  const entries = new Map<string, { served: Served; from: number; to: number }>();
  for (const s of olds) entries.set(key(s), { served: s, from: s.weight, to: 0 });
  for (const s of news) {
    const entry = entries.get(key(s));
    if (entry) entry.to = s.weight;
    else entries.set(key(s), { served: s, from: 0, to: s.weight });
  }
  const parts = [...entries.values()].map(({ served, from, to }) => {
    const label = `${modelLabel(served.modelId)} ${versionLabel(served)}`;
    if (from === to) return `${label} stays at ${to}%`;
    if (from === 0) return `${label} 0% → ${to}% (new)`;
    if (to === 0) return `${label} ${from}% → 0% (removed)`;
    return `${label} ${from}% → ${to}%`;
  });
  return `service ${name} shifts traffic: ${parts.join(", ")}${replicaText}`;
}

// ---- Model ----

function modelNotes(step: ResourceStep, name: string, rerunJobs: Map<string, string>): string[] {
  if (step.op === "create" || step.op === "import") return [`model ${name} is registered as v1`];
  if (step.op === "replace") return [`model ${name} is replaced: a new registry entry is created and numbering restarts at v1`];
  const changed = changedTopKeys(step);
  if (!NEW_CONTENT_KEYS.some((k) => changed.has(k))) return [];
  const from = modelVersionOf(step.old);
  const to = nextModelVersion(step.old);
  const why = changed.has("source") ? sourceChange(step, rerunJobs) : changed.has("format") ? "new format" : `new content at ${code(formatValue(step.new?.inputs.source, ["source"]))}`;
  if (from === undefined || to === undefined) return [`model ${name} registers a new version (${why})`];
  return [`model ${name} registers a new version: v${from} → v${to} (${why})`];
}

function sourceChange(step: ResourceStep, rerunJobs: Map<string, string>): string {
  const newSource = step.new?.inputs.source;
  if (!isUnknownValue(newSource)) return `new source ${code(formatValue(newSource, ["source"]))}`;
  // The source is a training job's output and that job re-runs: name it rather than "unknown".
  const oldSource = str(step.old?.inputs.source) ?? "";
  const job = [...rerunJobs].find(([uri]) => oldSource === uri || oldSource.startsWith(`${uri}/`))?.[1];
  return job ? `trained by the re-run of training job ${code(job)}` : "new source, known after apply";
}

// ---- TrainingJob ----

function lastRun(state: StateSnapshot | undefined): string {
  const started = Date.parse(String(state?.outputs.startedAt ?? ""));
  const finished = Date.parse(String(state?.outputs.finishedAt ?? ""));
  const status = str(state?.outputs.status);
  if (Number.isFinite(started) && Number.isFinite(finished) && finished >= started) {
    return `its last run took ${formatDuration(finished - started)}${status ? `, ${status}` : ""}`;
  }
  if (Number.isFinite(started)) return `its last run started at ${state!.outputs.startedAt} and has not finished`;
  return "no previous run duration is recorded";
}

function trainingNotes(step: ResourceStep, name: string): string[] {
  if (step.op === "create" || step.op === "import") return [`training job ${name} will run`];
  if (step.op !== "replace") return [];
  const defining = diffProperties(step.old?.inputs, step.new?.inputs)
    .map((d) => formatPath(d.path))
    .filter((p) => !p.startsWith("description") && !p.startsWith("tags"));
  const because = defining.length > 0 ? ` because ${defining.slice(0, 4).map(code).join(", ")}${defining.length > 4 ? " and more" : ""} changed` : "";
  return [`training job ${name} will re-run${because} (${lastRun(step.old)})`];
}

// ---- Dataset ----

function datasetNotes(step: ResourceStep, name: string): string[] {
  const source = str(step.new?.inputs.source);
  if (step.op === "create" || step.op === "import") return [`dataset ${name} is ingested${source ? ` from ${code(source)}` : ""} as v1`];
  if (step.op === "replace") return [`dataset ${name} is replaced: a new dataset is ingested and numbering restarts at v1`];
  if (!["source", "sourceDigest"].some((k) => changedTopKeys(step).has(k))) return [];
  const from = num(step.old?.outputs.latestVersion);
  const version = from === undefined ? "a new version" : `v${from + 1}`;
  // A local source's content digest is known at preview: a changed digest is new content, for certain.
  const [oldDigest, newDigest] = [str(step.old?.inputs.sourceDigest), str(step.new?.inputs.sourceDigest)];
  if (oldDigest && newDigest && oldDigest !== newDigest) return [`dataset ${name} ingests the new content of ${source ? code(source) : "its source"} as ${version} (its content digest changed)`];
  return [`dataset ${name} ingests ${source ? code(source) : "its new source"} as ${version} if the content differs`];
}

// ---- PerfJob ----

function perfNotes(step: ResourceStep, name: string, models: Map<string, ModelPlan>): string[] {
  const version = (s: StateSnapshot | undefined) => {
    const v = s?.inputs.modelVersion;
    if (num(v) !== undefined) return `v${v}`;
    // Benchmarking the version a Model update in this same deployment registers.
    const planned = models.get(str(s?.inputs.modelId) ?? "")?.toVersion;
    if (isUnknownValue(v)) return planned !== undefined ? `v${planned}` : "(known after apply)";
    return "?";
  };
  if (step.op === "create" || step.op === "import") return [`perf job ${name} will benchmark model version ${version(step.new)}`];
  if (step.op !== "replace") return [];
  const changed = changedTopKeys(step);
  const target = changed.has("modelVersion") || changed.has("modelId") ? ` against model version ${version(step.new)} (was ${version(step.old)})` : "";
  return [`perf job ${name} will re-run its benchmark${target}`];
}
