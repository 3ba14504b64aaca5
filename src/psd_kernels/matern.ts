// The Matérn 5/2 kernel.
// Port of tensorflow_probability/python/math/psd_kernels/matern.py (MaternFiveHalves).
import * as tf from '@tensorflow/tfjs-core';

import {PositiveSemidefiniteKernel} from './positive_semidefinite_kernel.js';
import type {KernelArgs} from './positive_semidefinite_kernel.js';

/**
 * k(x, x') = amplitude² · (1 + √5 r + 5r²/3) · exp(−√5 r), r = ‖x − x'‖ / lengthScale.
 * Defaults: amplitude 1, lengthScale 1.
 *
 * @example
 * const k = new tfp.psdKernels.MaternFiveHalves({amplitude: 1, lengthScale: 1});
 * k.matrix(tf.tensor2d([[0], [1]]), tf.tensor2d([[0], [1]]));
 */
export class MaternFiveHalves extends PositiveSemidefiniteKernel {
  constructor(args: KernelArgs = {}) {
    super('MaternFiveHalves', args);
  }

  protected override fromScaledSquaredDistance(r2: tf.Tensor): tf.Tensor {
    // √ of a floor: d√r²/dr² is infinite at 0 (the diagonal); below the floor the gradient is 0,
    // which is the true derivative of this kernel at r = 0.
    const r = tf.mul(tf.sqrt(tf.maximum(r2, 1e-20)), Math.sqrt(5));
    return tf.mul(tf.add(tf.add(r, 1), tf.mul(r2, 5 / 3)), tf.exp(tf.neg(r)));
  }
}
