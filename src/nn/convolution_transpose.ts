// Transposed-convolution layers of tfp.nn (2-D only, channels-last): the deterministic
// `ConvolutionTranspose` and the variational Reparameterization / Flipout layers (NN.md §7.3). Port
// of tensorflow_probability/python/experimental/nn/convolutional_transpose_layers.py.
import * as tf from '@tensorflow/tfjs-core';

import {ConvTransposeOp} from '../variational/transpose_op.js';
import {ValueError} from '../util/errors.js';
import {fmt} from '../util/format.js';

import {nnConvArgs} from './conv_args.js';
import {checkNnOptions} from './options.js';
import type {ConvOptionsBase, NnConvArgs} from './conv_args.js';
import {ChannelsLastVariational, flattenConvInput, restoreConvOutput} from './convolution.js';
import type {Initializer} from './initializers.js';
import {KernelBiasLayer} from './kernel_bias_layer.js';
import type {LayerArgs} from './layer.js';
import {makeKernelBias} from './util.js';
import type {KernelBiasFactory} from './util.js';
import type {ActivationFn} from './variational_base.js';
import type {Estimator, KernelBiasVariationalOptions} from './variational_linear.js';

/** How TFP computes the transposed conv; all are numerically equivalent. */
export type TransposeMethod = 'auto' | 'subkernels' | 'subkernel_matrix' | 'dilation';

/** Options specific to the transposed convolutions. */
export interface ConvTransposeOptionsBase extends ConvOptionsBase {
  /**
   * Accepted and ignored, as in TFP (whose code never uses it).
   */
  outputPadding?: number | number[] | null;
  /**
   * TFP's implementation choice. Porting note: one implementation (tf.conv2dTranspose) serves all
   * methods; the argument is checked as TFP checks it, for compatibility.
   */
  method?: TransposeMethod;
}

const METHODS: readonly string[] = ['auto', 'subkernels', 'subkernel_matrix', 'dilation'];

function transposeArgs(owner: string, inputSize: unknown, outputSize: unknown, filterShape: unknown,
    options: ConvTransposeOptionsBase): NnConvArgs {
  if (options.rank !== undefined && options.rank !== 2) {
    throw new ValueError(`${owner}: rank must be 2 (transposed convolutions are 2-D only); got ${fmt(options.rank)}.`);
  }
  const args = nnConvArgs(owner, inputSize, outputSize, filterShape, options, [2], true);
  const method = options.method ?? 'auto';
  if (!METHODS.includes(method)) {
    throw new ValueError(`${owner}: method must be one of ${METHODS.map((m) => `"${m}"`).join(', ')}; ` +
        `got ${fmt(method)}.`);
  }
  if (method === 'subkernel_matrix' && args.strides[0] !== args.strides[1]) {
    throw new ValueError(`${owner}: strides must be equal along both axes with method "subkernel_matrix"; ` +
        `got ${fmt(args.strides)}.`);
  }
  return args;
}

function transposeOp(args: NnConvArgs): ConvTransposeOp {
  return new ConvTransposeOp({kernelSize: args.filterShape, inChannels: args.inputSize,
    outChannels: args.outputSize, strides: args.strides, padding: args.padding, dilations: args.dilations});
}

/** The kernel matrix shape `[fh·fw·in, out]`. */
function kernelMatrixShape(args: NnConvArgs): number[] {
  return [(args.filterShape[0] as number) * (args.filterShape[1] as number) * args.inputSize, args.outputSize];
}

/** Options of {@link ConvolutionTranspose}. */
export interface ConvolutionTransposeOptions extends ConvTransposeOptionsBase, LayerArgs {
  kernelInitializer?: Initializer | null;
  biasInitializer?: Initializer | null;
  makeKernelBiasFn?: KernelBiasFactory<[tf.Tensor | null, tf.Tensor | null]>;
  dtype?: tf.DataType;
  activationFn?: ActivationFn | null;
}

/**
 * A deterministic 2-D transposed convolution: kernel matrix `[fh·fw·in, out]` (rows `(fh, fw,
 * in)`), bias `[out]`; output size per axis `n·s + max(kEff − s, 0)` (valid) or `n·s` (same).
 *
 * @example
 * new tfp.nn.ConvolutionTranspose(64, 32, 4, {strides: 4, padding: 'same'}).call(tf.zeros([2, 7, 7, 64]));  // [2, 28, 28, 32]
 */
export class ConvolutionTranspose extends KernelBiasLayer {
  override readonly className: string = 'ConvolutionTranspose';
  /** The normalised arguments. */
  readonly convArgs: NnConvArgs;

  constructor(inputSize: number, outputSize: number, filterShape: number | number[],
      options: ConvolutionTransposeOptions = {}) {
    const owner = 'ConvolutionTranspose';
    checkNnOptions(owner, options, 'convolutionTranspose');
    const args = transposeArgs(owner, inputSize, outputSize, filterShape, options);
    const make = options.makeKernelBiasFn ?? makeKernelBias;
    const [kernel, bias] = make(kernelMatrixShape(args), [args.outputSize], {
      kernelInitializer: options.kernelInitializer ?? null, biasInitializer: options.biasInitializer ?? null,
      dtype: options.dtype ?? 'float32'});
    const op = transposeOp(args);
    const applyKernelFn = (x: tf.Tensor, k: tf.Tensor): tf.Tensor =>
      restoreConvOutput(op.apply(flattenConvInput(owner, x, 2, args.inputSize), k), x.shape, 2);
    super({...options, kernel, bias, applyKernelFn}, owner);
    this.convArgs = args;
  }
}

/** Options of the transposed variational layers. */
export interface ConvolutionTransposeVariationalOptions extends ConvTransposeOptionsBase, KernelBiasVariationalOptions {}

/** The shared part of the transposed variational layers: a kernel matrix and a ConvTransposeOp. */
abstract class ConvolutionTransposeVariational extends ChannelsLastVariational {
  protected constructor(estimator: Estimator, inputSize: number, outputSize: number,
      filterShape: number | number[], options: ConvolutionTransposeVariationalOptions, owner: string) {
    checkNnOptions(owner, options, 'convolutionTransposeVariational');
    const args = transposeArgs(owner, inputSize, outputSize, filterShape, options);
    super(estimator, args, kernelMatrixShape(args), transposeOp(args), options, owner);
  }
}

/** Bayesian 2-D transposed convolution, reparameterization estimator (one kernel draw per call). */
export class ConvolutionTransposeVariationalReparameterization extends ConvolutionTransposeVariational {
  readonly className: string = 'ConvolutionTransposeVariationalReparameterization';

  constructor(inputSize: number, outputSize: number, filterShape: number | number[],
      options: ConvolutionTransposeVariationalOptions = {}) {
    super('reparameterization', inputSize, outputSize, filterShape, options,
        'ConvolutionTransposeVariationalReparameterization');
  }
}

/** Bayesian 2-D transposed convolution, Flipout estimator with per-element signs. */
export class ConvolutionTransposeVariationalFlipout extends ConvolutionTransposeVariational {
  readonly className: string = 'ConvolutionTransposeVariationalFlipout';

  constructor(inputSize: number, outputSize: number, filterShape: number | number[],
      options: ConvolutionTransposeVariationalOptions = {}) {
    super('flipout', inputSize, outputSize, filterShape, options, 'ConvolutionTransposeVariationalFlipout');
  }
}
