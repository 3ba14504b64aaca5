// Page 2: draw a digit; a Flipout MLP trained in the page on 600 embedded MNIST digits gives class
// probabilities, their spread over posterior samples, and an "unsure" verdict from mutual information.
import * as tf from '@tensorflow/tfjs-core';

import {DigitClassifier, INPUT, LoadedDigitClassifier, type DigitBrain, type DigitInput,
  type DigitPrediction} from './digits_model.js';
import {SIDE} from './digits_data.js';
import {byId, setStatus, startPage, type DemoStateBase} from './page.js';

/** 'model/model.json' when examples/browser/public/model/ held a CLI model at build time, else ''. */
declare const __CLI_MODEL__: string;

const MAX_STEPS = 400;          // in-page training: ~40 epochs of the 600 digits, then left as is
const SAMPLES = 32;             // posterior samples per prediction
const MI_QUANTILE = 0.9;        // "unsure" above this quantile of the training digits' mutual information
const CALIBRATE_EVERY = 100;    // steps between re-calibrations of that threshold
const P_UNSURE = 0.5;           // ... or when no class reaches this predictive probability
const PREDICT_MS = 400;

/** `window.__demo` on this page. */
export interface DigitsState extends DemoStateBase {
  page: 'digits';
  prediction: DigitPrediction | null;
  /** Predictive class probabilities of the drawn digit (empty before a stroke). */
  probs: number[];
  mutualInformation: number;
  /** Mutual information (nats) above which the verdict is "unsure": the training digits' 90th percentile. */
  miThreshold: number;
  verdict: string;
  unsure: boolean;
  trainAccuracy: number;
  /** 'in-page', or the URL of a model saved by the CLI. */
  model: string;
  /** Ink pixels (> 0.1) in the 14x14 model input. */
  inkPixels: number;
  predictNow(): Promise<DigitPrediction | null>;
}

const pad = byId('pad', HTMLCanvasElement);
const preview = byId('preview', HTMLCanvasElement);
const bars = byId('bars', HTMLCanvasElement);
const verdictEl = byId('verdict', HTMLElement);

function ctxOf(c: HTMLCanvasElement): CanvasRenderingContext2D {
  const ctx = c.getContext('2d', {willReadFrequently: true});
  if (ctx === null) throw new Error('demo: no 2-D canvas context');
  return ctx;
}

function clearPad(): void {
  const ctx = ctxOf(pad);
  ctx.fillStyle = '#fff';
  ctx.fillRect(0, 0, pad.width, pad.height);
}

/** MNIST-style input from the pad: fit the ink's box into 20x20, centre its mass in 28x28, pool to 14x14. */
function padToInput(): DigitInput | null {
  const {width, height} = pad;
  const px = ctxOf(pad).getImageData(0, 0, width, height).data;
  let x0 = width, y0 = height, x1 = -1, y1 = -1;
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      if ((px[4 * (y * width + x)] ?? 255) < 200) {
        x0 = Math.min(x0, x); x1 = Math.max(x1, x); y0 = Math.min(y0, y); y1 = Math.max(y1, y);
      }
    }
  }
  if (x1 < 0) return null;
  const bw = x1 - x0 + 1, bh = y1 - y0 + 1;
  const k = 20 / Math.max(bw, bh);
  const small = document.createElement('canvas');
  small.width = small.height = 28;
  const sctx = ctxOf(small);
  sctx.fillStyle = '#fff';
  sctx.fillRect(0, 0, 28, 28);
  sctx.imageSmoothingQuality = 'high';
  sctx.drawImage(pad, x0, y0, bw, bh, (28 - bw * k) / 2, (28 - bh * k) / 2, bw * k, bh * k);
  const sp = sctx.getImageData(0, 0, 28, 28).data;
  const ink = Float32Array.from({length: 784}, (_, i) => 1 - (sp[4 * i] ?? 255) / 255);
  let m = 0, mx = 0, my = 0;
  ink.forEach((v, i) => { m += v; mx += v * (i % 28); my += v * Math.floor(i / 28); });
  const dx = Math.round(13.5 - mx / m), dy = Math.round(13.5 - my / m);
  const img28 = new Float32Array(784);
  for (let y = 0; y < 28; y++) {
    for (let x = 0; x < 28; x++) {
      const sy = y - dy, sx = x - dx;
      img28[y * 28 + x] = sx >= 0 && sx < 28 && sy >= 0 && sy < 28 ? Math.min(1, ink[sy * 28 + sx] ?? 0) : 0;
    }
  }
  const out = new Float32Array(INPUT);
  for (let r = 0; r < SIDE; r++) {
    for (let c = 0; c < SIDE; c++) {
      let s = 0;
      for (let q = 0; q < 4; q++) {
        const y = 2 * r + (q >> 1) - dy, x = 2 * c + (q & 1) - dx;
        if (x >= 0 && x < 28 && y >= 0 && y < 28) s += ink[y * 28 + x] ?? 0;
      }
      out[r * SIDE + c] = Math.min(1, s / 4);
    }
  }
  return {img28, img14: out};
}

