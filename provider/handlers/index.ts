// Every kind's handlers, by kind name and by module name.
import * as dataset from "./dataset";
import * as model from "./model";
import * as perfJob from "./perf-job";
import * as service from "./service";
import * as trainingJob from "./training-job";

export const handlers = { dataset, "training-job": trainingJob, model, "perf-job": perfJob, service };
export const handlersByKind = { Dataset: dataset, TrainingJob: trainingJob, Model: model, PerfJob: perfJob, Service: service };
