// A real S3 server for tests: moto's server (PyPI `moto[server]`, from the cached oracle venv) on 127.0.0.1,
// started per test file and ended with it. Cloud drivers upload to it with @aws-sdk/client-s3 as they would
// to TOS/OBS/BOS.
import { spawn, type ChildProcess } from "node:child_process";
import { createServer } from "node:net";
import { oraclePython } from "../../volcengine/oracle-venv";

export interface MotoServer {
  endpoint: string;
  stop(): Promise<void>;
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.on("error", reject);
    srv.listen(0, "127.0.0.1", () => {
      const port = (srv.address() as { port: number }).port;
      srv.close(() => resolve(port));
    });
  });
}

export async function startMoto(): Promise<MotoServer> {
  const python = oraclePython();
  const port = await freePort();
  const child: ChildProcess = spawn(python, ["-m", "moto.server", "-H", "127.0.0.1", "-p", String(port)], { stdio: ["ignore", "pipe", "pipe"] });
  let output = "";
  child.stdout!.on("data", (d) => (output += d));
  child.stderr!.on("data", (d) => (output += d));
  const endpoint = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 60_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`moto server exited with ${child.exitCode}:\n${output}`);
    try {
      const r = await fetch(endpoint + "/moto-api/");
      if (r.status < 500) break;
    } catch {
      /* not listening yet */
    }
    if (Date.now() > deadline) {
      child.kill("SIGKILL");
      throw new Error(`moto server did not answer in 60 s:\n${output}`);
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  return {
    endpoint,
    async stop() {
      if (child.exitCode !== null) return;
      const exited = new Promise((r) => child.once("exit", r));
      child.kill("SIGTERM");
      await Promise.race([exited, new Promise((r) => setTimeout(r, 5_000))]);
      if (child.exitCode === null) child.kill("SIGKILL");
    },
  };
}