function drawPreview(img: Float32Array | null): void {
  const ctx = ctxOf(preview);
  const cell = preview.width / SIDE;
  ctx.fillStyle = '#000';
  ctx.fillRect(0, 0, preview.width, preview.height);
  if (img === null) return;
  img.forEach((v, i) => {
    const g = Math.round(255 * v);
    ctx.fillStyle = `rgb(${g},${g},${g})`;
    ctx.fillRect((i % SIDE) * cell, Math.floor(i / SIDE) * cell, cell, cell);
  });
}

function drawBars(p: DigitPrediction | null): void {
  const ctx = ctxOf(bars);
  const {width, height} = bars;
  const top = 10, bottom = height - 22, slot = width / 10;
  ctx.clearRect(0, 0, width, height);
  ctx.strokeStyle = '#d8dce3';
  ctx.beginPath(); ctx.moveTo(0, bottom + 0.5); ctx.lineTo(width, bottom + 0.5); ctx.stroke();
  ctx.fillStyle = '#1d2330';
  ctx.font = '13px system-ui, sans-serif';
  ctx.textAlign = 'center';
  const yOf = (v: number): number => bottom - v * (bottom - top);
  for (let c = 0; c < 10; c++) ctx.fillText(String(c), slot * (c + 0.5), height - 6);
  if (p === null) return;
  p.probs.forEach((v, c) => {
    const cx = slot * (c + 0.5);
    ctx.fillStyle = c === p.argmax ? 'rgba(36, 87, 197, 0.85)' : 'rgba(36, 87, 197, 0.45)';
    ctx.fillRect(cx - slot * 0.3, yOf(v), slot * 0.6, bottom - yOf(v));
    ctx.fillStyle = 'rgba(181, 71, 20, 0.35)';
    p.samples.forEach((row, s) => {
      ctx.fillRect(cx - slot * 0.25 + (s / p.samples.length) * slot * 0.5, yOf(row[c] ?? 0) - 1, 2, 2);
    });
    const sd = p.probsStd[c] ?? 0;
    ctx.strokeStyle = '#1d2330';
    ctx.beginPath(); ctx.moveTo(cx, yOf(Math.max(0, v - sd))); ctx.lineTo(cx, yOf(Math.min(1, v + sd))); ctx.stroke();
  });
}

function verdictOf(p: DigitPrediction, miThreshold: number): {text: string; unsure: boolean} {
  const top = p.probs[p.argmax] ?? 0;
  const unsure = p.mutualInformation > miThreshold || top < P_UNSURE;
  const detail = `p=${top.toFixed(2)}, mutual information ${p.mutualInformation.toFixed(3)} nats ` +
      `(threshold ${miThreshold.toFixed(3)}), predictive entropy ${p.predictiveEntropy.toFixed(3)}`;
  return unsure ?
    {text: `Unsure (best guess ${p.argmax}; ${detail})`, unsure} :
    {text: `Looks like a ${p.argmax} (${detail})`, unsure};
}

/** Draws a stored training digit on the pad, as if by hand. */
function showTrainingDigit(clf: DigitBrain): void {
  const k = Math.floor(Math.random() * clf.data.count);
  const img = clf.data.images.subarray(k * INPUT, (k + 1) * INPUT);
  clearPad();
  const ctx = ctxOf(pad);
  const cell = pad.width / SIDE;
  img.forEach((v, i) => {
    const g = Math.round(255 * (1 - v));
    ctx.fillStyle = `rgb(${g},${g},${g})`;
    ctx.fillRect((i % SIDE) * cell, Math.floor(i / SIDE) * cell, cell + 0.5, cell + 0.5);
  });
}

