// TFP's convolution argument helpers of tfp.nn.util (NN.md §10): prepareTupleArgument and
// prepareConvArgs, plus the padding rule shared with the nn layers. Port of
// tensorflow_probability/python/experimental/nn/util/convolution_util.py (its argument part).
import {normalizePadding, normalizeTuple} from '../variational/conv_args.js';
import type {Padding, PaddingArg} from '../variational/conv_args.js';
import {NotImplementedError, ValueError} from '../util/errors.js';
import {fmt} from '../util/format.js';

/**
 * `'valid' | 'same'` from a case-insensitive `'VALID'`/`'SAME'`; `'CAUSAL'` and `'FULL'` are a
 * `NotImplementedError`, anything else a `ValueError`.
 *
 * @example
 * nnPadding('Convolution', 'SAME');  // 'same'
 */
export function nnPadding(owner: string, value: unknown): Padding {
  const v = typeof value === 'string' ? value.toUpperCase() : value;
  if (v === 'CAUSAL' || v === 'FULL') {
    throw new NotImplementedError(`${owner}: padding must be "VALID" or "SAME" ("CAUSAL" and "FULL" are ` +
        `not implemented); got ${fmt(value)}.`);
  }
  return normalizePadding(owner, value);
}

/**
 * Refuses strides > 1 together with dilations > 1 (`NotImplementedError`), as TFP's transposed
 * convolutions do; the forward convolutions compute the pair.
 *
 * @example
 * checkTransposeStridesDilations('ConvolutionTranspose', [2, 2], [1, 1]);  // passes
 */
export function checkTransposeStridesDilations(owner: string, strides: number[], dilations: number[]): void {
  if (strides.some((s) => s > 1) && dilations.some((d) => d > 1)) {
    throw new NotImplementedError(`${owner}: strides > 1 together with dilations > 1 is not implemented; ` +
        `got strides ${fmt(strides)} and dilations ${fmt(dilations)}.`);
  }
}

/**
 * TFP's `prepare_tuple_argument`: an int, or a list of 1 or `n` ints, as a list of `n` ints.
 * `validateArgs` is accepted for TFP's signature; every check here is static, so it changes nothing.
 *
 * Porting note: the entries must be positive integers (TFP only checks the size; TF's conv ops
 * refuse the rest later), and the error is a `ValueError` naming `argName`.
 *
 * @example
 * tfp.nn.util.prepareTupleArgument(2, 3, 'strides');        // [2, 2, 2]
 * tfp.nn.util.prepareTupleArgument([3], 2, 'filterShape');  // [3, 3]
 */
export function prepareTupleArgument(arg: number | number[], n: number, argName: string,
    validateArgs = false): number[] {
  void validateArgs;
  return normalizeTuple('prepareTupleArgument', argName, arg, n, true);
}

/** The result of {@link prepareConvArgs}, in TFP's order and spelling. */
export interface PreparedConvArgs {
  filterShape: number[];
  rank: 1 | 2 | 3;
  strides: number[];
  padding: 'VALID' | 'SAME';
  dilations: number[];
}

/**
 * TFP's `prepare_conv_args`: checks `rank` ∈ {1, 2, 3}, expands `filterShape`, `strides` and
 * `dilations` to `rank` ints, and upper-cases `padding` (`'CAUSAL'`/`'FULL'` are a
 * `NotImplementedError`). With `isTranspose`, strides > 1 together with dilations > 1, and a stride
 * larger than the filter, are a `NotImplementedError` as in TFP. Default `dilations` 1.
 *
 * Porting note: an explicit (tuple) padding is refused with a `ValueError` (tfjs's convs take only
 * `'valid'`/`'same'` here).
 *
 * @example
 * tfp.nn.util.prepareConvArgs(3, 2, 2, 'same', 1);
 * // {filterShape: [3, 3], rank: 2, strides: [2, 2], padding: 'SAME', dilations: [1, 1]}
 */
export function prepareConvArgs(filterShape: number | number[], rank: number, strides: number | number[],
    padding: PaddingArg, dilations: number | number[] = 1, isTranspose = false,
    validateArgs = false): PreparedConvArgs {
  const owner = 'prepareConvArgs';
  const p = nnPadding(owner, padding);
  if (rank !== 1 && rank !== 2 && rank !== 3) {
    throw new ValueError(`${owner}: rank must be one of 1, 2, 3; got ${fmt(rank)}.`);
  }
  const fs = prepareTupleArgument(filterShape, rank, 'filterShape', validateArgs);
  const s = prepareTupleArgument(strides, rank, 'strides', validateArgs);
  const d = prepareTupleArgument(dilations, rank, 'dilations', validateArgs);
  if (isTranspose) {
    checkTransposeStridesDilations(owner, s, d);
    if (s.some((si, i) => si > (fs[i] as number))) {
      throw new NotImplementedError(`${owner}: strides must be at most filterShape along each axis for a ` +
          `transposed convolution; got strides ${fmt(s)} and filterShape ${fmt(fs)}.`);
    }
  }
  return {filterShape: fs, rank, strides: s, padding: p === 'valid' ? 'VALID' : 'SAME', dilations: d};
}
