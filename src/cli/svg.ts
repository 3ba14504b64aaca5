// Small SVG charts for the report (line charts, histograms, reliability diagrams, digit panels),
// written by hand so the report needs no plotting dependency; rasterised with @resvg/resvg-js.
import {importHidden} from '../util/env.js';

/** Colours of the series, in order (colour-blind-safe Okabe–Ito palette). */
export const PALETTE = ['#0072B2', '#D55E00', '#009E73', '#CC79A7', '#E69F00', '#56B4E9', '#F0E442', '#000000'];
const FONT = 'DejaVu Sans, Arial, sans-serif';

/** Escapes text for SVG/HTML. */
export function esc(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

interface Frame {
  width: number;
  height: number;
  left: number;
  right: number;
  top: number;
  bottom: number;
}

// The right margin holds the legend, so it never covers data.
const FRAME: Frame = {width: 700, height: 320, left: 60, right: 190, top: 36, bottom: 48};

function niceTicks(lo: number, hi: number, n = 5): number[] {
  if (!(hi > lo)) return [lo];
  const raw = (hi - lo) / n;
  const mag = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 5, 10].map((m) => m * mag).find((s) => s >= raw) ?? raw;
  const out: number[] = [];
  for (let v = Math.ceil(lo / step) * step; v <= hi + step * 1e-9; v += step) out.push(Number(v.toPrecision(12)));
  return out;
}

function tickLabel(v: number): string {
  return Math.abs(v) >= 1000 || (Math.abs(v) < 0.01 && v !== 0) ? v.toExponential(0) : String(Number(v.toPrecision(3)));
}

/** An axis frame with ticks; returns the SVG and the data→pixel maps. */
function axes(title: string, xLabel: string, yLabel: string, x: [number, number], y: [number, number],
    f: Frame = FRAME): {svg: string, sx: (v: number) => number, sy: (v: number) => number} {
  const pw = f.width - f.left - f.right;
  const ph = f.height - f.top - f.bottom;
  const sx = (v: number): number => f.left + (x[1] === x[0] ? 0.5 : (v - x[0]) / (x[1] - x[0])) * pw;
  const sy = (v: number): number => f.top + ph - (y[1] === y[0] ? 0.5 : (v - y[0]) / (y[1] - y[0])) * ph;
  const parts = [`<rect x="${f.left}" y="${f.top}" width="${pw}" height="${ph}" fill="#fff" stroke="#444"/>`];
  for (const t of niceTicks(x[0], x[1])) {
    parts.push(`<line x1="${sx(t)}" x2="${sx(t)}" y1="${f.top + ph}" y2="${f.top + ph + 4}" stroke="#444"/>`,
        `<text x="${sx(t)}" y="${f.top + ph + 16}" font-size="11" text-anchor="middle">${tickLabel(t)}</text>`);
  }
  for (const t of niceTicks(y[0], y[1])) {
    parts.push(`<line x1="${f.left - 4}" x2="${f.left}" y1="${sy(t)}" y2="${sy(t)}" stroke="#444"/>`,
        `<line x1="${f.left}" x2="${f.left + pw}" y1="${sy(t)}" y2="${sy(t)}" stroke="#eee"/>`,
        `<text x="${f.left - 7}" y="${sy(t) + 4}" font-size="11" text-anchor="end">${tickLabel(t)}</text>`);
  }
  parts.push(`<text x="${f.width / 2}" y="22" font-size="14" font-weight="bold" text-anchor="middle">${esc(title)}</text>`,
      `<text x="${f.left + pw / 2}" y="${f.height - 10}" font-size="12" text-anchor="middle">${esc(xLabel)}</text>`,
      `<text transform="translate(15 ${f.top + ph / 2}) rotate(-90)" font-size="12" text-anchor="middle">${esc(yLabel)}</text>`);
  return {svg: parts.join(''), sx, sy};
}

function legend(names: string[], f: Frame = FRAME, dash: boolean[] = []): string {
  return names.map((n, i) => {
    const y = f.top + 12 + 16 * i;
    const x = f.width - f.right + 12;
    return `<line x1="${x}" x2="${x + 18}" y1="${y - 4}" y2="${y - 4}" stroke="${PALETTE[i % PALETTE.length]}" ` +
      `stroke-width="3"${dash[i] ? ' stroke-dasharray="4 3"' : ''}/><text x="${x + 24}" y="${y}" font-size="11">` +
      `${esc(n.length > 26 ? `${n.slice(0, 25)}…` : n)}</text>`;
  }).join('');
}

