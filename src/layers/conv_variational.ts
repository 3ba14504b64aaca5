// Convolution{1,2,3}D{Reparameterization,Flipout,LocalReparameterization}: thin classes over VariationalLayer with a
// ConvOp; rank only chooses the op. Port of tensorflow_probability/python/layers/conv_variational.py.
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';

import {checkStridesDilations, normalizeDataFormat, normalizePadding, normalizeTuple} from '../variational/conv_args.js';
import type {DataFormat, DataFormatArg, Padding, PaddingArg} from '../variational/conv_args.js';
import {ConvOp} from '../variational/linear_op.js';
import type {LinearOp} from '../variational/linear_op.js';
import {ValueError} from '../util/errors.js';
import {fmt} from '../util/format.js';
import {checkElementCount} from '../util/shape.js';

import {checkPositiveInt, VariationalLayer} from './variational_layer.js';
import type {Estimator, VariationalLayerArgs} from './variational_layer.js';

/** Arguments of the convolutional variational layers (LAYERS.md §3.1). */
export interface ConvVariationalArgs extends VariationalLayerArgs {
  /** Number of output channels. */
  filters: number;
  /** Window size: an int (repeated `rank` times) or `rank` ints. */
  kernelSize: number | number[];
  /** Default 1. Any stride > 1 with any dilation > 1 is a ValueError. */
  strides?: number | number[];
  /** `'valid'` (default) or `'same'`, case-insensitive; `'causal'` is not supported. */
  padding?: PaddingArg;
  /** `'channelsLast'` (default) or `'channelsFirst'` (TFP's `'channels_last'` spellings too). */
  dataFormat?: DataFormatArg;
  /** Default 1. */
  dilationRate?: number | number[];
}

const CONV_KEYS: readonly string[] = ['filters', 'kernelSize', 'strides', 'padding', 'dataFormat',
  'dilationRate'];

/** Shared by the six convolution layers. The kernel shape is `kernelSize + [in, filters]`. */
export abstract class VariationalConv extends VariationalLayer {
  readonly rank: 1 | 2 | 3;
  readonly filters: number;
  readonly kernelSize: number[];
  readonly strides: number[];
  readonly padding: Padding;
  readonly dataFormat: DataFormat;
  readonly dilationRate: number[];
  private readonly convOp: ConvOp;

  protected constructor(rank: 1 | 2 | 3, estimator: Estimator, className: string,
      args: ConvVariationalArgs) {
    super({className, estimator, salt: estimator === 'flipout' ? 'ConvFlipout' : className,
      signGranularity: 'exampleChannel', argKeys: CONV_KEYS}, args);
    this.rank = rank;
    this.filters = checkPositiveInt(className, 'filters', args.filters);
    this.kernelSize = normalizeTuple(className, 'kernelSize', args.kernelSize, rank);
    // Only `undefined` means the default: a null (e.g. from a hand-edited config) is refused by name.
    const given = <T>(v: T | undefined, fallback: T): T => (v === undefined ? fallback : v);
    this.strides = normalizeTuple(className, 'strides', given(args.strides, 1), rank);
    this.padding = normalizePadding(className, given<unknown>(args.padding, 'valid'));
    this.dataFormat = normalizeDataFormat(className, given<unknown>(args.dataFormat, 'channelsLast'));
    this.dilationRate = normalizeTuple(className, 'dilationRate', given(args.dilationRate, 1), rank);
    checkStridesDilations(className, this.strides, this.dilationRate);
    // With at least one input channel the kernel has ≥ prod(kernelSize)·filters elements.
    checkElementCount(className, 'the kernel (kernelSize + [in channels, filters])',
        [...this.kernelSize, 1, this.filters]);
    this.convOp = new ConvOp({rank, kernelSize: this.kernelSize, strides: this.strides,
      padding: this.padding, dilations: this.dilationRate, dataFormat: this.dataFormat});
  }

  protected get op(): LinearOp {
    return this.convOp;
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
    if (this.padding === 'valid') {
      const spatial = this.dataFormat === 'channelsFirst' ? inputShape.slice(2) : inputShape.slice(1, -1);
      spatial.forEach((n, i) => {
        const k = this.kernelSize[i] as number;
        const d = this.dilationRate[i] as number;
        const kEff = k + (k - 1) * (d - 1);
        // n = kEff − 1 gives an empty axis, as in tfjs; anything smaller is a negative output size,
        // which tfjs computes as a negative shape or crashes on inside the kernel.
        if (n !== null && n !== undefined && n < kEff - 1) {
          throw new ValueError(`${owner}: with padding "valid" every spatial size must be at least ` +
              `${kEff - 1} (the dilated kernel size ${kEff} − 1; kernelSize ${fmt(this.kernelSize)}, ` +
              `dilationRate ${fmt(this.dilationRate)}); got shape ${fmt(inputShape)}.`);
        }
      });
    }
    this.inputSpec = [new tfl.InputSpec({ndim: this.rank + 2, axes: {[channelAxis]: channels}})];
    return [...this.kernelSize, channels, this.filters];
  }

