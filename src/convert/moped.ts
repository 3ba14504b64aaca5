// MOPED (Krishnan, Subedar & Tickoo 2020, "Specifying weight priors in Bayesian deep neural networks
// with empirical Bayes"): a Bayesian layer's posterior and prior taken from a trained deterministic
// layer. The maths of the posterior scale, and the serializable prior centred on the trained weights.
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';

import {Independent} from '../distributions/independent.js';
import {Normal} from '../distributions/normal.js';
import type {DistributionFn} from '../layers/default_fns.js';
import {EPS_FLOAT32} from '../layers/default_fns.js';
import {describeFn, registerFn} from '../layers/fn_registry.js';
import {ValueError} from '../util/errors.js';
import {fmt} from '../util/format.js';
import {checkArgsObject, checkKeys} from '../util/keys.js';

/**
 * The smallest posterior (and MOPED prior) scale the converter sets: `2·eps32 ≈ 2.4e-7`. The layers
 * compute `σ = eps32 + softplus(u) > eps32`, so a weight with `δ·|w| ≤ 2·eps32` (in particular
 * `w = 0`) gets this floor instead of δ·|w|.
 * Porting note: bayesian-torch sets `ρ = log(expm1(δ|w|) + 1e-20)`, i.e. σ ≈ 1e-20 for w = 0;
 * float32 cannot hold σ = eps32 + softplus(u) that small, hence the explicit floor.
 */
export const MOPED_SCALE_FLOOR = 2 * EPS_FLOAT32;

/** `softplus⁻¹(y) = log(expm1(y))` for y > 0, in float64 without overflow for large y. */
export function softplusInverse(y: number): number {
  return y + Math.log(-Math.expm1(-y));
}

/** The MOPED scale `max(δ·|w|, MOPED_SCALE_FLOOR)` of each weight, in float64. */
export function mopedScale(w: ArrayLike<number>, delta: number): Float64Array {
  const out = new Float64Array(w.length);
  for (let i = 0; i < w.length; i++) out[i] = Math.max(delta * Math.abs(w[i] as number), MOPED_SCALE_FLOOR);
  return out;
}

/**
 * The untransformed scale `u = softplus⁻¹(σ − eps32)` whose layer scale `eps32 + softplus(u)` is σ,
 * computed in float64 and rounded once to float32.
 */
export function untransformedScale(sigma: ArrayLike<number>): Float32Array {
  const out = new Float32Array(sigma.length);
  for (let i = 0; i < sigma.length; i++) out[i] = softplusInverse((sigma[i] as number) - EPS_FLOAT32);
  return out;
}

/** Options of {@link mopedPriorFn}. */
export interface MopedPriorArgs {
  /**
   * A fixed prior scale for every weight (e.g. 1, bayesian-torch's MOPED example), or null/undefined
   * for a per-weight scale stored as a non-trainable weight `<name>_scale` (the converter writes
   * δ·|w| there).
   */
  scale?: number | null;
}

/**
 * A prior `Independent(Normal(m, s), rank(shape))` whose loc `m` is a non-trainable weight
 * `<name>_loc` (zeros until written; `tfp.convert.dnnToBnn` writes the trained weights there), so
 * the prior saves and loads with the model. The scale is the fixed `scale`, or a non-trainable
 * weight `<name>_scale` (ones until written). The KL to a mean-field posterior stays analytic.
 * Serializable as `'MopedNormalPrior'`.
 *
 * @example
 * tfp.layers.denseFlipout({units: 10, kernelPriorFn: tfp.convert.mopedPriorFn({scale: 1})});
 */
export function mopedPriorFn(args: MopedPriorArgs = {}): DistributionFn {
  const owner = 'mopedPriorFn';
  checkArgsObject(owner, args);
  checkKeys(owner, args, {own: ['scale']});
  const scale = args.scale ?? null;
  if (scale !== null && (typeof scale !== 'number' || !Number.isFinite(scale) || scale <= 0)) {
    throw new ValueError(`${owner}: scale must be a finite number > 0, or null for a stored per-weight ` +
        `scale; got ${fmt(args.scale)}.`);
  }
  const fn: DistributionFn = (dtype, shape, name, _trainable, addVariable) => {
    const loc = addVariable(`${name}_loc`, shape, tfl.initializers.zeros(), null, null, dtype, false);
    const s = scale === null ?
        addVariable(`${name}_scale`, shape, tfl.initializers.ones(), null, null, dtype, false) : null;
    return new Independent({
      distribution: new Normal({loc: () => loc.read(), scale: s === null ? scale as number : () => s.read()}),
      reinterpretedBatchNdims: shape.length,
    });
  };
  return describeFn(fn, 'MopedNormalPrior', {scale});
}
registerFn('MopedNormalPrior', (c) => mopedPriorFn(c as MopedPriorArgs));

/** Checks δ of `moped: {delta}`: a finite number > 0. */
export function checkDelta(owner: string, delta: unknown): number {
  if (typeof delta !== 'number' || !Number.isFinite(delta) || delta <= 0) {
    throw new ValueError(`${owner}: moped.delta must be a finite number > 0; got ${fmt(delta)}.`);
  }
  return delta;
}

/** A float32 tensor of `shape` from float64 values (one rounding). */
export function tensorOf(values: ArrayLike<number>, shape: number[]): tf.Tensor {
  return tf.tensor(Float32Array.from(values as ArrayLike<number>), shape, 'float32');
}
