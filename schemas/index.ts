export * from "./common";
export * from "./dataset";
export * from "./training-job";
export * from "./model";
export * from "./perf-job";
export * from "./service";
