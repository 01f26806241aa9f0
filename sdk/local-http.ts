// One exchange with the local platform over node:http(s): the request with its whole-exchange timeout, the
// answer's status, headers and text, or NoAnswer with the socket's error code. Retries, typed errors and
// JSON are the driver's (sdk/local.ts, sdk/retry.ts).
//
// Node's own client rather than got (until 2026-12): a refresh of 1,000 resources makes ~270 platform
// requests inside the dynamic-provider process, whose main thread is the bottleneck of that operation;
// got cost ~0.95 ms of CPU per request there and ~160 ms to load, node:http ~0.27 ms and nothing to load
// (issue 18 §2, bench/README.md). Connections are kept alive by Node's global agent (its default since
// Node 19), as they were with got.
import { request as httpRequest, type IncomingHttpHeaders } from "node:http";
import { request as httpsRequest } from "node:https";

export interface Answer {
  status: number;
  headers: IncomingHttpHeaders;
  text: string;
}

/** No answer came: `code` is the socket's (ECONNREFUSED, ECONNRESET, ...) or ETIMEDOUT for the timeout. */
export class NoAnswer extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = "NoAnswer";
  }
}

export function exchange(url: URL, method: string, headers: Record<string, string>, body: string | undefined, timeoutMs: number): Promise<Answer> {
  return new Promise<Answer>((resolve, reject) => {
    const fail = (e: NodeJS.ErrnoException) => {
      clearTimeout(timer);
      reject(e instanceof NoAnswer ? e : new NoAnswer(e.code ?? "ECONNRESET", e.message));
    };
    const send = url.protocol === "https:" ? httpsRequest : httpRequest;
    const sized = body === undefined ? headers : { ...headers, "content-type": "application/json", "content-length": String(Buffer.byteLength(body)) };
    const req = send(url, { method, headers: sized }, (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (chunk: Buffer) => chunks.push(chunk));
      // A connection dropped mid-answer: "aborted" (ECONNRESET) from the response.
      res.on("error", fail);
      res.on("end", () => {
        clearTimeout(timer);
        resolve({ status: res.statusCode ?? 0, headers: res.headers, text: Buffer.concat(chunks).toString("utf8") });
      });
    });
    const timer = setTimeout(() => req.destroy(new NoAnswer("ETIMEDOUT", `no answer within ${timeoutMs} ms`)), timeoutMs);
    req.on("error", fail);
    req.end(body);
  });
}
