// The review model: what a pull request will change, resource by resource and property by property,
// with secrets already masked, plus plain statements of what the changes mean for the ML system.
import { kindOf, typeLabel } from "./kinds";
import { explainChanges } from "./ml-notes";
import { resolveDeployment } from "./resolve";
import { promotionNote, versionChanges, withPerfFromSteps, type ModelFacts, type VersionChange } from "./versions";
import { addHiddenChanges, diffProperties, type PropertyDifference } from "./property-diff";
import type { Deployment, ResourceOp, ResourceStep } from "./steps";
import { formatPath, formatValue, isSecretPath, isSecretValue, SECRET_TEXT } from "./values";

export interface PropertyChange {
  /** Reader-friendly path, e.g. `models[0].version`. */
  property: string;
  kind: "add" | "delete" | "update";
  /** Display text, masked; empty when the property is absent on that side. */
  old: string;
  new: string;
  secret: boolean;
  /** This property's change is why the resource is replaced. */
  forcesReplacement: boolean;
}

export interface ResourceChange {
  op: ResourceOp;
  urn: string;
  /** Name in the program (from the URN). */
  name: string;
  type: string;
  /** Kind label (Service, Model, …) or the type token's last part for other resources. */
  kind: string;
  properties: PropertyChange[];
  /** Set when the change happens only if this holds at apply ("the content at `s3://…` differs …"). */
  condition?: string;
  /** Plain statements for this resource ("service `iris` rolls from model v3 to v4; 2 replicas"). */
  notes: string[];
  /**
   * Inputs the engine hands over only as masked secrets on both sides, so whether they change cannot be
   * seen (dynamic providers report no changed keys). Listed so the review does not claim they stay put.
   */
  opaqueSecrets: string[];
}

export interface ReviewReport {
  stack?: string;
  resources: ResourceChange[];
  counts: Record<ResourceOp, number>;
  unchanged: number;
  hasChanges: boolean;
  /** Errors the engine reported during the preview. */
  errors: string[];
  /** Model version changes, with the facts known about each side. */
  versionChanges: VersionChange[];
  models: ModelFacts;
  /** "service `x` is promoted to model `m` v3, as measured in stack `staging` …". */
  promotions: string[];
}

export interface ReviewContext {
  stack?: string;
  /** What the platform knows of the model versions the review moves between (metrics, perf figures). */
  models?: ModelFacts;
}

export function buildReviewReport(planned: Deployment, context: ReviewContext = {}): ReviewReport {
  // Only what will happen: unknowns traced to their producers, changes that will not happen dropped.
  const deployment = resolveDeployment(planned);
  const notes = explainChanges(deployment.steps);
  const resources = deployment.steps.map((step): ResourceChange => ({
    ...(step.condition ? { condition: step.condition } : {}),
    op: step.op,
    urn: step.urn,
    name: step.name,
    type: step.type,
    kind: typeLabel(step.type),
    properties: propertyChanges(step),
    notes: notes.get(step.urn) ?? [],
    opaqueSecrets: opaqueSecrets(step),
  }));
  const counts: Record<ResourceOp, number> = { create: 0, update: 0, replace: 0, delete: 0, import: 0 };
  for (const r of resources) counts[r.op]++;
  const changes = versionChanges(deployment.steps);
  const models = withPerfFromSteps(context.models ?? {}, deployment.steps, context.stack);
  return {
    stack: context.stack,
    versionChanges: changes,
    models,
    promotions: changes.map((c) => promotionNote(c, models, context.stack)).filter((n): n is string => n !== undefined),
    resources,
    counts,
    unchanged: deployment.unchanged,
    hasChanges: resources.length > 0,
    errors: deployment.errors,
  };
}

function opaqueSecrets(step: ResourceStep): string[] {
  if (step.op !== "update" && step.op !== "replace") return [];
  const shown = new Set(propertyChanges(step).map((c) => c.property.split(/[.[]/)[0]));
  const olds = step.old?.inputs ?? {};
  const news = step.new?.inputs ?? {};
  return Object.keys(news).filter((k) => isSecretValue(olds[k]) && isSecretValue(news[k]) && !shown.has(k));
}

/** The per-property changes a reviewer sees for one step. */
export function propertyChanges(step: ResourceStep): PropertyChange[] {
  let differences: PropertyDifference[];
  switch (step.op) {
    case "create":
    case "import":
      differences = diffProperties({}, step.new?.inputs);
      break;
    case "delete":
      // A deletion's properties are all going; listing them adds noise, the heading says it.
      return [];
    default:
      differences = addHiddenChanges(
        diffProperties(step.old?.inputs, step.new?.inputs),
        [...step.diffKeys, ...step.replaceKeys],
        step.old?.inputs,
        step.new?.inputs,
      );
  }
  const replaceTop = new Set(step.replaceKeys.map((k) => k.split(/[.[]/)[0]));
  return differences.map((d) => toChange(d, step.op === "replace" && replaceTop.has(String(d.path[0]))));
}

export function toChange(d: PropertyDifference, forcesReplacement: boolean): PropertyChange {
  const secret = isSecretPath(d.path) || isSecretValue(d.old) || isSecretValue(d.new);
  const show = (value: unknown) => (value === undefined ? "" : secret ? SECRET_TEXT : formatValue(value, d.path));
  return {
    property: formatPath(d.path),
    kind: d.kind,
    old: show(d.old),
    // Masked values look equal; say that they differ.
    new: (d.hiddenChange || (secret && d.kind === "update")) ? `${show(d.new) || SECRET_TEXT} (changed)` : show(d.new),
    secret,
    forcesReplacement,
  };
}

/** Re-exported so callers can tell mlplatform kinds from other resources. */
export { kindOf };
