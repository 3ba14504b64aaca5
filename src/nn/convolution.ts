// Convolutional layers of tfp.nn, rank 1–3, channels-last: the deterministic `Convolution` and the
// variational Reparameterization / Flipout layers (NN.md §3, §7.1). Port of
// tensorflow_probability/python/experimental/nn/convolutional_layers.py.
import * as tf from '@tensorflow/tfjs-core';

import {ConvOp} from '../variational/linear_op.js';
import type {LinearOp} from '../variational/linear_op.js';
import {NotImplementedError, ValueError} from '../util/errors.js';
import {fmt} from '../util/format.js';

import {nnConvArgs} from './conv_args.js';
import {checkNnOptions} from './options.js';
import type {ConvOptionsBase, NnConvArgs} from './conv_args.js';
import type {Initializer} from './initializers.js';
import {KernelBiasLayer} from './kernel_bias_layer.js';
import type {LayerArgs} from './layer.js';
import {makeKernelBias} from './util.js';
import type {KernelBiasFactory} from './util.js';
import type {ActivationFn} from './variational_base.js';
import {KernelBiasVariationalLayer} from './variational_linear.js';
import type {Estimator, KernelBiasVariationalOptions} from './variational_linear.js';

/**
 * Flattens the leading (batch) axes of a channels-last input `batch… + spatial(rank) + [C]` to one
 * axis (adding one when there is none), checking rank and channels.
 */
export function flattenConvInput(owner: string, x: tf.Tensor, rank: number, inputSize: number): tf.Tensor {
  if (x.rank < rank + 1 || x.shape[x.rank - 1] !== inputSize) {
    throw new ValueError(`${owner}: inputs must have shape batch… + ${rank} spatial axes + [${inputSize}]; ` +
        `got ${fmt(x)}.`);
  }
  return x.rank === rank + 2 ? x : tf.reshape(x, [-1, ...x.shape.slice(x.rank - rank - 1)]);
}

/** Restores the leading axes of `inputShape` on a canonical output `[N, …spatial, C]`. */
export function restoreConvOutput(y: tf.Tensor, inputShape: number[], rank: number): tf.Tensor {
  if (inputShape.length === rank + 2) return y;
  return tf.reshape(y, [...inputShape.slice(0, inputShape.length - rank - 1), ...y.shape.slice(1)]);
}

function convOp(args: NnConvArgs): ConvOp {
  return new ConvOp({rank: args.rank, kernelSize: args.filterShape, strides: args.strides, padding: args.padding,
    dilations: args.dilations, dataFormat: 'channelsLast'});
}

/** Options of {@link Convolution}. */
export interface ConvolutionOptions extends ConvOptionsBase, LayerArgs {
  kernelInitializer?: Initializer | null;
  biasInitializer?: Initializer | null;
  /** Default {@link makeKernelBias}. */
  makeKernelBiasFn?: KernelBiasFactory<[tf.Tensor | null, tf.Tensor | null]>;
  dtype?: tf.DataType;
  /** Kernel batch axes; only `[]` is supported (see the porting note). */
  batchShape?: number[];
  activationFn?: ActivationFn | null;
}

/**
 * A deterministic channels-last convolution (cross-correlation) of rank 1–3: kernel
 * `filterShape + [in, out]`, bias `[out]`; leading batch axes are flattened and restored.
 *
 * Porting note: TFP supports a kernel `batchShape` for rank 2 (inputs `[N, H, W, batch…, C]`);
 * this port does not (`NotImplementedError`).
 *
 * @example
 * new tfp.nn.Convolution(1, 5, 5, {strides: 2, padding: 'same'}).call(tf.zeros([3, 28, 28, 1]));  // [3, 14, 14, 5]
 */
export class Convolution extends KernelBiasLayer {
  override readonly className: string = 'Convolution';
  /** The normalised arguments. */
  readonly convArgs: NnConvArgs;

  constructor(inputSize: number, outputSize: number, filterShape: number | number[],
      options: ConvolutionOptions = {}) {
    const owner = 'Convolution';
    checkNnOptions(owner, options, 'convolution');
    const args = nnConvArgs(owner, inputSize, outputSize, filterShape, options);
    if ((options.batchShape ?? []).length > 0) {
      throw new NotImplementedError(`${owner}: batchShape must be [] (batched kernels are not implemented); ` +
          `got ${fmt(options.batchShape)}.`);
    }
    const make = options.makeKernelBiasFn ?? makeKernelBias;
    const [kernel, bias] = make([...args.filterShape, args.inputSize, args.outputSize], [args.outputSize], {
      kernelInitializer: options.kernelInitializer ?? null, biasInitializer: options.biasInitializer ?? null,
      dtype: options.dtype ?? 'float32'});
    const op = convOp(args);
    const applyKernelFn = (x: tf.Tensor, k: tf.Tensor): tf.Tensor =>
      restoreConvOutput(op.apply(flattenConvInput(owner, x, args.rank, args.inputSize), k), x.shape, args.rank);
    super({...options, kernel, bias, applyKernelFn}, owner);
    this.convArgs = args;
  }
}

