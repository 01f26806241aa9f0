// GitOps review and drift detection: pure functions from engine output (a `pulumi preview --json`
// document or Automation API events) to report models and their Markdown / table / JSON renderings.
// No I/O here; cli/review.ts and cli/drift.ts run the engine and write files.
export * from "./values";
export * from "./kinds";
export * from "./property-diff";
export * from "./steps";
export { buildReviewReport, propertyChanges, type PropertyChange, type ResourceChange, type ReviewReport, type ReviewContext } from "./report";
export { explainChanges } from "./ml-notes";
export { renderReviewMarkdown, summaryLine, REVIEW_MARKER } from "./markdown";
export * from "./drift";
export { resolveDeployment, type ResolvedStep } from "./resolve";
export { versionChanges, versionTables, type ModelFacts, type PerfFigures, type VersionChange, type VersionFacts } from "./versions";
