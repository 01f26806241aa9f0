// The package's entry for programs that drive stacks (`import … from "mlplatform/automation"`): open a stack
// over a manifest or an inline program, run up/preview/refresh/destroy the way the `mlplatform` command does,
// produce a pull-request review or a drift check (and render them), and find, start or stop the local
// platform. The command line is a thin front over these same functions; the root entry keeps to resources.
export {
  openStack,
  manifestProgram,
  defaultBackendUrl,
  DEFAULT_MANIFEST,
  DEFAULT_PROJECT_NAME,
  DEFAULT_STACK_NAME,
  MANIFEST_CONFIG_KEY,
  type OpenStackOptions,
  type OpenedStack,
} from "../cli/stack";
export { runStackCommand, plainOutputs, type StackAction, type StackCommandOptions, type StackCommandResult } from "../cli/deploy";
export { runReview, REVIEW_EXIT, type ReviewOptions, type ReviewResult, type ReviewExitCode } from "../cli/review";
export { openStackForReview, type StackSelection, type OpenStack, type PreviewableStack } from "../cli/preview-stack";
export { runDrift, DRIFT_EXIT, type DriftOptions, type DriftResult, type DriftExitCode } from "../cli/drift";
/** A plain Pulumi project's program run in-process (no Node language host needed), and how its project is found. */
export { findProject, readProject, projectProgram, noProgram, type PulumiProject } from "../cli/project";
export { ensurePlatform, findRunningPlatform, startPlatformDetached, stopPlatform, type PlatformStartOptions, type RunningPlatform } from "../cli/platform";
export { packageRoot } from "../cli/package-root";
export { defaultDataDir } from "../sdk/connection";
/** The review's and the drift check's pure parts: build a report from engine events, render it. */
export * as review from "../review";
