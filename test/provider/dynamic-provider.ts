// Drives Pulumi's own dynamic-provider process (@pulumi/pulumi/cmd/dynamic-provider) over gRPC, the way
// the engine does; the `__provider` of each request is the caller's (the shim of provider/shim.ts, or one of
// an earlier release).
import { spawn, type ChildProcess } from "node:child_process";
import * as grpc from "@grpc/grpc-js";

const provrpc = require("@pulumi/pulumi/proto/provider_grpc_pb");
const provproto = require("@pulumi/pulumi/proto/provider_pb");
const statusproto = require("@pulumi/pulumi/proto/status_pb");
const { Struct } = require("google-protobuf/google/protobuf/struct_pb");

export interface InitFailure {
  message: string;
  id: string;
  properties: Record<string, any>;
  reasons: string[];
}

export class DynamicProviderProcess {
  private constructor(
    private readonly child: ChildProcess,
    private readonly client: any,
    readonly output: () => string,
  ) {}

  static async start(cwd: string, env: NodeJS.ProcessEnv): Promise<DynamicProviderProcess> {
    const entry = require.resolve("@pulumi/pulumi/cmd/dynamic-provider");
    const child = spawn(process.execPath, [entry, "127.0.0.1:1"], { cwd, env, stdio: ["ignore", "pipe", "pipe"] });
    let out = "";
    child.stderr!.on("data", (d) => (out += d));
    const port = await new Promise<number>((resolve, reject) => {
      let buf = "";
      child.stdout!.on("data", (d) => {
        buf += d;
        out += d;
        const line = buf.split("\n")[0];
        if (buf.includes("\n") && /^\d+$/.test(line.trim())) resolve(Number(line));
      });
      child.once("exit", (code) => reject(new Error(`dynamic provider exited with ${code}: ${out}`)));
    });
    const client = new provrpc.ResourceProviderClient(`127.0.0.1:${port}`, grpc.credentials.createInsecure());
    return new DynamicProviderProcess(child, client, () => out);
  }

  private call<T>(method: string, req: unknown): Promise<T> {
    // A deadline, so a provider that never answers fails the test instead of hanging it.
    const options = { deadline: Date.now() + 30_000 };
    return new Promise((resolve, reject) => this.client[method](req, new grpc.Metadata(), options, (err: any, resp: T) => (err ? reject(err) : resolve(resp))));
  }

  async configure(config: Record<string, string>): Promise<void> {
    const req = new provproto.ConfigureRequest();
    req.setArgs(Struct.fromJavaScript(config));
    await this.call("configure", req);
  }

  async check(urn: string, olds: object, news: object): Promise<{ inputs: Record<string, any>; failures: { property: string; reason: string }[] }> {
    const req = new provproto.CheckRequest();
    req.setUrn(urn);
    req.setOlds(Struct.fromJavaScript(olds));
    req.setNews(Struct.fromJavaScript(news));
    const resp: any = await this.call("check", req);
    return {
      inputs: resp.getInputs().toJavaScript(),
      failures: resp.getFailuresList().map((f: any) => ({ property: f.getProperty(), reason: f.getReason() })),
    };
  }

  async diff(urn: string, id: string, olds: object, news: object): Promise<{ changes: "none" | "some" | "unknown"; replaces: string[]; deleteBeforeReplace: boolean }> {
    const req = new provproto.DiffRequest();
    req.setUrn(urn);
    req.setId(id);
    req.setOlds(Struct.fromJavaScript(olds));
    req.setNews(Struct.fromJavaScript(news));
    const resp: any = await this.call("diff", req);
    const C = provproto.DiffResponse.DiffChanges;
    const changes = resp.getChanges() === C.DIFF_SOME ? "some" : resp.getChanges() === C.DIFF_NONE ? "none" : "unknown";
    return { changes, replaces: resp.getReplacesList(), deleteBeforeReplace: resp.getDeletebeforereplace() };
  }

  async create(urn: string, props: object): Promise<{ id: string; properties: Record<string, any> }> {
    const req = new provproto.CreateRequest();
    req.setUrn(urn);
    req.setProperties(Struct.fromJavaScript(props));
    try {
      const resp: any = await this.call("create", req);
      return { id: resp.getId(), properties: resp.getProperties().toJavaScript() };
    } catch (e) {
      throw initFailure(e) ?? e;
    }
  }

  async read(urn: string, id: string, props: object): Promise<{ id: string; properties: Record<string, any>; inputs?: Record<string, any> }> {
    const req = new provproto.ReadRequest();
    req.setUrn(urn);
    req.setId(id);
    req.setProperties(Struct.fromJavaScript(props));
    const resp: any = await this.call("read", req);
    return { id: resp.getId(), properties: resp.getProperties()?.toJavaScript() ?? {}, inputs: resp.getInputs()?.toJavaScript() };
  }

  async update(urn: string, id: string, olds: object, news: object): Promise<Record<string, any>> {
    const req = new provproto.UpdateRequest();
    req.setUrn(urn);
    req.setId(id);
    req.setOlds(Struct.fromJavaScript(olds));
    req.setNews(Struct.fromJavaScript(news));
    try {
      const resp: any = await this.call("update", req);
      return resp.getProperties().toJavaScript();
    } catch (e) {
      throw initFailure(e) ?? e;
    }
  }

  async delete(urn: string, id: string, props: object): Promise<void> {
    const req = new provproto.DeleteRequest();
    req.setUrn(urn);
    req.setId(id);
    req.setProperties(Struct.fromJavaScript(props));
    await this.call("delete", req);
  }

  async stop(): Promise<void> {
    this.client.close();
    if (this.child.exitCode !== null) return;
    const exited = new Promise((r) => this.child.once("exit", r));
    this.child.kill("SIGTERM");
    await Promise.race([exited, new Promise((r) => setTimeout(r, 5_000))]);
    if (this.child.exitCode === null) this.child.kill("SIGKILL");
  }
}

/** The partial-failure detail the engine reads (ErrorResourceInitFailed in grpc-status-details-bin). */
function initFailure(e: any): (Error & InitFailure) | undefined {
  const bin = e?.metadata?.get?.("grpc-status-details-bin")?.[0];
  if (!bin) return undefined;
  const status = statusproto.Status.deserializeBinary(new Uint8Array(bin));
  const any = status.getDetailsList()[0];
  const detail = any.unpack(provproto.ErrorResourceInitFailed.deserializeBinary, "pulumirpc.ErrorResourceInitFailed");
  return Object.assign(new Error(status.getMessage()), {
    id: detail.getId(),
    properties: detail.getProperties()?.toJavaScript() ?? {},
    reasons: detail.getReasonsList(),
  });
}
