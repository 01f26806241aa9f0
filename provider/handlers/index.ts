// Every kind's handlers, by kind name and by module name (the registry in schemas/kinds.ts names both).
// Typed against the registry: a kind without its handler module here does not compile.
import { perModule, type Kind } from "../../schemas/kinds";
import * as dataset from "./dataset";
import type { KindHandlers } from "./handlers-for";
import * as model from "./model";
import * as perfJob from "./perf-job";
import * as service from "./service";
import * as trainingJob from "./training-job";

export const handlersByKind: Record<Kind, KindHandlers> = { Dataset: dataset, TrainingJob: trainingJob, Model: model, PerfJob: perfJob, Service: service };
export const handlers = perModule((kind) => handlersByKind[kind]);
