// The prediction `mlplatform quickstart` makes: one Open Inference Protocol (KServe v2) request to the
// service's front endpoint, with the answer's label and probabilities read back.
import { createServer, type Server } from "node:http";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { inferBody, predict, SAMPLE_FLOWER } from "../../cli/quickstart";

let server: Server;
let endpoint = "";
let received: { url?: string; body?: any } = {};

beforeAll(async () => {
  server = createServer((req, res) => {
    let text = "";
    req.on("data", (c) => (text += c)).on("end", () => {
      received = { url: req.url, body: JSON.parse(text) };
      if (req.url !== "/v2/models/iris/infer") return res.writeHead(404).end('{"error":"no such model"}');
      res.writeHead(200, { "content-type": "application/json" }).end(
        JSON.stringify({
          model_name: "iris",
          model_version: "1",
          outputs: [
            { name: "label", datatype: "BYTES", shape: [1], data: ["setosa"] },
            { name: "probabilities", datatype: "FP32", shape: [1, 3], data: [0.9, 0.08, 0.02] },
          ],
        }),
      );
    });
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  endpoint = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
});
afterAll(() => void server.close());

describe("quickstart prediction", () => {
  it("sends one FP32 row shaped [1, features] and reads label and probabilities", async () => {
    const answer = await predict(endpoint, "iris", SAMPLE_FLOWER);
    expect(received.url).toBe("/v2/models/iris/infer");
    expect(received.body).toEqual({ inputs: [{ name: "input", datatype: "FP32", shape: [1, 4], data: [5.1, 3.5, 1.4, 0.2] }] });
    expect(received.body).toEqual(inferBody(SAMPLE_FLOWER));
    expect(answer).toEqual({ label: "setosa", probabilities: [0.9, 0.08, 0.02] });
  });

  it("fails with the status and body when the service refuses", async () => {
    await expect(predict(endpoint, "nope", SAMPLE_FLOWER)).rejects.toThrow(/HTTP 404 .*no such model/);
  });
});
