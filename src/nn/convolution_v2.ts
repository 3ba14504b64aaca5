// tfp.nn's V2 convolutions (NN.md §7.2): 2-D only, the kernel stored as a matrix `[fh·fw·in, out]`
// whose rows are ordered `(fh, fw, in)`; unbatched kernels run as an ordinary 2-D convolution. Port
// of tensorflow_probability/python/experimental/nn/convolutional_layers_v2.py.
import * as tf from '@tensorflow/tfjs-core';

import {ConvOp} from '../variational/linear_op.js';
import {ReshapedKernelOp} from '../variational/reshaped_kernel_op.js';
import {NotImplementedError, ValueError} from '../util/errors.js';
import {fmt} from '../util/format.js';

import {nnConvArgs} from './conv_args.js';
import {checkNnOptions} from './options.js';
import type {NnConvArgs} from './conv_args.js';
import {ChannelsLastVariational, flattenConvInput, restoreConvOutput} from './convolution.js';
import type {ConvolutionOptions, ConvolutionVariationalOptions} from './convolution.js';
import {KernelBiasLayer} from './kernel_bias_layer.js';
import {makeKernelBias} from './util.js';
import type {Estimator} from './variational_linear.js';

/** Options of the V2 layers: those of v1 plus TFP's `indexDtype` (accepted, unused here). */
export interface ConvolutionV2Options extends ConvolutionOptions {
  /** Index dtype of TFP's im2row path; unused (no im2row here). */
  indexDtype?: tf.DataType;
}

/** Options of the V2 variational layers. */
export interface ConvolutionVariationalV2Options extends ConvolutionVariationalOptions {
  /** Index dtype of TFP's im2row path; unused (no im2row here). */
  indexDtype?: tf.DataType;
}

function v2Args(owner: string, inputSize: unknown, outputSize: unknown, filterShape: unknown,
    options: ConvolutionVariationalOptions | ConvolutionOptions): NnConvArgs {
  if (options.rank !== undefined && options.rank !== 2) {
    throw new ValueError(`${owner}: rank must be 2 (V2 convolutions are 2-D only); got ${fmt(options.rank)}.`);
  }
  return nnConvArgs(owner, inputSize, outputSize, filterShape, options, [2]);
}

/** The matrix-kernel op: reshape `[fh·fw·in, out]` to `[fh, fw, in, out]`, then conv2d. */
function matrixConvOp(args: NnConvArgs): ReshapedKernelOp {
  const conv = new ConvOp({rank: 2, kernelSize: args.filterShape, strides: args.strides, padding: args.padding,
    dilations: args.dilations, dataFormat: 'channelsLast'});
  return new ReshapedKernelOp(conv, [...args.filterShape, args.inputSize, args.outputSize]);
}

function matrixShape(args: NnConvArgs): number[] {
  return [(args.filterShape[0] as number) * (args.filterShape[1] as number) * args.inputSize, args.outputSize];
}

/**
 * A deterministic 2-D convolution with a matrix kernel `[fh·fw·in, out]` and bias `[1, 1, out]`.
 * The nn glorot fans of the matrix are `(fh·fw·in, out)`, so default limits are larger than v1's.
 *
 * Porting note: batched kernels (TFP's im2row path) are not implemented (`NotImplementedError`).
 */
export class ConvolutionV2 extends KernelBiasLayer {
  override readonly className: string = 'ConvolutionV2';
  /** The normalised arguments. */
  readonly convArgs: NnConvArgs;

  constructor(inputSize: number, outputSize: number, filterShape: number | number[],
      options: ConvolutionV2Options = {}) {
    const owner = 'ConvolutionV2';
    checkNnOptions(owner, options, 'convolutionV2');
    const args = v2Args(owner, inputSize, outputSize, filterShape, options);
    if ((options.batchShape ?? []).length > 0) {
      throw new NotImplementedError(`${owner}: batchShape must be [] (batched kernels are not implemented); ` +
          `got ${fmt(options.batchShape)}.`);
    }
    const make = options.makeKernelBiasFn ?? makeKernelBias;
    const [kernel, bias] = make(matrixShape(args), [1, 1, args.outputSize], {
      kernelInitializer: options.kernelInitializer ?? null, biasInitializer: options.biasInitializer ?? null,
      dtype: options.dtype ?? 'float32'});
    const op = matrixConvOp(args);
    const applyKernelFn = (x: tf.Tensor, k: tf.Tensor): tf.Tensor =>
      restoreConvOutput(op.apply(flattenConvInput(owner, x, 2, args.inputSize), k), x.shape, 2);
    super({...options, kernel, bias, applyKernelFn}, owner);
    this.convArgs = args;
  }
}

/** The shared part of the V2 variational layers: a kernel matrix reshaped for a ConvOp. */
abstract class ConvolutionVariationalV2 extends ChannelsLastVariational {
  protected constructor(estimator: Estimator, inputSize: number, outputSize: number,
      filterShape: number | number[], options: ConvolutionVariationalV2Options, owner: string) {
    checkNnOptions(owner, options, 'convolutionVariationalV2');
    const args = v2Args(owner, inputSize, outputSize, filterShape, options);
    super(estimator, args, matrixShape(args), matrixConvOp(args), options, owner);
  }
}

/** Bayesian 2-D convolution with a matrix kernel, reparameterization estimator. */
export class ConvolutionVariationalReparameterizationV2 extends ConvolutionVariationalV2 {
  readonly className: string = 'ConvolutionVariationalReparameterizationV2';

  constructor(inputSize: number, outputSize: number, filterShape: number | number[],
      options: ConvolutionVariationalV2Options = {}) {
    super('reparameterization', inputSize, outputSize, filterShape, options,
        'ConvolutionVariationalReparameterizationV2');
  }
}

/** Bayesian 2-D convolution with a matrix kernel, Flipout estimator (per-element signs). */
export class ConvolutionVariationalFlipoutV2 extends ConvolutionVariationalV2 {
  readonly className: string = 'ConvolutionVariationalFlipoutV2';

  constructor(inputSize: number, outputSize: number, filterShape: number | number[],
      options: ConvolutionVariationalV2Options = {}) {
    super('flipout', inputSize, outputSize, filterShape, options, 'ConvolutionVariationalFlipoutV2');
  }
}
