// A vendor-SDK script driving an emulator (test/<vendor>/oracle/drive_emulator.py): run asynchronously,
// because the emulator it calls answers from this same process. When a call is refused the script stops and
// has printed its report so far, which becomes the error: it shows which call and why.
import { execFile } from "node:child_process";
import { promisify } from "node:util";

/** The script's standard output (its JSON report). */
export async function runOracleScript(python: string, script: string, args: string[]): Promise<string> {
  try {
    return (await promisify(execFile)(python, [script, ...args], { encoding: "utf8", timeout: 120_000 })).stdout;
  } catch (e) {
    throw new Error(`the vendor SDK run stopped: ${(e as { stdout?: string }).stdout || (e as Error).message}`);
  }
}
