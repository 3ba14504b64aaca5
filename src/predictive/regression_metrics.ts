// Host (float64) math of the regression predictive: the error function and normal CDF to float64
// accuracy, the CDF and quantiles of an equal-weight Gaussian mixture, and its closed-form CRPS.
// Used by regression.ts on arrays read from loc, scale [S, N, D] and targets y [N, D].
import {ValueError} from '../util/errors.js';
import {fmt} from '../util/format.js';

// ---- Error function and normal CDF -------------------------------------------------------------
// Absolute error ≤ 6e-16 everywhere; relative ≤ 6e-16 for erf, ≤ 1e-13 for erfc on [0, 26] (the
// rounding of x² inside exp(−x²)). Checked against mpmath (40 digits) in the tests.

/** `c_n = 2ⁿ / (2n+1)!!`, so that erf(x) = (2/√π)·x·e^{−x²}·Σ_n c_n x^{2n} (all terms positive). */
const ERF_SERIES = ((): Float64Array => {
  // 36 terms: at |x| = 2 the last is ~1e-20 of the sum.
  const c = new Float64Array(36);
  c[0] = 1;
  for (let n = 1; n < c.length; n++) c[n] = (c[n - 1]! * 2) / (2 * n + 1);
  return c;
})();

const TWO_OVER_SQRT_PI = 2 / Math.sqrt(Math.PI);
const INV_SQRT_PI = 1 / Math.sqrt(Math.PI);
const INV_SQRT_2PI = 1 / Math.sqrt(2 * Math.PI);

function erfSeries(x: number): number {
  const t = x * x;
  let sum = 0;
  for (let n = ERF_SERIES.length - 1; n >= 0; n--) sum = sum * t + ERF_SERIES[n]!;
  return TWO_OVER_SQRT_PI * x * Math.exp(-t) * sum;
}

/**
 * erfc(x) for x ≥ 2 by Laplace's continued fraction
 * erfc(x) = e^{−x²}/√π · 1/(x + (1/2)/(x + (2/2)/(x + (3/2)/(x + …)))), evaluated bottom-up from a
 * depth of 12 + 200/x² (float64 accuracy for every x ≥ 2).
 */
function erfcContinuedFraction(x: number): number {
  const depth = Math.ceil(12 + 200 / (x * x));
  let f = x;
  for (let k = depth; k >= 1; k--) f = x + (0.5 * k) / f;
  return Math.exp(-x * x) / (Math.sqrt(Math.PI) * f);
}

/** The error function, in float64 (series below |x| = 2, continued fraction above). */
export function erf(x: number): number {
  const a = Math.abs(x);
  if (!(a >= 2)) return erfSeries(x);   // NaN goes here too, and stays NaN
  const r = 1 - erfcContinuedFraction(a);
  return x < 0 ? -r : r;
}

/** The complementary error function 1 − erf(x), in float64, accurate relative to itself for x ≥ 0. */
export function erfc(x: number): number {
  if (x < 0) return 2 - erfc(-x);
  return x < 2 ? 1 - erfSeries(x) : erfcContinuedFraction(x);
}

/** Φ(z), the standard normal CDF, ½·erfc(−z/√2), in float64. */
export function normalCdf(z: number): number {
  return 0.5 * erfc(-z * Math.SQRT1_2);
}

/** Φ⁻¹(p) for p in (0, 1), by bisection of Φ to float64 resolution (once per level: ~60 steps). */
export function normalQuantile(p: number): number {
  let lo = -40;
  let hi = 40;
  for (let it = 0; it < 200; it++) {
    const mid = 0.5 * (lo + hi);
    if (mid <= lo || mid >= hi) break;
    if (normalCdf(mid) < p) lo = mid; else hi = mid;
  }
  return 0.5 * (lo + hi);
}

// ---- The mixture of S Gaussians per (example, output) ------------------------------------------

/** Float64 copies of loc, scale `[S, N, D]` (row-major) and targets `[N, D]`. */
export interface HostMixture {
  loc: Float64Array;
  scale: Float64Array;
  y: Float64Array;
  S: number;
  N: number;
  D: number;
}

/**
 * Refuses non-finite loc or y and scale that is not finite and > 0, naming the entry: a Gaussian
 * component needs σ > 0 (σ = 0 would give ±∞ log densities and a step CDF).
 */
export function checkHostMixture(owner: string, h: HostMixture): void {
  const bad = (name: string, a: Float64Array, positive: boolean, at: (i: number) => number[]): void => {
    for (let i = 0; i < a.length; i++) {
      const v = a[i]!;
      if (!Number.isFinite(v) || (positive && !(v > 0))) {
        throw new ValueError(`${owner}: ${name} must be finite${positive ? ' and > 0' : ''}; got ${fmt(v)} at ` +
            `${fmt(at(i))}.`);
      }
    }
  };
  const sndIndex = (i: number): number[] => [Math.floor(i / (h.N * h.D)), Math.floor(i / h.D) % h.N, i % h.D];
  bad('loc', h.loc, false, sndIndex);
  bad('scale', h.scale, true, sndIndex);
  bad('y', h.y, false, (i) => [Math.floor(i / h.D), i % h.D]);
}

