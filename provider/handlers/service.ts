// Service: online inference. Only name replaces; models/weights, replicas, flavor, env, description and
// tags roll in place. Ready means Running with every replica ready.
import { handlersFor } from "./handlers-for";
import { defineKind } from "./kind-definition";

export const serviceDefinition = defineKind({
  kind: "Service",
  defaultDeadlineSeconds: 300,
  emptyDefaults: { description: "", tags: {}, env: {} },
  pathKeys: [],
  taggable: true,
  readyWhat: "Running with every replica ready",
  isReady: (o) => o.status === "Running" && o.readyReplicas === o.replicas,
  failure: async (o) => (o.status === "Failed" || o.status === "Stopped" ? `${o.status}: ${o.statusMessage ?? "no message"}` : undefined),
  // A service held back by something outside the platform (a Qianfan service waiting for payment) says why.
  progress: (o) => `${o.status}${o.status === "Deploying" && o.statusMessage ? ` (${o.statusMessage})` : ""}, ${o.readyReplicas}/${o.replicas} replicas ready`,
  liveSpec: (o) => ({
    name: o.name,
    // The spec's shape (no server-added modelName), so a declared list compares equal to the live one.
    models: (o.models ?? []).map((m: any) => ({ modelId: m.modelId, version: m.version, weight: m.weight })),
    replicas: o.replicas,
    flavor: o.flavor,
    env: o.env,
    description: o.description,
    tags: o.tags,
  }),
  extraOutputs: async (o) => ({
    status: o.status,
    statusMessage: o.statusMessage,
    readyReplicas: o.readyReplicas,
    endpoint: o.endpoint,
    servedModels: (o.models ?? []).map((m: any) => ({ modelId: m.modelId, modelName: m.modelName, version: m.version, weight: m.weight })),
  }),
  flavorPaths: (spec) => [{ path: "flavor", flavor: spec.flavor }],
  // A failed service is repaired in place: up re-sends its spec, which makes the platform restart its
  // replicas (re-roll), and says why it had failed.
  needsRepair: (olds) =>
    olds.status === "Failed" ? { key: "status", reason: `the service is Failed (${olds.statusMessage ?? "no message"}); restarting its replicas` } : undefined,
  repairKeys: ["models", "replicas", "flavor", "env"],
  beforeDelete: async (o) => {
    // Names are unique, so a replace deletes the old service first: say that its endpoint stops answering.
    console.log(`service ${o.name} (${o.id}): deleting; its endpoint ${o.endpoint} stops answering (a replacement answers once it is Running)`);
  },
});

export const { definition, provider, configure, configureFromRequest, check, diff, create, read, update, delete: remove } = handlersFor(serviceDefinition);
export { remove as delete };
