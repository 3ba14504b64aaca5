// `tfjs-probability uci`: the UCI regression benchmark protocol of Hernández-Lobato & Adams 2015
// and Gal & Ghahramani 2016 on the Boston housing data shipped in this package (src/cli/boston.ts):
// random 90/10 splits with a fixed seed, inputs and targets standardized on the training split, one
// hidden layer of 50 ReLU units, a learned observation noise, and for every method the test RMSE
// and log-likelihood in target units (mean ± standard error over splits) next to the published
// table, with the coverage of the central 50/90/95 % predictive intervals and the CRPS.
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';

import * as layers from '../layers/index.js';
import {evaluateRegression, predictDistributionMC} from '../predictive/regression.js';
import {ValueError} from '../util/errors.js';
import {fmt} from '../util/format.js';

import {getFlag, getNumber, getString} from './args.js';
import type {OptionSpec, ParsedArgs} from './args.js';
import {BACKENDS} from './backend.js';
import {disposeSplit, loadBoston, makeSplit, splitSeed} from './boston.js';
import type {Split} from './boston.js';
import {permutation} from './data.js';
import type {TextSink} from './progress.js';

export {bostonFile, loadBoston} from './boston.js';
export type {Boston} from './boston.js';

/** The methods of the benchmark. */
export const UCI_METHODS = ['flipout', 'reparameterization', 'denseVariational', 'deterministic',
  'denseVariationalTFP'] as const;
/** One method. */
export type UciMethod = typeof UCI_METHODS[number];

/** How the observation noise is modelled. */
export type UciNoise = 'homoscedastic' | 'heteroscedastic';

/** The training recipe: everything but the method, the data and the seeds. */
export interface UciRecipe {
  /** Adam's learning rate. */
  lr: number;
  /** Examples per step. */
  batchSize: number;
  /**
   * Epochs of linear KL warm-up (`tfp.layers.klAnnealing`, β: 0 → 1, then 1); 0: the plain ELBO
   * throughout. Undefined: the whole run (β reaches 1 at the last epoch).
   */
  anneal?: number;
  /** One learned σ (homoscedastic) or σ(x) from the net (heteroscedastic). */
  noise: UciNoise;
  /** Kernel prior of the Flipout / Reparameterization nets: N(0, 1), or N(0, s²) with a learned s. */
  prior: 'standard' | 'trainable';
  /** Initial posterior σ of every Bayesian weight (DenseVariational: `makePosteriorMeanField`'s initialScale). */
  posteriorScale: number;
}

/**
 * The recommended recipe (docs/REGRESSION.md, "UCI Boston benchmark", has the measurements behind
 * each value).
 */
export const RECOMMENDED_RECIPE: Readonly<UciRecipe> = {
  lr: 0.005, batchSize: 16, noise: 'homoscedastic', prior: 'standard', posteriorScale: 0.001,
};

/** The noise floor, in standardized target units: σ = floor + softplus(u). */
export const NOISE_FLOOR = 1e-3;
/** The initial noise σ (homoscedastic), in standardized target units. */
export const INITIAL_NOISE = 0.5;

const R = RECOMMENDED_RECIPE;

