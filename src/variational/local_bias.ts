// Local reparameterization with a Normal bias folded into the pre-activation analytically
// (tfp.nn's AffineVariationalReparameterizationLocal, NN.md §6.3). Extends estimators.ts.
import * as tf from '@tensorflow/tfjs-core';

import {safeSqrt} from './estimators.js';
import type {LocalMoments} from './estimators.js';

/**
 * Adds an independent `N(μb, σb)` bias to local-reparameterization moments: the mean gains `μb`
 * and the variance `σb²` (`s ← √(s² + σb²)`), so the bias noise needs no separate draw.
 */
export function foldNormalBias(moments: LocalMoments, biasLoc: tf.Tensor, biasScale: tf.Tensor): LocalMoments {
  return tf.tidy(() => {
    // √(s² + σb²) as m·√((s/m)² + (σb/m)²), m = max(s, σb): s may be near float32's limit (the
    // scaled moments keep it finite for |x| up to ~1e38), where s² would overflow.
    const s = moments.stddev;
    // Same shape as s: tfjs's Maximum gradient does not reduce a broadcast operand.
    const b = tf.broadcastTo(tf.abs(biasScale), s.shape);
    // (A floor of 1e-30 instead of a tf.where on m > 0: tfjs has no gradient for Greater.)
    const safeM = tf.maximum(tf.maximum(s, b), 1e-30);
    const r = safeSqrt(tf.add(tf.square(tf.div(s, safeM)), tf.square(tf.div(b, safeM))));
    return {mean: tf.add(moments.mean, biasLoc), stddev: tf.mul(r, safeM)};
  });
}
