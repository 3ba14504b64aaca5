// Convolution{1,2,3}DTranspose{Reparameterization,Flipout}: Keras-style transposed convolutions as
// thin classes over VariationalLayer with a KerasConvTransposeOp — a new linear op on the existing
// estimator axis, not a copy of the math. Not in TFP (tfp#986); arguments and shapes as Keras's
// Conv2DTranspose and tfjs's tf.layers.conv2dTranspose / conv3dTranspose.
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';

import {checkStridesDilations, normalizeDataFormat, normalizePadding, normalizeTuple} from '../variational/conv_args.js';
import type {DataFormat, DataFormatArg, Padding, PaddingArg} from '../variational/conv_args.js';
import {KerasConvTransposeOp} from '../variational/keras_transpose_op.js';
import type {LinearOp} from '../variational/linear_op.js';
import {ValueError} from '../util/errors.js';
import {fmt} from '../util/format.js';
import {checkElementCount} from '../util/shape.js';

import {checkPositiveInt, VariationalLayer} from './variational_layer.js';
import type {Estimator, VariationalLayerArgs} from './variational_layer.js';

/** Arguments of the transposed convolutional variational layers. */
export interface ConvTransposeVariationalArgs extends VariationalLayerArgs {
  /** Number of output channels. */
  filters: number;
  /** Window size: an int (repeated `rank` times) or `rank` ints. */
  kernelSize: number | number[];
  /** Default 1. A stride > 1 together with a dilation > 1 is a ValueError. */
  strides?: number | number[];
  /** `'valid'` (default) or `'same'`, case-insensitive. */
  padding?: PaddingArg;
  /**
   * Keras's `output_padding`: extra size along each spatial axis, each smaller than its stride.
   * Default null: tfjs's and Keras's rule (valid `n·s + max(k − s, 0)`, same `n·s`).
   */
  outputPadding?: number | number[] | null;
  /** `'channelsLast'` (default) or `'channelsFirst'`. */
  dataFormat?: DataFormatArg;
  /** Default 1 (only with unit strides). */
  dilationRate?: number | number[];
}

const KEYS: readonly string[] = ['filters', 'kernelSize', 'strides', 'padding', 'outputPadding',
  'dataFormat', 'dilationRate'];

/** Shared by the transposed convolution layers. The kernel shape is `kernelSize + [filters, in]`. */
export abstract class VariationalConvTranspose extends VariationalLayer {
  readonly rank: 1 | 2 | 3;
  readonly filters: number;
  readonly kernelSize: number[];
  readonly strides: number[];
  readonly padding: Padding;
  readonly outputPadding: number[] | null;
  readonly dataFormat: DataFormat;
  readonly dilationRate: number[];
  private readonly transposeOp: KerasConvTransposeOp;

  protected constructor(rank: 1 | 2 | 3, estimator: Estimator, className: string,
      args: ConvTransposeVariationalArgs) {
    super({className, estimator, salt: estimator === 'flipout' ? 'ConvFlipout' : className,
      signGranularity: 'exampleChannel', argKeys: KEYS}, args);
    this.rank = rank;
    this.filters = checkPositiveInt(className, 'filters', args.filters);
    this.kernelSize = normalizeTuple(className, 'kernelSize', args.kernelSize, rank);
    const given = <T>(v: T | undefined, fallback: T): T => (v === undefined ? fallback : v);
    this.strides = normalizeTuple(className, 'strides', given(args.strides, 1), rank);
    this.padding = normalizePadding(className, given<unknown>(args.padding, 'valid'));
    this.dataFormat = normalizeDataFormat(className, given<unknown>(args.dataFormat, 'channelsLast'));
    this.dilationRate = normalizeTuple(className, 'dilationRate', given(args.dilationRate, 1), rank);
    checkStridesDilations(className, this.strides, this.dilationRate);
    const op = args.outputPadding;
    if (op === undefined || op === null) {
      this.outputPadding = null;
    } else {
      const tuple = typeof op === 'number' ? new Array<number>(rank).fill(op) : op;
      if (!Array.isArray(tuple) || tuple.length !== rank ||
          tuple.some((p, i) => !Number.isSafeInteger(p) || p < 0 || p >= (this.strides[i] as number))) {
        throw new ValueError(`${className}: outputPadding must be null or ${rank} integers p with ` +
            `0 ≤ p < stride (strides ${fmt(this.strides)}); got ${fmt(op)}.`);
      }
      this.outputPadding = tuple.slice();
    }
    checkElementCount(className, 'the kernel (kernelSize + [filters, in channels])',
        [...this.kernelSize, this.filters, 1]);
    this.transposeOp = new KerasConvTransposeOp({rank, kernelSize: this.kernelSize, strides: this.strides,
      padding: this.padding, outputPadding: this.outputPadding, dilations: this.dilationRate,
      dataFormat: this.dataFormat});
  }

