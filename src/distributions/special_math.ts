// The standard Normal's Φ (ndtr), log Φ (logNdtr) and Φ⁻¹ (ndtri) in float32 tensor ops, accurate
// in the tails. Counterpart of tensorflow_probability/python/internal/special_math.py (internal:
// not exported from the package).
import * as tf from '@tensorflow/tfjs-core';

const LOG_HALF = Math.log(0.5);
const INV_SQRT2 = Math.SQRT1_2;
const INV_SQRT_2PI = 1 / Math.sqrt(2 * Math.PI);
const SQRT_2_OVER_PI = Math.sqrt(2 / Math.PI);
const SQRT_2PI = Math.sqrt(2 * Math.PI);

// erfc(u) = t·exp(−u² + P(t)) with t = 1/(1 + u/2), for every u ≥ 0: P is a degree-9 Chebyshev
// least-squares fit (numpy, 4000 nodes on t ∈ (0, 1]) of log(erfcx(u)/t), the function that is
// smooth on the whole half-line (P(0) = −log(2√π): erfcx(u) ~ 1/(u√π) as u → ∞). Relative error
// of erfc: 1.0e-7 in float64, 2.6e-7 evaluated in float32 (scipy.special.erfcx reference, u ≤ 30).
// The same functional form as Numerical Recipes' erfcc; these are our own fitted coefficients.
const ERFCX_P = [
  -1.2655122251416062, 1.0000236801578228, 0.37409195971857445, 0.0967841894892641,
  -0.1862880616604819, 0.27886808444506056, -1.1352040003333594, 1.4885158891981498,
  -0.8221522343965442, 0.17087277767202833,
];

/** `c[0] + c[1]·x + … + c[n]·x^n` by Horner's rule. */
function horner(coefs: readonly number[], x: tf.Tensor): tf.Tensor {
  let acc: tf.Tensor = tf.scalar(coefs[coefs.length - 1] as number);
  for (let i = coefs.length - 2; i >= 0; i--) acc = tf.add(tf.mul(acc, x), coefs[i] as number);
  return acc;
}

/**
 * For `u = |x|/√2`: `t = 1/(1 + u/2)`, `P(t)`, and `Φ(−|x|)` both as a product,
 * `½·t·exp(P)·exp(−x²/2)` (relative accuracy: no large sum is rounded), and as a log,
 * `L = log ½ + log t + P − x²/2`, finite for every finite x (log Φ(−20) = −203.917 is a plain sum).
 * x²/2 is rounded once (exact for integer x); its error, ≈ x²·ε, is Φ's own condition number.
 */
function lowerTail(x: tf.Tensor): {t: tf.Tensor; p: tf.Tensor; phiLower: tf.Tensor; logPhi: tf.Tensor} {
  const u = tf.mul(tf.abs(x), INV_SQRT2);
  const t = tf.reciprocal(tf.add(1, tf.mul(0.5, u)));
  const p = horner(ERFCX_P, t);
  const halfSq = tf.mul(0.5, tf.square(x));
  const phiLower = tf.mul(tf.mul(tf.mul(0.5, t), tf.exp(p)), tf.exp(tf.neg(halfSq)));
  const logPhi = tf.sub(tf.add(tf.add(tf.log(t), LOG_HALF), p), halfSq);
  return {t, p, phiLower, logPhi};
}

/** The standard Normal density φ(x) = exp(−x²/2)/√(2π). */
function phi(x: tf.Tensor): tf.Tensor {
  return tf.mul(tf.exp(tf.mul(-0.5, tf.square(x))), INV_SQRT_2PI);
}

/** The forward part of ndtr: Φ(x) for x < 0 (relative accuracy), 1 − Φ(−x) for x ≥ 0. */
function ndtrValue(x: tf.Tensor): tf.Tensor {
  const {phiLower} = lowerTail(x);
  return tf.where(tf.less(x, 0), phiLower, tf.sub(1, phiLower));
}

/**
 * Φ(x), the standard Normal CDF, elementwise (float32). Relative error ≲ 3e-7 on the negative axis,
 * down to the float32 underflow of Φ near x = −13; gradient φ(x) (exact, by a custom gradient).
 */
export const ndtr = tf.customGrad(((x: tf.Tensor, save: tf.GradSaveFunc) => {
  save([x]);
  return {
    value: ndtrValue(x),
    gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => [tf.mul(dy, phi(saved[0] as tf.Tensor))],
  };
}) as unknown as Parameters<typeof tf.customGrad>[0]) as unknown as (x: tf.Tensor) => tf.Tensor;