/** The mixture CDF of entry (n, d) at x: `(1/S) Σ_s Φ((x − μ_s)/σ_s)`; its density into `density`. */
export function mixtureCdfAt(h: HostMixture, n: number, d: number, x: number, density?: {value: number}): number {
  const stride = h.N * h.D;
  const k = n * h.D + d;
  let c = 0;
  let f = 0;
  for (let s = 0; s < h.S; s++) {
    const sigma = h.scale[s * stride + k]!;
    const z = (x - h.loc[s * stride + k]!) / sigma;
    c += normalCdf(z);
    if (density !== undefined) f += Math.exp(-0.5 * z * z) / sigma;
  }
  if (density !== undefined) density.value = (f * INV_SQRT_2PI) / h.S;
  return c / h.S;
}

/**
 * Tolerance of {@link mixtureQuantileAt}: it stops when `|F(q) − p| ≤ QUANTILE_TOLERANCE`, or when
 * its bracket is down to a few ulps of q.
 */
export const QUANTILE_TOLERANCE = 1e-12;

/**
 * The p-quantile of entry (n, d), given `zp = Φ⁻¹(p)`: Newton steps on F(q) = p, safeguarded by
 * bisection inside a bracket that provably holds the root (3–6 evaluations of F typically).
 */
export function mixtureQuantileAt(h: HostMixture, n: number, d: number, p: number, zp: number): number {
  const stride = h.N * h.D;
  const k = n * h.D + d;
  // At lo = min_s(μ_s + σ_s·z_p) every component's CDF is ≤ p, so F(lo) ≤ p; likewise F(hi) ≥ p at
  // hi = max_s(…). The start is the quantile of the moment-matched Gaussian.
  let lo = Infinity;
  let hi = -Infinity;
  let mean = 0;
  let second = 0;
  for (let s = 0; s < h.S; s++) {
    const mu = h.loc[s * stride + k]!;
    const sigma = h.scale[s * stride + k]!;
    const q = mu + sigma * zp;
    if (q < lo) lo = q;
    if (q > hi) hi = q;
    mean += mu / h.S;
    second += (mu * mu + sigma * sigma) / h.S;
  }
  if (!(hi > lo)) return lo;   // identical components (S = 1): the Gaussian quantile itself
  // Widen by a hair, so that the round-off of z_p cannot leave the root just outside.
  const margin = 1e-9 * (hi - lo + Math.abs(lo) + Math.abs(hi));
  lo -= margin;
  hi += margin;
  let x = Math.min(hi, Math.max(lo, mean + Math.sqrt(Math.max(0, second - mean * mean)) * zp));
  const density = {value: 0};
  for (let it = 0; it < 200; it++) {
    const g = mixtureCdfAt(h, n, d, x, density) - p;
    if (Math.abs(g) <= QUANTILE_TOLERANCE) break;
    if (g < 0) lo = x; else hi = x;
    if (hi - lo <= 4 * Number.EPSILON * Math.max(Math.abs(lo), Math.abs(hi))) break;
    const next = x - g / density.value;   // a zero density gives ±∞ or NaN: bisect instead
    x = next > lo && next < hi ? next : 0.5 * (lo + hi);
  }
  return x;
}

/** `E|X|` for `X ~ N(μ, σ²)`: `μ·erf(μ/(σ√2)) + 2σφ(μ/σ)`, the same as μ(2Φ(μ/σ) − 1) + 2σφ(μ/σ). */
function absMoment(mu: number, sigma: number): number {
  const z = mu / sigma;
  return mu * erf(z * Math.SQRT1_2) + 2 * sigma * INV_SQRT_2PI * Math.exp(-0.5 * z * z);
}

/**
 * The CRPS of entry (n, d) at its target: `Σ_i w_i E|X_i − y| − ½ Σ_ij w_i w_j E|X_i − X_j|`
 * with w = 1/S and X_i − X_j ~ N(μ_i − μ_j, σ_i² + σ_j²). The diagonal i = j is E|N(0, 2σ_i²)| =
 * 2σ_i/√π, and each pair i < j counts twice: S(S+1)/2 error functions.
 */
export function crpsAt(h: HostMixture, n: number, d: number): number {
  const stride = h.N * h.D;
  const k = n * h.D + d;
  const y = h.y[k]!;
  let first = 0;
  let diagonal = 0;
  let pairs = 0;
  for (let i = 0; i < h.S; i++) {
    const mi = h.loc[i * stride + k]!;
    const si = h.scale[i * stride + k]!;
    first += absMoment(mi - y, si);
    diagonal += 2 * si * INV_SQRT_PI;
    for (let j = i + 1; j < h.S; j++) {
      const sj = h.scale[j * stride + k]!;
      pairs += absMoment(mi - h.loc[j * stride + k]!, Math.sqrt(si * si + sj * sj));
    }
  }
  return first / h.S - (diagonal + 2 * pairs) / (2 * h.S * h.S);
}