function wrap(body: string, f: Frame = FRAME): string {
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${f.width}" height="${f.height}" ` +
    `viewBox="0 0 ${f.width} ${f.height}" font-family="${FONT}"><rect width="100%" height="100%" fill="#fff"/>${body}</svg>`;
}

/** One line of a line chart. */
export interface Series {
  name: string;
  xs: number[];
  ys: number[];
  dashed?: boolean;
}

/** A line chart of several series. */
export function lineChart(title: string, xLabel: string, yLabel: string, series: Series[],
    yRange?: [number, number]): string {
  const all = series.flatMap((s) => s.ys.filter(Number.isFinite));
  const xsAll = series.flatMap((s) => s.xs);
  const x: [number, number] = [Math.min(...xsAll), Math.max(...xsAll)];
  const y: [number, number] = yRange ?? [Math.min(0, ...all), Math.max(...all) * 1.05 || 1];
  const {svg, sx, sy} = axes(title, xLabel, yLabel, x, y);
  const lines = series.map((s, i) => {
    const pts = s.xs.map((xv, k) => `${sx(xv).toFixed(1)},${sy(Math.min(y[1], Math.max(y[0], s.ys[k]!))).toFixed(1)}`);
    return `<polyline fill="none" stroke="${PALETTE[i % PALETTE.length]}" stroke-width="1.8"` +
      `${s.dashed ? ' stroke-dasharray="5 3"' : ''} points="${pts.join(' ')}"/>`;
  });
  return wrap(svg + lines.join('') + legend(series.map((s) => s.name), FRAME, series.map((s) => s.dashed ?? false)));
}

/** One set of values for a histogram. */
export interface HistSeries {
  name: string;
  values: ArrayLike<number>;
}

/** Overlaid density histograms (area 1 each) over `range` with `bins` bins. */
export function histogram(title: string, xLabel: string, series: HistSeries[], range: [number, number],
    bins = 40): string {
  const width = (range[1] - range[0]) / bins;
  const dens = series.map((s) => {
    const h = new Array<number>(bins).fill(0);
    let n = 0;
    for (let i = 0; i < s.values.length; i++) {
      const v = s.values[i]!;
      if (!Number.isFinite(v)) continue;
      const b = Math.min(bins - 1, Math.max(0, Math.floor((v - range[0]) / width)));
      h[b]! += 1;
      n++;
    }
    return h.map((c) => (n > 0 ? c / (n * width) : 0));
  });
  const yMax = Math.max(1e-9, ...dens.flat()) * 1.08;
  const {svg, sx, sy} = axes(title, xLabel, 'density', range, [0, yMax]);
  const body = dens.map((h, i) => {
    const c = PALETTE[i % PALETTE.length];
    let d = `M${sx(range[0]).toFixed(1)},${sy(0).toFixed(1)}`;
    h.forEach((v, b) => {
      d += `L${sx(range[0] + b * width).toFixed(1)},${sy(v).toFixed(1)}L${sx(range[0] + (b + 1) * width).toFixed(1)},${sy(v).toFixed(1)}`;
    });
    d += `L${sx(range[1]).toFixed(1)},${sy(0).toFixed(1)}Z`;
    return `<path d="${d}" fill="${c}" fill-opacity="0.25" stroke="${c}" stroke-width="1.5"/>`;
  });
  return wrap(svg + body.join('') + legend(series.map((s) => s.name)));
}

/** A reliability diagram: accuracy against confidence per bin, with the diagonal. */
export function reliabilityDiagram(title: string,
    series: Array<{name: string, bins: Array<{lower: number, upper: number, count: number, accuracy: number, confidence: number}>}>): string {
  const {svg, sx, sy} = axes(title, 'confidence (top-class probability)', 'accuracy', [0, 1], [0, 1]);
  const diag = `<line x1="${sx(0)}" y1="${sy(0)}" x2="${sx(1)}" y2="${sy(1)}" stroke="#999" stroke-dasharray="4 4"/>`;
  const body = series.map((s, i) => {
    const c = PALETTE[i % PALETTE.length];
    const nb = s.bins.length;
    const bars = s.bins.filter((b) => b.count > 0).map((b) => {
      const w = (sx(b.upper) - sx(b.lower)) / series.length;
      const x = sx(b.lower) + i * w;
      return `<rect x="${x.toFixed(1)}" y="${sy(b.accuracy).toFixed(1)}" width="${w.toFixed(1)}" ` +
        `height="${(sy(0) - sy(b.accuracy)).toFixed(1)}" fill="${c}" fill-opacity="0.35" stroke="${c}"/>`;
    });
    const pts = s.bins.filter((b) => b.count > 0).map((b) => `${sx(b.confidence).toFixed(1)},${sy(b.accuracy).toFixed(1)}`);
    void nb;
    return bars.join('') + `<polyline fill="none" stroke="${c}" stroke-width="2" points="${pts.join(' ')}"/>` +
      pts.map((p) => `<circle cx="${p.split(',')[0]}" cy="${p.split(',')[1]}" r="3" fill="${c}"/>`).join('');
  });
  return wrap(svg + diag + body.join('') + legend(series.map((s) => s.name)));
}

