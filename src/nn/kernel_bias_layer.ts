// The non-Bayesian kernel/bias layer of tfp.nn: `y = act(applyKernel(x, kernel) + bias)` (NN.md §3).
// Port of `KernelBiasLayer` in tensorflow_probability/python/experimental/nn/layers.py.
import * as tf from '@tensorflow/tfjs-core';

import type {TensorLike} from '../distributions/distribution.js';
import {fmt} from '../util/format.js';

import {Layer} from './layer.js';
import type {LayerArgs} from './layer.js';
import type {ActivationFn} from './variational_base.js';

/** Arguments of {@link KernelBiasLayer}. */
export interface KernelBiasLayerArgs extends LayerArgs {
  /** The kernel (usually a variable), or null to skip `applyKernel`. */
  kernel: tf.Tensor | null;
  /** The bias, or null for none. */
  bias: tf.Tensor | null;
  /** `(x, kernel)` → the linear map. */
  applyKernelFn: (x: tf.Tensor, kernel: tf.Tensor) => tf.Tensor;
  /** Default: none. */
  activationFn?: ActivationFn | null;
  /** Only `'float32'`. */
  dtype?: tf.DataType;
}

/**
 * `y = act(applyKernelFn(x, kernel) + bias)`, skipping absent parts. Inputs that are not tensors
 * are converted with the layer dtype (a dtype hint: tensors of another dtype are cast).
 */
export class KernelBiasLayer extends Layer {
  readonly className: string = 'KernelBiasLayer';
  /** The kernel. */
  readonly kernel: tf.Tensor | null;
  /** The bias. */
  readonly bias: tf.Tensor | null;
  /** The linear map. */
  readonly applyKernelFn: (x: tf.Tensor, kernel: tf.Tensor) => tf.Tensor;
  /** The activation, or null. */
  readonly activationFn: ActivationFn | null;
  /** `'float32'`. */
  readonly dtype: tf.DataType;

  constructor(args: KernelBiasLayerArgs, defaultName = 'KernelBiasLayer') {
    super(args, defaultName);
    if (typeof args.applyKernelFn !== 'function') {
      throw new TypeError(`${defaultName}: applyKernelFn must be a function; got ${fmt(args.applyKernelFn)}.`);
    }
    const dtype = args.dtype ?? 'float32';
    if (dtype !== 'float32') throw new TypeError(`${defaultName}: dtype must be "float32"; got ${fmt(dtype)}.`);
    this.kernel = args.kernel;
    this.bias = args.bias;
    this.applyKernelFn = args.applyKernelFn;
    this.activationFn = args.activationFn ?? null;
    this.dtype = dtype;
  }

  /** `[kernel, bias]` where they are variables. */
  protected override ownVariables(): tf.Variable[] {
    return [this.kernel, this.bias].filter((v): v is tf.Variable => v instanceof tf.Variable);
  }

  override call(inputs: unknown): tf.Tensor {
    return tf.tidy(() => {
      let y = inputs instanceof tf.Tensor ? tf.cast(inputs, this.dtype) :
          tf.tensor(inputs as TensorLike as number[], undefined, this.dtype);
      if (this.kernel !== null) y = this.applyKernelFn(y, this.kernel);
      if (this.bias !== null) y = tf.add(y, this.bias);
      return this.activationFn === null ? y : this.activationFn(y);
    });
  }
}
