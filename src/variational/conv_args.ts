// Normalisation and checks of convolution arguments, shared by tfp.layers and tfp.nn, and the
// output-size rule of LAYERS.md §3.3 (TF's SAME rule, cross-correlation).
import {ValueError} from '../util/errors.js';
import {fmt} from '../util/format.js';
import {isPositiveInt} from '../util/shape.js';

/** Padding after normalisation. */
export type Padding = 'valid' | 'same';
/** Data format after normalisation. */
export type DataFormat = 'channelsLast' | 'channelsFirst';
/** A padding argument: tfjs's and TFP's spellings (the check is case-insensitive). */
export type PaddingArg = 'valid' | 'same' | 'VALID' | 'SAME';
/** A data-format argument: tfjs's camelCase or TFP's snake_case spelling. */
export type DataFormatArg = 'channelsLast' | 'channelsFirst' | 'channels_last' | 'channels_first';

/**
 * An int (repeated `rank` times) or a sequence of `rank` positive ints (a length-1 sequence is
 * repeated when `allowSingleton`); anything else is a `ValueError` naming `arg`.
 */
export function normalizeTuple(owner: string, arg: string, value: unknown, rank: number,
    allowSingleton = false): number[] {
  if (isPositiveInt(value)) return new Array<number>(rank).fill(value);
  if (Array.isArray(value) && value.every(isPositiveInt)) {
    if (value.length === rank) return value.slice() as number[];
    if (allowSingleton && value.length === 1) return new Array<number>(rank).fill(value[0] as number);
  }
  throw new ValueError(`${owner}: ${arg} must be a positive integer or a list of ${rank} positive ` +
      `integers; got ${fmt(value)}.`);
}

/** `'valid' | 'same'`, case-insensitive; `'causal'` and anything else are a `ValueError`. */
export function normalizePadding(owner: string, value: unknown): Padding {
  const v = typeof value === 'string' ? value.toLowerCase() : value;
  if (v === 'valid' || v === 'same') return v;
  throw new ValueError(`${owner}: padding must be one of "valid", "same" (case-insensitive); ` +
      `got ${fmt(value)}.`);
}

/** `'channelsLast' | 'channelsFirst'` (TFP's `channels_last` spellings are accepted too). */
export function normalizeDataFormat(owner: string, value: unknown): DataFormat {
  const v = typeof value === 'string' ? value.toLowerCase().replace('_', '') : value;
  if (v === 'channelslast') return 'channelsLast';
  if (v === 'channelsfirst') return 'channelsFirst';
  throw new ValueError(`${owner}: dataFormat must be one of "channelsLast", "channelsFirst"; ` +
      `got ${fmt(value)}.`);
}

/** Refuses any stride > 1 together with any dilation > 1 (TF raises this at build). */
export function checkStridesDilations(owner: string, strides: number[], dilations: number[],
    stridesArg = 'strides', dilationsArg = 'dilationRate'): void {
  if (strides.some((s) => s > 1) && dilations.some((d) => d > 1)) {
    throw new ValueError(`${owner}: ${stridesArg} > 1 not supported in conjunction with ` +
        `${dilationsArg} > 1; got ${stridesArg} ${fmt(strides)} and ${dilationsArg} ${fmt(dilations)}.`);
  }
}

/**
 * Output length of one spatial axis: with `kEff = k + (k−1)(d−1)`, valid → `ceil((n − kEff + 1)/s)`,
 * same → `ceil(n/s)`; unknown stays unknown.
 */
export function convOutputLength(n: number | null, k: number, s: number, d: number,
    padding: Padding): number | null {
  if (n === null) return null;
  const kEff = k + (k - 1) * (d - 1);
  return padding === 'same' ? Math.ceil(n / s) : Math.max(0, Math.ceil((n - kEff + 1) / s));
}
