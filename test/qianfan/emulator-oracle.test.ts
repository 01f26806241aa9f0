// The emulator's wire format, proven by the vendor's own Python SDK: the `qianfan` console resources V2
// (signed by bce-python-sdk's bce-auth-v1 signer) drive every action the driver uses against the emulator,
// uploading the dataset file to the S3 store (moto) with boto3; every call must be accepted and answered,
// and a request signed with a wrong secret must be refused with the vendor's auth error.
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startMoto, type MotoServer } from "../emulators/s3/moto";
import { QianfanEmulator } from "../emulators/qianfan/server";
import { runOracleScript } from "../emulators/oracle-script";
import { DRIVER_ACTIONS, qianfanPython } from "./oracle-venv";

const AK = "qianfan-oracle-ak";
const SK = "qianfan-oracle-sk";
const BUCKET = "oracle-bucket";

describe("Qianfan emulator driven by the vendor's Python SDK", () => {
  let moto: MotoServer;
  let emu: QianfanEmulator;
  beforeAll(async () => {
    qianfanPython();
    moto = await startMoto();
    emu = new QianfanEmulator({ keys: { [AK]: SK }, s3Endpoint: moto.endpoint, delays: { trainMs: 200 } });
    await emu.start();
    await emu.createBucket(BUCKET);
  }, 15 * 60_000);
  afterAll(async () => {
    await emu?.stop();
    await moto?.stop();
  });

  it("accepts and answers every action the driver uses, and refuses a bad signature", async () => {
    const out = await runOracleScript(qianfanPython(), join(__dirname, "oracle/drive_emulator.py"), [emu.endpoint, AK, SK, moto.endpoint, BUCKET]);
    const report = JSON.parse(out.trim().split("\n").pop()!) as { calls: { action: string; ok: boolean }[]; badSignature: { rejected: boolean; error?: string } };
    expect(report.calls.filter((c) => !c.ok)).toEqual([]);
    const sent = new Set(report.calls.map((c) => c.action));
    expect(DRIVER_ACTIONS.filter((a) => !sent.has(a))).toEqual([]);
    // What the emulator saw came from the SDK itself (its request-source header), signed and accepted.
    const fromSdk = emu.requests.filter((r) => r.requestSource?.startsWith("qianfan_py_sdk_v"));
    expect(fromSdk.filter((r) => r.status === 200).length).toBe(report.calls.length);
    expect(fromSdk.filter((r) => r.code === 500002)).toHaveLength(1);
    expect(report.badSignature.rejected).toBe(true);
    console.log(`vendor SDK: ${report.calls.length} requests sent, ${report.calls.filter((c) => c.ok).length} accepted, ${sent.size} distinct actions; bad signature refused`);
  }, 180_000);
});
