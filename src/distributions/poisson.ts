// The Poisson distribution over counts k = 0, 1, 2, …: p(k) = λ^k e^{−λ} / k!.
// Port of tensorflow_probability/python/distributions/poisson.py (sampler: Hörmann 1993, as TFP's).
import * as tf from '@tensorflow/tfjs-core';

import {NotImplementedError, ValueError} from '../util/errors.js';
import {fmt} from '../util/format.js';
import {uniformArray} from '../util/random.js';
import {SeedStream} from '../util/seed.js';
import {broadcastShapes, sizeOf} from '../util/shape.js';

import {checkNonNegative, checkParam, Distribution, isMutableParam, paramShape, readParam, resolveSeed, toTensor} from './distribution.js';
import type {DistributionArgs, ParamLike, SampleShape, TensorLike} from './distribution.js';
import {broadcastTo} from './internal.js';

/**
 * Arguments of {@link Poisson}: exactly one of `rate` and `logRate`.
 *
 * @example
 * const args: tfp.distributions.PoissonArgs = {logRate: [0, 1.5]};
 */
export interface PoissonArgs extends DistributionArgs {
  /**
   * The rate λ ≥ 0 (a negative number is a `ValueError`; a tensor is checked when `validateArgs`,
   * and a variable or deferred function again on every use).
   */
  rate?: ParamLike;
  /** log λ, any real (−∞ is λ = 0). */
  logRate?: ParamLike;
  /**
   * When true, `logProb` is −∞ at non-integer x. When false (the default, as in TFP) it evaluates
   * the continuous relaxation `x log λ − λ − lgamma(x + 1)` there. Negative x is −∞ either way.
   */
  forceProbsToZeroOutsideSupport?: boolean;
}

const HALF_LOG_2PI = 0.5 * Math.log(2 * Math.PI);
/** The count where logProb switches from the direct form to Loader's saddle-point form. */
const LOADER_MIN = 10;

// ---- float32 tensor math for logProb ----

/** log k! for k = 0 … 10 (float64, rounded once to float32 by the tensor). */
const LOG_FACTORIALS = Array.from({length: LOADER_MIN + 1}, (_, k) => {
  let s = 0;
  for (let i = 2; i <= k; i++) s += Math.log(i);
  return s;
});

/**
 * lgamma(x + 1) for 0 ≤ x ≤ 10: log x! from a table at integers (so log p(0) = −λ exactly), else
 * Stirling's series at y = x + 7 ≥ 7 (error < 1e-9) shifted back (float32 error ≲ 5e-7).
 */
function lgamma1pSmall(x: tf.Tensor): tf.Tensor {
  const k = tf.round(x);
  const table = tf.gather(tf.tensor1d(LOG_FACTORIALS), tf.cast(k, 'int32'));
  return tf.where(tf.equal(x, k), table, lgamma1pStirling(x));
}

function lgamma1pStirling(x: tf.Tensor): tf.Tensor {
  const y = tf.add(x, 7);
  const r = tf.reciprocal(y);
  const r2 = tf.square(r);
  const series = tf.mul(r, tf.sub(1 / 12, tf.mul(r2, tf.sub(1 / 360, tf.mul(r2, 1 / 1260)))));
  const stirling = tf.add(tf.sub(tf.mul(tf.sub(y, 0.5), tf.log(y)), y), tf.add(series, HALF_LOG_2PI));
  let prod: tf.Tensor = tf.add(x, 1);
  for (let i = 2; i <= 6; i++) prod = tf.mul(prod, tf.add(x, i));
  return tf.sub(stirling, tf.log(prod));
}

/** Stirling's error lgamma(x + 1) − (x + ½)log x + x − ½ log 2π for x ≥ 10 (series, error < 1e-12). */
function stirlerrLarge(x: tf.Tensor): tf.Tensor {
  const r = tf.reciprocal(x);
  const r2 = tf.square(r);
  return tf.mul(r, tf.sub(1 / 12, tf.mul(r2, tf.sub(1 / 360, tf.mul(r2, tf.sub(1 / 1260, tf.mul(r2, 1 / 1680)))))));
}

/**
 * Loader's deviance term bd0(x, λ) = x log(x/λ) + λ − x ≥ 0 without its cancellation near x = λ:
 * with v = (x − λ)/(x + λ), bd0 = (x − λ)v + 2x Σ_{j≥1} v^{2j+1}/(2j+1) for |v| < ¼ (6 terms:
 * truncation < 4e-8 relative), else the direct form with log(x/λ) = log1p((x − λ)/λ).
 */