/** Options of the convolutional variational layers. */
export interface ConvolutionVariationalOptions extends ConvOptionsBase, KernelBiasVariationalOptions {}

/**
 * The shared part of every channels-last convolutional variational layer (v1, V2, transposed):
 * normalised arguments, a linear op, and leading batch axes flattened before the op and restored
 * after it.
 */
export abstract class ChannelsLastVariational extends KernelBiasVariationalLayer {
  /** The normalised arguments. */
  readonly convArgs: NnConvArgs;
  private readonly linearOp: LinearOp;

  protected constructor(estimator: Estimator, args: NnConvArgs, kernelShape: number[], op: LinearOp,
      options: KernelBiasVariationalOptions, owner: string) {
    super(estimator, kernelShape, [args.outputSize], options, owner);
    this.convArgs = args;
    this.linearOp = op;
  }

  protected get op(): LinearOp {
    return this.linearOp;
  }

  protected toCanonical(x: tf.Tensor): tf.Tensor {
    return flattenConvInput(this.className, x, this.convArgs.rank, this.convArgs.inputSize);
  }

  protected fromCanonical(y: tf.Tensor, inputShape: number[]): tf.Tensor {
    return restoreConvOutput(y, inputShape, this.convArgs.rank);
  }
}

/** The v1 kernel `filterShape + [in, out]` with a ConvOp. */
abstract class ConvolutionVariational extends ChannelsLastVariational {
  protected constructor(estimator: Estimator, inputSize: number, outputSize: number,
      filterShape: number | number[], options: ConvolutionVariationalOptions, owner: string) {
    checkNnOptions(owner, options, 'convolutionVariational');
    const args = nnConvArgs(owner, inputSize, outputSize, filterShape, options);
    super(estimator, args, [...args.filterShape, args.inputSize, args.outputSize], convOp(args), options, owner);
  }
}

/**
 * Bayesian convolution (rank 1–3, channels-last), reparameterization estimator: one
 * `[K, b] ~ q` per call, `y = act(conv(x, K) + b)`. Kernel `filterShape + [in, out]`, bias `[out]`.
 *
 * @example
 * const conv = new tfp.nn.ConvolutionVariationalReparameterization(1, 8, 3, {padding: 'same', seed: 1});
 * conv.call(tf.zeros([2, 28, 28, 1])).shape;  // [2, 28, 28, 8]
 */
export class ConvolutionVariationalReparameterization extends ConvolutionVariational {
  readonly className: string = 'ConvolutionVariationalReparameterization';

  constructor(inputSize: number, outputSize: number, filterShape: number | number[],
      options: ConvolutionVariationalOptions = {}) {
    super('reparameterization', inputSize, outputSize, filterShape, options,
        'ConvolutionVariationalReparameterization');
  }
}

/**
 * Bayesian convolution, Flipout estimator with **per-element** signs: `R1` has the input's shape
 * and `R2` the output's (tfp.layers uses one sign per example × channel). Each output position is
 * marginally exact; different positions of one example see differently flipped kernels.
 */
export class ConvolutionVariationalFlipout extends ConvolutionVariational {
  readonly className: string = 'ConvolutionVariationalFlipout';

  constructor(inputSize: number, outputSize: number, filterShape: number | number[],
      options: ConvolutionVariationalOptions = {}) {
    super('flipout', inputSize, outputSize, filterShape, options, 'ConvolutionVariationalFlipout');
  }
}

/**
 * Bayesian convolution (rank 1–3, channels-last), local reparameterization: the pre-activation is
 * drawn from N(conv(x, μK) + μb, conv(x², σK²) + σb²) independently per example and output
 * position (a Normal bias folded in analytically, as `AffineVariationalReparameterizationLocal`).
 * Not in TFP.
 *
 * @example
 * const conv = new tfp.nn.ConvolutionVariationalReparameterizationLocal(1, 8, 3, {padding: 'same', seed: 1});
 */
export class ConvolutionVariationalReparameterizationLocal extends ConvolutionVariational {
  readonly className: string = 'ConvolutionVariationalReparameterizationLocal';

  constructor(inputSize: number, outputSize: number, filterShape: number | number[],
      options: ConvolutionVariationalOptions = {}) {
    super('localReparameterization', inputSize, outputSize, filterShape, options,
        'ConvolutionVariationalReparameterizationLocal');
  }
}