function wireDrawing(onStrokeEnd: () => void): void {
  const ctx = ctxOf(pad);
  let drawing = false;
  const at = (e: PointerEvent): [number, number] => {
    const r = pad.getBoundingClientRect();
    return [(e.clientX - r.left) * pad.width / r.width, (e.clientY - r.top) * pad.height / r.height];
  };
  pad.addEventListener('pointerdown', (e) => {
    drawing = true;
    pad.setPointerCapture(e.pointerId);
    const [x, y] = at(e);
    ctx.strokeStyle = '#000';
    ctx.lineWidth = 20;
    ctx.lineCap = ctx.lineJoin = 'round';
    ctx.beginPath(); ctx.moveTo(x, y); ctx.lineTo(x + 0.01, y); ctx.stroke();
  });
  pad.addEventListener('pointermove', (e) => {
    if (!drawing) return;
    const [x, y] = at(e);
    ctx.lineTo(x, y); ctx.stroke();
  });
  const end = (): void => {
    if (!drawing) return;
    drawing = false;
    onStrokeEnd();
  };
  pad.addEventListener('pointerup', end);
  pad.addEventListener('pointercancel', end);
}

/** `?model=<model.json URL>`, else the CLI model found in public/model/ at build time, else none. */
function modelUrl(): string | null {
  const param = new URL(location.href).searchParams.get('model');
  if (param !== null && param !== '') return param;
  return __CLI_MODEL__ === '' ? null : __CLI_MODEL__;
}

async function makeBrain(): Promise<DigitBrain> {
  const url = modelUrl();
  if (url === null) return new DigitClassifier(MAX_STEPS);
  setStatus(`loading ${url}…`);
  return LoadedDigitClassifier.load(url);
}

function statusLine(backend: string, clf: DigitBrain): string {
  const tail = ` · tensors ${tf.memory().numTensors}`;
  if (clf.maxSteps === 0) return `backend ${backend} · model saved by the CLI: ${clf.source}${tail}`;
  return `backend ${backend} · ${clf.steps < clf.maxSteps ? 'training' : 'trained'} on ` +
      `${clf.data.count} digits: step ${clf.steps}/${clf.maxSteps}, epoch ${clf.epochs}, ` +
      `batch accuracy ${clf.lastAccuracy.toFixed(2)}${tail}`;
}

async function main(): Promise<void> {
  const backend = await startPage();
  const clf = await makeBrain();
  const state: DigitsState = {
    page: 'digits', backend, steps: 0, ready: false, prediction: null, probs: [], model: clf.source,
    mutualInformation: NaN, miThreshold: Infinity, verdict: '', unsure: false, trainAccuracy: NaN, inkPixels: 0,
    predictNow: async () => {
      const input = padToInput();
      drawPreview(input?.img14 ?? null);
      state.inkPixels = input === null ? 0 : input.img14.filter((v) => v > 0.1).length;
      const p = input === null ? null : await clf.predict(input, SAMPLES);
      state.prediction = p;
      state.probs = p?.probs ?? [];
      state.mutualInformation = p?.mutualInformation ?? NaN;
      const v = p === null ? {text: 'Draw a digit in the box.', unsure: false} : verdictOf(p, state.miThreshold);
      state.verdict = v.text;
      state.unsure = v.unsure;
      verdictEl.textContent = v.text;
      verdictEl.className = p === null ? '' : v.unsure ? 'unsure' : 'sure';
      drawBars(p);
      return p;
    },
  };
  window.__demo = state;
  if (clf.maxSteps === 0) state.miThreshold = await clf.mutualInformationQuantile(MI_QUANTILE);
  clearPad();
  drawBars(null);
  await state.predictNow();
  let dirty = false;
  wireDrawing(() => { dirty = true; });
  byId('clear', HTMLButtonElement).addEventListener('click', () => { clearPad(); dirty = true; });
  byId('example', HTMLButtonElement).addEventListener('click', () => { showTrainingDigit(clf); dirty = true; });
  state.ready = true;
  let lastPredict = 0;
  for (;;) {
    const training = clf.steps < clf.maxSteps;
    if (training) {
      await clf.step();
      if (clf.steps % CALIBRATE_EVERY === 0 || clf.steps === clf.maxSteps) {
        state.miThreshold = await clf.mutualInformationQuantile(MI_QUANTILE);
        dirty = true;
      }
    }
    state.steps = clf.steps;
    state.trainAccuracy = clf.lastAccuracy;
    if (dirty || (training && state.inkPixels > 0 && performance.now() - lastPredict > PREDICT_MS)) {
      dirty = false;
      await state.predictNow();
      lastPredict = performance.now();
    }
    setStatus(statusLine(backend, clf));
    await (training ? tf.nextFrame() : new Promise((r) => setTimeout(r, 50)));
  }
}

main().catch((e: unknown) => {
  setStatus(`error: ${String(e)}`);
  console.error(e);
});