function bd0(x: tf.Tensor, lam: tf.Tensor): tf.Tensor {
  const d = tf.sub(x, lam);
  const v = tf.div(d, tf.add(x, lam));
  const v2 = tf.square(v);
  let term: tf.Tensor = v;
  let sum: tf.Tensor = tf.zerosLike(v);
  for (let j = 1; j <= 6; j++) {
    term = tf.mul(term, v2);
    sum = tf.add(sum, tf.div(term, 2 * j + 1));
  }
  const series = tf.add(tf.mul(d, v), tf.mul(tf.mul(2, x), sum));
  const direct = tf.sub(tf.mul(x, tf.log1p(tf.div(d, lam))), d);
  // 0.25 ≥ |v| rather than |v| < 0.25: tfjs has a gradient for GreaterEqual only, and v depends on λ.
  return tf.where(tf.greaterEqual(0.25, tf.abs(v)), series, direct);
}

// ---- float64 JavaScript math for the sampler ----

/** lgamma(x) for x ≥ 1 in float64: shifted to ≥ 15, then Stirling's series (error < 3e-14). */
function lgammaF64(x: number): number {
  let shift = 0;
  while (x < 15) {
    shift += Math.log(x);
    x += 1;
  }
  const r = 1 / x;
  const r2 = r * r;
  const series = r * (1 / 12 - r2 * (1 / 360 - r2 * (1 / 1260 - r2 / 1680)));
  return (x - 0.5) * Math.log(x) - x + HALF_LOG_2PI + series - shift;
}

/** log p(k; λ) in float64 for an integer k ≥ 0 and λ > 0, by Loader's saddle-point form. */
function logPmfF64(k: number, lam: number): number {
  if (k === 0) return -lam;
  const stirlerr = lgammaF64(k + 1) - (k + 0.5) * Math.log(k) + k - HALF_LOG_2PI;
  const d = k - lam;
  const v = d / (k + lam);
  let dev: number;
  if (Math.abs(v) < 0.1) {
    let term = v;
    let sum = 0;
    for (let j = 1; j < 40; j++) {
      term *= v * v;
      const t = term / (2 * j + 1);
      sum += t;
      if (Math.abs(t) <= 1e-17 * Math.abs(sum)) break;
    }
    dev = d * v + 2 * k * sum;
  } else {
    dev = k * Math.log(k / lam) - d;
  }
  return -stirlerr - dev - 0.5 * Math.log(2 * Math.PI * k);
}

/**
 * Float64 uniforms on (0, 1) from the library's seeded float32 stream (two draws each: 23 + 24 bits),
 * so that the inversion sampler resolves probabilities far below float32's 2^−24. Refills from
 * `stream.next()`: the numbers are a pure function of the seed.
 */
class UniformSource {
  private buf: Float32Array;
  private i = 0;

  constructor(private readonly stream: SeedStream, private readonly chunk: number) {
    this.buf = uniformArray(chunk, stream.next());
  }

  private float(): number {
    if (this.i >= this.buf.length) {
      this.buf = uniformArray(this.chunk, this.stream.next());
      this.i = 0;
    }
    return this.buf[this.i++] as number;
  }

  next(): number {
    const hi = Math.min(Math.floor(this.float() * 8388608), 8388607);
    return Math.min((hi + this.float()) / 8388608, 1 - 2 ** -47);
  }
}

/** One Poisson(λ) draw for 0 < λ < 10: inversion by sequential search (exact up to float64 rounding). */
function sampleInversion(lam: number, u: UniformSource): number {
  const x = u.next();
  let k = 0;
  let p = Math.exp(-lam);
  let cdf = p;
  while (x > cdf && k < 1000) {
    k += 1;
    p *= lam / k;
    cdf += p;
  }
  return k;
}

/**
 * One Poisson(λ) draw for λ ≥ 10 by Hörmann's transformed rejection with squeeze (PTRS; "The
 * transformed rejection method for generating Poisson random variables", Insurance: Mathematics
 * and Economics 12 (1993) 39–45), the algorithm TFP and numpy use for large rates; exact, about
 * 1.1 iterations per draw. The final test compares with log p(k) in float64 (Loader's form).
 */
