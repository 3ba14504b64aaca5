// Monte Carlo predictive: S stochastic forward passes of a Bayesian model, stacked as [S, N, C].
// Port of the `num_monte_carlo` loop of tensorflow_probability/examples/bayesian_neural_network.py.
import * as tf from '@tensorflow/tfjs-core';
import type * as tfl from '@tensorflow/tfjs-layers';

import {withPosteriorMean, withPosteriorSample} from '../layers/model_utils.js';

import {ValueError} from '../util/errors.js';
import {fmt} from '../util/format.js';
import {checkArgsObject, checkKeys} from '../util/keys.js';
import {checkElementCount} from '../util/shape.js';

/** Anything with tfjs-layers' `predict`: a `tf.LayersModel` or `tf.Sequential`. */
export interface Predictor {
  predict(x: tf.Tensor, args?: {batchSize?: number}): tf.Tensor | tf.Tensor[];
}

/**
 * The most Monte Carlo passes {@link predictMC} runs: 10^6. Standard errors shrink as 1/√S, so
 * 10^6 draws already give 0.1% of the posterior spread; a larger S (e.g. a mistyped 2^40) would
 * run for days, so it is refused up front.
 */
export const MAX_MC_SAMPLES = 1_000_000;

/** Options of {@link predictMC}. */
export interface PredictMCArgs {
  /** Number of posterior draws S, 1 … {@link MAX_MC_SAMPLES}. Default 50 (the TFP example's `num_monte_carlo`). */
  samples?: number;
  /** Examples per forward pass. Default 128. With `drawPer: 'call'` each batch draws new weights. */
  batchSize?: number;
  /**
   * How the weights are drawn. `'sample'` (default): one posterior draw of every Bayesian layer's
   * weights per Monte Carlo sample, shared by all batches and examples
   * (`tfp.layers.withPosteriorSample`) — each sample is one function, the posterior predictive;
   * Flipout and local-reparameterization layers then run one matmul/convolution per call with the
   * drawn kernel. `'call'`: each layer's own estimator at every call — weights redrawn for every
   * batch, Flipout's per-example signs, local reparameterization's per-example noise (the training
   * estimator; each example's marginal is the same, examples of one sample are not one function).
   */
  drawPer?: 'sample' | 'call';
  /** `'probs'` (default) when the model ends in a softmax, `'logits'` to apply one here. */
  outputs?: 'probs' | 'logits';
  /** Called after each pass with the number of passes done, e.g. for a progress bar. */
  onSample?: (done: number, total: number) => void;
}

/** Checks a positive integer argument. */
export function checkPositiveInt(owner: string, name: string, value: unknown): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 1) {
    throw new ValueError(`${owner}: ${name} must be a positive integer; got ${fmt(value)}.`);
  }
  return value;
}

/**
 * Checks the model and the input of a predictive function. `x` must be a tensor, as for tfjs's
 * `model.predict`: a nested array is refused (its dtype and shape would be guessed), with the
 * conversion to use instead.
 */
function checkModelAndInput(owner: string, model: unknown, x: unknown): void {
  if (typeof model !== 'object' || model === null || typeof (model as Predictor).predict !== 'function') {
    throw new ValueError(`${owner}: model must have a predict method (a tf.LayersModel or ` +
        `tf.Sequential); got ${fmt(model)}.`);
  }
  if (!(x instanceof tf.Tensor)) {
    const hint = Array.isArray(x) ? ' (convert a nested array with tf.tensor2d(x), as for model.predict)' : '';
    throw new ValueError(`${owner}: x must be a tf.Tensor${hint}; got ${fmt(x)}.`);
  }
  if (x.isDisposed) throw new ValueError(`${owner}: x must not be disposed; got a disposed ${fmt(x)}.`);
}

/** A tfjs layer or model (anything else has no Bayesian layers to pin). */
function isLayer(model: unknown): boolean {
  return typeof (model as {getClassName?: unknown}).getClassName === 'function';
}

/** Checks an options object (undefined means `{}`) against its keys. */
function checkOptions(owner: string, args: unknown, keys: readonly string[]): void {
  checkArgsObject(owner, args);
  checkKeys(owner, args, {own: keys});
}

function checkOutputs(owner: string, outputs: unknown): 'probs' | 'logits' {
  const v = outputs ?? 'probs';
  if (v !== 'probs' && v !== 'logits') {
    throw new ValueError(`${owner}: outputs must be one of "probs", "logits"; got ${fmt(outputs)}.`);
  }
  return v;
}

function singleOutput(owner: string, y: tf.Tensor | tf.Tensor[]): tf.Tensor2D {
  const out = Array.isArray(y) ? y : [y];
  const first = out[0];
  if (out.length !== 1 || first === undefined || first.rank !== 2) {
    throw new ValueError(`${owner}: model must have one output of shape [N, C]; got ` +
        `${fmt(out.map((t) => t.shape))}.`);
  }
  return first as tf.Tensor2D;
}

