// A LinearOp whose kernel is stored in another shape (e.g. tfp.nn's V2 convolutions keep a matrix
// `[fh·fw·in, out]`): the kernel is reshaped, then the inner op applies. The estimators only use
// elementwise maps of the kernel (μ, σ², ΔW), which commute with the reshape.
import * as tf from '@tensorflow/tfjs-core';

import type {LinearOp} from './linear_op.js';

/** `apply(x, k) = inner.apply(x, reshape(k, kernelShape))`; layouts are the inner op's. */
export class ReshapedKernelOp implements LinearOp {
  readonly rank: 0 | 1 | 2 | 3;

  constructor(readonly inner: LinearOp, readonly kernelShape: number[]) {
    this.rank = inner.rank;
  }

  toCanonical(x: tf.Tensor): tf.Tensor {
    return this.inner.toCanonical(x);
  }

  fromCanonical(y: tf.Tensor, inputShape: readonly number[]): tf.Tensor {
    return this.inner.fromCanonical(y, inputShape);
  }

  apply(x: tf.Tensor, kernel: tf.Tensor): tf.Tensor {
    return this.inner.apply(x, tf.reshape(kernel, this.kernelShape));
  }

  outputShape(inputShape: ReadonlyArray<number | null>, outChannels: number): Array<number | null> {
    return this.inner.outputShape(inputShape, outChannels);
  }
}
