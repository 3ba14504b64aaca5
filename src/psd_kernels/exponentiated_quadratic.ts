// The exponentiated quadratic (squared exponential, RBF) kernel.
// Port of tensorflow_probability/python/math/psd_kernels/exponentiated_quadratic.py.
import * as tf from '@tensorflow/tfjs-core';

import {PositiveSemidefiniteKernel} from './positive_semidefinite_kernel.js';
import type {KernelArgs} from './positive_semidefinite_kernel.js';

/**
 * k(x, x') = amplitude² · exp(−‖x − x'‖² / (2 lengthScale²)). Defaults: amplitude 1, lengthScale 1.
 *
 * @example
 * const k = new tfp.psdKernels.ExponentiatedQuadratic({amplitude: 1, lengthScale: 2});
 * k.apply(tf.tensor1d([0]), tf.tensor1d([1]));   // exp(−1/8)
 */
export class ExponentiatedQuadratic extends PositiveSemidefiniteKernel {
  constructor(args: KernelArgs = {}) {
    super('ExponentiatedQuadratic', args);
  }

  protected override fromScaledSquaredDistance(r2: tf.Tensor): tf.Tensor {
    return tf.exp(tf.mul(r2, -0.5));
  }
}