/**
 * Draws `samples` Monte Carlo predictions: `probs[s] = model.predict(x)` with fresh posterior
 * draws per pass, returned as one `[S, N, C]` tensor. Each pass runs in its own `tf.tidy`, so the
 * only tensor left alive is the result (dispose it when done).
 *
 * @example
 * const probs = tfp.predictive.predictMC(model, xHeldOut, {samples: 50});
 * const summary = tfp.predictive.summarize(probs);
 */
export function predictMC(model: Predictor, x: tf.Tensor, args: PredictMCArgs = {}): tf.Tensor3D {
  const owner = 'predictMC';
  checkModelAndInput(owner, model, x);
  checkOptions(owner, args, ['samples', 'batchSize', 'outputs', 'onSample', 'drawPer']);
  const samples = checkPositiveInt(owner, 'samples', args.samples ?? 50);
  if (samples > MAX_MC_SAMPLES) {
    throw new ValueError(`${owner}: samples must be at most ${MAX_MC_SAMPLES} (MAX_MC_SAMPLES); ` +
        `got ${fmt(samples)}.`);
  }
  const batchSize = checkPositiveInt(owner, 'batchSize', args.batchSize ?? 128);
  const outputs = checkOutputs(owner, args.outputs);
  const drawPer = args.drawPer ?? 'sample';
  if (drawPer !== 'sample' && drawPer !== 'call') {
    throw new ValueError(`${owner}: drawPer must be one of "sample", "call"; got ${fmt(args.drawPer)}.`);
  }
  if (args.onSample !== undefined && typeof args.onSample !== 'function') {
    throw new ValueError(`${owner}: onSample must be a function; got ${fmt(args.onSample)}.`);
  }
  // The [S, N, C] result must fit one tensor: S·N now, S·N·C after the first pass shows C.
  checkElementCount(owner, 'the result [samples, N, C]', [samples, x.shape[0] ?? 1], ' (C ≥ 1)');
  const draws: tf.Tensor2D[] = [];
  try {
    for (let s = 0; s < samples; s++) {
      const pass = (): tf.Tensor2D => tf.tidy(() => {
        const y = singleOutput(owner, model.predict(x, {batchSize}));
        return outputs === 'logits' ? tf.softmax(y) : y;
      });
      draws.push(drawPer === 'sample' && isLayer(model) ?
          withPosteriorSample(model as unknown as tfl.LayersModel, pass) : pass());
      if (s === 0) checkElementCount(owner, 'the result [samples, N, C]', [samples, ...(draws[0] as tf.Tensor).shape]);
      args.onSample?.(s + 1, samples);
    }
    return tf.stack(draws) as tf.Tensor3D;
  } finally {
    tf.dispose(draws);
  }
}

/**
 * The deterministic "posterior-mean" prediction `[N, C]`: one pass with every variational layer
 * using its posterior mean instead of draws (`tfp.layers.withPosteriorMean`, TFP's
 * `tensor_fn = mean`). A cheap baseline to compare the Monte Carlo predictive with.
 *
 * @example
 * const probs = tfp.predictive.predictMean(model, xHeldOut);
 */
export function predictMean(model: tfl.LayersModel, x: tf.Tensor,
    args: {batchSize?: number, outputs?: 'probs' | 'logits'} = {}): tf.Tensor2D {
  checkModelAndInput('predictMean', model, x);
  return predictWith(model, x, (m, fn) => withPosteriorMean(m as tfl.LayersModel, fn), args);
}

/**
 * Runs `predict` once inside `runner`, e.g. `tfp.layers.withPosteriorMean`, which makes every
 * variational layer use its posterior mean: the cheap deterministic baseline ("tensor_fn = mean").
 */
export function predictWith(
    model: Predictor, x: tf.Tensor,
    runner: <T>(model: Predictor, fn: () => T) => T,
    args: {batchSize?: number, outputs?: 'probs' | 'logits'} = {}): tf.Tensor2D {
  const owner = 'predictMean';
  checkModelAndInput(owner, model, x);
  checkOptions(owner, args, ['batchSize', 'outputs']);
  if (typeof runner !== 'function') {
    throw new ValueError(`${owner}: runner must be a function; got ${fmt(runner)}.`);
  }
  const batchSize = checkPositiveInt(owner, 'batchSize', args.batchSize ?? 128);
  const outputs = checkOutputs(owner, args.outputs);
  return runner(model, () => tf.tidy(() => {
    const y = singleOutput(owner, model.predict(x, {batchSize}));
    return outputs === 'logits' ? tf.softmax(y) : y;
  }));
}
