// The linear operator of a variational layer: a matmul (dense) or a convolution of rank 1–3. This
// is the only place that knows which tf op to call; the estimators never branch on rank.
//
// Tensors are handled in a canonical layout: dense inputs flattened to [N, in]; conv inputs
// channels-last [B, …spatial, C]. Layers convert once on entry and once on exit.
import * as tf from '@tensorflow/tfjs-core';

import {convOutputLength} from './conv_args.js';
import type {DataFormat, Padding} from './conv_args.js';

/** A linear map `x ↦ op(x, kernel)` with its layout conversions. */
export interface LinearOp {
  /** 0 for dense, else the number of spatial axes. */
  readonly rank: 0 | 1 | 2 | 3;
  /** Converts a layer input to the canonical layout. */
  toCanonical(x: tf.Tensor): tf.Tensor;
  /** Converts a canonical output back to the layout of `inputShape` (the original input). */
  fromCanonical(y: tf.Tensor, inputShape: readonly number[]): tf.Tensor;
  /** The linear map on canonical tensors. */
  apply(x: tf.Tensor, kernel: tf.Tensor): tf.Tensor;
  /** Static output shape for an input shape in the layer's layout (`null` = unknown). */
  outputShape(inputShape: ReadonlyArray<number | null>, outChannels: number): Array<number | null>;
}

/** Dense: `x @ kernel` over the last axis; every leading axis is a batch axis. */
export class DenseOp implements LinearOp {
  readonly rank = 0 as const;

  toCanonical(x: tf.Tensor): tf.Tensor {
    return x.rank === 2 ? x : tf.reshape(x, [-1, x.shape[x.rank - 1] as number]);
  }

  fromCanonical(y: tf.Tensor, inputShape: readonly number[]): tf.Tensor {
    return inputShape.length === 2 ? y :
        tf.reshape(y, [...inputShape.slice(0, -1), y.shape[1] as number]);
  }

  apply(x: tf.Tensor, kernel: tf.Tensor): tf.Tensor {
    return tf.matMul(x as tf.Tensor2D, kernel as tf.Tensor2D);
  }

  outputShape(inputShape: ReadonlyArray<number | null>, outChannels: number): Array<number | null> {
    return [...inputShape.slice(0, -1), outChannels];
  }
}

/** Options of a {@link ConvOp}; all tuples have length `rank`. */
export interface ConvOpArgs {
  rank: 1 | 2 | 3;
  kernelSize: number[];
  strides: number[];
  padding: Padding;
  dilations: number[];
  dataFormat: DataFormat;
}

/**
 * Cross-correlation of rank 1–3 (kernel `kernelSize + [in, out]`).
 *
 * Porting note: tfjs's conv gradients refuse dilation > 1, so a dilated kernel is expanded once per
 * call (zeros between taps, all differentiable) and convolved with dilation 1 — same values, and
 * training with `dilationRate` > 1 works. channelsFirst inputs are transposed to channels-last
 * (tfjs's conv kernels are channels-last), as TFP's own CPU tests do.
 */
export class ConvOp implements LinearOp {
  readonly rank: 1 | 2 | 3;
  readonly kernelSize: number[];
  readonly strides: number[];
  readonly padding: Padding;
  readonly dilations: number[];
  readonly dataFormat: DataFormat;
  private readonly dilated: boolean;

  constructor(args: ConvOpArgs) {
    this.rank = args.rank;
    this.kernelSize = args.kernelSize;
    this.strides = args.strides;
    this.padding = args.padding;
    this.dilations = args.dilations;
    this.dataFormat = args.dataFormat;
    this.dilated = args.dilations.some((d) => d > 1);
  }

  toCanonical(x: tf.Tensor): tf.Tensor {
    if (this.dataFormat === 'channelsLast') return x;
    const perm = [0, ...Array.from({length: this.rank}, (_, i) => i + 2), 1];
    return tf.transpose(x, perm);
  }

