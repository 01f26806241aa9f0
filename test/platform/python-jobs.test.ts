// Python training jobs (issue 17): a job declaring python.requirements runs in the cached virtualenv of that
// set (built once, reused across jobs and platform restarts, pip's output in the job's log), reports metrics
// through the mlplatform_job helper, and a job whose requirements cannot be installed fails with pip's own
// error in its status message and log.
import { copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { bwrapBinary } from "../../platform/sandbox";
import type { TrainingJob } from "../../schemas";
import { startTestPlatform, waitUntil, type TestPlatform } from "./helpers";
import { SKLEARN_EXAMPLE, sklearnPython } from "./onnx-fixtures";

let p: TestPlatform;
let datasetId: string;
const cacheDir = process.env.MLPLATFORM_PYTHON_ENV_CACHE!;

beforeAll(async () => {
  await sklearnPython(); // the shared environment exists before the jobs ask for it
  p = await startTestPlatform();
  writeFileSync(join(p.root, "d.csv"), "x,y\n1,a\n2,b\n");
  copyFileSync(join(SKLEARN_EXAMPLE, "requirements.txt"), join(p.root, "requirements.txt"));
  writeFileSync(
    join(p.root, "fit.py"),
    `import sklearn, sys
from mlplatform_job import dataset_file, hyperparameters, log_metric, output_dir
log_metric("rows", sum(1 for _ in open(dataset_file())) - 1)
log_metric("c", hyperparameters()["c"], step=3)
open(output_dir() + "/version.txt", "w").write(sklearn.__version__)
print("python", sys.prefix == sys.base_prefix and "outside" or "inside", "a virtualenv")
`,
  );
  const ds = await p.api("POST", "/v1/datasets", { name: "py-data", format: "csv", source: "d.csv" });
  await waitUntil(p, "datasets", ds.body.id, (o) => o.status === "Ready");
  datasetId = ds.body.id;
}, 900_000);
afterAll(() => p?.close());

const ended = (o: TrainingJob) => ["Completed", "Failed", "Stopped"].includes(o.status);
async function logs(id: string): Promise<string[]> {
  return (await p.api("GET", `/v1/training-jobs/${id}/logs?tail=1000`)).body.lines;
}

describe("python training jobs", () => {
  it("runs in the cached environment of its requirements file, reports metrics through the helper, reuses it for the next job", async () => {
    const envsBefore = readdirSync(cacheDir).filter((d) => existsSync(join(cacheDir, d, ".mlp-env.json")));
    const spec = { command: ["python", "fit.py"], datasetId, python: { requirements: "requirements.txt" }, hyperParameters: { c: 0.5 } };
    const first = await p.api("POST", "/v1/training-jobs", { name: "py-1", ...spec });
    expect(first.status).toBe(201);
    const done = await waitUntil(p, "training-jobs", first.body.id, ended, 120_000);
    expect(done.statusMessage ?? "").toBe("");
    expect(done).toMatchObject({ status: "Completed", finalMetrics: { rows: 2, c: 0.5 }, python: { requirements: "requirements.txt" } });
    const points = (await p.api("GET", `/v1/training-jobs/${first.body.id}/metrics`)).body.points;
    expect(points.find((m: any) => m.name === "c").step).toBe(3);
    const log = await logs(first.body.id);
    expect(log.some((l) => /^\[platform\] reusing Python environment [0-9a-f]{16} \(4 requirements\)$/.test(l))).toBe(true);
    expect(log).toContain("python inside a virtualenv");
    // No machine paths in the log (the environment lives under the cache dir).
    expect(log.join("\n")).not.toContain(cacheDir);

    const second = await p.api("POST", "/v1/training-jobs", { name: "py-2", ...spec, python: { requirements: ["scikit-learn==1.9.1", "onnx==1.23.2", "# the same set, as a list", "skl2onnx==1.20.0", "numpy==2.4.6"] } });
    expect((await waitUntil(p, "training-jobs", second.body.id, ended, 120_000)).status).toBe("Completed");
    expect((await logs(second.body.id)).some((l) => l.startsWith("[platform] reusing Python environment"))).toBe(true);
    expect(readdirSync(cacheDir).filter((d) => existsSync(join(cacheDir, d, ".mlp-env.json")))).toEqual(envsBefore);
  });

  it("fails a job whose requirements cannot be installed with pip's error, and keeps no broken environment", async () => {
    const bogus = "mlplatform-no-such-package-for-tests==0.0.1";
    const job = await p.api("POST", "/v1/training-jobs", { name: "py-bad", command: ["python", "fit.py"], datasetId, python: { requirements: [bogus] } });
    const done = await waitUntil(p, "training-jobs", job.body.id, ended, 180_000);
    expect(done.status).toBe("Failed");
    expect(done.statusMessage).toMatch(/^the Python requirements could not be installed: pip install failed with exit code 1; last log lines:/);
    expect(done.statusMessage).toContain(`ERROR: No matching distribution found for ${bogus}`);
    expect(await logs(job.body.id)).toContain(`ERROR: No matching distribution found for ${bogus}`);
    // The half-built environment is gone, so a fixed index or a retry starts clean.
    const leftovers = readdirSync(cacheDir).filter((d) => existsSync(join(cacheDir, d, "requirements.txt")) && readFileSync(join(cacheDir, d, "requirements.txt"), "utf8").includes(bogus));
    expect(leftovers).toEqual([]);
  });

  it("caches in the data dir by default: a stop mid-build keeps nothing, a restarted platform reuses what the next job built", async () => {
    const shared = process.env.MLPLATFORM_PYTHON_ENV_CACHE;
    delete process.env.MLPLATFORM_PYTHON_ENV_CACHE;
    const { mkdtempSync } = await import("node:fs");
    const { tmpdir } = await import("node:os");
    const dataDir = mkdtempSync(join(tmpdir(), "mlp-py-restart-"));
    const envs = join(dataDir, "python-envs");
    const ready = () => (existsSync(envs) ? readdirSync(envs).filter((d) => existsSync(join(envs, d, ".mlp-env.json"))) : []);
    // "pip" is already in every new virtualenv: the install needs no index, only the venv's own build.
    const spec = { command: ["python", "-c", "import sys; print('prefix', sys.prefix != sys.base_prefix)"], python: { requirements: ["pip"] } };
    let q = await startTestPlatform({ dataDir, root: p.root });
    try {
      const ds = await q.api("POST", "/v1/datasets", { name: "py-restart-data", format: "csv", source: "d.csv" });
      await waitUntil(q, "datasets", ds.body.id, (o) => o.status === "Ready");
      const stopped = await q.api("POST", "/v1/training-jobs", { name: "py-stopped", datasetId: ds.body.id, ...spec });
      await waitUntil(q, "training-jobs", stopped.body.id, (o) => /^preparing the Python environment/.test(o.statusMessage ?? "") || ended(o));
      expect((await q.api("POST", `/v1/training-jobs/${stopped.body.id}/stop`)).body).toMatchObject({ status: "Stopped", statusMessage: "stopped on request" });
      expect(ready()).toEqual([]);
      expect(existsSync(envs) ? readdirSync(envs) : []).toEqual([]); // neither a half-built environment nor its lock

      const built = await q.api("POST", "/v1/training-jobs", { name: "py-build", datasetId: ds.body.id, ...spec });
      expect((await waitUntil(q, "training-jobs", built.body.id, ended, 120_000)).status).toBe("Completed");
      const buildLog = (await q.api("GET", `/v1/training-jobs/${built.body.id}/logs?tail=200`)).body.lines as string[];
      expect(buildLog.some((l) => /^\[platform\] building Python environment [0-9a-f]{16} \(CPython [\d.]+, 1 requirement\): pip install$/.test(l))).toBe(true);
      expect(buildLog.some((l) => /^\[platform\] Python environment [0-9a-f]{16} ready in [\d.]+ s$/.test(l))).toBe(true);
      expect(buildLog).toContain("prefix True");
      expect(ready()).toHaveLength(1);

      await q.close();
      q = await startTestPlatform({ dataDir, root: p.root });
      const again = await q.api("POST", "/v1/training-jobs", { name: "py-after-restart", datasetId: ds.body.id, ...spec });
      expect((await waitUntil(q, "training-jobs", again.body.id, ended, 60_000)).status).toBe("Completed");
      const log = (await q.api("GET", `/v1/training-jobs/${again.body.id}/logs?tail=200`)).body.lines as string[];
      expect(log.filter((l) => l.startsWith("[platform]"))).toEqual([`[platform] reusing Python environment ${ready()[0]} (1 requirement)`]);
    } finally {
      await q.close();
      process.env.MLPLATFORM_PYTHON_ENV_CACHE = shared;
      const { rmSync } = await import("node:fs");
      rmSync(dataDir, { recursive: true, force: true });
    }
  }, 300_000);

  // Without bubblewrap there is no sandbox to prove (scripts/toolchain.sh installs it where it can).
  it.skipIf(!bwrapBinary())("builds the environment in the sandbox: a requirement's build script sees no token and cannot write the allowed roots", async () => {
    // A local package whose setup.py reports what it can reach, then fails (so nothing is cached).
    const probe = join(p.root, "probe-pkg");
    mkdirSync(probe, { recursive: true });
    writeFileSync(
      join(probe, "setup.py"),
      `import os, sys
lines = ["probe: token " + ("VISIBLE" if os.path.exists(${JSON.stringify(join(p.dataDir, "token"))}) else "hidden")]
try:
    open(${JSON.stringify(join(p.root, "written-by-setup-py"))}, "w").write("x")
    lines.append("probe: root WRITABLE")
except OSError:
    lines.append("probe: root read-only")
sys.stderr.write("\\n".join(lines) + "\\n")
sys.exit(1)
`,
    );
    const job = await p.api("POST", "/v1/training-jobs", { name: "py-probe", command: ["python", "fit.py"], datasetId, python: { requirements: [probe] } });
    const done = await waitUntil(p, "training-jobs", job.body.id, ended, 180_000);
    expect(done.status).toBe("Failed");
    const log = (await logs(job.body.id)).join("\n");
    expect(log).toMatch(/probe: token hidden/);
    expect(log).toMatch(/probe: root read-only/);
    expect(existsSync(join(p.root, "written-by-setup-py"))).toBe(false);
  }, 240_000);

  it("fails a job whose requirements file is missing, naming it", async () => {
    const job = await p.api("POST", "/v1/training-jobs", { name: "py-nofile", command: ["python", "fit.py"], datasetId, python: { requirements: "nope.txt" } });
    const done = await waitUntil(p, "training-jobs", job.body.id, ended, 30_000);
    expect(done).toMatchObject({ status: "Failed", statusMessage: 'cannot read python.requirements file "nope.txt" in the working dir: ENOENT' });
  });
});