/**
 * log Φ(x), elementwise (float32), finite for every finite x: log Φ(−20) = −203.91715 (scipy
 * norm.logcdf). Porting note: TFP's log_ndtr switches from log(ndtr(x)) to an asymptotic series
 * below x = −10 (float32); here one erfcx-style form, log ½ + log t − u² + P(t), is accurate on the
 * whole negative axis, so no switch is needed; x ≥ 0 uses log1p(−Φ(−x)).
 * The gradient is the inverse Mills ratio φ(x)/Φ(x), computed without cancellation: for x < 0 the
 * exp(−u²) factors of φ and Φ cancel analytically, leaving √(2/π)/(t·exp(P(t))) (≈ −x in the tail).
 */
export const logNdtr = tf.customGrad(((x: tf.Tensor, save: tf.GradSaveFunc) => {
  save([x]);
  const {phiLower, logPhi} = lowerTail(x);
  const value = tf.where(tf.less(x, 0), logPhi, tf.log1p(tf.neg(phiLower)));
  return {
    value,
    gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
      const xs = saved[0] as tf.Tensor;
      const {t, p, phiLower} = lowerTail(xs);
      const millsLower = tf.div(SQRT_2_OVER_PI, tf.mul(t, tf.exp(p)));
      const millsUpper = tf.div(phi(xs), tf.sub(1, phiLower));
      return [tf.mul(dy, tf.where(tf.less(xs, 0), millsLower, millsUpper))];
    },
  };
}) as unknown as Parameters<typeof tf.customGrad>[0]) as unknown as (x: tf.Tensor) => tf.Tensor;

// Wichura's AS241 PPND7 (Applied Statistics 37 (1988), 477–484): Φ⁻¹ to about 1 part in 10⁷ with
// degree-3 rationals whose terms do not cancel, so float32 evaluation keeps it (relative error
// 3.6e-7 in float32 against scipy.special.ndtri for p ∈ [1e-37, 1)). Acklam's rationals lose up to
// 1e-4 to cancellation in float32 near p = 0.975 and were not used.
const PPND7_A = [3.3871327179, 50.434271938, 159.29113202, 59.109374720];
const PPND7_B = [1, 17.895169469, 78.757757664, 67.187563600];
const PPND7_C = [1.4234372777, 2.7568153900, 1.3067284816, 0.17023821103];
const PPND7_D = [1, 0.73700164250, 0.12021132975];
const PPND7_E = [6.6579051150, 3.0812263860, 0.42868294337, 0.017337203997];
const PPND7_F = [1, 0.24197894225, 0.012258202635];

function ndtriValue(p: tf.Tensor): tf.Tensor {
  const inside = tf.logicalAnd(tf.greater(p, 0), tf.less(p, 1));
  const ps = tf.where(inside, p, tf.fill(p.shape, 0.5));  // every branch sees a valid p
  const q = tf.sub(ps, 0.5);
  // Central region |q| ≤ 0.425: x = q·A(r)/B(r), r = 0.180625 − q².
  const r = tf.sub(0.180625, tf.square(q));
  const central = tf.div(tf.mul(q, horner(PPND7_A, r)), horner(PPND7_B, r));
  // Tails: s = √(−log min(p, 1 − p)) (1 − p is exact in float32 for p ≥ ½), then two rationals.
  const s = tf.sqrt(tf.neg(tf.log(tf.minimum(ps, tf.sub(1, ps)))));
  const s1 = tf.sub(s, 1.6);
  const s5 = tf.sub(s, 5);
  const tailAbs = tf.where(tf.lessEqual(s, 5), tf.div(horner(PPND7_C, s1), horner(PPND7_D, s1)),
      tf.div(horner(PPND7_E, s5), horner(PPND7_F, s5)));
  const tail = tf.where(tf.less(q, 0), tf.neg(tailAbs), tailAbs);
  const x = tf.where(tf.lessEqual(tf.abs(q), 0.425), central, tail);
  const edge = tf.where(tf.equal(p, 0), tf.fill(p.shape, -Infinity),
      tf.where(tf.equal(p, 1), tf.fill(p.shape, Infinity), tf.fill(p.shape, NaN)));
  return tf.where(inside, x, edge);
}

/**
 * Φ⁻¹(p), the standard Normal quantile, elementwise (float32): ±∞ at p = 0 / 1 and NaN outside
 * [0, 1]; gradient 1/φ(x) = √(2π)·exp(x²/2) (exact, by a custom gradient).
 */
export const ndtri = tf.customGrad(((p: tf.Tensor, save: tf.GradSaveFunc) => {
  const x = ndtriValue(p);
  save([x]);
  return {
    value: x,
    gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) =>
      [tf.mul(dy, tf.mul(SQRT_2PI, tf.exp(tf.mul(0.5, tf.square(saved[0] as tf.Tensor)))))],
  };
}) as unknown as Parameters<typeof tf.customGrad>[0]) as unknown as (p: tf.Tensor) => tf.Tensor;
