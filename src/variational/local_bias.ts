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
  return {
    mean: tf.add(moments.mean, biasLoc),
    stddev: safeSqrt(tf.add(tf.square(moments.stddev), tf.square(biasScale))),
  };
}
