// The single-sample Monte Carlo KL of tfp.nn (DISTRIBUTIONS.md §4), the default penalty of the
// variational layers and of `computeExtraLoss`. Port of `kl_divergence_monte_carlo` in
// tensorflow_probability/python/experimental/nn/losses/losses.py.
import * as tf from '@tensorflow/tfjs-core';

import type {Distribution} from '../distributions/distribution.js';

/** `(posterior, prior, posteriorValue)` → a scalar loss. */
export type PenaltyFn = (q: Distribution<tf.Tensor[]>, r: Distribution<tf.Tensor[]>, w: tf.Tensor[]) => tf.Tensor;

/** Identity forward, zero gradient (tfjs has no public `stopGradient`). */
const stopGradient = tf.customGrad(((x: tf.Tensor) => ({
  value: tf.clone(x),
  gradFunc: (dy: tf.Tensor) => tf.zerosLike(dy),
})) as unknown as Parameters<typeof tf.customGrad>[0]) as unknown as (x: tf.Tensor) => tf.Tensor;

/**
 * Single-sample Monte Carlo KL: `log q(w) − log r(w)` at the weights `w` of the latest forward
 * pass. If `q` is not fully reparameterized, the value is the same but the gradient is DiCE's
 * score-function surrogate `f(w̄)·exp(log q(w̄) − stopGrad(log q(w̄)))` with `w̄ = stopGrad(w)`.
 * Unbiased for the KL; single values may be negative.
 *
 * @example
 * const kl = tfp.nn.losses.klDivergenceMonteCarlo(layer.posterior, layer.prior, layer.posteriorValue);
 */
export function klDivergenceMonteCarlo<V extends tf.Tensor | tf.Tensor[]>(q: Distribution<V>,
    r: Distribution<V>, w: V): tf.Tensor {
  return tf.tidy(() => {
    if (q.reparameterized) return tf.sub(q.logProb(w), r.logProb(w));
    const wBar = (Array.isArray(w) ? w.map(stopGradient) : stopGradient(w)) as V;
    const f = tf.sub(q.logProb(wBar), r.logProb(wBar));
    const logQ = q.logProb(wBar);
    return tf.mul(f, tf.exp(tf.sub(logQ, stopGradient(logQ))));
  });
}

