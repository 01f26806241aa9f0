// The emulator's wire format, proven by the vendor's own Python SDK: `volcengine` (Service + SignerV4, the
// transport of the ML Platform SDK for API 2021-10-01) drives every action the driver uses against the
// emulator, uploading the model files to the S3 store (moto) with boto3 as the vendor SDK does; every call
// must be accepted and answered, and a request signed with a wrong secret must be refused.
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startMoto, type MotoServer } from "../emulators/s3/moto";
import { VolcengineEmulator } from "../emulators/volcengine/server";
import { runOracleScript } from "../emulators/oracle-script";
import { DRIVER_ACTIONS, oraclePython } from "./oracle-venv";

const AK = "AKLToracle";
const SK = "b3JhY2xlLXNlY3JldA==";
const REGION = "cn-beijing";

describe("Volcengine emulator driven by the vendor's Python SDK", () => {
  let moto: MotoServer;
  let emu: VolcengineEmulator;
  beforeAll(async () => {
    oraclePython();
    moto = await startMoto();
    emu = new VolcengineEmulator({ region: REGION, keys: { [AK]: SK }, s3Endpoint: moto.endpoint, delays: { serviceDeployMs: 100, serviceUpdateMs: 100 } });
    await emu.start();
  }, 15 * 60_000);
  afterAll(async () => {
    await emu?.stop();
    await moto?.stop();
  });

  it("accepts and answers every action the driver uses, and refuses a bad signature", async () => {
    const out = await runOracleScript(oraclePython(), join(__dirname, "oracle/drive_emulator.py"), [emu.endpoint, REGION, AK, SK, moto.endpoint]);
    const report = JSON.parse(out) as { calls: { action: string; ok: boolean; error?: unknown }[]; badSignature: { rejected: boolean; error?: string } };
    const failed = report.calls.filter((c) => !c.ok);
    expect(failed).toEqual([]);
    const sent = new Set(report.calls.map((c) => c.action));
    expect([...DRIVER_ACTIONS].filter((a) => !sent.has(a))).toEqual([]);
    // What the emulator saw is what the SDK sent, from the SDK's own user agent.
    const fromSdk = emu.requests.filter((r) => r.userAgent?.startsWith("volc-sdk-python/"));
    // (plus the script's unreported polls of GetService while the service is being deleted)
    expect(fromSdk.filter((r) => r.status === 200).length).toBeGreaterThanOrEqual(report.calls.length);
    expect(fromSdk.filter((r) => r.code === "SignatureDoesNotMatch").length).toBe(1);
    expect(report.badSignature.rejected).toBe(true);
    expect(report.badSignature.error).toContain("SignatureDoesNotMatch");
    console.log(`vendor SDK: ${report.calls.length} requests sent, ${report.calls.filter((c) => c.ok).length} accepted, ${sent.size} distinct actions; bad signature refused`);
  }, 180_000);
});
