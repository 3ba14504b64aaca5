// Local reparameterization moments that neither overflow nor underflow: `localMoments` of x scaled
// by a power of two per example, rescaled. Used by every local-reparameterization layer (tfp.layers and tfp.nn).
//
// Porting note: TFP squares x directly (`tf.square(inputs)`), so its DenseLocalReparameterization
// returns NaN for |x| ≳ 1.8e19 and σ_out = 0 for |x| ≲ 1e-19, where Flipout and reparameterization
// stay finite; these moments are exact over float32's range.
import * as tf from '@tensorflow/tfjs-core';

import {localMoments} from './estimators.js';
import type {LocalMoments} from './estimators.js';
import type {LinearOp} from './linear_op.js';

/**
 * Examples with `2^−E ≤ max|x| < 2^E` need no scaling on host backends: with |x| < 2^40, x ⊙ x
 * ≤ 2^80 is far from float32's 2^128 (Σ σ² would have to exceed 2^46), and with max|x| ≥ 2^−40
 * the largest term is ≥ 2^−80 σ², far above the underflow threshold 2^−149.
 */
const SAFE_EXPONENT = 40;

// Backends that run kernels on the host, where reading the per-example maxima is a copy (not a
// device sync) and a broadcasting multiply costs ~25x a same-shape one (see estimators.ts).
const HOST_BACKENDS: ReadonlySet<string> = new Set(['cpu', 'wasm']);

/** The axes of `x` but the first (the example axis). */
function exampleAxes(x: tf.Tensor): number[] {
  return Array.from({length: x.rank - 1}, (_, i) => i + 1);
}

/** `k` with `2^k ≤ max|x| < 2^(k+1)` per example (0 for an all-zero or non-finite example). */
function hostExponents(x: tf.Tensor): number[] {
  const m = tf.max(tf.abs(x), exampleAxes(x));
  const values = m.dataSync();
  m.dispose();
  return Array.from(values, (v) => (v > 0 && Number.isFinite(v) ?
    Math.min(127, Math.max(-126, Math.floor(Math.log2(v)))) : 0));
}

/** `2^(sign·k[i])` for every element of example i of a tensor of `shape` (exact powers of two). */
function powersOfTwo(k: readonly number[], sign: 1 | -1, shape: number[]): tf.Tensor {
  const size = tf.util.sizeFromShape(shape);
  const per = k.length === 0 ? 0 : size / k.length;
  const out = new Float32Array(size);
  k.forEach((e, i) => out.fill(2 ** (sign * e), i * per, (i + 1) * per));
  return tf.tensor(out, shape, 'float32');
}

/**
 * `2^−k` of shape `[N, 1, …, 1]` with `2^k ≈ max|x|` per example, by tensor ops (no read-back, for
 * device backends): 1 for an all-zero or non-finite example; no gradient.
 */
const inverseScaleOps = tf.customGrad(((x: tf.Tensor, _save: tf.GradSaveFunc) => {
  const k = tf.floor(tf.div(tf.log(tf.max(tf.abs(x), exampleAxes(x), true)), Math.LN2));
  const value = tf.pow(2, tf.neg(tf.clipByValue(tf.where(tf.isFinite(k), k, tf.zerosLike(k)), -126, 127)));
  return {value, gradFunc: () => tf.zerosLike(x)};
}) as unknown as Parameters<typeof tf.customGrad>[0]) as unknown as (x: tf.Tensor) => tf.Tensor;

/** `x ⊙ r` for a factor `r` (same shape, or `[N, 1, …, 1]`) that is a constant for the gradient. */
const scaleBy = tf.customGrad(((x: tf.Tensor, r: tf.Tensor, save: tf.GradSaveFunc) => {
  save([r]);
  return {
    value: tf.mul(x, r),
    gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => [tf.mul(dy, saved[0] as tf.Tensor), tf.zerosLike(r)],
  };
}) as unknown as Parameters<typeof tf.customGrad>[0]) as unknown as (x: tf.Tensor, r: tf.Tensor) => tf.Tensor;

/**
 * `localMoments(op, x ⊙ 2^−k, μ, σ)` with mean and stddev rescaled by `2^k`, where `2^k ≈ max|x|`
 * per example. Both moments are homogeneous of degree 1 in x, so they are unchanged, and scaling
 * by a power of two is exact in floating point, so wherever `x ⊙ x` fits they equal the unscaled
 * moments (to the last bit, given an exact `pow(2, k)`); the scale is a constant for the gradient,
 * which is exact by the same homogeneity. On host backends the maxima are read back and examples
 * within 2^±40 (every ordinary input) take the unscaled path: one max-abs reduction of extra work.
 * Elsewhere the scaling is always applied with tensor ops: a reduction, a few `[N, 1]` ops and three
 * broadcasting products.
 */
export function scaledLocalMoments(op: LinearOp, x: tf.Tensor, loc: tf.Tensor, scale: tf.Tensor): LocalMoments {
  return HOST_BACKENDS.has(tf.getBackend()) ? scaledLocalMomentsHost(op, x, loc, scale) :
      scaledLocalMomentsOps(op, x, loc, scale);
}

/** {@link scaledLocalMoments} with the maxima read back (host backends). */
export function scaledLocalMomentsHost(op: LinearOp, x: tf.Tensor, loc: tf.Tensor, scale: tf.Tensor): LocalMoments {
  const k = hostExponents(x);
  if (k.every((e) => Math.abs(e) < SAFE_EXPONENT)) return localMoments(op, x, loc, scale);
  const moments = localMoments(op, scaleBy(x, powersOfTwo(k, -1, x.shape)), loc, scale);
  return {
    mean: scaleBy(moments.mean, powersOfTwo(k, 1, moments.mean.shape)),
    stddev: scaleBy(moments.stddev, powersOfTwo(k, 1, moments.stddev.shape)),
  };
}

/** {@link scaledLocalMoments} by tensor ops only, always scaling (device backends: no read-back). */
export function scaledLocalMomentsOps(op: LinearOp, x: tf.Tensor, loc: tf.Tensor, scale: tf.Tensor): LocalMoments {
  const inv = inverseScaleOps(x);
  const moments = localMoments(op, scaleBy(x, inv), loc, scale);
  const s = tf.reciprocal(inv);  // 2^k, exact
  return {mean: scaleBy(moments.mean, s), stddev: scaleBy(moments.stddev, s)};
}
