// Issue 12: the API keeps the contract its OpenAPI document publishes (error format for every status, 405
// and 414 included; tags and env keys validated on create and patch; reserved tags only from the provider),
// and a dry run (?dryRun=true) refuses whatever the real request would be refused for — all problems at
// once, nothing created or changed.
import { mkdirSync, symlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ApiError, CLIENT_HEADER, PROVIDER_CLIENT, URN_TAG } from "../../schemas";
import { makeApi, startTestPlatform, waitUntil, type TestPlatform } from "./helpers";
import { writeLogregArtifact } from "./serving-fixtures";

let p: TestPlatform;
let csv: string;
const provider = { [CLIENT_HEADER]: PROVIDER_CLIENT };

beforeAll(async () => {
  p = await startTestPlatform();
  csv = join(p.root, "data.csv");
  writeFileSync(csv, "a,b\n1,2\n");
  mkdirSync(join(p.root, "dir"));
  symlinkSync("/etc", join(p.root, "etc-link"));
});
afterAll(() => p?.close());

function expectApiError(body: unknown): void {
  expect(ApiError.safeParse(body).success, JSON.stringify(body)).toBe(true);
}

async function count(kind: string): Promise<number> {
  const r = await p.api("GET", `/v1/${kind}`);
  expect(r.status).toBe(200);
  return r.body.items.length;
}

describe("the API's error format for every status", () => {
  it("answers an id longer than 100 characters with 414 in the ApiError format", async () => {
    const r = await p.api("GET", `/v1/datasets/${"a".repeat(101)}`);
    expect(r.status).toBe(414);
    expectApiError(r.body);
    expect(r.body.code).toBe("uri_too_long");
  });

  it("answers a known path with an unknown method 405 and lists the methods it takes", async () => {
    for (const method of ["PUT", "PROPFIND"]) {
      const r = await p.api(method, "/v1/datasets");
      expect(r.status, method).toBe(405);
      expectApiError(r.body);
      expect(r.headers.get("allow")).toMatch(/GET/);
      expect(r.headers.get("allow")).toMatch(/POST/);
    }
    const id = await p.api("PUT", "/v1/services/sv-1");
    expect(id.status).toBe(405);
    expect(id.headers.get("allow")).toMatch(/PATCH/);
  });

  it("answers GET // without a token 401, with one 404 (never 500)", async () => {
    const anonymous = await makeApi(p.endpoint, null)("GET", "//");
    expect(anonymous.status).toBe(401);
    const r = await p.api("GET", "//");
    expect(r.status).toBe(404);
    expectApiError(r.body);
  });
});

describe("bodies are validated on create and on patch", () => {
  it("refuses training-job tag keys the Tags schema forbids", async () => {
    const r = await p.api("POST", "/v1/training-jobs", { name: "tj-tags", command: ["true"], datasetId: "ds-x", tags: { "bad key!": "v" } });
    expect(r.status).toBe(400);
    expect(r.body.field).toBe("tags.bad key!");
  });

  it("refuses invalid service env keys on PATCH as on create", async () => {
    const create = await p.api("POST", "/v1/services", { name: "sv-env", models: [{ modelId: "md-x", version: 1 }], env: { "1BAD": "x" } });
    expect(create.status).toBe(400);
    expect(create.body.field).toBe("env.1BAD");
    const model = await p.api("POST", "/v1/models", { name: "md-env", format: "logreg-json", source: writeLogregArtifact(1, p.root) });
    expect(model.status).toBe(201);
    const svc = await p.api("POST", "/v1/services", { name: "sv-env", models: [{ modelId: model.body.id, version: 1 }], env: { GOOD: "x" } });
    expect(svc.status).toBe(201);
    const patch = await p.api("PATCH", `/v1/services/${svc.body.id}`, { env: { "A-B": "x" } });
    expect(patch.status).toBe(400);
    expect(patch.body.field).toBe("env.A-B");
    expect((await p.api("GET", `/v1/services/${svc.body.id}`)).body.env).toEqual({ GOOD: "x" });
    expect((await p.api("DELETE", `/v1/services/${svc.body.id}`)).status).toBe(204);
  });

  it("refuses the reserved mlplatform/urn tag from clients other than the provider", async () => {
    const forged = await p.api("POST", "/v1/datasets", { name: "ds-forged", format: "csv", source: csv, tags: { [URN_TAG]: "p/s/Dataset/x" } });
    expect(forged.status).toBe(422);
    expect(forged.body.field).toBe(`tags.${URN_TAG}`);
    expect(await p.api("GET", "/v1/datasets?name=ds-forged").then((r) => r.body.items)).toEqual([]);

    const mine = await p.api("POST", "/v1/datasets", { name: "ds-mine", format: "csv", source: csv, tags: { [URN_TAG]: "p/s/Dataset/mine" } }, provider);
    expect(mine.status).toBe(201);
    // Another client may send the tags it read back unchanged, but not change the reserved one.
    const keep = await p.api("PATCH", `/v1/datasets/${mine.body.id}`, { tags: { [URN_TAG]: "p/s/Dataset/mine", team: "ml" } });
    expect(keep.status).toBe(200);
    const change = await p.api("PATCH", `/v1/datasets/${mine.body.id}`, { tags: { [URN_TAG]: "p/s/Dataset/other" } });
    expect(change.status).toBe(422);
    expect(change.body.field).toBe(`tags.${URN_TAG}`);
  });
});

