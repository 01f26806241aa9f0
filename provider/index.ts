// The package's main entry: resource classes for TS programs, the handlers (for fronts such as the
// manifest loader), and the platform SDK.
export * from "./resources";
export { providers, makeShimProvider, type HandlerModule } from "./shim";
export { ResourceInitError, ProviderInputs, failuresMessage, type CheckFailure, type KindDefinition, type KindHandlers } from "./handlers/common";
export { handlers, handlersByKind } from "./handlers";
export * as sdk from "../sdk";
