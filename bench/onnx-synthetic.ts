// A synthetic ONNX model of any size, written without holding it in memory: y = x + w (x, y: float [N, 4]),
// plus `weightBytes` of pseudo-random float weights in an initializer no node uses (ONNX Runtime still reads
// and drops it, as it would load real weights). For benchmarks and tests of large registrations; the protobuf
// (ONNX's ModelProto) is written by hand: field tags, varints, length-delimited fields.
import { randomBytes } from "node:crypto";
import { closeSync, openSync, writeSync } from "node:fs";

function varint(n: number): Buffer {
  const out: number[] = [];
  while (n > 0x7f) {
    out.push((n & 0x7f) | 0x80);
    n = Math.floor(n / 128);
  }
  out.push(n);
  return Buffer.from(out);
}

/** A varint field, or the whole of a length-delimited one. */
function field(no: number, value: Buffer | string | number): Buffer {
  if (typeof value === "number") return Buffer.concat([varint(no << 3), varint(value)]);
  return Buffer.concat([varint((no << 3) | 2), varint(Buffer.byteLength(value)), Buffer.from(value)]);
}

/** Only the tag and length of a length-delimited field, for content written after it. */
const header = (no: number, length: number) => Buffer.concat([varint((no << 3) | 2), varint(length)]);

/** Writes the model to `path`; returns its size in bytes. */
export function writeSyntheticOnnx(path: string, weightBytes: number): number {
  const raw = weightBytes - (weightBytes % 4);
  const dim = (d: number | string) => field(1, typeof d === "number" ? field(1, d) : field(2, d));
  const tensorType = (dims: (number | string)[]) => field(1, Buffer.concat([field(1, 1), field(2, Buffer.concat(dims.map(dim)))]));
  const valueInfo = (name: string, dims: (number | string)[]) => Buffer.concat([field(1, name), field(2, tensorType(dims))]);
  const w = Buffer.alloc(16);
  [1, 2, 3, 4].forEach((v, i) => w.writeFloatLE(v, i * 4));
  // initializer "unused_weights": dims, data_type FLOAT, name, then raw_data (streamed).
  const bigHead = Buffer.concat([field(1, raw / 4), field(2, 1), field(8, "unused_weights"), header(9, raw)]);
  const bigLength = bigHead.length + raw;
  const graphHead = Buffer.concat([
    field(1, Buffer.concat([field(1, "x"), field(1, "w"), field(2, "y"), field(3, "add"), field(4, "Add")])),
    field(2, "synthetic"),
    field(5, Buffer.concat([field(1, 4), field(2, 1), field(8, "w"), field(9, w)])),
    header(5, bigLength),
    bigHead,
  ]);
  const graphTail = Buffer.concat([field(11, valueInfo("x", ["N", 4])), field(12, valueInfo("y", ["N", 4]))]);
  const graphLength = graphHead.length + raw + graphTail.length;
  const modelHead = Buffer.concat([field(1, 8), field(8, Buffer.concat([field(1, ""), field(2, 13)])), header(7, graphLength), graphHead]);
  const fd = openSync(path, "w");
  try {
    writeSync(fd, modelHead);
    for (let left = raw; left > 0; ) {
      const chunk = randomBytes(Math.min(4 * 2 ** 20, left));
      // Keep every float finite: the top byte's exponent bits below all-ones.
      for (let i = 3; i < chunk.length; i += 4) chunk[i] &= 0x3f;
      writeSync(fd, chunk);
      left -= chunk.length;
    }
    writeSync(fd, graphTail);
  } finally {
    closeSync(fd);
  }
  return modelHead.length + raw + graphTail.length;
}