function samplePtrs(lam: number, u: UniformSource): number {
  const slam = Math.sqrt(lam);
  const b = 0.931 + 2.53 * slam;
  const a = -0.059 + 0.02483 * b;
  const logInvAlpha = Math.log(1.1239 + 1.1328 / (b - 3.4));
  const vr = 0.9277 - 3.6224 / (b - 2);
  for (;;) {
    const uu = u.next() - 0.5;
    const v = u.next();
    const us = 0.5 - Math.abs(uu);
    const k = Math.floor((2 * a / us + b) * uu + lam + 0.43);
    if (us >= 0.07 && v <= vr) return k;
    if (k < 0 || (us < 0.013 && v > us)) continue;
    if (Math.log(v) + logInvAlpha - Math.log(a / (us * us) + b) <= logPmfF64(k, lam)) return k;
  }
}

/**
 * Poisson(rate | logRate): batch = the parameter's shape, scalar event, float32 counts.
 * `logProb` is exact in float32 for small counts and uses Loader's saddle-point form
 * (−stirlerr(x) − bd0(x, λ) − ½ log 2πx) from x = 10 on, so large counts keep their relative
 * accuracy (x log λ − λ − lgamma(x + 1) loses it to cancellation: at x = λ = 10⁴ the three terms
 * are ~10⁵ and the result −5.8). mean = variance = λ, mode = ⌊λ⌋ (TFP's convention).
 * Sampling: inversion for λ < 10, Hörmann's PTRS for λ ≥ 10 (as TFP), in float64 JavaScript on
 * the seeded stream; not reparameterized.
 *
 * Porting note: TFP's `rate` / `log_rate` properties return the argument as given (or None) and
 * `rate_parameter()` computes it; here the getters `rate` and `logRate` always compute it.
 * TFP defines no entropy and no KL for Poisson; neither does this port.
 *
 * @example
 * const d = new tfp.distributions.Poisson({rate: 2.5});
 * d.logProb(3);   // −1.5428873 (scipy.stats.poisson.logpmf(3, 2.5))
 * d.sample([4], 7);  // four counts, the same for the same seed
 */
export class Poisson extends Distribution {
  readonly className: string = 'Poisson';
  /** Whether logProb is −∞ at non-integer x (default false: the continuous relaxation). */
  readonly forceProbsToZeroOutsideSupport: boolean;
  private readonly kind: 'rate' | 'logRate';
  private readonly param: ParamLike;
  private readonly checkOnRead: boolean;

  constructor(args: PoissonArgs) {
    super(args, 'Poisson', ['rate', 'logRate', 'forceProbsToZeroOutsideSupport']);
    const hasRate = args.rate !== undefined && args.rate !== null;
    const hasLogRate = args.logRate !== undefined && args.logRate !== null;
    if (hasRate === hasLogRate) {
      throw new ValueError(`Poisson: exactly one of rate and logRate must be given; got rate=` +
          `${fmt(args.rate)} and logRate=${fmt(args.logRate)}.`);
    }
    const force = args.forceProbsToZeroOutsideSupport ?? false;
    if (typeof force !== 'boolean') {
      throw new ValueError(`Poisson: forceProbsToZeroOutsideSupport must be a boolean; got ${fmt(force)}.`);
    }
    this.forceProbsToZeroOutsideSupport = force;
    this.kind = hasRate ? 'rate' : 'logRate';
    this.param = (hasRate ? args.rate : args.logRate) as ParamLike;
    checkParam(this.className, this.kind, this.param);
    if (hasRate) checkNonNegative(this.className, 'rate', this.param, this.validateArgs);
    this.checkOnRead = hasRate && this.validateArgs && isMutableParam(this.param);
  }

  /** The given parameter, checked when `validateArgs` and it can change. */
  private given(): tf.Tensor {
    const t = readParam(this.param);
    if (this.checkOnRead) checkNonNegative(this.className, 'rate', t, true);
    return t;
  }

  /** λ: the rate as given, or `exp(logRate)` (re-read on every access). */
  get rate(): tf.Tensor {
    return this.kind === 'rate' ? this.given() : tf.exp(this.given());
  }

  /** log λ: the log-rate as given, or `log(rate)` (re-read on every access). */
  get logRate(): tf.Tensor {
    return this.kind === 'logRate' ? this.given() : tf.log(this.given());
  }

