// Helpers over whole models: the summed divergence of the latest call (for custom training loops
// and logging KL apart from NLL), posterior-mean prediction, one pinned posterior draw per scope,
// and the KL multipliers (klWeight = 1/N, the annealing factor β).
import * as tf from '@tensorflow/tfjs-core';
import type * as tfl from '@tensorflow/tfjs-layers';

import {ValueError} from '../util/errors.js';
import {fmt} from '../util/format.js';

import {checkKLMultiplier} from './bayesian_state.js';
import type {PinnedDraws} from './bayesian_state.js';
import {VariationalLayer} from './variational_layer.js';

/**
 * What the model-level helpers need of a Bayesian layer: its divergence for the latest call and a
 * posterior-mean switch. The nine dense and convolutional variational layers and DenseVariational provide it.
 */
export interface BayesianLayer {
  /** The divergence of the latest call, as added to the loss. */
  kl(): tf.Scalar;
  /** The divergence added to the latest training step's loss, or null before one. */
  addedDivergence(): tf.Scalar | null;
  /** Posterior-mean mode (see {@link withPosteriorMean}). */
  usePosteriorMean: boolean;
  /** Multiplier of the layer's divergences (saved); null means 1. */
  klWeight: number | null;
  /** Annealing factor β of the layer's divergences (not saved). */
  klBeta: number;
  /** The pinned draws of {@link withPosteriorSample}. */
  readonly pinned: PinnedDraws;
}

function isBayesianLayer(l: unknown): l is BayesianLayer & tfl.layers.Layer {
  return typeof (l as BayesianLayer).kl === 'function' &&
      typeof (l as BayesianLayer).usePosteriorMean === 'boolean';
}

function checkTarget(owner: string, target: unknown): void {
  if (typeof target !== 'object' || target === null ||
      typeof (target as {getClassName?: unknown}).getClassName !== 'function') {
    throw new ValueError(`${owner}: target must be a tf.LayersModel or a layer; got ${fmt(target)}.`);
  }
}

function checkSyncFn(owner: string, fn: unknown): void {
  if (typeof fn !== 'function') throw new ValueError(`${owner}: fn must be a function; got ${fmt(fn)}.`);
}

/**
 * Every Bayesian layer inside `target` (recursing into nested models), in layer order: the
 * dense and convolutional variational layers and DenseVariational.
 */
export function bayesianLayers(target: tfl.layers.Layer | tfl.LayersModel):
    Array<BayesianLayer & tfl.layers.Layer> {
  if (isBayesianLayer(target)) return [target];
  const nested = (target as {layers?: tfl.layers.Layer[]}).layers;
  return nested === undefined ? [] : nested.flatMap((l) => bayesianLayers(l));
}

/** Every DenseReparameterization … Conv3DFlipout layer inside `target`, in layer order. */
export function variationalLayers(target: tfl.layers.Layer | tfl.LayersModel): VariationalLayer[] {
  return bayesianLayers(target).filter((l): l is VariationalLayer => l instanceof VariationalLayer);
}

/**
 * Σ of the divergences (the KL terms as configured by each layer's divergence fns) of every
 * variational layer in a model or layer, for its latest call: a scalar. With
 * `klDivergenceFn({weight: 1/N})` this is the KL/N term of the per-example negative ELBO.
 *
 * @example
 * const kl = tfp.layers.totalDivergence(model);   // after a forward pass
 */
export function totalDivergence(target: tfl.layers.Layer | tfl.LayersModel): tf.Scalar {
  return tf.tidy(() => bayesianLayers(target).reduce(
      (sum: tf.Tensor, layer) => tf.add(sum, layer.kl()), tf.scalar(0)) as tf.Scalar);
}

/**
 * Runs `fn` with every variational layer in `target` using its posterior mean instead of draws
 * (kernel and bias; Flipout's perturbation and local reparameterization's noise become 0): the
 * cheap deterministic "posterior-mean" prediction. The previous mode is restored afterwards.
 *
 * @example
 * const yMean = tfp.layers.withPosteriorMean(model, () => model.predict(x) as tf.Tensor);
 */