/** One gallery row: a digit, its S draws of class probabilities, and their mean. */
export interface GalleryItem {
  /** 784 pixels in [−1, 1]. */
  image: ArrayLike<number>;
  /** `[S][C]` probabilities of the draws. */
  draws: number[][];
  mean: number[];
  caption: string;
}

/** A gallery: per row the image, "posterior samples" (translucent bars) and "predictive probs". */
export function digitGallery(title: string, items: GalleryItem[]): string {
  const rowH = 92;
  const width = 740;
  const height = 40 + rowH * items.length;
  const parts: string[] = [`<text x="${width / 2}" y="24" font-size="15" font-weight="bold" text-anchor="middle">${esc(title)}</text>`];
  items.forEach((it, r) => {
    const top = 40 + r * rowH;
    const cell = 2.6;
    const px: string[] = [];
    for (let i = 0; i < 28; i++) {
      for (let j = 0; j < 28; j++) {
        const v = Math.round(255 * (1 - (it.image[i * 28 + j]! + 1) / 2));
        if (v < 250) px.push(`<rect x="${(10 + j * cell).toFixed(1)}" y="${(top + i * cell).toFixed(1)}" width="${cell + 0.05}" height="${cell + 0.05}" fill="rgb(${v},${v},${v})"/>`);
      }
    }
    parts.push(`<rect x="10" y="${top}" width="${28 * cell}" height="${28 * cell}" fill="#fff" stroke="#999"/>`, ...px);
    const panel = (x0: number, label: string, rows: number[][], alpha: number): void => {
      const w = 230;
      const h = 62;
      const bw = w / 10;
      parts.push(`<rect x="${x0}" y="${top}" width="${w}" height="${h}" fill="#fff" stroke="#999"/>`,
          `<text x="${x0 + w / 2}" y="${top + h + 12}" font-size="10" text-anchor="middle">${esc(label)}</text>`);
      for (const row of rows) {
        row.forEach((p, c) => parts.push(`<rect x="${(x0 + c * bw + 2).toFixed(1)}" y="${(top + h * (1 - p)).toFixed(1)}" ` +
          `width="${(bw - 4).toFixed(1)}" height="${(h * p).toFixed(1)}" fill="${PALETTE[0]}" fill-opacity="${alpha}"/>`));
      }
      for (let c = 0; c < 10; c++) parts.push(`<text x="${x0 + c * bw + bw / 2}" y="${top + h + 24}" font-size="9" text-anchor="middle" fill="#555">${c}</text>`);
    };
    panel(110, 'posterior samples', it.draws, Math.max(0.05, Math.min(1, 3 / Math.max(1, it.draws.length))));
    panel(360, 'predictive probs', [it.mean], 0.85);
    parts.push(`<text x="604" y="${top + 26}" font-size="11">${esc(it.caption.split('|')[0] ?? '')}</text>`,
        `<text x="604" y="${top + 42}" font-size="11">${esc(it.caption.split('|')[1] ?? '')}</text>`);
  });
  return wrap(parts.join(''), {width, height, left: 0, right: 0, top: 0, bottom: 0});
}

type ResvgModule = typeof import('@resvg/resvg-js');

/** The PNG rasteriser, an optional peer dependency: `@resvg/resvg-js`, or null when not installed. */
export async function pngRasteriser(): Promise<((svg: string) => Uint8Array) | null> {
  let mod: ResvgModule;
  try {
    mod = await importHidden<ResvgModule>('@resvg/resvg-js');
  } catch {
    return null;
  }
  const Resvg = mod.Resvg ?? (mod as unknown as {default: ResvgModule}).default.Resvg;
  return (svg: string) => new Resvg(svg, {font: {loadSystemFonts: true, defaultFontFamily: 'DejaVu Sans'},
    background: '#ffffff'}).render().asPng();
}