describe("dry run", () => {
  it("refuses paths outside the allowed roots, URIs and NUL bytes, and creates nothing", async () => {
    const before = await count("datasets");
    const cases: [string, RegExp][] = [
      ["/etc/passwd", /outside the platform's allowed roots/],
      ["../../../../etc/passwd", /outside the platform's allowed roots/],
      ["etc-link/passwd", /through a symbolic link/],
      ["file:///etc/passwd", /file:\/\/ URI/],
      ["s3://bucket/data.csv", /s3:\/\/ URI/],
      ["data\0.csv", /NUL/],
      ["missing.csv", /does not exist/],
    ];
    for (const [source, message] of cases) {
      const r = await p.api("POST", "/v1/datasets?dryRun=true", { name: "ds-dry", format: "csv", source });
      expect(r.status, source).toBe(422);
      expectApiError(r.body);
      expect(r.body.field).toBe("source");
      expect(r.body.message).toMatch(message);
    }
    expect(await count("datasets")).toBe(before);
  });

  it("answers 200 DryRunResult for a valid spec and creates nothing", async () => {
    const before = await count("datasets");
    const r = await p.api("POST", "/v1/datasets?dryRun=true", { name: "ds-dry-ok", format: "csv", source: csv });
    expect(r.status).toBe(200);
    expect(r.body).toEqual({ dryRun: true, valid: true });
    expect(await count("datasets")).toBe(before);
  });

  it("reports every problem of a training job at once: flavor, workingDir naming a file, dataset", async () => {
    const r = await p.api("POST", "/v1/training-jobs?dryRun=true", { name: "tj-dry", command: ["true"], datasetId: "ds-nope", flavor: "gpu.a100", workingDir: "data.csv" });
    expect(r.status).toBe(422);
    expect(r.body.details.map((d: any) => d.field).sort()).toEqual(["datasetId", "flavor", "workingDir"]);
    expect(r.body.details.find((d: any) => d.field === "workingDir").message).toMatch(/is not a directory/);
  });

  it("refuses a taken name (409), except for the provider's own object carrying the same URN tag", async () => {
    const urn = "p/s/Dataset/taken";
    const made = await p.api("POST", "/v1/datasets", { name: "ds-taken", format: "csv", source: csv, tags: { [URN_TAG]: urn } }, provider);
    expect(made.status).toBe(201);
    const other = await p.api("POST", "/v1/datasets?dryRun=true", { name: "ds-taken", format: "csv", source: csv }, provider);
    expect(other.status).toBe(409);
    expect(other.body.field).toBe("name");
    const same = await p.api("POST", "/v1/datasets?dryRun=true", { name: "ds-taken", format: "csv", source: csv, tags: { [URN_TAG]: urn } }, provider);
    expect(same.status).toBe(200);
    // A real create still conflicts: only the provider's takeover path uses that object.
    const real = await p.api("POST", "/v1/datasets", { name: "ds-taken", format: "csv", source: csv, tags: { [URN_TAG]: urn } }, provider);
    expect(real.status).toBe(409);
  });

  it("refuses more replicas than the flavor allows, models that do not exist, on create and on patch", async () => {
    const before = await count("services");
    const r = await p.api("POST", "/v1/services?dryRun=true", { name: "sv-dry", models: [{ modelId: "md-nope", version: 1 }], replicas: 8, flavor: "local.small" });
    expect(r.status).toBe(422);
    expect(r.body.details.map((d: any) => d.field).sort()).toEqual(["models.0.modelId", "replicas"]);
    expect(r.body.details.find((d: any) => d.field === "replicas").message).toMatch(/at most 4 replicas/);
    expect(await count("services")).toBe(before);
  });

  it("validates a patch without applying it", async () => {
    const ds = await p.api("POST", "/v1/datasets", { name: "ds-patch-dry", format: "csv", source: csv });
    const ready = await waitUntil(p, "datasets", ds.body.id, (o: any) => o.status === "Ready");
    const bad = await p.api("PATCH", `/v1/datasets/${ds.body.id}?dryRun=true`, { source: "/etc/passwd" });
    expect(bad.status).toBe(422);
    expect(bad.body.field).toBe("source");
    const good = await p.api("PATCH", `/v1/datasets/${ds.body.id}?dryRun=true`, { description: "changed" });
    expect(good.status).toBe(200);
    expect(good.body).toEqual({ dryRun: true, valid: true });
    const after = await p.api("GET", `/v1/datasets/${ds.body.id}`);
    expect(after.body.description).toBeUndefined();
    expect(after.body.etag).toBe(ready.etag);
    const notBool = await p.api("POST", "/v1/datasets?dryRun=yes", { name: "ds-x", format: "csv", source: csv });
    expect(notBool.status).toBe(400);
    expect(notBool.body.field).toBe("dryRun");
  });
});

describe("OpenAPI document", () => {
  it("publishes the dry run, 405 and 414, and a schema for every extra route's answer", async () => {
    const doc = (await p.api("GET", "/v1/openapi.json")).body;
    const post = doc.paths["/v1/datasets"].post;
    expect(post.parameters.map((x: any) => x.name)).toContain("dryRun");
    expect(Object.keys(post.responses)).toContain("405");
    expect(Object.keys(doc.paths["/v1/datasets/{id}"].get.responses)).toContain("414");
    for (const [path, ops] of Object.entries<any>(doc.paths))
      for (const [method, op] of Object.entries<any>(ops)) {
        const ok = op.responses["200"] ?? op.responses["201"];
        if (ok && path !== "/v1/openapi.json") expect(ok.content?.["application/json"]?.schema, `${method} ${path}`).toBeDefined();
      }
  });
});
