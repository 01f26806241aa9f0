// Renders a ReviewReport as Markdown for a pull-request comment.
import type { PropertyChange, ResourceChange, ReviewReport } from "./report";
import type { ResourceOp } from "./steps";
import { versionTables } from "./versions";

const OP_LABEL: Record<ResourceOp, { symbol: string; verb: string }> = {
  create: { symbol: "+", verb: "create" },
  update: { symbol: "~", verb: "update in place" },
  replace: { symbol: "+-", verb: "replace" },
  delete: { symbol: "-", verb: "delete" },
  import: { symbol: "=", verb: "import" },
};

const OP_ORDER: ResourceOp[] = ["create", "update", "replace", "delete", "import"];

/** A marker other tools (the example workflow) can find to update the comment instead of adding one. */
export const REVIEW_MARKER = "<!-- mlplatform-review -->";

/** Inline code that survives backticks and pipes inside the value. */
export function inlineCode(text: string): string {
  if (text === "") return "";
  const escaped = text.replace(/\|/g, "\\|");
  const fence = escaped.includes("`") ? "``" : "`";
  const pad = escaped.startsWith("`") || escaped.endsWith("`") ? " " : "";
  return `${fence}${pad}${escaped}${pad}${fence}`;
}

export function summaryLine(report: ReviewReport): string {
  const parts = OP_ORDER.filter((op) => report.counts[op] > 0).map((op) => `${report.counts[op]} to ${op}`);
  const unchanged = report.unchanged > 0 ? ` · ${report.unchanged} unchanged` : "";
  return `**${parts.join(", ")}**${unchanged}`;
}

function propertyTable(properties: PropertyChange[]): string[] {
  if (properties.length === 0) return [];
  const replaces = properties.some((p) => p.forcesReplacement);
  const header = replaces ? "| property | old | new | |\n|---|---|---|---|" : "| property | old | new |\n|---|---|---|";
  const rows = properties.map((p) => {
    const cells = [inlineCode(p.property), p.kind === "add" ? "" : inlineCode(p.old), p.kind === "delete" ? "*(removed)*" : inlineCode(p.new)];
    if (replaces) cells.push(p.forcesReplacement ? "forces replacement" : "");
    return `| ${cells.join(" | ")} |`;
  });
  return [header, ...rows];
}

function resourceSection(r: ResourceChange): string[] {
  const { symbol, verb } = OP_LABEL[r.op];
  const lines = [`#### \`${symbol}\` ${verb} ${r.kind} ${inlineCode(r.name)}${r.condition ? " *(only if the condition below holds)*" : ""}`, ""];
  if (r.condition) lines.push(`*Happens only if ${r.condition}; otherwise nothing changes here.*`, "");
  const table = propertyTable(r.properties);
  if (table.length > 0) lines.push(...table, "");
  else if (r.op === "update" || r.op === "replace") lines.push("*(no input property differs; the provider reported a change)*", "");
  if (r.opaqueSecrets.length > 0) {
    lines.push(`*Secret ${r.opaqueSecrets.length === 1 ? "input" : "inputs"} ${r.opaqueSecrets.map(inlineCode).join(", ")}: the engine masks ${r.opaqueSecrets.length === 1 ? "its value" : "their values"}, so a change cannot be shown here.*`, "");
  }
  lines.push(`<sub>${r.urn}</sub>`, "");
  return lines;
}

/** GitHub refuses comments over 65,536 characters; stay well under it. */
export const DEFAULT_MAX_CHARS = 60_000;

export function renderReviewMarkdown(report: ReviewReport, opts: { maxChars?: number } = {}): string {
  const maxChars = opts.maxChars ?? DEFAULT_MAX_CHARS;
  const title = `### mlplatform review${report.stack ? ` — stack ${inlineCode(report.stack)}` : ""}`;
  const lines = [REVIEW_MARKER, title, ""];
  const failed = report.errors.length > 0;
  if (failed) {
    lines.push("**The preview failed:**", "", ...report.errors.map((e) => `- ${e.replace(/\n/g, " ")}`), "");
  }
  if (!report.hasChanges) {
    if (failed) lines.push("No change was planned before it stopped.", "");
    else lines.push(`No changes.${report.unchanged > 0 ? ` ${report.unchanged} resources are unchanged.` : ""}`, "");
    return lines.join("\n");
  }
  if (failed) lines.push("Changes planned before it stopped:", "");
  lines.push(summaryLine(report), "");
  const notes = [...report.resources.flatMap((r) => r.notes), ...report.promotions];
  if (notes.length > 0) lines.push("**What changes for the ML system**", "", ...notes.map((n) => `- ${n}`), "");
  if (report.versionChanges.length > 0) lines.push("**Model versions: metrics and perf figures**", "", ...versionTables(report.versionChanges, report.models));
  lines.push("<details open><summary>Changes by resource</summary>", "");
  // Sections are added while they fit; the summary and the ML statements above always do.
  let length = lines.join("\n").length + 200;
  let shown = 0;
  for (const r of report.resources) {
    const section = resourceSection(r).join("\n");
    if (length + section.length + 1 > maxChars) break;
    lines.push(section);
    length += section.length + 1;
    shown++;
  }
  const hidden = report.resources.length - shown;
  if (hidden > 0) {
    lines.push(`*${hidden} more ${hidden === 1 ? "resource is" : "resources are"} not shown here (comment size limit); run \`mlplatform review\` to see every change.*`, "");
  }
  lines.push("</details>", "");
  return lines.join("\n");
}