  get batchShape(): number[] {
    return paramShape(this.param);
  }

  get eventShape(): number[] {
    return [];
  }

  /**
   * Counts of shape `sampleShape + batchShape` (float32). Rates are read synchronously; a NaN or
   * negative rate gives NaN, an infinite one +∞.
   */
  sample(sampleShape: SampleShape = [], seed?: number): tf.Tensor {
    const args = this.sampleArgs(sampleShape, seed);
    const batch = this.batchShape;
    // A clone, so that disposing it never disposes the caller's own rate tensor.
    const read = tf.tidy(() => broadcastTo(this.given(), batch).clone());
    const values = read.dataSync();
    read.dispose();
    const m = values.length;
    const n = sizeOf(args.shape) * m;
    const out = new Float32Array(n);
    const u = new UniformSource(new SeedStream(resolveSeed(args.seed), 'Poisson'), Math.max(64, 4 * n));
    for (let i = 0; i < n; i++) {
      const given = values[i % m] as number;
      const lam = this.kind === 'rate' ? given : Math.exp(given);
      if (!(lam >= 0)) out[i] = NaN;
      else if (lam === Infinity) out[i] = Infinity;
      else if (lam === 0) out[i] = 0;
      else out[i] = lam < 10 ? sampleInversion(lam, u) : samplePtrs(lam, u);
    }
    return tf.tensor(out, [...args.shape, ...batch], 'float32');
  }

  /**
   * log p(x): −∞ for x < 0 (and at non-integers when `forceProbsToZeroOutsideSupport`); shape
   * `broadcast(x, batchShape)`. Differentiable in the rate (∂/∂λ = x/λ − 1).
   */
  logProb(x: TensorLike): tf.Tensor {
    return tf.tidy(() => {
      const xt = toTensor(x);
      const batch = this.batchShape;
      try {
        broadcastShapes(xt.shape, batch);
      } catch {
        throw new ValueError(`Poisson: x must broadcast against batchShape ${fmt(batch)}; got shape ${fmt(xt.shape)}.`);
      }
      const shape = broadcastShapes(xt.shape, batch);
      const fit = (t: tf.Tensor): tf.Tensor => broadcastTo(t, shape);
      const lam = fit(this.rate);
      const logLam = fit(this.logRate);
      const xpos = fit(tf.maximum(xt, 0));
      // Small counts: x log λ − λ − lgamma(x + 1), with 0·log 0 = 0 (λ = 0, x = 0 has p = 1).
      const xs = tf.minimum(xpos, LOADER_MIN);
      const prod = tf.mul(xs, logLam);
      const xLogLam = tf.where(tf.greater(xs, 0), prod, tf.zerosLike(prod));
      const small = tf.sub(tf.sub(xLogLam, lam), lgamma1pSmall(xs));
      // Large counts: −stirlerr(x) − bd0(x, λ) − ½ log(2πx).
      const xl = tf.maximum(xpos, LOADER_MIN);
      const large = tf.sub(tf.sub(tf.neg(stirlerrLarge(xl)), bd0(xl, lam)),
          tf.add(tf.mul(0.5, tf.log(xl)), HALF_LOG_2PI));
      const xb = fit(xt);
      const lp = tf.where(tf.less(xb, LOADER_MIN), small, large);
      let outside = tf.less(xb, 0);
      if (this.forceProbsToZeroOutsideSupport) outside = tf.logicalOr(outside, tf.notEqual(xb, tf.floor(xb)));
      return tf.where(outside, tf.fill(shape, -Infinity), lp);
    });
  }

  override mean(): tf.Tensor {
    return tf.tidy(() => tf.add(this.rate, 0));
  }

  override variance(): tf.Tensor {
    return this.mean();
  }

  override stddev(): tf.Tensor {
    return tf.tidy(() => tf.sqrt(this.rate));
  }

  /** ⌊λ⌋ (for an integer λ both λ − 1 and λ are modes; TFP returns the larger, λ). */
  override mode(): tf.Tensor {
    return tf.tidy(() => tf.floor(this.rate));
  }

  /** Not implemented (no closed form; TFP has none either): a `NotImplementedError`. */
  override entropy(): tf.Tensor {
    throw new NotImplementedError('Poisson: entropy is not implemented (it has no closed form; TFP has none either).');
  }
}
