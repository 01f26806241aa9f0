// Inline SVG charts for the console (no scripts, no CDN: the page must work with no network).
import { esc } from "./html";

const PALETTE = ["#2563eb", "#dc2626", "#16a34a", "#9333ea", "#ea580c", "#0891b2"];

function fmt(v: number): string {
  return Math.abs(v) >= 1000 ? v.toFixed(0) : String(Number(v.toPrecision(3)));
}

export interface Series {
  name: string;
  points: { x: number; y: number }[];
}

/** A line chart of one or more series sharing axes (training curves: value over step). */
export function lineChart(title: string, series: Series[], width = 320, height = 180): string {
  const all = series.flatMap((s) => s.points);
  if (all.length === 0) return "";
  const pad = { l: 46, r: 10, t: 22, b: 24 };
  const [x0, x1] = [Math.min(...all.map((p) => p.x)), Math.max(...all.map((p) => p.x))];
  const [y0, y1] = [Math.min(...all.map((p) => p.y)), Math.max(...all.map((p) => p.y))];
  const sx = (x: number) => pad.l + ((x - x0) / (x1 - x0 || 1)) * (width - pad.l - pad.r);
  const sy = (y: number) => height - pad.b - ((y - y0) / (y1 - y0 || 1)) * (height - pad.t - pad.b);
  const lines = series.map((s, i) => {
    const color = PALETTE[i % PALETTE.length];
    const pts = [...s.points].sort((a, b) => a.x - b.x).map((p) => `${sx(p.x).toFixed(1)},${sy(p.y).toFixed(1)}`).join(" ");
    return `<polyline class="series" data-series="${esc(s.name)}" fill="none" stroke="${color}" stroke-width="2" points="${pts}"/>`;
  });
  // A single series is named by the title already.
  const legend = series.length > 1 ? series.map((s, i) => `<tspan fill="${PALETTE[i % PALETTE.length]}">■ ${esc(s.name)} </tspan>`).join("") : "";
  return `<svg class="chart" role="img" aria-label="${esc(title)}" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}">
<text x="${pad.l}" y="14" font-size="12" font-weight="600">${esc(title)} <tspan font-weight="400">${legend}</tspan></text>
<line x1="${pad.l}" y1="${height - pad.b}" x2="${width - pad.r}" y2="${height - pad.b}" stroke="#999"/>
<line x1="${pad.l}" y1="${pad.t}" x2="${pad.l}" y2="${height - pad.b}" stroke="#999"/>
<text x="${pad.l - 4}" y="${pad.t + 4}" font-size="10" text-anchor="end">${fmt(y1)}</text>
<text x="${pad.l - 4}" y="${height - pad.b}" font-size="10" text-anchor="end">${fmt(y0)}</text>
<text x="${pad.l}" y="${height - 8}" font-size="10">step ${fmt(x0)}</text>
<text x="${width - pad.r}" y="${height - 8}" font-size="10" text-anchor="end">${fmt(x1)}</text>
${lines.join("\n")}
</svg>`;
}

export interface BarGroup {
  label: string;
  values: { name: string; value: number | undefined }[];
}

/** Grouped vertical bars (perf: p50/p90/p99 per task, or throughput per task). */
export function barChart(title: string, unit: string, groups: BarGroup[], width = 320, height = 200): string {
  const values = groups.flatMap((g) => g.values.map((v) => v.value ?? 0));
  if (values.length === 0) return "";
  const pad = { l: 46, r: 10, t: 22, b: 34 };
  const max = Math.max(...values) || 1;
  const names = [...new Set(groups.flatMap((g) => g.values.map((v) => v.name)))];
  const groupWidth = (width - pad.l - pad.r) / groups.length;
  const barWidth = Math.max(4, (groupWidth - 8) / names.length);
  const plotH = height - pad.t - pad.b;
  const bars = groups.flatMap((g, gi) =>
    g.values.map((v) => {
      const ni = names.indexOf(v.name);
      const h = ((v.value ?? 0) / max) * plotH;
      const x = pad.l + gi * groupWidth + 4 + ni * barWidth;
      return `<rect class="bar" data-task="${esc(g.label)}" data-metric="${esc(v.name)}" x="${x.toFixed(1)}" y="${(height - pad.b - h).toFixed(1)}" width="${(barWidth - 1).toFixed(1)}" height="${h.toFixed(1)}" fill="${PALETTE[ni % PALETTE.length]}"><title>${esc(g.label)} ${esc(v.name)}: ${v.value === undefined ? "n/a" : fmt(v.value)} ${esc(unit)}</title></rect>`;
    }),
  );
  const labels = groups.map((g, gi) => `<text x="${(pad.l + gi * groupWidth + groupWidth / 2).toFixed(1)}" y="${height - pad.b + 14}" font-size="10" text-anchor="middle">${esc(g.label)}</text>`);
  const legend = names.length > 1 ? names.map((n, i) => `<tspan fill="${PALETTE[i % PALETTE.length]}">■ ${esc(n)} </tspan>`).join("") : "";
  return `<svg class="chart" role="img" aria-label="${esc(title)}" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}">
<text x="${pad.l}" y="14" font-size="12" font-weight="600">${esc(title)} (${esc(unit)}) <tspan font-weight="400">${legend}</tspan></text>
<line x1="${pad.l}" y1="${height - pad.b}" x2="${width - pad.r}" y2="${height - pad.b}" stroke="#999"/>
<text x="${pad.l - 4}" y="${pad.t + 4}" font-size="10" text-anchor="end">${fmt(max)}</text>
<text x="${pad.l - 4}" y="${height - pad.b}" font-size="10" text-anchor="end">0</text>
${bars.join("\n")}
${labels.join("\n")}
</svg>`;
}
