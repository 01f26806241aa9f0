// Reads a manifest file into a YAML document that keeps node positions, and maps property paths back to
// line:column so schema and reference errors can point at the text the user wrote. Everything that can go
// wrong with the text itself is reported here, located and in plain words: CR/CRLF line endings are read
// as line breaks, control characters and NUL bytes are refused, nesting is capped (no stack overflow),
// aliases are allowed but their expansion is capped, duplicate keys are named, an unclosed quote is
// reported where it opens.
import { readFileSync, statSync } from "node:fs";
import { isAlias, isCollection, isMap, isPair, isScalar, isSeq, Lexer, LineCounter, Parser, parseDocument, type Document, type Node } from "yaml";
import { pathToString, type ManifestProblem } from "./problems";

/** Larger files are refused before parsing: a manifest is a page or two of YAML. */
export const MAX_MANIFEST_BYTES = 1024 * 1024;
/** Deeper nesting is refused: a manifest needs about six levels; the parser's recursion must stay bounded. */
export const MAX_NESTING_DEPTH = 64;
/** Values a document may expand to through aliases (each alias counts the values it stands for). */
export const MAX_ALIAS_EXPANSION = 10_000;

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
  const size = statSync(path).size;
  if (size > MAX_MANIFEST_BYTES) return tooLarge(displayName, size);
  return parseManifestText(readFileSync(path, "utf8"), displayName);
}

function tooLarge(file: string, size: number): ManifestSource {
  const problem = { file, line: 1, column: 1, path: "", message: `the file is ${size} bytes; manifests larger than ${MAX_MANIFEST_BYTES} bytes are refused (is this the right file?)` };
  return { file, doc: parseDocument(""), lines: new LineCounter(), value: undefined, syntaxProblems: [problem] };
}

export function parseManifestText(rawText: string, file: string): ManifestSource {
  if (Buffer.byteLength(rawText) > MAX_MANIFEST_BYTES) return tooLarge(file, Buffer.byteLength(rawText));
  // Old-Mac CR and Windows CRLF line endings are line breaks like LF (same offsets for every other char).
  // Lines and columns stay those of the file: the CR is dropped at a line's end.
  const text = rawText.replace(/\r\n?/g, "\n");
  const lines = new LineCounter();
  const at = (offset: number, message: string): ManifestProblem => {
    const { line, col } = lines.linePos(offset);
    return { file, line, column: col, path: "", message };
  };
  const problems: ManifestProblem[] = [];
  // Control characters (NUL above all) have no place in a manifest and would reach paths and commands.
  for (const m of text.matchAll(/[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]/g)) {
    problems.push({ file, ...posOf(text, m.index!), path: "", message: `control character U+${m[0].charCodeAt(0).toString(16).toUpperCase().padStart(4, "0")}${m[0] === "\0" ? " (NUL)" : ""} in the file; a manifest is plain text` });
    if (problems.length >= 10) break;
  }
  const deep = tooDeep(text);
  if (deep !== undefined) {
    problems.push({ file, ...posOf(text, deep), path: "", message: `nesting deeper than ${MAX_NESTING_DEPTH} levels; a manifest needs about six` });
    return { file, doc: parseDocument(""), lines, value: undefined, syntaxProblems: problems };
  }
  // uniqueKeys (the default) makes a duplicated key a syntax error rather than a silent override.
  const doc = parseDocument(text, { lineCounter: lines, prettyErrors: false, keepSourceTokens: false });
  const duplicates = duplicateKeyProblems(doc, at, (offset) => lines.linePos(offset).line);
  for (const e of doc.errors) {
    if (e.code === "DUPLICATE_KEY" && duplicates.length) continue;
    if (/end with an? [\]}]/.test(e.message)) {
      const opened = unclosedFlowAt(text, e.pos[0]);
      if (opened !== undefined) {
        problems.push(at(opened, `YAML: this ${text[opened]} is never closed (no matching ${text[opened] === "[" ? "]" : "}"} where the collection should end)`));
        continue;
      }
    }
    if (e.code === "MISSING_CHAR" && /quote/.test(e.message)) {
      const opened = unclosedQuoteAt(text, e.pos[0]);
      if (opened !== undefined) {
        problems.push(at(opened, `YAML: this quoted string is never closed (no matching ${text[opened]} before the end of the file)`));
        continue;
      }
    }
    problems.push(at(e.pos[0], `YAML: ${firstLine(e.message)}`));
  }
  problems.push(...duplicates);
  if (problems.length === 0) problems.push(...aliasProblems(doc, at));
  problems.sort((a, b) => a.line - b.line || a.column - b.column);
  const value = problems.length ? undefined : doc.toJS({ maxAliasCount: -1 });
  return { file, doc, lines, value, syntaxProblems: problems };
}

function posOf(text: string, offset: number): { line: number; column: number } {
  const before = text.slice(0, offset);
  const line = before.split("\n").length;
  return { line, column: offset - before.lastIndexOf("\n") };
}

