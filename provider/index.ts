// The package's main entry: resource classes for TS programs, the handlers (for fronts such as the
// manifest loader), and the platform SDK.
export * from "./resources";
export { SHIM_TEXTS, shimText, type HandlerModule } from "./shim";
export { ResourceInitError } from "./handlers/errors";
export { failuresMessage } from "./handlers/check";
export { ProviderInputs, type CheckFailure, type KindDefinition } from "./handlers/kind-definition";
export type { KindHandlers } from "./handlers/handlers-for";
export { handlers, handlersByKind } from "./handlers";
export * as sdk from "../sdk";
