// `node signature-process.js <format> <artifactPath>`: loads one artifact with its runtime, as a replica will,
// prints its signature as one JSON line ({ inputs, outputs } or { error }) and exits. The model controller runs
// this for large artifacts (readSignatureIsolated), so a 500 MiB ONNX graph is loaded in this short-lived
// process and not in the platform's (whose memory stays flat whatever the model's size).
import { readSignature } from "./index";

async function main(): Promise<void> {
  const [format, artifactPath] = process.argv.slice(2);
  try {
    const signature = await readSignature(format, artifactPath);
    process.stdout.write(JSON.stringify(signature) + "\n");
  } catch (err) {
    process.stdout.write(JSON.stringify({ error: (err as Error).message }) + "\n");
    process.exitCode = 1;
  }
}

void main();