  fromCanonical(y: tf.Tensor): tf.Tensor {
    if (this.dataFormat === 'channelsLast') return y;
    const perm = [0, this.rank + 1, ...Array.from({length: this.rank}, (_, i) => i + 1)];
    return tf.transpose(y, perm);
  }

  /** The kernel with `d − 1` zeros between taps along each dilated axis. */
  expandKernel(kernel: tf.Tensor): tf.Tensor {
    let k = kernel;
    for (let axis = 0; axis < this.rank; axis++) {
      const d = this.dilations[axis] as number;
      if (d === 1) continue;
      const shape = k.shape.slice();
      const n = shape[axis] as number;
      const padding: Array<[number, number]> = shape.map(() => [0, 0] as [number, number]);
      padding.splice(axis + 1, 0, [0, d - 1]);
      const spread = tf.pad(tf.expandDims(k, axis + 1), padding);
      const merged = tf.reshape(spread, [...shape.slice(0, axis), n * d, ...shape.slice(axis + 1)]);
      const size = merged.shape.slice();
      size[axis] = (n - 1) * d + 1;
      k = tf.slice(merged, merged.shape.map(() => 0), size);
    }
    return k;
  }

  apply(x: tf.Tensor, kernel: tf.Tensor): tf.Tensor {
    const k = this.dilated ? this.expandKernel(kernel) : kernel;
    const s = this.strides;
    switch (this.rank) {
      case 1:
        return tf.conv1d(x as tf.Tensor3D, k as tf.Tensor3D, s[0] as number, this.padding, 'NWC', 1);
      case 2:
        return tf.conv2d(x as tf.Tensor4D, k as tf.Tensor4D, s as [number, number], this.padding,
            'NHWC', 1);
      default:
        return tf.conv3d(x as tf.Tensor5D, k as tf.Tensor5D, s as [number, number, number],
            this.padding, 'NDHWC', 1);
    }
  }

  outputShape(inputShape: ReadonlyArray<number | null>, outChannels: number): Array<number | null> {
    const first = this.dataFormat === 'channelsFirst';
    const spatial = first ? inputShape.slice(2) : inputShape.slice(1, -1);
    const out = spatial.map((n, i) => convOutputLength(n, this.kernelSize[i] as number,
        this.strides[i] as number, this.dilations[i] as number, this.padding));
    const batch = inputShape[0] ?? null;
    return first ? [batch, outChannels, ...out] : [batch, ...out, outChannels];
  }
}

/** Activations tfjs fuses into matMul / conv2d with a gradient (tfjs-core's fused ops). */
export type FusableActivation = 'linear' | 'relu';

/**
 * `act(op(x, kernel) + bias)` on canonical tensors, as one fused tfjs op where tfjs has one (dense
 * matmul, 2-D convolution: `tf.fused.matMul`, `tf.fused.conv2d`, which also carry the gradients
 * of the bias and the activation), else the three ops. Same values as the unfused form up to the
 * order of float additions.
 */
export function applyBiasActivation(op: LinearOp, x: tf.Tensor, kernel: tf.Tensor, bias: tf.Tensor | null,
    activation: FusableActivation): tf.Tensor {
  if (op instanceof DenseOp) {
    return tf.fused.matMul({a: x as tf.Tensor2D, b: kernel as tf.Tensor2D, bias: bias ?? undefined, activation});
  }
  if (op instanceof ConvOp && op.rank === 2) {
    const k = op.dilations.some((d) => d > 1) ? op.expandKernel(kernel) : kernel;
    return tf.fused.conv2d({x: x as tf.Tensor4D, filter: k as tf.Tensor4D, strides: op.strides as [number, number],
      pad: op.padding, dataFormat: 'NHWC', dilations: 1, bias: bias ?? undefined, activation});
  }
  const h = bias === null ? op.apply(x, kernel) : tf.add(op.apply(x, kernel), bias);
  return activation === 'relu' ? tf.relu(h) : h;
}
