// Positive semidefinite kernels k(x, x') over feature vectors (featureNdims 1).
// Port of tensorflow_probability/python/math/psd_kernels/positive_semidefinite_kernel.py.
import * as tf from '@tensorflow/tfjs-core';

import {ValueError} from '../util/errors.js';
import {fmt} from '../util/format.js';

/** Arguments of the stationary kernels: k = amplitude² · f(‖x − x'‖ / lengthScale). */
export interface KernelArgs {
  /** Scale of the kernel's output (k(x, x) = amplitude²). Default 1. */
  amplitude?: number | tf.Tensor;
  /** Length scale of the inputs. Default 1. */
  lengthScale?: number | tf.Tensor;
}

function checkParam(owner: string, name: string, v: number | tf.Tensor | undefined): tf.Tensor | number {
  if (v === undefined) return 1;
  if (v instanceof tf.Tensor) {
    if (v.size !== 1) throw new ValueError(`${owner}: ${name} must be a scalar; got ${fmt(v)}.`);
    return v;
  }
  if (typeof v !== 'number' || !(v > 0) || !Number.isFinite(v)) {
    throw new ValueError(`${owner}: ${name} must be a positive finite number or a scalar tensor; got ${fmt(v)}.`);
  }
  return v;
}

/**
 * Base of the kernels: `apply(x1, x2)` pairs rows (shapes broadcast, last axis the feature),
 * `matrix(x1, x2)` is the `[n, m]` Gram matrix of `[n, d]` and `[m, d]` inputs.
 *
 * @example
 * const k = new tfp.psdKernels.ExponentiatedQuadratic({amplitude: 2, lengthScale: 0.5});
 * k.matrix(tf.tensor2d([[0], [1]]), tf.tensor2d([[0], [1], [2]]));   // [2, 3]
 */
export abstract class PositiveSemidefiniteKernel {
  /** Number of rightmost feature axes (always 1 here). */
  readonly featureNdims = 1;
  readonly amplitude: tf.Tensor | number;
  readonly lengthScale: tf.Tensor | number;

  protected constructor(readonly name: string, args: KernelArgs = {}) {
    if (typeof args !== 'object' || args === null) {
      throw new ValueError(`${name}: args must be an object; got ${fmt(args)}.`);
    }
    this.amplitude = checkParam(name, 'amplitude', args.amplitude);
    this.lengthScale = checkParam(name, 'lengthScale', args.lengthScale);
  }

  /** f(r²) with r = ‖x − x'‖ / lengthScale, before the amplitude² factor. */
  protected abstract fromScaledSquaredDistance(r2: tf.Tensor): tf.Tensor;

  private checkInput(arg: string, x: tf.Tensor, minRank: number): void {
    if (!(x instanceof tf.Tensor) || x.rank < minRank) {
      throw new ValueError(`${this.name}: ${arg} must be a tensor of rank >= ${minRank} (last axis the ` +
          `feature); got ${fmt(x)}.`);
    }
  }

  private fromSquaredDistance(sq: tf.Tensor): tf.Tensor {
    const ls = tf.cast(this.lengthScale, 'float32') as tf.Tensor;
    const amp = tf.cast(this.amplitude, 'float32') as tf.Tensor;
    return tf.mul(this.fromScaledSquaredDistance(tf.div(sq, tf.square(ls))), tf.square(amp));
  }

  /** k(x1, x2) over the last (feature) axis; the other axes broadcast. */
  apply(x1: tf.Tensor, x2: tf.Tensor): tf.Tensor {
    this.checkInput('x1', x1, 1);
    this.checkInput('x2', x2, 1);
    return tf.tidy(() => this.fromSquaredDistance(tf.sum(tf.square(tf.sub(x1, x2)), -1)));
  }

  /** The Gram matrix K[i, j] = k(x1[i], x2[j]) of `[n, d]` and `[m, d]` inputs, shape `[n, m]`. */
  matrix(x1: tf.Tensor, x2: tf.Tensor): tf.Tensor {
    this.checkInput('x1', x1, 2);
    this.checkInput('x2', x2, 2);
    if (x1.rank !== 2 || x2.rank !== 2 || x1.shape[1] !== x2.shape[1]) {
      throw new ValueError(`${this.name}: matrix needs [n, d] and [m, d] inputs with the same d; got ` +
          `${fmt(x1.shape)} and ${fmt(x2.shape)}.`);
    }
    // Differences rather than ‖a‖² + ‖b‖² − 2ab: no cancellation, exact zeros on the diagonal.
    return tf.tidy(() => this.fromSquaredDistance(
        tf.sum(tf.square(tf.sub(tf.expandDims(x1, 1), tf.expandDims(x2, 0))), -1)));
  }
}