/** Where nesting first goes deeper than the limit (walking the parser's CST without recursion), if it does. */
function tooDeep(text: string): number | undefined {
  type Cst = { type?: string; offset?: number; value?: unknown; items?: { key?: unknown; value?: unknown }[] };
  const stack: [Cst, number][] = [];
  for (const token of new Parser().parse(text)) stack.push([token as Cst, 0]);
  while (stack.length) {
    const [node, depth] = stack.pop()!;
    if (!node || typeof node !== "object") continue;
    const collection = node.type === "block-map" || node.type === "block-seq" || node.type === "flow-collection";
    const next = collection ? depth + 1 : depth;
    if (next > MAX_NESTING_DEPTH) return node.offset ?? 0;
    if (node.value && typeof node.value === "object") stack.push([node.value as Cst, next]);
    for (const item of node.items ?? []) {
      if (item.key && typeof item.key === "object") stack.push([item.key as Cst, next]);
      if (item.value && typeof item.value === "object") stack.push([item.value as Cst, next]);
    }
  }
  return undefined;
}

/** The offset of the innermost flow collection ([…] or {…}) opened before `errorAt` that has no end. */
function unclosedFlowAt(text: string, errorAt: number): number | undefined {
  type Cst = { type?: string; offset?: number; start?: { offset: number }; end?: unknown[]; value?: unknown; items?: { key?: unknown; value?: unknown }[] };
  const stack: Cst[] = [...(new Parser().parse(text) as Iterable<Cst>)];
  let found: number | undefined;
  while (stack.length) {
    const node = stack.pop()!;
    if (!node || typeof node !== "object") continue;
    if (node.type === "flow-collection" && !(node.end && node.end.length) && node.start && node.start.offset <= errorAt) {
      if (found === undefined || node.start.offset > found) found = node.start.offset;
    }
    if (node.value && typeof node.value === "object") stack.push(node.value as Cst);
    for (const item of node.items ?? []) {
      if (item.key && typeof item.key === "object") stack.push(item.key as Cst);
      if (item.value && typeof item.value === "object") stack.push(item.value as Cst);
    }
  }
  return found;
}

/** The offset of the quote that opens the unterminated string the parser complained about at `errorAt`. */
function unclosedQuoteAt(text: string, errorAt: number): number | undefined {
  let offset = 0;
  let found: number | undefined;
  for (const token of new Lexer().lex(text)) {
    // The lexer's control tokens (document start, scalar, flow end) take no room in the source.
    if (token === "\u0002" || token === "\u001f" || token === "\u0018") continue;
    if (offset > errorAt) break;
    if ((token[0] === '"' || token[0] === "'") && !closes(token)) found = offset;
    offset += token.length;
  }
  return found;
}

function closes(token: string): boolean {
  const q = token[0];
  if (token.length < 2 || !token.trimEnd().endsWith(q)) return false;
  if (q === "'") return true;
  const body = token.trimEnd().slice(1, -1);
  return !/(^|[^\\])(\\\\)*\\$/.test(body);
}

/** Each key written twice in one mapping, named, with the line of its first use. */
function duplicateKeyProblems(doc: Document.Parsed, at: (offset: number, message: string) => ManifestProblem, lineAt: (offset: number) => number): ManifestProblem[] {
  const problems: ManifestProblem[] = [];
  const stack: unknown[] = [doc.contents];
  while (stack.length) {
    const node = stack.pop();
    if (isMap(node)) {
      const first = new Map<string, number>();
      for (const pair of node.items) {
        const key = isScalar(pair.key) ? String(pair.key.value) : undefined;
        const offset = (pair.key as Node | null)?.range?.[0] ?? 0;
        if (key !== undefined) {
          if (first.has(key)) problems.push(at(offset, `duplicate key "${key}" (first written on line ${lineAt(first.get(key)!)}); a key may appear once per mapping`));
          else first.set(key, offset);
        }
        stack.push(pair.value);
      }
    } else if (isSeq(node)) stack.push(...node.items);
  }
  return problems;
}

/**
 * Aliases are fine (YAML's way to reuse a block), but an alias naming no anchor is an error, and the values
 * they stand for are counted: past MAX_ALIAS_EXPANSION the document is refused at the alias that crossed it.
 */
function aliasProblems(doc: Document.Parsed, at: (offset: number, message: string) => ManifestProblem): ManifestProblem[] {
  const problems: ManifestProblem[] = [];
  const sizes = new Map<unknown, number>();
  const visiting = new Set<unknown>();
  let total = 0;
  let reported = false;
  const size = (node: unknown): number => {
    if (isAlias(node)) {
      const target = node.resolve(doc);
      const offset = node.range?.[0] ?? 0;
      if (!target) {
        problems.push(at(offset, `alias *${node.source} names no anchor: &${node.source} must be defined before it is used`));
        return 1;
      }
      if (visiting.has(target)) {
        problems.push(at(offset, `alias *${node.source} refers to the collection that contains it`));
        return 1;
      }
      const n = size(target);
      total += n;
      if (total > MAX_ALIAS_EXPANSION && !reported) {
        reported = true;
        problems.push(at(offset, `aliases expand this document to more than ${MAX_ALIAS_EXPANSION} values (here: *${node.source} stands for ${n}); write the values out or alias less`));
      }
      return n;
    }
    if (sizes.has(node)) return sizes.get(node)!;
    let n = 1;
    if (isCollection(node)) {
      visiting.add(node);
      for (const item of node.items) {
        if (isPair(item)) n += size(item.key) + size(item.value);
        else n += size(item);
      }
      visiting.delete(node);
    }
    sizes.set(node, n);
    return n;
  };
  size(doc.contents);
  return problems;
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
      // `key:` with nothing after it: an empty scalar with no text of its own; point at the key then.
      if (isScalar(node) && node.value === null && node.range && node.range[0] === node.range[1]) node = null;
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
