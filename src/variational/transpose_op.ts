// The 2-D transposed convolution as a LinearOp, so that the estimators of estimators.ts apply to
// it unchanged (tfp.nn's ConvolutionTranspose* layers, NN.md §7.3). Port of the semantics of
// tensorflow_probability/python/experimental/nn/util/convolution_util.py
// (make_convolution_transpose_fn_with_*), implemented with tf.conv2dTranspose.
import * as tf from '@tensorflow/tfjs-core';

import {ConvOp} from './linear_op.js';
import type {LinearOp} from './linear_op.js';
import type {Padding} from './conv_args.js';

/** Options of a {@link ConvTransposeOp}; tuples have length 2. */
export interface ConvTransposeOpArgs {
  /** `[fh, fw]`. */
  kernelSize: number[];
  /** Input channels of the transposed conv (rows of the kernel matrix are `(fh, fw, in)`). */
  inChannels: number;
  /** Output channels. */
  outChannels: number;
  strides: number[];
  padding: Padding;
  dilations: number[];
}

/**
 * Output length of one axis of a transposed convolution, with `kEff = k + (k−1)(d−1)`:
 * valid → `n·s + max(kEff − s, 0)`, same → `n·s`.
 */
export function convTransposeOutputLength(n: number | null, k: number, s: number, d: number,
    padding: Padding): number | null {
  if (n === null) return null;
  const kEff = k + (k - 1) * (d - 1);
  return padding === 'same' ? n * s : n * s + Math.max(kEff - s, 0);
}

/**
 * `y[i·s + a·d − padBefore] += x[i]·K[a]` per axis (`padBefore = ⌊max(kEff − s, 0)/2⌋` for same,
 * 0 for valid), channels-last `[N, H, W, in]` → `[N, H', W', out]`. The kernel is a matrix
 * `[fh·fw·in, out]` with rows ordered `(fh, fw, in)`, as in tfp.nn.
 *
 * Porting note: tfjs's conv2dTranspose has no dilations, so a dilated kernel is expanded (zeros
 * between taps, differentiable) — dilations only occur with unit strides, where this is exact.
 */
export class ConvTransposeOp implements LinearOp {
  readonly rank = 2 as const;
  readonly args: ConvTransposeOpArgs;
  private readonly dilation: ConvOp | null;

  constructor(args: ConvTransposeOpArgs) {
    this.args = args;
    this.dilation = args.dilations.some((d) => d > 1) ?
      new ConvOp({rank: 2, kernelSize: args.kernelSize, strides: [1, 1], padding: args.padding,
        dilations: args.dilations, dataFormat: 'channelsLast'}) : null;
  }

  toCanonical(x: tf.Tensor): tf.Tensor {
    return x;
  }

  fromCanonical(y: tf.Tensor): tf.Tensor {
    return y;
  }

  apply(x: tf.Tensor, kernel: tf.Tensor): tf.Tensor {
    const {kernelSize, inChannels, outChannels, strides, padding} = this.args;
    let k = tf.reshape(kernel, [kernelSize[0] as number, kernelSize[1] as number, inChannels, outChannels]);
    if (this.dilation !== null) k = this.dilation.expandKernel(k);
    const filter = tf.transpose(k, [0, 1, 3, 2]) as tf.Tensor4D;
    const [, h, w] = x.shape as number[];
    const out = this.outputShape([x.shape[0] as number, h as number, w as number, inChannels], outChannels);
    return tf.conv2dTranspose(x as tf.Tensor4D, filter, out as [number, number, number, number],
        strides as [number, number], padding);
  }

  outputShape(inputShape: ReadonlyArray<number | null>, outChannels: number): Array<number | null> {
    const {kernelSize, strides, dilations, padding} = this.args;
    const spatial = [inputShape[1] ?? null, inputShape[2] ?? null].map((n, i) =>
      convTransposeOutputLength(n, kernelSize[i] as number, strides[i] as number, dilations[i] as number, padding));
    return [inputShape[0] ?? null, ...spatial, outChannels];
  }
}
