// Helpers over whole models: the summed divergence of the latest call (for custom training loops
// and logging KL apart from NLL) and posterior-mean prediction.
import * as tf from '@tensorflow/tfjs-core';
import type * as tfl from '@tensorflow/tfjs-layers';

import {VariationalLayer} from './variational_layer.js';

/**
 * What the model-level helpers need of a Bayesian layer: its divergence for the latest call and a
 * posterior-mean switch. The nine dense and convolutional variational layers and DenseVariational provide it.
 */
export interface BayesianLayer {
  kl(): tf.Scalar;
  usePosteriorMean: boolean;
}

function isBayesianLayer(l: unknown): l is BayesianLayer & tfl.layers.Layer {
  return typeof (l as BayesianLayer).kl === 'function' &&
      typeof (l as BayesianLayer).usePosteriorMean === 'boolean';
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
