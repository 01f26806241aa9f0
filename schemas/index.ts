// Every kind's zod schemas in one import: shared building blocks, then one module per kind.
export * from "./common";
export * from "./dataset";
export * from "./training-job";
export * from "./model";
export * from "./perf-job";
export * from "./service";
export * from "./kinds";
