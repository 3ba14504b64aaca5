// tfp.nn's convolution arguments (NN.md §7): rank, filter shape, strides, dilations, padding.
// Builds on src/variational/conv_args.ts; only the nn-specific rules live here.
import {normalizeTuple} from '../variational/conv_args.js';
import type {Padding, PaddingArg} from '../variational/conv_args.js';
import {ValueError} from '../util/errors.js';
import {fmt} from '../util/format.js';

import {checkSize} from './affine.js';
import {checkTransposeStridesDilations, nnPadding} from './convolution_util.js';

export {nnPadding};

/** Options shared by every nn convolution. */
export interface ConvOptionsBase {
  /** Number of spatial axes, 1–3. Default 2. */
  rank?: number;
  /** An int or a list of `rank` (or 1) ints. Default 1. */
  strides?: number | number[];
  /** `'VALID'` or `'SAME'` (case-insensitive). Default `'VALID'`. */
  padding?: PaddingArg;
  /** An int or a list of `rank` (or 1) ints. Default 1. */
  dilations?: number | number[];
}

/** Normalised convolution arguments. */
export interface NnConvArgs {
  rank: 1 | 2 | 3;
  inputSize: number;
  outputSize: number;
  filterShape: number[];
  strides: number[];
  padding: Padding;
  dilations: number[];
}

/** Checks and normalises the convolution arguments of an nn layer. */
export function nnConvArgs(owner: string, inputSize: unknown, outputSize: unknown, filterShape: unknown,
    options: ConvOptionsBase, allowedRanks: number[] = [1, 2, 3], transposed = false): NnConvArgs {
  // Only `undefined` means the default: null is refused by name, as TFP refuses None here.
  const rank = options.rank === undefined ? 2 : options.rank;
  if (!allowedRanks.includes(rank as number)) {
    throw new ValueError(`${owner}: rank must be one of ${allowedRanks.join(', ')}; got ${fmt(options.rank)}.`);
  }
  const r = rank as 1 | 2 | 3;
  const strides = normalizeTuple(owner, 'strides', options.strides === undefined ? 1 : options.strides, r, true);
  const dilations = normalizeTuple(owner, 'dilations', options.dilations === undefined ? 1 : options.dilations, r, true);
  // TFP's make_convolution_fn computes strides > 1 with dilations > 1 (only transposed convolutions
  // refuse it). tfjs's conv ops refuse the pair, but ConvOp convolves the zero-inserted kernel with
  // dilation 1 (src/variational/linear_op.ts), which equals TF's result for both paddings.
  if (transposed) checkTransposeStridesDilations(owner, strides, dilations);
  return {
    rank: r,
    inputSize: checkSize(owner, 'inputSize', inputSize),
    outputSize: checkSize(owner, 'outputSize', outputSize),
    filterShape: normalizeTuple(owner, 'filterShape', filterShape, r, true),
    strides,
    padding: nnPadding(owner, options.padding === undefined ? 'VALID' : options.padding),
    dilations,
  };
}

