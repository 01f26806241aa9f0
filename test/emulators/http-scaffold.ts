// The HTTP side every vendor emulator shares: a server on 127.0.0.1 at a free port, each request's body read
// whole before the vendor's handler sees it, the log of answered requests, the fault plan with its seeded
// draw, and the S3 store (moto) that stands in for the vendor's object storage. What the vendors do
// differently (routes, signatures, answer and error shapes, the codes a fault answers with) stays in each
// emulator's `handle`.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import { CreateBucketCommand, S3Client } from "@aws-sdk/client-s3";
import { FaultDraw, type Fault, type FaultPlan } from "./faults";

/** What the log keeps of every answered request; each emulator adds its vendor's fields. */
export interface AnsweredRequest {
  action: string;
  status: number;
  fault?: Fault;
}

export abstract class EmulatorServer<R extends AnsweredRequest> {
  readonly requests: R[] = [];
  faults: FaultPlan = { rate: 0, kinds: [] };
  endpoint = "";
  protected readonly s3: S3Client;
  private readonly dice: FaultDraw;
  private server?: Server;

  /** `store`: the S3 server and the region the vendor's buckets are in; `seed`: the fault draw's. */
  constructor(store: { endpoint: string; region: string }, seed: number) {
    this.s3 = new S3Client({ endpoint: store.endpoint, region: store.region, forcePathStyle: true, credentials: { accessKeyId: "emulator", secretAccessKey: "emulator" } });
    this.dice = new FaultDraw(seed);
  }

  async start(): Promise<string> {
    this.server = createServer((req, res) => void this.receive(req, res));
    await new Promise<void>((r) => this.server!.listen(0, "127.0.0.1", () => r()));
    this.endpoint = `http://127.0.0.1:${(this.server!.address() as { port: number }).port}`;
    return this.endpoint;
  }

  async stop(): Promise<void> {
    this.s3.destroy();
    await new Promise<void>((r) => (this.server ? this.server.close(() => r()) : r()));
  }

  /** Answered requests of one action (matching `pred`): what was sent, what failed. */
  count(action: string, pred: (r: R) => boolean = () => true): number {
    return this.requests.filter((r) => r.action === action && pred(r)).length;
  }

  /** Answers one request, its body read whole. */
  protected abstract handle(req: IncomingMessage, res: ServerResponse, body: Buffer): Promise<void>;

  /** Creates a bucket in the S3 store unless it is there already. */
  protected async ensureBucket(name: string): Promise<void> {
    await this.s3.send(new CreateBucketCommand({ Bucket: name })).catch((e) => {
      if (!/BucketAlready/.test(String(e?.name))) throw e;
    });
  }

  /** The fault this request gets from the plan (none, mostly), noted in its log record. */
  protected drawFault(record: R): Fault | undefined {
    record.fault = this.dice.draw(this.faults, record.action);
    return record.fault;
  }

  /** Sends the answer and logs the request with its status. */
  protected answer(res: ServerResponse, record: R, status: number, headers: Record<string, string>, body: string): void {
    record.status = status;
    this.requests.push(record);
    res.writeHead(status, headers);
    res.end(body);
  }

  private async receive(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    await this.handle(req, res, Buffer.concat(chunks));
  }
}