  override getConfig(): tf.serialization.ConfigDict {
    return {
      ...super.getConfig(),
      filters: this.filters,
      kernelSize: this.kernelSize,
      strides: this.strides,
      padding: this.padding,
      dataFormat: this.dataFormat,
      dilationRate: this.dilationRate,
    };
  }
}

/** 1-D convolution whose kernel is drawn from its posterior once per call. */
export class Conv1DReparameterization extends VariationalConv {
  static className = 'Conv1DReparameterization';
  constructor(args: ConvVariationalArgs) {
    super(1, 'reparameterization', 'Conv1DReparameterization', args);
  }
}
/** 2-D convolution whose kernel is drawn from its posterior once per call. */
export class Conv2DReparameterization extends VariationalConv {
  static className = 'Conv2DReparameterization';
  constructor(args: ConvVariationalArgs) {
    super(2, 'reparameterization', 'Conv2DReparameterization', args);
  }
}
/** 3-D convolution whose kernel is drawn from its posterior once per call. */
export class Conv3DReparameterization extends VariationalConv {
  static className = 'Conv3DReparameterization';
  constructor(args: ConvVariationalArgs) {
    super(3, 'reparameterization', 'Conv3DReparameterization', args);
  }
}
/** 1-D convolution with the Flipout estimator (signs per example × channel). */
export class Conv1DFlipout extends VariationalConv {
  static className = 'Conv1DFlipout';
  constructor(args: ConvVariationalArgs) {
    super(1, 'flipout', 'Conv1DFlipout', args);
  }
}
/** 2-D convolution with the Flipout estimator (signs per example × channel). */
export class Conv2DFlipout extends VariationalConv {
  static className = 'Conv2DFlipout';
  constructor(args: ConvVariationalArgs) {
    super(2, 'flipout', 'Conv2DFlipout', args);
  }
}
/** 3-D convolution with the Flipout estimator (signs per example × channel). */
export class Conv3DFlipout extends VariationalConv {
  static className = 'Conv3DFlipout';
  constructor(args: ConvVariationalArgs) {
    super(3, 'flipout', 'Conv3DFlipout', args);
  }
}

/**
 * 1-D convolution with local reparameterization (Kingma et al. 2015): the pre-activation is drawn
 * from N(x ⊛ μ, x² ⊛ σ²), independently per example and output position — no kernel is drawn, so
 * `kernelPosteriorTensor` is null after a call (inside `withPosteriorSample` it is the pinned
 * kernel). Not in TFP.
 */
export class Conv1DLocalReparameterization extends VariationalConv {
  static className = 'Conv1DLocalReparameterization';
  constructor(args: ConvVariationalArgs) {
    super(1, 'localReparameterization', 'Conv1DLocalReparameterization', args);
  }
}
/** 2-D convolution with local reparameterization (see {@link Conv1DLocalReparameterization}). */
export class Conv2DLocalReparameterization extends VariationalConv {
  static className = 'Conv2DLocalReparameterization';
  constructor(args: ConvVariationalArgs) {
    super(2, 'localReparameterization', 'Conv2DLocalReparameterization', args);
  }
}
/** 3-D convolution with local reparameterization (see {@link Conv1DLocalReparameterization}). */
export class Conv3DLocalReparameterization extends VariationalConv {
  static className = 'Conv3DLocalReparameterization';
  constructor(args: ConvVariationalArgs) {
    super(3, 'localReparameterization', 'Conv3DLocalReparameterization', args);
  }
}

for (const cls of [Conv1DReparameterization, Conv2DReparameterization, Conv3DReparameterization,
  Conv1DFlipout, Conv2DFlipout, Conv3DFlipout, Conv1DLocalReparameterization,
  Conv2DLocalReparameterization, Conv3DLocalReparameterization]) {
  tf.serialization.registerClass(cls);
}

export {
  Conv1DLocalReparameterization as Convolution1DLocalReparameterization,
  Conv2DLocalReparameterization as Convolution2DLocalReparameterization,
  Conv3DLocalReparameterization as Convolution3DLocalReparameterization,
  Conv1DFlipout as Convolution1DFlipout,
  Conv1DReparameterization as Convolution1DReparameterization,
  Conv2DFlipout as Convolution2DFlipout,
  Conv2DReparameterization as Convolution2DReparameterization,
  Conv3DFlipout as Convolution3DFlipout,
  Conv3DReparameterization as Convolution3DReparameterization,
};
