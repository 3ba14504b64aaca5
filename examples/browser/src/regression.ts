// Page 1: click to add points; a Bayesian MLP trains live and shows its predictive mean, ±1/±2 std
// bands and a few whole posterior functions, beside a deterministic net trained on the same points.
import * as tf from '@tensorflow/tfjs-core';

import {byId, setStatus, startPage, type DemoStateBase} from './page.js';
import {RegressionPair, type BandSummary} from './regression_model.js';

const X_RANGE: [number, number] = [-1, 1];
const Y_RANGE: [number, number] = [-1.5, 1.5];
const GRID = Array.from({length: 81}, (_, i) => X_RANGE[0] + (i / 80) * (X_RANGE[1] - X_RANGE[0]));
const STEPS_PER_ROUND = 5;
const SAMPLES = 30;       // posterior functions per redraw
const SHOWN = 6;          // of which drawn whole
const REDRAW_MS = 150;

/** `window.__demo` on this page. */
export interface RegressionState extends DemoStateBase {
  page: 'regression';
  points: Array<[number, number]>;
  /** Predictive std at x from 200 posterior functions. */
  bandWidthAt(x: number): Promise<number>;
  /** Client (viewport) pixel of data point (x, y) on the Bayesian panel, for mouse-driven tests. */
  pixelFor(x: number, y: number): {x: number; y: number};
  summary: BandSummary | null;
  lastLoss: number;
}

const bnnCanvas = byId('bnn', HTMLCanvasElement);
const detCanvas = byId('det', HTMLCanvasElement);
const points: Array<[number, number]> = [];
let pair = new RegressionPair();
let paused = false;
let summary: BandSummary | null = null;
let detCurve: number[] = [];

function toPx(c: HTMLCanvasElement, x: number, y: number): [number, number] {
  return [(x - X_RANGE[0]) / (X_RANGE[1] - X_RANGE[0]) * c.width,
    (1 - (y - Y_RANGE[0]) / (Y_RANGE[1] - Y_RANGE[0])) * c.height];
}

function fromClient(c: HTMLCanvasElement, clientX: number, clientY: number): [number, number] {
  const r = c.getBoundingClientRect();
  const u = (clientX - r.left) / r.width;
  const v = (clientY - r.top) / r.height;
  return [X_RANGE[0] + u * (X_RANGE[1] - X_RANGE[0]), Y_RANGE[1] - v * (Y_RANGE[1] - Y_RANGE[0])];
}

function ctxOf(c: HTMLCanvasElement): CanvasRenderingContext2D {
  const ctx = c.getContext('2d');
  if (ctx === null) throw new Error('demo: no 2-D canvas context');
  return ctx;
}

function axes(c: HTMLCanvasElement): CanvasRenderingContext2D {
  const ctx = ctxOf(c);
  ctx.clearRect(0, 0, c.width, c.height);
  ctx.strokeStyle = '#e3e6eb';
  ctx.lineWidth = 1;
  for (let g = -1; g <= 1; g += 0.5) {
    const [gx] = toPx(c, g, 0);
    const [, gy] = toPx(c, 0, g);
    ctx.beginPath(); ctx.moveTo(gx, 0); ctx.lineTo(gx, c.height); ctx.stroke();
    ctx.beginPath(); ctx.moveTo(0, gy); ctx.lineTo(c.width, gy); ctx.stroke();
  }
  return ctx;
}

function curve(c: HTMLCanvasElement, ys: number[], style: string, width: number): void {
  const ctx = ctxOf(c);
  ctx.strokeStyle = style;
  ctx.lineWidth = width;
  ctx.beginPath();
  GRID.forEach((x, i) => {
    const [px, py] = toPx(c, x, ys[i] ?? 0);
    if (i === 0) ctx.moveTo(px, py); else ctx.lineTo(px, py);
  });
  ctx.stroke();
}

function band(c: HTMLCanvasElement, s: BandSummary, k: number, fill: string): void {
  const ctx = ctxOf(c);
  ctx.fillStyle = fill;
  ctx.beginPath();
  s.xs.forEach((x, i) => {
    const [px, py] = toPx(c, x, (s.mean[i] ?? 0) + k * (s.std[i] ?? 0));
    if (i === 0) ctx.moveTo(px, py); else ctx.lineTo(px, py);
  });
  for (let i = s.xs.length - 1; i >= 0; i--) {
    const [px, py] = toPx(c, s.xs[i] ?? 0, (s.mean[i] ?? 0) - k * (s.std[i] ?? 0));
    ctx.lineTo(px, py);
  }
  ctx.closePath();
  ctx.fill();
}