export function withPosteriorMean<T>(target: tfl.layers.Layer | tfl.LayersModel, fn: () => T): T {
  checkTarget('withPosteriorMean', target);
  checkSyncFn('withPosteriorMean', fn);
  const layers = bayesianLayers(target);
  const previous = layers.map((l) => l.usePosteriorMean);
  layers.forEach((l) => { l.usePosteriorMean = true; });
  try {
    const result = fn();
    if (result instanceof Promise) {
      throw new TypeError('withPosteriorMean: fn must be synchronous (await outside of it).');
    }
    return result;
  } finally {
    layers.forEach((l, i) => { l.usePosteriorMean = previous[i] ?? false; });
  }
}

/**
 * Runs `fn` with every Bayesian layer in `target` pinned to ONE posterior draw of its weights: the
 * first call inside the scope draws the kernel (and bias) from the posterior, every later call
 * reuses them, and the draws are disposed when `fn` returns. So a predictive pass over many
 * batches computes one function — one sample of the posterior predictive — instead of redrawing
 * the weights for every batch. Flipout and local-reparameterization layers use the drawn kernel
 * directly inside the scope (one matmul or convolution; their per-example noise needs a kernel
 * per example and would not be one function). Scopes nest: an inner scope draws anew and the outer
 * draws return after it. For prediction: gradients do not reach the variables through a pinned
 * draw.
 *
 * @example
 * // One posterior sample of the whole test set, whatever the batch size:
 * const y = tfp.layers.withPosteriorSample(model, () => model.predict(xTest, {batchSize: 32}) as tf.Tensor);
 */
export function withPosteriorSample<T>(target: tfl.layers.Layer | tfl.LayersModel, fn: () => T): T {
  checkTarget('withPosteriorSample', target);
  checkSyncFn('withPosteriorSample', fn);
  const layers = bayesianLayers(target);
  layers.forEach((l) => l.pinned.push());
  try {
    const result = fn();
    if (result instanceof Promise) {
      throw new TypeError('withPosteriorSample: fn must be synchronous (await outside of it).');
    }
    return result;
  } finally {
    layers.forEach((l) => l.pinned.pop());
  }
}

/**
 * Sets the annealing factor β of every Bayesian layer in `target`: the loss then adds
 * `β · klWeight · KL` per layer (β = 1 is the ELBO). Not saved with the model. Used by
 * {@link klAnnealing}; call it yourself in a custom training loop.
 *
 * @example
 * tfp.layers.setKLBeta(model, 0.1);   // a tenth of the KL for the next steps
 */
export function setKLBeta(target: tfl.layers.Layer | tfl.LayersModel, beta: number): void {
  checkTarget('setKLBeta', target);
  const b = checkKLMultiplier('setKLBeta', 'beta', beta);
  bayesianLayers(target).forEach((l) => { l.klBeta = b; });
}

/**
 * Sets `klWeight = 1 / numExamples` on every Bayesian layer in `target`, so that `model.fit` with
 * a batch-mean loss minimises the per-example negative ELBO, NLL + KL / N. Saved with the model.
 * Use it instead of `klDivergenceFn({weight: 1 / N})`, not with it (the two multiply).
 * Returns the number of layers it set.
 *
 * @example
 * tfp.layers.scaleKLByExamples(model, xTrain.shape[0]);
 */
export function scaleKLByExamples(target: tfl.layers.Layer | tfl.LayersModel, numExamples: number): number {
  checkTarget('scaleKLByExamples', target);
  if (typeof numExamples !== 'number' || !Number.isSafeInteger(numExamples) || numExamples < 1) {
    throw new ValueError(`scaleKLByExamples: numExamples must be a positive integer (the number of ` +
        `training examples); got ${fmt(numExamples)}.`);
  }
  const layers = bayesianLayers(target);
  layers.forEach((l) => { l.klWeight = 1 / numExamples; });
  return layers.length;
}
