// Each kind's definition is its schemas plus a little behaviour: which keys patch and which replace, the live
// spec and the output keys come from the zod schemas (the lists below are the ones once written by hand per
// kind, plus what later specs added: a training job's python, a perf job's batchSize, which replace without
// anyone listing them). What differs between backends is the drivers' kind rules (sdk/kind-rules.ts, tested with each driver).
import { describe, expect, it } from "vitest";
import { handlersByKind } from "../../provider/handlers";
import { OUTPUT_KEYS } from "../../provider/resources";

describe("definitions derived from the schemas", () => {
  it.each([
    ["Dataset", ["name", "format"], ["source", "description", "tags"]],
    ["TrainingJob", ["name", "command", "workingDir", "env", "datasetId", "datasetVersion", "hyperParameters", "python", "flavor", "instanceCount", "maxRuntimeSeconds"], ["description", "tags"]],
    ["Model", ["name"], ["source", "format", "framework", "inputs", "outputs", "metrics", "description", "tags"]],
    ["PerfJob", ["name", "modelId", "modelVersion", "jobType", "flavors", "concurrency", "batchSize", "durationSeconds", "sampleInput", "slo"], ["description", "tags"]],
    ["Service", ["name"], ["models", "replicas", "flavor", "env", "description", "tags"]],
  ] as const)("%s: replace and patch keys", (kind, replaceKeys, patchKeys) => {
    const def = handlersByKind[kind].definition;
    expect(def.replaceKeys).toEqual(replaceKeys);
    expect(def.patchKeys).toEqual(patchKeys);
  });

  it("picks the live spec from the object by the spec's keys (server-only fields stay out)", () => {
    const def = handlersByKind.Dataset.definition;
    const live = def.liveSpec({ id: "ds-1", name: "d", etag: "e", status: "Ready", format: "csv", source: "/data", tags: {}, latestVersion: 3, digest: "sha256:x" });
    expect(live).toEqual({ name: "d", format: "csv", source: "/data", description: undefined, tags: {} });
  });

  it("lists every output of a kind: bookkeeping, spec, and the extras' schema", () => {
    expect(OUTPUT_KEYS.Model).toEqual([
      "deadlineSeconds", "adopt", "sourceDigest",
      "name", "source", "format", "framework", "inputs", "outputs", "metrics", "description", "tags",
      "status", "latestVersion", "version", "versions",
    ]);
    expect(OUTPUT_KEYS.Service).toContain("servedModels");
    expect(OUTPUT_KEYS.TrainingJob).toContain("metrics");
  });
});
