// The transposed convolution of Keras's Conv{1,2,3}DTranspose as a LinearOp, so the estimators of
// estimators.ts (reparameterization, Flipout, local reparameterization) apply to it unchanged.
// Kernel layout as Keras and tfjs store it: kernelSize + [filters (out), in]. tfp.nn's transposed
// layers use transpose_op.ts (a kernel matrix, TFP's nn semantics) instead.
import * as tf from '@tensorflow/tfjs-core';

import {ConvOp} from './linear_op.js';
import type {LinearOp} from './linear_op.js';
import type {DataFormat, Padding} from './conv_args.js';

/** Options of a {@link KerasConvTransposeOp}; tuples have length `rank`. */
export interface KerasConvTransposeOpArgs {
  rank: 1 | 2 | 3;
  kernelSize: number[];
  strides: number[];
  padding: Padding;
  /** Keras's `output_padding` per axis, or null (tfjs's and Keras's default rule). */
  outputPadding: number[] | null;
  dilations: number[];
  dataFormat: DataFormat;
}

/**
 * Keras's `deconv_output_length`: with `kEff = k + (k−1)(d−1)` and no output padding, valid →
 * `n·s + max(kEff − s, 0)`, same → `n·s` (tfjs's `deconvLength`); with output padding `p`,
 * `(n − 1)·s + kEff − 2·pad + p` with `pad = ⌊kEff/2⌋` for same and 0 for valid.
 */
export function deconvOutputLength(n: number | null, k: number, s: number, d: number, padding: Padding,
    outputPadding: number | null): number | null {
  if (n === null) return null;
  const kEff = k + (k - 1) * (d - 1);
  if (outputPadding === null) return padding === 'same' ? n * s : n * s + Math.max(kEff - s, 0);
  const pad = padding === 'same' ? Math.floor(kEff / 2) : 0;
  return (n - 1) * s + kEff - 2 * pad + outputPadding;
}

/**
 * `y = conv_transpose(x, K)` channels-last (the gradient of the cross-correlation with stride `s`
 * w.r.t. its input, for an output of {@link deconvOutputLength}): tfjs's conv2dTranspose /
 * conv3dTranspose given the output shape, as Keras gives it to `tf.nn.conv2d_transpose`. Rank 1
 * runs as rank 2 with a unit height.
 *
 * Porting note: tfjs's transposed convolutions take no dilations, so a dilated kernel is expanded
 * (zeros between taps, differentiable); dilations only occur with unit strides, where this is exact.
 */
export class KerasConvTransposeOp implements LinearOp {
  readonly rank: 1 | 2 | 3;
  readonly args: KerasConvTransposeOpArgs;
  private readonly dilation: ConvOp | null;

  constructor(args: KerasConvTransposeOpArgs) {
    this.rank = args.rank;
    this.args = args;
    this.dilation = args.dilations.some((d) => d > 1) ?
      new ConvOp({rank: args.rank, kernelSize: args.kernelSize, strides: args.kernelSize.map(() => 1),
        padding: args.padding, dilations: args.dilations, dataFormat: 'channelsLast'}) : null;
  }

  toCanonical(x: tf.Tensor): tf.Tensor {
    if (this.args.dataFormat === 'channelsLast') return x;
    return tf.transpose(x, [0, ...Array.from({length: this.rank}, (_, i) => i + 2), 1]);
  }

  fromCanonical(y: tf.Tensor): tf.Tensor {
    if (this.args.dataFormat === 'channelsLast') return y;
    return tf.transpose(y, [0, this.rank + 1, ...Array.from({length: this.rank}, (_, i) => i + 1)]);
  }

  /** Output spatial sizes for canonical spatial input sizes. */
  private spatialOut(spatial: ReadonlyArray<number | null>): Array<number | null> {
    const {kernelSize, strides, dilations, padding, outputPadding} = this.args;
    return spatial.map((n, i) => deconvOutputLength(n, kernelSize[i] as number, strides[i] as number,
        dilations[i] as number, padding, outputPadding === null ? null : outputPadding[i] as number));
  }

  apply(x: tf.Tensor, kernel: tf.Tensor): tf.Tensor {
    const {strides, padding} = this.args;
    const k = this.dilation !== null ? this.dilation.expandKernel(kernel) : kernel;
    const batch = x.shape[0] as number;
    const out = kernel.shape[kernel.rank - 2] as number;
    const spatial = this.spatialOut(x.shape.slice(1, -1)) as number[];
    if (this.rank === 3) {
      return tf.conv3dTranspose(x as tf.Tensor5D, k as tf.Tensor5D, [batch, ...spatial, out] as
          [number, number, number, number, number], strides as [number, number, number], padding);
    }
    if (this.rank === 2) {
      return tf.conv2dTranspose(x as tf.Tensor4D, k as tf.Tensor4D, [batch, ...spatial, out] as
          [number, number, number, number], strides as [number, number], padding);
    }
    const x4 = tf.expandDims(x, 1) as tf.Tensor4D;
    const k4 = tf.expandDims(k, 0) as tf.Tensor4D;
    const y = tf.conv2dTranspose(x4, k4, [batch, 1, spatial[0] as number, out], [1, strides[0] as number], padding);
    return tf.squeeze(y, [1]);
  }

  outputShape(inputShape: ReadonlyArray<number | null>, outChannels: number): Array<number | null> {
    const first = this.args.dataFormat === 'channelsFirst';
    const spatial = first ? inputShape.slice(2) : inputShape.slice(1, -1);
    const out = this.spatialOut(spatial.map((n) => n ?? null));
    const batch = inputShape[0] ?? null;
    return first ? [batch, outChannels, ...out] : [batch, ...out, outChannels];
  }
}
