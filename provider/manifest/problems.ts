// Manifest problems carry their place in the file, so every message reads `file:line:column: path: what`.

export interface ManifestProblem {
  file: string;
  line: number;
  column: number;
  /** Property path in the manifest, dotted, with list indexes: `services.web.models.0.weight`. */
  path: string;
  message: string;
}

export function formatProblem(p: ManifestProblem): string {
  return `${p.file}:${p.line}:${p.column}: ${p.path ? p.path + ": " : ""}${p.message}`;
}

/** Thrown when a manifest is invalid; nothing has been declared when it is. Lists every problem found. */
export class ManifestError extends Error {
  constructor(readonly file: string, readonly problems: ManifestProblem[]) {
    const sorted = [...problems].sort((a, b) => a.line - b.line || a.column - b.column);
    super(
      `${file}: ${sorted.length} problem${sorted.length === 1 ? "" : "s"} in the manifest; nothing was deployed\n` +
        sorted.map(formatProblem).join("\n"),
    );
    this.name = "ManifestError";
    this.problems = sorted;
  }
}

export function pathToString(path: readonly PropertyKey[]): string {
  return path.map(String).join(".");
}
