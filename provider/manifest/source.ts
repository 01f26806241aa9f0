// Reads a manifest file into a YAML document that keeps node positions, and maps property paths back to
// line:column so schema and reference errors can point at the text the user wrote.
import { readFileSync } from "node:fs";
import { isMap, isPair, isScalar, isSeq, LineCounter, parseDocument, type Document, type Node } from "yaml";
import { pathToString, type ManifestProblem } from "./problems";

export interface ManifestSource {
  /** The file name as shown in messages (as given by the caller). */
  file: string;
  doc: Document.Parsed;
  lines: LineCounter;
  /** The parsed value (plain JS), or undefined when the YAML itself is broken. */
  value: unknown;
  /** YAML syntax problems; when any, `value` must not be used. */
  syntaxProblems: ManifestProblem[];
}

export function readManifestSource(path: string, displayName = path): ManifestSource {
  return parseManifestText(readFileSync(path, "utf8"), displayName);
}

export function parseManifestText(text: string, file: string): ManifestSource {
  const lines = new LineCounter();
  // uniqueKeys (the default) makes a duplicated key a syntax error rather than a silent override.
  const doc = parseDocument(text, { lineCounter: lines, prettyErrors: false, keepSourceTokens: false });
  const syntaxProblems: ManifestProblem[] = doc.errors.map((e) => {
    const { line, col } = lines.linePos(e.pos[0]);
    return { file, line, column: col, path: "", message: `YAML: ${firstLine(e.message)}` };
  });
  return { file, doc, lines, value: syntaxProblems.length ? undefined : doc.toJS(), syntaxProblems };
}

function firstLine(s: string): string {
  return s.split("\n")[0].replace(/ at line \d+, column \d+:?$/, "");
}

/**
 * Where a property path points. When the path runs past what the file contains (a missing property),
 * `exists` is false and the position is the deepest node that does exist.
 */
export function locate(src: ManifestSource, path: readonly PropertyKey[], at: "value" | "key" = "value"): { line: number; column: number; exists: boolean } {
  let node: Node | null | undefined = src.doc.contents as Node | null;
  let keyNode: Node | undefined;
  let exists = true;
  for (const [depth, segment] of path.entries()) {
    if (isMap(node)) {
      const pair = node.items.find((p) => isPair(p) && isScalar(p.key) && String(p.key.value) === String(segment));
      if (!pair) {
        exists = false;
        break;
      }
      keyNode = pair.key as Node;
      node = pair.value as Node | null;
      // `key:` with no value has a null value node; point at the key then.
      if (!node) {
        node = keyNode;
        if (depth !== path.length - 1) exists = false;
        if (!exists) break;
      }
    } else if (isSeq(node)) {
      const item = node.items[Number(segment)] as Node | undefined;
      if (!item) {
        exists = false;
        break;
      }
      keyNode = undefined;
      node = item;
    } else {
      exists = false;
      break;
    }
  }
  const target = at === "key" && exists && keyNode ? keyNode : node;
  const offset = target?.range?.[0] ?? 0;
  const { line, col } = src.lines.linePos(offset);
  return { line, column: col, exists };
}

export function problemAt(src: ManifestSource, path: readonly PropertyKey[], message: string, at: "value" | "key" = "value"): ManifestProblem {
  const { line, column } = locate(src, path, at);
  return { file: src.file, line, column, path: pathToString(path), message };
}
