// Writes schemas/manifest.schema.json from the zod manifest schema, so editors validate and complete
// ml.yaml files (`# yaml-language-server: $schema=<path>/schemas/manifest.schema.json`).
// Run with `npm run schema` (compiles first); the file is committed so editors need no build.
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { z } from "zod";
import { Manifest } from "../schemas/manifest";

export function manifestJsonSchema(): Record<string, unknown> {
  // "input": what a user writes (defaults make properties optional), not what parsing produces.
  const schema = z.toJSONSchema(Manifest, { io: "input", target: "draft-2020-12" }) as Record<string, unknown>;
  return {
    ...schema,
    $id: "https://mlplatform.dev/schemas/manifest.schema.json",
    title: "mlplatform manifest (ml.yaml)",
  };
}

if (require.main === module) {
  // Compiled to dist/cli/: the repository root is two levels up. An explicit output path may be given.
  const out = process.argv[2] ?? join(__dirname, "..", "..", "schemas", "manifest.schema.json");
  writeFileSync(out, JSON.stringify(manifestJsonSchema(), null, 2) + "\n");
  console.log(`wrote ${out}`);
}
