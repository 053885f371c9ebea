/**
 * Charts drawn on the server as SVG: no client library, no style attributes (the CSP has
 * no 'unsafe-inline'), only presentation attributes, so they print and work without
 * JavaScript. Each chart carries <title> and <desc> (what a screen reader or a printed
 * page without colour still conveys) and mirrors for right-to-left pages: time runs from
 * right to left, bars grow from the right edge.
 */

export const xml = (s: string | number) =>
  String(s).replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);

const fmtNum = (n: number) => (Number.isInteger(n) ? String(n) : n.toFixed(1));

let seq = 0;
const nextId = (prefix: string) => `${prefix}-${++seq}`;

export interface ChartText {
  title: string;
  /** a sentence summarising the data (also read by screen readers) */
  desc: string;
  dir: 'rtl' | 'ltr';
  /** written after a value, e.g. "%" */
  unit?: string;
}

function open(width: number, height: number, t: ChartText, cls: string) {
  const tid = nextId('chart-t');
  const did = nextId('chart-d');
  return {
    head:
      `<svg xmlns="http://www.w3.org/2000/svg" class="chart ${cls}" viewBox="0 0 ${width} ${height}" ` +
      `width="100%" preserveAspectRatio="xMidYMid meet" role="img" aria-labelledby="${tid} ${did}" ` +
      `aria-label="${xml(t.title)}" direction="${t.dir}" font-family="sans-serif" font-size="12">` +
      `<title id="${tid}">${xml(t.title)}</title><desc id="${did}">${xml(t.desc)}</desc>`,
    tail: '</svg>',
  };
}

/** Horizontal bars, one per item: labels at the start side, values after the bar. */
export function barChart(items: { label: string; value: number }[], t: ChartText): string {
  const width = 640;
  const rowH = 26;
  const labelW = 180;
  const valueW = 60;
  const height = Math.max(1, items.length) * rowH + 16;
  const { head, tail } = open(width, height, t, 'chart-bars');
  const max = Math.max(1, ...items.map((i) => i.value));
  const barMax = width - labelW - valueW - 16;
  const rtl = t.dir === 'rtl';
  const parts: string[] = [head];
  if (items.length === 0) {
    parts.push(`<text x="${width / 2}" y="24" text-anchor="middle" fill="#555">—</text>`);
  }
  items.forEach((item, i) => {
    const y = 8 + i * rowH;
    const w = Math.round((item.value / max) * barMax);
    const value = `${fmtNum(item.value)}${t.unit ?? ''}`;
    // start side: right in RTL, left in LTR
    const labelX = rtl ? width - 4 : 4;
    const barX = rtl ? width - labelW - w : labelW;
    const valueX = rtl ? width - labelW - w - 6 : labelW + w + 6;
    parts.push(
      `<g class="bar"><title>${xml(item.label)}: ${xml(value)}</title>` +
        `<text x="${labelX}" y="${y + 16}" text-anchor="${rtl ? 'end' : 'start'}" fill="#222">${xml(truncate(item.label, 28))}</text>` +
        `<rect x="${barX}" y="${y + 3}" width="${Math.max(w, 1)}" height="${rowH - 8}" fill="#0f5c4d" stroke="#0f5c4d"/>` +
        `<text x="${valueX}" y="${y + 16}" text-anchor="${rtl ? 'end' : 'start'}" fill="#222">${xml(value)}</text></g>`,
    );
  });
  parts.push(tail);
  return parts.join('');
}

/** A line over time (oldest first in `points`); null values leave a gap. */
export function lineChart(points: { label: string; value: number | null }[], t: ChartText & { max?: number }): string {
  const width = 640;
  const height = 240;
  const pad = { top: 16, bottom: 48, side: 44 };
  const { head, tail } = open(width, height, t, 'chart-line');
  const rtl = t.dir === 'rtl';
  const max = t.max ?? Math.max(1, ...points.map((p) => p.value ?? 0));
  const plotW = width - pad.side * 2;
  const plotH = height - pad.top - pad.bottom;
  const step = points.length > 1 ? plotW / (points.length - 1) : 0;
  // in RTL time runs from right to left
  const xOf = (i: number) => (rtl ? width - pad.side - i * step : pad.side + i * step);
  const yOf = (v: number) => pad.top + plotH - (v / max) * plotH;
  const parts: string[] = [head];
  // grid and scale at 0, 50 %, 100 % of max
  for (const f of [0, 0.5, 1]) {
    const y = yOf(max * f);
    parts.push(
      `<line x1="${pad.side}" x2="${width - pad.side}" y1="${y}" y2="${y}" stroke="#bbb" stroke-width="1" stroke-dasharray="3 3"/>` +
        `<text x="${rtl ? width - pad.side + 6 : pad.side - 6}" y="${y + 4}" text-anchor="${rtl ? 'start' : 'end'}" fill="#555">${fmtNum(max * f)}${xml(t.unit ?? '')}</text>`,
    );
  }
  // the line, broken where a month has no data
  let d = '';
  let penUp = true;
  points.forEach((p, i) => {
    if (p.value === null) {
      penUp = true;
      return;
    }
    d += `${penUp ? 'M' : 'L'}${xOf(i).toFixed(1)} ${yOf(p.value).toFixed(1)} `;
    penUp = false;
  });
  if (d) parts.push(`<path d="${d.trim()}" fill="none" stroke="#0f5c4d" stroke-width="2.5"/>`);
  points.forEach((p, i) => {
    const x = xOf(i);
    parts.push(
      `<text x="${x.toFixed(1)}" y="${height - pad.bottom + 18}" text-anchor="middle" fill="#222" font-size="10">${xml(p.label)}</text>`,
    );
    if (p.value !== null) {
      const y = yOf(p.value);
      parts.push(
        `<g class="point"><title>${xml(p.label)}: ${xml(fmtNum(p.value))}${xml(t.unit ?? '')}</title>` +
          `<circle cx="${x.toFixed(1)}" cy="${y.toFixed(1)}" r="4" fill="#fff" stroke="#0f5c4d" stroke-width="2"/></g>`,
      );
    }
  });
  parts.push(tail);
  return parts.join('');
}

function truncate(s: string, n: number) {
  return s.length > n ? `${s.slice(0, n - 1)}…` : s;
}
