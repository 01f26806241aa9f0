// The JSON Schema editors use (schemas/manifest.schema.json) is generated from the zod manifest schema;
// this fails when someone changes the schema and forgets `npm run schema`.
import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { manifestJsonSchema } from "../../cli/write-manifest-schema";

describe("schemas/manifest.schema.json", () => {
  const committed = JSON.parse(readFileSync(resolve(__dirname, "../../schemas/manifest.schema.json"), "utf8"));

  it("is up to date with schemas/manifest.ts (regenerate with npm run schema)", () => {
    expect(committed).toEqual(manifestJsonSchema());
  });

  it("describes every section, references and the per-object options", () => {
    expect(Object.keys(committed.properties)).toEqual(["apiVersion", "description", "datasets", "trainingJobs", "models", "perfJobs", "services", "stacks", "outputs"]);
    const perfJob = committed.properties.perfJobs.additionalProperties;
    expect(perfJob.properties.modelVersion.anyOf.map((s: any) => s.type)).toEqual(["integer", "string"]);
    expect(perfJob.properties).toHaveProperty("deadlineSeconds");
    expect(perfJob.properties).toHaveProperty("adopt");
    expect(perfJob.required).toEqual(["modelId", "modelVersion"]);
  });
});
