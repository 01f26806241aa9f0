// Models: versions from local files and from a training job's output, artifacts copied into the store and
// checked, formats the platform cannot serve refused, and versions in use by a service protected.
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestPlatform, waitUntil, type TestPlatform } from "./helpers";
import { logregArtifact } from "./serving-fixtures";

let p: TestPlatform;
beforeAll(async () => {
  p = await startTestPlatform();
  writeFileSync(join(p.root, "m1.json"), JSON.stringify(logregArtifact(1)));
  writeFileSync(join(p.root, "m2.json"), JSON.stringify(logregArtifact(2)));
});
afterAll(() => p?.close());

const count = async () => (await p.api("GET", "/v1/models?limit=200")).body.items.length;

describe("registering versions", () => {
  it("registers version 1 from a file, then a new version only for new content", async () => {
    const r = await p.api("POST", "/v1/models", { name: "iris", source: "m1.json", format: "logreg-json", metrics: { accuracy: 0.9 } });
    expect(r.status).toBe(201);
    expect(r.body).toMatchObject({ latestVersion: 1, status: "Ready", format: "logreg-json", metrics: { accuracy: 0.9 }, versions: [{ version: 1, status: "Ready" }] });
    const v1 = (await p.api("GET", `/v1/models/${r.body.id}/versions/1`)).body;
    expect(v1.artifactDigest).toMatch(/^[0-9a-f]{64}$/);
    expect(v1.sizeBytes).toBe(JSON.stringify(logregArtifact(1)).length);

    const same = await p.api("PATCH", `/v1/models/${r.body.id}`, { source: "m1.json", description: "same bytes" });
    expect(same.body).toMatchObject({ latestVersion: 1, description: "same bytes" });
    const next = await p.api("PATCH", `/v1/models/${r.body.id}`, { source: "m2.json" }, { "if-match": same.body.etag });
    expect(next.body).toMatchObject({ latestVersion: 2, source: "m2.json" });
    const versions = (await p.api("GET", `/v1/models/${r.body.id}/versions`)).body.items;
    expect(versions.map((v: any) => [v.version, v.source])).toEqual([[1, "m1.json"], [2, "m2.json"]]);
    expect(versions[0].artifactDigest).not.toBe(versions[1].artifactDigest);
  });

  it("registers from a training job's output URI and takes the job's final metrics", async () => {
    writeFileSync(join(p.root, "d.csv"), "x\n1\n");
    writeFileSync(
      join(p.root, "emit-model.js"),
      `require("fs").writeFileSync(require("path").join(process.env.MLP_OUTPUT_DIR, "model.json"), ${JSON.stringify(JSON.stringify(logregArtifact(3)))});
console.log(JSON.stringify({ metric: "accuracy", value: 0.97 }));`,
    );
    const ds = await p.api("POST", "/v1/datasets", { name: "emit-data", format: "csv", source: "d.csv" });
    await waitUntil(p, "datasets", ds.body.id, (o) => o.status === "Ready");
    const job = await p.api("POST", "/v1/training-jobs", { name: "emit", command: ["node", "emit-model.js"], datasetId: ds.body.id });
    const end = await waitUntil(p, "training-jobs", job.body.id, (o) => ["Completed", "Failed"].includes(o.status));
    expect(end.status).toBe("Completed");
    const whole = await p.api("POST", "/v1/models", { name: "from-output", source: end.outputUri, format: "logreg-json" });
    expect(whole.status).toBe(201);
    expect(whole.body.metrics).toEqual({ accuracy: 0.97 });
    const file = await p.api("POST", "/v1/models", { name: "from-output-file", source: `${end.outputUri}/model.json`, format: "logreg-json" });
    expect(file.status).toBe(201);
    const missing = await p.api("POST", "/v1/models", { name: "from-output-missing", source: `${end.outputUri}/nope.json`, format: "logreg-json" });
    expect(missing.status).toBe(422);
    expect(missing.body.field).toBe("source");
    const escape = await p.api("POST", "/v1/models", { name: "from-output-escape", source: `${end.outputUri}/../../token`, format: "logreg-json" });
    expect(escape.status).toBe(422);
  });
});

describe("refusals", () => {
  it("refuses a format the file is not, a malformed artifact and a bad shape, writing nothing", async () => {
    const before = await count();
    const onnx = await p.api("POST", "/v1/models", { name: "onnx-model", source: "m1.json", format: "onnx" });
    expect(onnx.status).toBe(422);
    expect(onnx.body.field).toBe("source");
    expect(onnx.body.message).toMatch(/cannot be served as format "onnx"/);
    writeFileSync(join(p.root, "broken.json"), "{not json");
    const broken = await p.api("POST", "/v1/models", { name: "broken", source: "broken.json", format: "logreg-json" });
    expect(broken.status).toBe(422);
    const bad = logregArtifact(1);
    bad.weights[1] = [1, 2];
    writeFileSync(join(p.root, "shape.json"), JSON.stringify(bad));
    const shape = await p.api("POST", "/v1/models", { name: "shape", source: "shape.json", format: "logreg-json" });
    expect(shape.status).toBe(422);
    expect(shape.body.message).toMatch(/weights\.1 has 2 entries, expected 4/);
    const outside = await p.api("POST", "/v1/models", { name: "outside", source: "/etc/hostname", format: "logreg-json" });
    expect(outside.status).toBe(422);
    expect(await count()).toBe(before);
  });
});

describe("versions in use", () => {
  it("refuses to delete a version or model a service uses, naming the service", async () => {
    const m = await p.api("POST", "/v1/models", { name: "served", source: "m1.json", format: "logreg-json" });
    await p.api("PATCH", `/v1/models/${m.body.id}`, { source: "m2.json" });
    const svc = await p.api("POST", "/v1/services", { name: "front", models: [{ modelId: m.body.id, version: 1, weight: 100 }] });
    expect(svc.status).toBe(201);
    const delV1 = await p.api("DELETE", `/v1/models/${m.body.id}/versions/1`);
    expect(delV1.status).toBe(409);
    expect(delV1.body.message).toContain('"front"');
    const delModel = await p.api("DELETE", `/v1/models/${m.body.id}`);
    expect(delModel.status).toBe(409);
    expect(delModel.body.message).toContain('"front"');
    const delV2 = await p.api("DELETE", `/v1/models/${m.body.id}/versions/2`);
    expect(delV2.status).toBe(204);
    expect((await p.api("GET", `/v1/models/${m.body.id}`)).body).toMatchObject({ latestVersion: 1, versions: [{ version: 1 }] });
    expect((await p.api("DELETE", `/v1/services/${svc.body.id}`)).status).toBe(204);
    expect((await p.api("DELETE", `/v1/models/${m.body.id}`)).status).toBe(204);
  });
});
