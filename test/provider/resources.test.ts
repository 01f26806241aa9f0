// Program wiring of the resource classes under Pulumi's mocks: type tokens, the logical name that keys
// idempotent creates, name defaulting, output registration, and the serialized shim in the inputs.
import * as pulumi from "@pulumi/pulumi";
import * as state from "@pulumi/pulumi/runtime/state";
import { beforeAll, describe, expect, it } from "vitest";
import { Dataset, Model, Service } from "../../provider";

/**
 * The SDK's run state (runtime/state.js). getStore() is @internal, so missing from its .d.ts: typed here as far as
 * the test reads it, the promises kept for leak debugging with what runtime/debuggable.js stamps on them.
 */
const sdkState = state as typeof state & { getStore(): { leakCandidates: Set<Promise<unknown> & { _debugCtx?: string; _debugStackTrace?: string }> } };

const registered: { type: string; name: string; inputs: Record<string, any> }[] = [];

beforeAll(() => {
  pulumi.runtime.setMocks(
    {
      newResource: (args) => {
        registered.push({ type: args.type, name: args.name, inputs: args.inputs });
        return { id: `${args.name}-id`, state: { ...args.inputs, status: "Ready", endpoint: "http://127.0.0.1:1", version: 3 } };
      },
      call: () => ({}),
    },
    "proj",
    "dev",
    false,
  );
});

function outputValue<T>(o: pulumi.Output<T>): Promise<T> {
  return new Promise((resolve) => o.apply((v) => resolve(v)));
}

describe("resource classes", () => {
  it("construct without promise stacks unless PULUMI_DEBUG_PROMISE_LEAKS asks; errors keep the caller's stack", async () => {
    // Issue 18 §2: the SDK stamps four promises per declared output with `new Error().stack`, only read when
    // debugging promise leaks; at ~15 outputs per kind that was most of a program's registration time.
    const stacksOf = (name: string) =>
      [...sdkState.getStore().leakCandidates].filter((p) => String(p._debugCtx).includes(`(resource:${name}[`)).map((p) => String(p._debugStackTrace));
    const limit = Error.stackTraceLimit;
    new Dataset("no-stacks", { format: "csv", source: "data/a.csv" });
    expect(Error.stackTraceLimit).toBe(limit);
    const quiet = stacksOf("no-stacks");
    expect(quiet.length).toBeGreaterThan(10);
    expect(quiet.every((s) => !s.includes("\n"))).toBe(true);
    process.env.PULUMI_DEBUG_PROMISE_LEAKS = "1";
    try {
      new Dataset("with-stacks", { format: "csv", source: "data/a.csv" });
    } finally {
      delete process.env.PULUMI_DEBUG_PROMISE_LEAKS;
    }
    expect(stacksOf("with-stacks").every((s) => s.includes("\n    at "))).toBe(true);
    let thrown: Error | undefined;
    try {
      new Dataset("bad", { format: "csv", source: "data/a.csv", __provider: "x" } as any);
    } catch (e) {
      thrown = e as Error;
    }
    expect(thrown?.message).toMatch(/__provider/);
    expect(thrown?.stack).toContain("resources.test.ts");
    expect(Error.stackTraceLimit).toBe(limit);
  });

  it("register typed kinds with the logical name and the tiny shim", async () => {
    const ds = new Dataset("training-data", { format: "csv", source: "data/iris.csv" });
    const md = new Model("iris", { source: "mlp://training-jobs/tj-1/output", format: "logreg-json" });
    const svc = new Service("iris-svc", { models: [{ modelId: md.id, version: md.version }], replicas: 2 });
    expect(await outputValue(ds.status)).toBe("Ready");
    expect(await outputValue(svc.endpoint)).toBe("http://127.0.0.1:1");
    // output-only keys are registered even when the user did not set them
    for (const o of [ds.deadlineSeconds, ds.digest, md.versions, svc.servedModels, svc.readyReplicas]) expect(pulumi.Output.isInstance(o)).toBe(true);
    await outputValue(svc.urn);
    const byName = Object.fromEntries(registered.map((r) => [r.name, r]));
    expect(byName["training-data"].type).toBe("pulumi-nodejs:dynamic/mlplatform:Dataset");
    expect(byName["iris-svc"].type).toBe("pulumi-nodejs:dynamic/mlplatform:Service");
    expect(byName["training-data"].inputs).toMatchObject({ name: "training-data-dev", logicalName: "proj/dev/Dataset/training-data", format: "csv" });
    // an output of one resource flows into another's nested input
    expect(byName["iris-svc"].inputs.models).toEqual([{ modelId: "iris-id", version: 3 }]);
    const shim = byName["training-data"].inputs.__provider as string;
    expect(typeof shim).toBe("string");
    expect(Buffer.byteLength(shim)).toBeLessThanOrEqual(8 * 1024);
    expect(shim).toContain("mlplatform/handlers/");
  });
});