  protected get op(): LinearOp {
    return this.transposeOp;
  }

  protected get outChannels(): number {
    return this.filters;
  }

  protected kernelShapeFor(inputShape: ReadonlyArray<number | null>): number[] {
    const owner = this.kind.className;
    if (inputShape.length !== this.rank + 2) {
      throw new ValueError(`${owner}: input must have rank ${this.rank + 2} ` +
          `([batch, ${this.rank} spatial axes, channels]); got shape ${fmt(inputShape)}.`);
    }
    const channelAxis = this.dataFormat === 'channelsFirst' ? 1 : this.rank + 1;
    const channels = inputShape[channelAxis];
    if (channels === null || channels === undefined) {
      throw new ValueError(`${owner}: the channel dimension of the inputs should be defined; ` +
          `got shape ${fmt(inputShape)}.`);
    }
    this.inputSpec = [new tfl.InputSpec({ndim: this.rank + 2, axes: {[channelAxis]: channels}})];
    return [...this.kernelSize, this.filters, channels];
  }

  override getConfig(): tf.serialization.ConfigDict {
    return {
      ...super.getConfig(),
      filters: this.filters,
      kernelSize: this.kernelSize,
      strides: this.strides,
      padding: this.padding,
      outputPadding: this.outputPadding,
      dataFormat: this.dataFormat,
      dilationRate: this.dilationRate,
    };
  }
}

/** 1-D transposed convolution whose kernel is drawn from its posterior once per call. */
export class Conv1DTransposeReparameterization extends VariationalConvTranspose {
  static className = 'Conv1DTransposeReparameterization';
  constructor(args: ConvTransposeVariationalArgs) {
    super(1, 'reparameterization', 'Conv1DTransposeReparameterization', args);
  }
}
/** 2-D transposed convolution whose kernel is drawn from its posterior once per call. */
export class Conv2DTransposeReparameterization extends VariationalConvTranspose {
  static className = 'Conv2DTransposeReparameterization';
  constructor(args: ConvTransposeVariationalArgs) {
    super(2, 'reparameterization', 'Conv2DTransposeReparameterization', args);
  }
}
/** 3-D transposed convolution whose kernel is drawn from its posterior once per call. */
export class Conv3DTransposeReparameterization extends VariationalConvTranspose {
  static className = 'Conv3DTransposeReparameterization';
  constructor(args: ConvTransposeVariationalArgs) {
    super(3, 'reparameterization', 'Conv3DTransposeReparameterization', args);
  }
}
/** 1-D transposed convolution with the Flipout estimator (signs per example × channel). */
export class Conv1DTransposeFlipout extends VariationalConvTranspose {
  static className = 'Conv1DTransposeFlipout';
  constructor(args: ConvTransposeVariationalArgs) {
    super(1, 'flipout', 'Conv1DTransposeFlipout', args);
  }
}
/** 2-D transposed convolution with the Flipout estimator (signs per example × channel). */
export class Conv2DTransposeFlipout extends VariationalConvTranspose {
  static className = 'Conv2DTransposeFlipout';
  constructor(args: ConvTransposeVariationalArgs) {
    super(2, 'flipout', 'Conv2DTransposeFlipout', args);
  }
}
/** 3-D transposed convolution with the Flipout estimator (signs per example × channel). */
export class Conv3DTransposeFlipout extends VariationalConvTranspose {
  static className = 'Conv3DTransposeFlipout';
  constructor(args: ConvTransposeVariationalArgs) {
    super(3, 'flipout', 'Conv3DTransposeFlipout', args);
  }
}

for (const cls of [Conv1DTransposeReparameterization, Conv2DTransposeReparameterization,
  Conv3DTransposeReparameterization, Conv1DTransposeFlipout, Conv2DTransposeFlipout, Conv3DTransposeFlipout]) {
  tf.serialization.registerClass(cls);
}

export {
  Conv1DTransposeFlipout as Convolution1DTransposeFlipout,
  Conv1DTransposeReparameterization as Convolution1DTransposeReparameterization,
  Conv2DTransposeFlipout as Convolution2DTransposeFlipout,
  Conv2DTransposeReparameterization as Convolution2DTransposeReparameterization,
  Conv3DTransposeFlipout as Convolution3DTransposeFlipout,
  Conv3DTransposeReparameterization as Convolution3DTransposeReparameterization,
};