/** The options of `uci`. */
export const UCI_SPEC: Record<string, OptionSpec> = {
  'epochs': {kind: 'positiveInt', help: 'passes over each training split (default 40)'},
  'splits': {kind: 'positiveInt', help: 'random 90/10 splits (default 20, the protocol)'},
  'samples': {kind: 'positiveInt', help: 'posterior samples of the predictive (default 100)'},
  'seed': {kind: 'positiveInt', help: 'seed of the splits, the initialisation, the shuffling and the noise (default 1)'},
  'methods': {kind: 'string', help: `comma-separated subset of ${UCI_METHODS.join(', ')} (default all but ` +
    `denseVariationalTFP, TFP's tutorial recipe)`},
  'lr': {kind: 'positiveNumber', help: `Adam learning rate (default ${R.lr})`},
  'batch-size': {kind: 'positiveInt', help: `examples per step (default ${R.batchSize})`},
  'anneal': {kind: 'nonNegativeInt', help: 'epochs of linear KL warm-up, β: 0 → 1 (tfp.layers.klAnnealing; 0: the plain ELBO; default: all epochs)'},
  'noise': {kind: 'string', choices: ['homoscedastic', 'heteroscedastic'], help: `one learned noise σ, or σ(x) from the net (default ${R.noise})`},
  'prior': {kind: 'string', choices: ['standard', 'trainable'], help: 'kernel prior of the Flipout / Reparameterization nets: N(0, 1), or N(0, s²) with one learned s per kernel (empirical Bayes; default standard)'},
  'posterior-scale': {kind: 'positiveNumber', help: `initial posterior σ of every Bayesian weight (default ${R.posteriorScale})`},
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

/** softplus⁻¹(σ) = σ + log(−expm1(−σ)), for σ > 0. */
function softplusInverse(sigma: number): number {
  return sigma + Math.log(-Math.expm1(-sigma));
}

/** Options of {@link buildUciModel}. */
export interface UciModelOptions {
  /** Seed of the initialisation and of the layers' noise. */
  seed: number;
  /** Training examples N (the KL is scaled by 1/N). */
  nTrain: number;
  /** Input features. Default 13. */
  inputs?: number;
  recipe?: Partial<UciRecipe>;
}

/**
 * The net of `method`: inputs → 50 ReLU → 1 (or 2, heteroscedastic) → IndependentNormal with a
 * learned noise (floor {@link NOISE_FLOOR}), KL scaled by 1/N (`scaleKLByExamples`).
 *
 * @example
 * const model = buildUciModel('flipout', {seed: 1, nTrain: 455});
 */
export function buildUciModel(method: UciMethod, o: UciModelOptions): tfl.LayersModel {
  const r = {...RECOMMENDED_RECIPE, ...o.recipe};
  const inputShape = [o.inputs ?? 13];
  const hetero = r.noise === 'heteroscedastic';
  const units = hetero ? layers.IndependentNormal.paramsSize(1) : 1;
  const noise = hetero ? layers.independentNormal({eventShape: 1, scaleFloor: NOISE_FLOOR}) :
    layers.independentNormal({eventShape: 1, learnedScale: true, initialScale: INITIAL_NOISE, scaleFloor: NOISE_FLOOR});
  const seed = (i: number): number => o.seed * 10 + i;
  const kernelPriorFn = r.prior === 'trainable' ? layers.util.trainableNormalPriorFn() : undefined;
  // Seeded initialisers, so a run is reproducible; the scales start at N(softplus⁻¹(σ₀), 0.1).
  const posterior = (i: number): ReturnType<typeof layers.util.defaultMeanFieldNormalFn> =>
    layers.util.defaultMeanFieldNormalFn({
      locInitializer: tfl.initializers.randomNormal({mean: 0, stddev: 0.1, seed: seed(i)}),
      untransformedScaleInitializer: tfl.initializers.randomNormal(
          {mean: softplusInverse(r.posteriorScale), stddev: 0.1, seed: seed(i + 5)})});
  // The layers' default bias posterior (a point mass at a N(0, 0.1) loc), seeded.
  const bias = (i: number): ReturnType<typeof layers.util.defaultMeanFieldNormalFn> =>
    layers.util.defaultMeanFieldNormalFn({isSingular: true,
      locInitializer: tfl.initializers.randomNormal({mean: 0, stddev: 0.1, seed: seed(i + 7)})});
  let hidden: tfl.layers.Layer;
  let out: tfl.layers.Layer;
  switch (method) {
    case 'deterministic':
      hidden = tfl.layers.dense({units: 50, activation: 'relu', inputShape,
        kernelInitializer: tfl.initializers.glorotUniform({seed: seed(0)})});
      out = tfl.layers.dense({units, kernelInitializer: tfl.initializers.glorotUniform({seed: seed(1)})});
      break;
    case 'flipout':
      hidden = layers.denseFlipout({units: 50, activation: 'relu', inputShape, seed: seed(2), kernelPriorFn,
        kernelPosteriorFn: posterior(0), biasPosteriorFn: bias(0)});
      out = layers.denseFlipout({units, seed: seed(3), kernelPriorFn, kernelPosteriorFn: posterior(1), biasPosteriorFn: bias(1)});
      break;
    case 'reparameterization':
      hidden = layers.denseReparameterization({units: 50, activation: 'relu', inputShape, seed: seed(2), kernelPriorFn,
        kernelPosteriorFn: posterior(0), biasPosteriorFn: bias(0)});
      out = layers.denseReparameterization({units, seed: seed(3), kernelPriorFn, kernelPosteriorFn: posterior(1), biasPosteriorFn: bias(1)});
      break;
    case 'denseVariationalTFP': {
      // TFP's tutorial recipe as published: posterior at loc 0, σ ≈ 1; trainable prior N(t, 1).
      const common = {makePosteriorFn: layers.util.posteriorMeanField, makePriorFn: layers.util.priorTrainable};
      hidden = layers.denseVariational({units: 50, activation: 'relu', inputShape, seed: seed(2), ...common});
      out = layers.denseVariational({units, seed: seed(3), ...common});
      break;
    }
    case 'denseVariational': {
      const common = {klUseExact: true, makePriorFn: layers.util.priorStandardNormal};
      hidden = layers.denseVariational({units: 50, activation: 'relu', inputShape, seed: seed(2), ...common,
        makePosteriorFn: layers.util.makePosteriorMeanField({initialScale: r.posteriorScale, seed: seed(0)})});
      out = layers.denseVariational({units, seed: seed(3), ...common,
        makePosteriorFn: layers.util.makePosteriorMeanField({initialScale: r.posteriorScale, seed: seed(1)})});
      break;
    }
  }
  const model = tfl.sequential({layers: [hidden, out, noise]});
  layers.scaleKLByExamples(model, o.nTrain);
  return model;
}

/**
 * Trains a {@link buildUciModel} net on `(x, y)` with `negLogLik` + KL/N: Adam, each epoch a
 * seeded shuffle (so a run is reproducible; tfjs's own shuffle is unseeded), and the recipe's KL
 * warm-up (`tfp.layers.klAnnealing` per epoch). β is 1 (the ELBO) when it returns.
 */
export async function trainUciModel(model: tfl.LayersModel, x: tf.Tensor2D, y: tf.Tensor2D, o: {
  epochs: number; seed: number; recipe?: Partial<UciRecipe>;
}): Promise<void> {
  const r = {...RECOMMENDED_RECIPE, ...o.recipe};
  model.compile({optimizer: tf.train.adam(r.lr), loss: layers.negLogLik});
  const bayesian = layers.bayesianLayers(model).length > 0;
  const anneal = r.anneal ?? o.epochs;
  const callbacks = anneal > 0 && bayesian ? [layers.klAnnealing({steps: anneal, per: 'epoch'})] : [];
  const n = x.shape[0];
  for (let e = 0; e < o.epochs; e++) {
    const idx = tf.tensor1d(permutation(n, o.seed * 7919 + e), 'int32');
    const [xs, ys] = [tf.gather(x, idx), tf.gather(y, idx)];
    await model.fit(xs, ys, {epochs: 1, batchSize: r.batchSize, shuffle: false, verbose: 0, callbacks});
    tf.dispose([idx, xs, ys]);
  }
  layers.setKLBeta(model, 1);
}

/** Mean and standard error of a list. */
function meanSE(v: number[]): [number, number] {
  const m = v.reduce((a, b) => a + b, 0) / v.length;
  const sd = v.length > 1 ? Math.sqrt(v.reduce((a, b) => a + (b - m) ** 2, 0) / (v.length - 1)) : 0;
  return [m, sd / Math.sqrt(v.length)];
}

/** One split's metrics, in target units. */
export interface UciSplitResult {
  rmse: number;
  logLikelihood: number;
  crps: number;
  /** √(mean aleatoric variance): the noise σ the model predicts. */
  noiseStd: number;
  /** √(mean epistemic variance): the spread of the posterior functions. */
  epistemicStd: number;
}

/** One method's results over the splits (target units; mean ± standard error). */
export interface UciResult {
  method: UciMethod | 'trainingMean';
  rmse: [number, number];
  logLikelihood: [number, number];
  crps: [number, number];
  /** Pooled over the test sets of all splits. */
  coverage: Array<{level: number; observed: number}>;
  secondsPerSplit: number;
  perSplit: UciSplitResult[];
}

/** Options of {@link runUciBenchmark}. */
export interface UciOptions {
  epochs: number;
  splits: number;
  samples: number;
  seed: number;
  methods: UciMethod[];
  /** The recommended recipe where not given. */
  recipe?: Partial<UciRecipe>;
  onSplit?: (method: UciMethod, split: number) => void;
}

/** Predicting the training mean with the training stddev, N(ȳ, s_y²): the floor every model must beat. */
function trainingMean(s: Split): UciSplitResult & {inside: number[]} {
  const y = s.yTest.dataSync();
  const n = y.length;
  let se = 0;
  let ll = 0;
  for (const v of y) {
    se += v * v;
    ll += -0.5 * v * v - 0.5 * Math.log(2 * Math.PI);
  }
  // N(0, 1) in standardized units; central-interval half widths z(0.75), z(0.95), z(0.975).
  const z = [0.6744897501960817, 1.6448536269514722, 1.959963984540054];
  // CRPS of N(0, 1) at v: v(2Φ(v) − 1) + 2φ(v) − 1/√π.
  const phi = (v: number): number => Math.exp(-0.5 * v * v) / Math.sqrt(2 * Math.PI);
  const cdf = (v: number): number => 0.5 * (1 + erf(v / Math.SQRT2));
  let crps = 0;
  for (const v of y) crps += v * (2 * cdf(v) - 1) + 2 * phi(v) - 1 / Math.sqrt(Math.PI);
  return {rmse: Math.sqrt(se / n) * s.yStd, logLikelihood: ll / n - Math.log(s.yStd), crps: crps / n * s.yStd,
    noiseStd: s.yStd, epistemicStd: 0, inside: z.map((h) => Array.from(y).filter((v) => Math.abs(v) <= h).length)};
}

/** erf by Abramowitz & Stegun 7.1.26 (|error| < 1.5e-7): enough for a reference row. */
function erf(x: number): number {
  const t = 1 / (1 + 0.3275911 * Math.abs(x));
  const p = t * (0.254829592 + t * (-0.284496736 + t * (1.421413741 + t * (-1.453152027 + t * 1.061405429))));
  const v = 1 - p * Math.exp(-x * x);
  return x >= 0 ? v : -v;
}

const LEVELS = [0.5, 0.9, 0.95];

/**
 * Runs the protocol: for each method, `splits` splits, each a fresh net trained for `epochs`
 * epochs and evaluated with `samples` posterior samples (1 for the deterministic net). The first
 * result is the training-mean reference. Numbers are in target units (RMSE × σ_y, log-likelihood
 * − log σ_y).
 *
 * @example
 * const [baseline, flipout] = await runUciBenchmark({epochs: 40, splits: 20, samples: 100, seed: 1,
 *   methods: ['flipout']});
 */
export async function runUciBenchmark(o: UciOptions): Promise<UciResult[]> {
  const data = loadBoston();
  const results: UciResult[] = [];
  const summarize = (method: UciResult['method'], perSplit: UciSplitResult[], inside: number[], total: number,
      seconds: number): UciResult => ({
    method, rmse: meanSE(perSplit.map((r) => r.rmse)), logLikelihood: meanSE(perSplit.map((r) => r.logLikelihood)),
    crps: meanSE(perSplit.map((r) => r.crps)),
    coverage: LEVELS.map((level, i) => ({level, observed: (inside[i] ?? 0) / total})),
    secondsPerSplit: seconds / o.splits, perSplit});
  {
    const perSplit: UciSplitResult[] = [];
    const inside = LEVELS.map(() => 0);
    let total = 0;
    for (let k = 0; k < o.splits; k++) {
      const s = makeSplit(data, o.seed, k);
      const {inside: hits, ...r} = trainingMean(s);
      perSplit.push(r);
      hits.forEach((h, i) => { inside[i]! += h; });
      total += s.yTest.shape[0];
      disposeSplit(s);
    }
    results.push(summarize('trainingMean', perSplit, inside, total, 0));
  }
  for (const method of o.methods) {
    const perSplit: UciSplitResult[] = [];
    const inside = LEVELS.map(() => 0);
    let total = 0;
    const start = Date.now();
    for (let k = 0; k < o.splits; k++) {
      o.onSplit?.(method, k);
      const s = makeSplit(data, o.seed, k);
      const seed = splitSeed(o.seed, k);
      const model = buildUciModel(method, {seed, nTrain: s.xTrain.shape[0], recipe: o.recipe});
      await trainUciModel(model, s.xTrain, s.yTrain, {epochs: o.epochs, seed, recipe: o.recipe});
      const pred = await predictDistributionMC(model, s.xTest, {samples: method === 'deterministic' ? 1 : o.samples});
      const m = await evaluateRegression(pred, s.yTest, {levels: LEVELS});
      // Back to target units: RMSE, CRPS and σ × σ_y, log-likelihood − log σ_y.
      perSplit.push({rmse: m.rmse * s.yStd, logLikelihood: m.logLikelihood - Math.log(s.yStd), crps: m.crps * s.yStd,
        noiseStd: Math.sqrt(m.meanAleatoricVariance) * s.yStd, epistemicStd: Math.sqrt(m.meanEpistemicVariance) * s.yStd});
      m.coverage.forEach((c, i) => { inside[i]! += Math.round(c.observed * s.yTest.shape[0]); });
      total += s.yTest.shape[0];
      tf.dispose([pred.loc, pred.scale]);
      disposeSplit(s);
      model.dispose();
    }
    results.push(summarize(method, perSplit, inside, total, (Date.now() - start) / 1000));
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
  return [...new Set(list)] as UciMethod[];
}

/**
 * The results as a Markdown table, with the published rows.
 *
 * @example
 * process.stdout.write(formatUciTable(await runUciBenchmark(options), options));
 */
export function formatUciTable(results: UciResult[], o: UciOptions): string {
  const r = {...RECOMMENDED_RECIPE, ...o.recipe};
  const anneal = r.anneal ?? o.epochs;
  const pm = (v: readonly number[]): string => `${(v[0] as number).toFixed(2)} ± ${(v[1] as number).toFixed(2)}`;
  const lines = [`Boston housing, ${o.splits} random 90/10 splits (seed ${o.seed}), 13 → 50 ReLU → ` +
      `${r.noise === 'heteroscedastic' ? 'loc, σ(x)' : 'loc, one learned σ'}, ${o.epochs} epochs, Adam ${r.lr}, ` +
      `batch ${r.batchSize}, KL / N${anneal > 0 ? ` with a ${anneal}-epoch warm-up` : ''}, ` +
      `posterior σ₀ ${r.posteriorScale}${r.prior === 'trainable' ? ', trainable prior scale' : ''}, ` +
      `${o.samples} posterior samples; mean ± standard error over splits, target units ($1000s)`, '',
  '| method | RMSE | test log-likelihood | CRPS | coverage 50 / 90 / 95 % | noise σ | s per split |',
  '|---|---|---|---|---|---|---|'];
  for (const x of results) {
    const noise = x.perSplit.reduce((a, b) => a + b.noiseStd, 0) / Math.max(1, x.perSplit.length);
    lines.push(`| ${x.method} | ${pm(x.rmse)} | ${pm(x.logLikelihood)} | ${pm(x.crps)} | ` +
        `${x.coverage.map((c) => (100 * c.observed).toFixed(1)).join(' / ')} | ${noise.toFixed(2)} | ` +
        `${x.method === 'trainingMean' ? '—' : x.secondsPerSplit.toFixed(1)} |`);
  }
  for (const p of PUBLISHED) lines.push(`| ${p.method} | ${pm(p.rmse)} | ${pm(p.ll)} | — | — | — | — |`);
  return `${lines.join('\n')}\n`;
}

/** `tfjs-probability uci` (options: {@link UCI_SPEC}). */
export async function runUci(p: ParsedArgs, io: {out: TextSink; err: TextSink},
    backendFor: (owner: string) => Promise<string>): Promise<void> {
  if (p.positional.length > 0) throw new ValueError(`uci: arguments must be options only; got ${fmt(p.positional)}.`);
  const recipe: UciRecipe = {
    lr: getNumber(p, 'lr', R.lr), batchSize: getNumber(p, 'batch-size', R.batchSize),
    anneal: getNumber(p, 'anneal'), noise: getString(p, 'noise', R.noise) as UciNoise,
    prior: getString(p, 'prior', R.prior) as UciRecipe['prior'],
    posteriorScale: getNumber(p, 'posterior-scale', R.posteriorScale),
  };
  const o: UciOptions = {
    epochs: getNumber(p, 'epochs', 40), splits: getNumber(p, 'splits', 20), samples: getNumber(p, 'samples', 100),
    seed: getNumber(p, 'seed', 1), methods: parseMethods(getString(p, 'methods')), recipe,
  };
  const backend = await backendFor('uci');
  io.err.write(`uci: backend ${backend}\n`);
  const start = Date.now();
  o.onSplit = (m, k) => { io.err.write(`uci: ${m} split ${k + 1}/${o.splits}\n`); };
  const results = await runUciBenchmark(o);
  const seconds = (Date.now() - start) / 1000;
  io.err.write(`uci: ${seconds.toFixed(0)} s\n`);
  const {onSplit: _unused, ...options} = o;
  io.out.write(getFlag(p, 'json') ?
    `${JSON.stringify({options, backend, seconds, results, published: PUBLISHED}, null, 2)}\n` :
    formatUciTable(results, o));
}
