// The emulator's wire format, proven by the vendor's own Python SDK: huaweicloudsdkmodelarts' ModelArtsClient
// (huaweicloudsdkcore transport, BasicCredentials with AK/SK + project id, its SDK-HMAC-SHA256 signer) drives
// every call the driver uses against the emulator - training jobs through its generated operations (its request
// models serialised, its response models parsed), v2 datasets, v1 models and classic v1 services through
// call_api() (they have no generated operation) - and must be accepted and answered; a deployed model's delete must be refused with
// ModelArts.3009, and a request signed with a wrong secret must be refused with 401 APIGW.0301.
import { join } from "node:path";
import { PutObjectCommand, S3Client } from "@aws-sdk/client-s3";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startMoto, type MotoServer } from "../emulators/s3/moto";
import { ModelArtsEmulator } from "../emulators/modelarts/server";
import { runOracleScript } from "../emulators/oracle-script";
import { modelartsOraclePython } from "./oracle-venv";

const AK = "HPUAORACLEAK";
const SK = "oracleSecretKey0123";
const PROJECT = "0a1b2c3d4e5f60718293a4b5c6d7e8f9";
const BUCKET = "oracle-bucket";

/** The training-job calls the driver sends: the vendor SDK sends each through its generated operation. */
export const TRAINING_CALLS = [
  "ShowTrainingJobFlavors", "CreateTrainingJob", "ListTrainingJobs", "ShowTrainingJobDetails", "ChangeTrainingJobDescription",
  "ShowTrainingJobLogsPreview", "ShowTrainingJobMetrics", "StopTrainingJob", "DeleteTrainingJob"];
/** Every call the driver (sdk/modelarts) sends; the vendor SDK must have sent each of them. */
export const DRIVER_CALLS = [
  "CreateDataset", "ListDatasets", "ShowDataset", "UpdateDataset", "CreateDatasetVersion", "ListDatasetVersions", "DeleteDataset",
  "CreateImportTask", "ListImportTasks", "ShowImportTask",
  "CreateModel", "ListModels", "ShowModel", "DeleteModel", "ListSpecifications", "CreateService", "ListServices", "ShowService", "UpdateService", "DeleteService",
  ...TRAINING_CALLS];

describe("ModelArts emulator driven by the vendor's Python SDK", () => {
  let moto: MotoServer;
  let emu: ModelArtsEmulator;
  beforeAll(async () => {
    modelartsOraclePython();
    moto = await startMoto();
    emu = new ModelArtsEmulator({ projectId: PROJECT, keys: { [AK]: SK }, s3Endpoint: moto.endpoint, bucket: BUCKET, delays: { modelPublishMs: 100, serviceDeployMs: 100, serviceDeleteMs: 100, trainingPhaseMs: 100 } });
    await emu.start();
    const s3 = new S3Client({ endpoint: moto.endpoint, region: "cn-north-4", forcePathStyle: true, credentials: { accessKeyId: "t", secretAccessKey: "t" } });
    await s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: "oracle/model/model.onnx", Body: "bytes" }));
    await s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: "oracle/data/iris.csv", Body: "a,b\n1,2\n" }));
    await s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: "oracle/code/train.py", Body: "print('train')\n" }));
    s3.destroy();
  }, 15 * 60_000);
  afterAll(async () => {
    await emu?.stop();
    await moto?.stop();
  });

  it("accepts and answers every call the driver uses, refuses deleting a deployed model (3009) and a bad signature", async () => {
    const out = await runOracleScript(modelartsOraclePython(), join(__dirname, "oracle/drive_emulator.py"), [
      emu.endpoint, AK, SK, PROJECT, `obs://${BUCKET}/oracle/model/`, `obs://${BUCKET}/oracle/data/`, `obs://${BUCKET}/oracle/code/`,
    ]);
    const report = JSON.parse(out) as { calls: { action: string; ok: boolean; error?: string }[]; badSignature: { rejected: boolean; error?: string } };
    expect(report.calls.filter((c) => !c.ok)).toEqual([]);
    const sent = new Set(report.calls.map((c) => c.action.replace(/\(.*\)$/, "")));
    expect(DRIVER_CALLS.filter((a) => !sent.has(a))).toEqual([]);
    expect(report.calls.find((c) => c.action === "DeleteModel(in use)")?.error).toContain("ModelArts.3009");
    const fromSdk = emu.requests.filter((r) => r.userAgent?.startsWith("huaweicloud-usdk-python/"));
    expect(fromSdk.filter((r) => r.status >= 200 && r.status < 300).length).toBe(report.calls.length - 1);
    expect(fromSdk.filter((r) => r.code === "APIGW.0301")).toHaveLength(1);
    expect(report.badSignature).toMatchObject({ rejected: true });
    expect(report.badSignature.error).toContain("APIGW.0301");
    expect(emu.models.size).toBe(0);
    expect(emu.trainingJobs.size).toBe(0);
    const training = emu.requests.filter((r) => TRAINING_CALLS.includes(r.action) && r.userAgent?.startsWith("huaweicloud-usdk-python/"));
    console.log(`vendor SDK generated training-job operations: ${training.length} sent, ${training.filter((r) => r.status >= 200 && r.status < 300).length} accepted (${[...new Set(training.map((r) => r.action))].join(", ")})`);
    expect(emu.liveServices()).toEqual([]);
    await new Promise((r) => setTimeout(r, 300));
    expect(emu.liveDatasets()).toEqual([]);
    console.log(`vendor SDK: ${report.calls.length} requests sent, ${report.calls.filter((c) => c.ok).length} accepted (one of them the expected 3009 refusal), ${sent.size} distinct calls; bad signature refused`);
  }, 180_000);
});
