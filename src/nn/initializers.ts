// Variance-scaling initializers of tfp.nn, whose fans understand batch axes (NN.md §8). Port of
// tensorflow_probability/python/experimental/nn/initializers/initializers.py.
import * as tf from '@tensorflow/tfjs-core';

import {fmt} from '../util/format.js';
import {randomUniform} from '../util/random.js';
import {checkSeed, SeedStream} from '../util/seed.js';

/** An nn initializer: `(shape, dtype, batchNdims = 0)` → a new tensor of `shape`. */
export type NnInitializerFn = (shape: number[], dtype?: tf.DataType, batchNdims?: number) => tf.Tensor;

/** A Keras/tfjs initializer object (two-argument protocol). */
export interface KerasInitializer {
  apply(shape: number[], dtype?: tf.DataType): tf.Tensor;
}

/** Anything the weight factories accept as an initializer. */
export type Initializer = NnInitializerFn | KerasInitializer;

/**
 * `(fanIn, fanOut)` of `shape` (NN.md §8): pad with trailing 1s to rank ≥ 2, drop the first
 * `batchNdims` axes, `fanIn = shape[-2]·R`, `fanOut = shape[-1]·R` with `R` the product of the
 * middle (receptive-field) axes. A bias `[n]` has fans `(n, 1)`.
 */
export function computeFans(shape: number[], batchNdims = 0): [number, number] {
  const s = shape.slice(batchNdims);
  while (s.length < 2) s.push(1);
  const receptive = s.slice(0, -2).reduce((a, b) => a * b, 1);
  return [(s[s.length - 2] as number) * receptive, (s[s.length - 1] as number) * receptive];
}

/** sd of N(0, 1) truncated to ±2, the factor TF divides by so the truncated law keeps `var`. */
const TRUNCATED_SD = 0.87962566103423978;

type Mode = 'fanAvg' | 'fanIn';

function varianceScaling(owner: string, scale: number, mode: Mode, distribution: 'uniform' | 'truncatedNormal',
    seed: unknown): NnInitializerFn {
  const stream = new SeedStream(checkSeed(owner, seed), owner);
  return (shape: number[], dtype: tf.DataType = 'float32', batchNdims = 0): tf.Tensor => {
    if (dtype !== 'float32') {
      throw new TypeError(`${owner}: dtype must be a floating dtype ("float32"); got ${fmt(dtype)}.`);
    }
    const [fanIn, fanOut] = computeFans(shape, batchNdims);
    const fans = mode === 'fanIn' ? fanIn : (fanIn + fanOut) / 2;
    const variance = scale / Math.max(1, fans);
    return tf.tidy(() => {
      if (distribution === 'uniform') {
        const limit = Math.sqrt(3 * variance);
        return tf.sub(tf.mul(randomUniform(shape, stream.next()), 2 * limit), limit);
      }
      return tf.truncatedNormal(shape, 0, Math.sqrt(variance) / TRUNCATED_SD, 'float32', stream.next());
    });
  };
}

/**
 * Glorot (Xavier) uniform: `U(−√(3·var), √(3·var))`, `var = 2/(fanIn + fanOut)`; e.g. ±0.0869291
 * for `[784, 10]`. Each call of the returned initializer takes the next seed of its stream.
 *
 * @example
 * const init = tfp.nn.initializers.glorotUniform(42);
 * const kernel = init([784, 10]);
 */
export function glorotUniform(seed?: number | null): NnInitializerFn {
  return varianceScaling('glorotUniform', 1, 'fanAvg', 'uniform', seed);
}

/** Glorot normal: `N(0, sd)` truncated at ±2·sd, `sd = √(2/(fanIn + fanOut)) / 0.8796…`. */
export function glorotNormal(seed?: number | null): NnInitializerFn {
  return varianceScaling('glorotNormal', 1, 'fanAvg', 'truncatedNormal', seed);
}

/** He uniform: `U(−√(6/fanIn), √(6/fanIn))`; ±0.4898979 for `[5,5,1,32]`. */
export function heUniform(seed?: number | null): NnInitializerFn {
  return varianceScaling('heUniform', 2, 'fanIn', 'uniform', seed);
}

/** He normal: `N(0, sd)` truncated at ±2·sd, `sd = √(2/fanIn) / 0.8796…`. */
export function heNormal(seed?: number | null): NnInitializerFn {
  return varianceScaling('heNormal', 2, 'fanIn', 'truncatedNormal', seed);
}

/** `zeros` with the nn protocol. */
export const zeros: NnInitializerFn = (shape, dtype = 'float32') => tf.zeros(shape, dtype);

/**
 * Calls an initializer with the protocol of NN.md §5: `init(shape, dtype, batchNdims)`, retried as
 * `init(shape, dtype)` on a `TypeError`; objects are called through `apply(shape, dtype)`.
 */
export function callInitializer(init: Initializer, shape: number[], dtype: tf.DataType,
    batchNdims: number): tf.Tensor {
  if (typeof init !== 'function') return init.apply(shape, dtype);
  try {
    return init(shape, dtype, batchNdims);
  } catch (e) {
    if (!(e instanceof TypeError)) throw e;
    return (init as (s: number[], d: tf.DataType) => tf.Tensor)(shape, dtype);
  }
}
