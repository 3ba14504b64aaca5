// Summaries of a Monte Carlo predictive [S, N, C]: mean, spread and the entropy decomposition
// H[E_q p] = E_q H[p] + I(y; W) (total = aleatoric + epistemic), all in nats.
import * as tf from '@tensorflow/tfjs-core';

import {ValueError} from '../util/errors.js';
import {fmt} from '../util/format.js';

/** The per-example summary of `[S, N, C]` Monte Carlo probabilities. */
export interface PredictiveSummary {
  /** `[N, C]` posterior predictive `p(y|x,D) ≈ (1/S) Σ_s p(y|x,W_s)`. */
  mean: tf.Tensor2D;
  /** `[N, C]` standard deviation over the S draws (divisor S). */
  stddev: tf.Tensor2D;
  /** `[N]` entropy of the mean prediction, `H[E_q p]`: total uncertainty. */
  predictiveEntropy: tf.Tensor1D;
  /** `[N]` mean entropy of the draws, `E_q H[p]`: aleatoric uncertainty. */
  expectedEntropy: tf.Tensor1D;
  /** `[N]` mutual information `H[E_q p] − E_q H[p]` between label and weights: epistemic. */
  mutualInformation: tf.Tensor1D;
}

/** Entropy in nats along the last axis, with 0·log 0 = 0. */
export function entropy(probs: tf.Tensor): tf.Tensor {
  return tf.tidy(() => {
    // max(p, 1e-30) keeps log finite; p = 0 then contributes 0·log(1e-30) = 0 exactly.
    return tf.neg(tf.sum(tf.mul(probs, tf.log(tf.maximum(probs, 1e-30))), -1));
  });
}

/** Checks `[S, N, C]` Monte Carlo probabilities. */
export function checkProbs3D(owner: string, probs: tf.Tensor): tf.Tensor3D {
  if (probs.rank !== 3 || probs.shape.some((d) => d < 1)) {
    throw new ValueError(`${owner}: probs must be a non-empty [S, N, C] tensor; got ${fmt(probs)}.`);
  }
  return probs as tf.Tensor3D;
}

/**
 * Summarises `[S, N, C]` Monte Carlo probabilities (from {@link predictMC}): predictive mean and
 * standard deviation, predictive entropy, expected entropy (aleatoric) and mutual information
 * (epistemic). The caller owns (and disposes) the returned tensors; `probs` is not disposed.
 *
 * Porting note: mutual information is clipped at 0. It is non-negative by Jensen's inequality, and
 * float32 round-off would otherwise give −1e-8 when all draws agree.
 *
 * @example
 * const {mean, mutualInformation} = tfp.predictive.summarize(probs);
 */
export function summarize(probs: tf.Tensor): PredictiveSummary {
  const p = checkProbs3D('summarize', probs);
  return tf.tidy(() => {
    const mean = tf.mean(p, 0) as tf.Tensor2D;
    const stddev = tf.sqrt(tf.mean(tf.square(tf.sub(p, mean)), 0)) as tf.Tensor2D;
    const predictiveEntropy = entropy(mean) as tf.Tensor1D;
    const expectedEntropy = tf.mean(entropy(p), 0) as tf.Tensor1D;
    const mutualInformation =
        tf.relu(tf.sub(predictiveEntropy, expectedEntropy)) as tf.Tensor1D;
    return {mean, stddev, predictiveEntropy, expectedEntropy, mutualInformation};
  });
}

/** Disposes every tensor of a {@link PredictiveSummary}. */
export function disposeSummary(summary: PredictiveSummary): void {
  tf.dispose([summary.mean, summary.stddev, summary.predictiveEntropy, summary.expectedEntropy,
    summary.mutualInformation]);
}
