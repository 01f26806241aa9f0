// pulumi.runtime mocks that record every registered resource: type, name, resolved inputs and the
// dependencies the engine would be told about. Shared by the manifest and example tests.
import * as pulumi from "@pulumi/pulumi";
import { MockMonitor } from "@pulumi/pulumi/runtime/mocks";

export const TYPE = "pulumi-nodejs:dynamic/mlplatform:";

export interface Registered {
  type: string;
  kind: string;
  name: string;
  id: string;
  inputs: Record<string, any>;
  /** Resource names (last URN part) this one depends on. */
  dependencies: string[];
}

export interface RecordingRuntime {
  registered: Registered[];
  reset(): void;
  byName(kind: string, name: string): Registered;
}

let counter = 0;

/** Outputs a platform would add, per kind, so references have something to resolve to. Ids are unique per registration. */
function fakeOutputs(kind: string, name: string, id: string, inputs: Record<string, any>): Record<string, unknown> {
  switch (kind) {
    case "Dataset":
      return { status: "Ready", latestVersion: 3 };
    case "TrainingJob":
      return { status: "Completed", outputUri: `mlp://training-jobs/${id}/output`, metrics: { accuracy: 0.97, loss: 0.1 } };
    case "Model":
      return { status: "Ready", version: 2, latestVersion: 2 };
    case "PerfJob":
      return { status: "Succeeded", sloMet: true };
    case "Service":
      return { status: "Running", endpoint: `http://127.0.0.1:9999/${name}`, servedModels: inputs.models.map((m: any) => ({ ...m, modelName: "model" })) };
  }
  return {};
}

export async function installRecordingMocks(): Promise<RecordingRuntime> {
  const registered: Registered[] = [];
  const mocks: pulumi.runtime.Mocks = {
    newResource(args) {
      const entry = registered.find((r) => r.name === args.name && r.type === args.type && r.id === "")!;
      entry.id = `${args.name}-${++counter}`;
      entry.inputs = args.inputs;
      return { id: entry.id, state: { ...args.inputs, ...fakeOutputs(entry.kind, args.name, entry.id, args.inputs) } };
    },
    call: (args) => args.inputs,
  };
  class RecordingMonitor extends MockMonitor {
    override async registerResource(req: any, callback: any) {
      const type: string = req.getType();
      registered.push({
        type,
        kind: type.startsWith(TYPE) ? type.slice(TYPE.length) : type,
        name: req.getName(),
        id: "",
        inputs: {},
        dependencies: req.getDependenciesList().map((urn: string) => urn.split("::").pop()),
      });
      return super.registerResource(req, callback);
    }
  }
  await pulumi.runtime.setMocks(mocks, "proj", "dev", false);
  pulumi.runtime.setMockOptions(new RecordingMonitor(mocks), "proj", "dev", false);
  return {
    registered,
    reset: () => void registered.splice(0),
    byName(kind, name) {
      const r = registered.find((x) => x.kind === kind && x.name === name);
      if (!r) throw new Error(`no ${kind} named ${name} was registered (registered: ${registered.map((x) => `${x.kind}/${x.name}`).join(", ")})`);
      return r;
    },
  };
}

export const value = <T>(o: pulumi.Output<T>) => new Promise<T>((r) => o.apply(r));

/** Waits until every resource in `resources` (nested records/arrays of resources) is registered. */
export async function settle(resources: unknown): Promise<void> {
  const all: pulumi.Resource[] = [];
  const walk = (v: unknown) => {
    if (pulumi.Resource.isInstance(v)) all.push(v);
    else if (v && typeof v === "object") Object.values(v).forEach(walk);
  };
  walk(resources);
  await Promise.all(all.map((r) => value(r.urn)));
}