function dots(c: HTMLCanvasElement): void {
  const ctx = ctxOf(c);
  ctx.fillStyle = '#1d2330';
  for (const [x, y] of points) {
    const [px, py] = toPx(c, x, y);
    ctx.beginPath(); ctx.arc(px, py, 4, 0, 2 * Math.PI); ctx.fill();
  }
}

function draw(): void {
  axes(bnnCanvas);
  if (summary !== null && points.length > 0) {
    band(bnnCanvas, summary, 2, 'rgba(36, 87, 197, 0.13)');
    band(bnnCanvas, summary, 1, 'rgba(36, 87, 197, 0.22)');
    for (const s of summary.samples) curve(bnnCanvas, s, 'rgba(181, 71, 20, 0.55)', 1);
    curve(bnnCanvas, summary.mean, '#2457c5', 2.5);
  }
  dots(bnnCanvas);
  axes(detCanvas);
  if (detCurve.length > 0 && points.length > 0) curve(detCanvas, detCurve, '#137a3a', 2.5);
  dots(detCanvas);
}

function addPoint(x: number, y: number): void {
  points.push([x, y]);
  pair.setData(points.map((p) => p[0]), points.map((p) => p[1]));
  draw();
}

function onClick(c: HTMLCanvasElement): (e: MouseEvent) => void {
  return (e) => {
    const [x, y] = fromClient(c, e.clientX, e.clientY);
    addPoint(x, y);
  };
}

function reset(keepPoints: boolean): void {
  const old = pair;
  pair = new RegressionPair();
  old.dispose();
  if (!keepPoints) points.length = 0;
  pair.setData(points.map((p) => p[0]), points.map((p) => p[1]));
  summary = null;
  detCurve = [];
  draw();
}

async function loop(state: RegressionState): Promise<void> {
  let lastDraw = 0;
  let drawCost = 0;   // ms of the last Monte Carlo redraw: slow backends redraw less often, train more
  for (;;) {
    if (!paused && pair.size > 0) state.lastLoss = await pair.train(STEPS_PER_ROUND);
    state.steps = pair.steps;
    if (performance.now() - lastDraw > Math.max(REDRAW_MS, 3 * drawCost)) {
      const t0 = performance.now();
      if (pair.size > 0) {
        summary = await pair.band(GRID, SAMPLES, SHOWN);
        detCurve = await pair.deterministic(GRID);
      }
      drawCost = performance.now() - t0;
      state.summary = summary;
      draw();
      lastDraw = performance.now();
      state.ready = true;
      setStatus(`backend ${state.backend} · ${points.length} points · ` +
          `step ${pair.steps} · loss ${Number.isFinite(state.lastLoss) ? state.lastLoss.toFixed(3) : '–'} · ` +
          `tensors ${tf.memory().numTensors}`);
    }
    await tf.nextFrame();
  }
}

async function main(): Promise<void> {
  const backend = await startPage();
  const state: RegressionState = {
    page: 'regression', backend,
    steps: 0, ready: false, points, summary: null, lastLoss: NaN,
    bandWidthAt: (x) => pair.stdAt(x),
    pixelFor: (x, y) => {
      const r = bnnCanvas.getBoundingClientRect();
      const [px, py] = toPx(bnnCanvas, x, y);
      return {x: r.left + px * r.width / bnnCanvas.width, y: r.top + py * r.height / bnnCanvas.height};
    },
  };
  window.__demo = state;
  bnnCanvas.addEventListener('click', onClick(bnnCanvas));
  detCanvas.addEventListener('click', onClick(detCanvas));
  byId('sample', HTMLButtonElement).addEventListener('click', () => {
    for (let i = 0; i < 12; i++) {
      const x = -0.85 + 0.6 * Math.random();
      addPoint(x, 0.6 * Math.sin(5 * x) + 0.05 * (Math.random() - 0.5));
    }
  });
  byId('clear', HTMLButtonElement).addEventListener('click', () => reset(false));
  byId('restart', HTMLButtonElement).addEventListener('click', () => reset(true));
  const pause = byId('pause', HTMLButtonElement);
  pause.addEventListener('click', () => {
    paused = !paused;
    pause.textContent = paused ? 'Resume' : 'Pause';
  });
  draw();
  await loop(state);
}

main().catch((e: unknown) => {
  setStatus(`error: ${String(e)}`);
  console.error(e);
});
