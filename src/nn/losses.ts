// Losses of tfp.nn: Monte Carlo and exact KL between a layer's posterior and prior, the negative
// log-likelihood, and the sum of a model's KL terms (NN.md §9). Port of
// tensorflow_probability/python/experimental/nn/losses/losses.py.
import * as tf from '@tensorflow/tfjs-core';

import type {Distribution, TensorLike} from '../distributions/distribution.js';
import {klDivergence} from '../distributions/kl.js';
import {ValueError} from '../util/errors.js';

import {klDivergenceMonteCarlo} from './kl.js';
import type {PenaltyFn} from './kl.js';
import {Sequential} from './sequential.js';
import {VariationalLayer} from './variational_base.js';

export {klDivergenceMonteCarlo};
export type {PenaltyFn};

/**
 * Analytic `KL(q ‖ r)` (`w` is ignored). Throws `NotImplementedError` for the nn default prior
 * (spike-and-slab), which has no registered KL.
 */
export function klDivergenceExact<V extends tf.Tensor | tf.Tensor[]>(q: Distribution<V>, r: Distribution<V>,
    _w?: V | null): tf.Tensor {
  return klDivergence(q, r);
}

/**
 * `−mean(modelFn(x).logProb(y), axis)` (default: the last axis).
 *
 * @example
 * const nll = tfp.nn.losses.negloglik(x, y, (x) => bnn.call(x) as tfp.distributions.Distribution);
 */
export function negloglik(x: tf.Tensor, y: tf.Tensor | TensorLike,
    modelFn: (x: tf.Tensor) => Distribution, axis = -1): tf.Tensor {
  return tf.tidy(() => tf.neg(tf.mean(modelFn(x).logProb(y as TensorLike), axis)));
}

/**
 * The KL term of a model after a forward pass: for a `Sequential`, the sum over its elements
 * (recursively); for a `VariationalLayer`, `lossFn(posterior, prior, posteriorValue)`; for
 * anything else, 0. A variational layer that has not been called yet is a `ValueError`.
 *
 * Porting note: TFP's recursion does not forward `lossFn` (nested layers always use the Monte
 * Carlo KL — a bug); here `lossFn` reaches every nested layer.
 *
 * @example
 * const loss = tf.add(nll, tf.div(tfp.nn.losses.computeExtraLoss(bnn), numExamples));
 */
export function computeExtraLoss(layer: unknown, lossFn: PenaltyFn = klDivergenceMonteCarlo): tf.Scalar {
  return tf.tidy(() => {
    if (layer instanceof Sequential) {
      return layer.layers.map((l) => computeExtraLoss(l, lossFn))
          .reduce((a, b) => tf.add(a, b), tf.scalar(0)) as tf.Scalar;
    }
    if (layer instanceof VariationalLayer) {
      const w = layer.posteriorValue;
      if (w === null) {
        throw new ValueError(`computeExtraLoss: layer "${layer.name}" must have been called before ` +
            `(its posteriorValue is still null); got a layer with no draw.`);
      }
      return tf.sum(lossFn(layer.posterior, layer.prior, w)) as tf.Scalar;
    }
    return tf.scalar(0);
  });
}
