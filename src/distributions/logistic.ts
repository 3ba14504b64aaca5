// The Logistic distribution: density sech²((x − μ)/2s)/(4s), CDF sigmoid((x − μ)/s).
// Port of tensorflow_probability/python/distributions/logistic.py.
import * as tf from '@tensorflow/tfjs-core';

import {randomUniform} from '../util/random.js';

import {resolveSeed} from './distribution.js';
import type {DistributionArgs, ParamLike, SampleShape, TensorLike} from './distribution.js';
import {LocScaleDistribution} from './loc_scale.js';

/**
 * Arguments of {@link Logistic}.
 *
 * @example
 * const args: tfp.distributions.LogisticArgs = {loc: 0, scale: [1, 2]};
 */
export interface LogisticArgs extends DistributionArgs {
  /** Location μ (the mean, median and mode). */
  loc: ParamLike;
  /**
   * Scale s > 0 (a number ≤ 0 is a `ValueError`; a tensor is checked when `validateArgs`, and a
   * variable or deferred function again on every use).
   */
  scale: ParamLike;
}

/** The smallest and largest float32 uniforms tfjs can hold strictly inside (0, 1). */
const U_MIN = 2 ** -24;
const U_MAX = 1 - 2 ** -24;

/**
 * Logistic(loc, scale): batch `broadcast(loc, scale)`, scalar event, reparameterized.
 * With `z = (x − μ)/s`: `log p(x) = −z − 2·softplus(−z) − log s`, `cdf = sigmoid(z)`,
 * `logCdf = −softplus(−z)`, `survivalFunction = sigmoid(−z)`, `logSurvivalFunction = −softplus(z)`
 * (all finite in the tails), `quantile(p) = μ + s·(log p − log1p(−p))`; mean = mode = μ,
 * variance `s²π²/3`, entropy `log s + 2`. TFP registers no KL for it, nor does this package.
 *
 * @example
 * const d = new tfp.distributions.Logistic({loc: 0, scale: 1});
 * d.cdf(1);         // sigmoid(1) = 0.7310586
 * d.quantile(0.9);  // log 9 = 2.1972246
 */
export class Logistic extends LocScaleDistribution {
  readonly className: string = 'Logistic';

  constructor(args: LogisticArgs) {
    super(args, 'Logistic');
  }

  /** `μ + s·logit(u)`, `u ~ U(0, 1)` (inverse CDF; gradients reach loc and scale). */
  sample(sampleShape: SampleShape = [], seed?: number): tf.Tensor {
    const args = this.sampleArgs(sampleShape, seed);
    return tf.tidy(() => {
      // Clipped so that a uniform rounded to 1 in float32 (the JavaScript fallback stream) stays finite.
      const u = tf.clipByValue(randomUniform([...args.shape, ...this.batchShape], resolveSeed(args.seed)), U_MIN, U_MAX);
      const logit = tf.sub(tf.log(u), tf.log1p(tf.neg(u)));
      return tf.add(this.loc, tf.mul(this.scale, logit));
    });
  }

  /** `−z − 2·softplus(−z) − log s`: finite for every finite x. */
  logProb(x: TensorLike): tf.Tensor {
    return tf.tidy(() => {
      const scale = this.scale;
      const z = tf.div(tf.sub(this.checkedValue(x), this.loc), scale);
      return tf.sub(tf.sub(tf.neg(z), tf.mul(2, tf.softplus(tf.neg(z)))), tf.log(scale));
    });
  }

  override cdf(x: TensorLike): tf.Tensor {
    return tf.tidy(() => tf.sigmoid(this.standardize(x)));
  }

  override logCdf(x: TensorLike): tf.Tensor {
    return tf.tidy(() => tf.neg(tf.softplus(tf.neg(this.standardize(x)))));
  }

  override survivalFunction(x: TensorLike): tf.Tensor {
    return tf.tidy(() => tf.sigmoid(tf.neg(this.standardize(x))));
  }

  override logSurvivalFunction(x: TensorLike): tf.Tensor {
    return tf.tidy(() => tf.neg(tf.softplus(this.standardize(x))));
  }

  /** `μ + s·(log p − log1p(−p))`: ±∞ at p = 0 / 1, NaN outside [0, 1]; shape `broadcast(p, batch)`. */
  override quantile(p: TensorLike): tf.Tensor {
    return tf.tidy(() => {
      const pt = this.checkedValue(p, 'p');
      return tf.add(this.loc, tf.mul(this.scale, tf.sub(tf.log(pt), tf.log1p(tf.neg(pt)))));
    });
  }

  override mean(): tf.Tensor {
    return tf.tidy(() => tf.add(this.loc, tf.zerosLike(this.scale)));
  }

  override mode(): tf.Tensor {
    return this.mean();
  }

  /** `s·π/√3`. */
  override stddev(): tf.Tensor {
    return tf.tidy(() => tf.add(tf.mul(this.scale, Math.PI / Math.sqrt(3)), tf.zerosLike(this.loc)));
  }

  /** `s²π²/3`. */
  override variance(): tf.Tensor {
    return tf.tidy(() => tf.add(tf.mul(tf.square(this.scale), Math.PI ** 2 / 3), tf.zerosLike(this.loc)));
  }

  /** `log s + 2`. */
  override entropy(): tf.Tensor {
    return tf.tidy(() => tf.add(tf.add(tf.log(this.scale), 2), tf.zerosLike(this.loc)));
  }
}
