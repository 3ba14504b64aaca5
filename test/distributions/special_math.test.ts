// Φ, log Φ and Φ⁻¹ in float32 against scipy 1.17 (float64): scipy.special.ndtr / log_ndtr / ndtri,
// printed to 10–12 significant digits; gradients against the inverse Mills ratio φ/Φ and 1/φ.
import * as tf from '@tensorflow/tfjs';
import {describe, expect, it} from 'vitest';

import {logNdtr, ndtr, ndtri} from '../../src/distributions/special_math.js';

import {expectClose, values} from './helpers.js';

// scipy.special.ndtr / log_ndtr at XS; MILLS = exp(norm.logpdf(x) − norm.logcdf(x)).
const XS = [-37.5, -20, -13, -10, -7, -5, -3, -1, -0.3, 0, 0.3, 1, 3, 5, 8];
const NDTR = [4.60535301e-308, 2.753624119e-89, 6.1171644e-39, 7.619853024e-24, 1.279812544e-12,
  2.866515719e-07, 0.001349898032, 0.1586552539, 0.3820885778, 0.5, 0.6179114222, 0.8413447461,
  0.998650102, 0.9999997133, 1.0];
const LOG_NDTR = [-707.668989318, -203.917155371, -87.989719971, -53.2312851505, -27.3843074988,
  -15.064998394, -6.60772622151, -1.84102164501, -0.962102818169, -0.69314718056, -0.481410161588,
  -0.172753779023, -0.00135080996475, -2.86651612964e-07, -6.22096057427e-16];
const MILLS = [37.52662887, 20.04975307, 13.07603856, 10.09809323, 7.137545613, 5.186503967,
  3.283098655, 1.525135276, 0.9981659689, 0.7978845608, 0.6172208536, 0.2875999709,
  0.004437839042, 1.486719941e-06, 5.052271084e-15];
// scipy.special.ndtri at the float32 roundings of these p (so the reference is for the actual input).
const PS = [1e-37, 1e-30, 1e-10, 1e-4, 0.02, 0.025, 0.1, 0.3, 0.5, 0.7, 0.9, 0.975, 0.999, 0.9999];
const NDTRI = [-12.78455667, -11.46402469, -6.3613409, -3.719016492, -2.05374892, -1.959963978,
  -1.281551557, -0.5244004784, 0.0, 0.5244004784, 1.28155143, 1.959964392, 3.09023613, 3.718974569];

describe('ndtr', () => {
  it('matches scipy.special.ndtr to 1e-6 relative where float32 holds Φ as a normal number (x ≥ −10)', () => {
    const keep = XS.map((x, i) => [x, NDTR[i] as number] as const).filter(([x]) => x >= -10);
    expectClose(ndtr(tf.tensor1d(keep.map(([x]) => x))), keep.map(([, v]) => v), 1e-6, 0);
  });

  it('underflows to 0 (not NaN) far in the tail and is 1 at +∞, 0 at −∞, NaN at NaN', () => {
    const v = values(ndtr(tf.tensor1d([-37.5, -Infinity, Infinity, NaN])));
    expect(v.slice(0, 3)).toEqual([0, 0, 1]);
    expect(v[3]).toBeNaN();
  });

  it('its gradient is the density φ(x) (custom gradient, exact)', () => {
    const xs = [-10, -3, -0.3, 0, 1, 5];
    const g = tf.grad((x: tf.Tensor) => tf.sum(ndtr(x)))(tf.tensor1d(xs));
    expectClose(g, xs.map((x) => Math.exp(-0.5 * x * x) / Math.sqrt(2 * Math.PI)), 1e-6, 1e-30);
  });
});

describe('logNdtr', () => {
  it('matches scipy.special.log_ndtr to 1e-6 relative on the whole grid, finite down to x = −37.5', () => {
    // For x > 0 log Φ is tiny; compare those with a relative tolerance too (log1p(−Φ(−x))).
    expectClose(logNdtr(tf.tensor1d(XS)), LOG_NDTR, 1e-6, 0);
  });

  it('log Φ(−20) = −203.91715537 (scipy norm.logcdf(−20)) is finite', () => {
    const v = values(logNdtr(tf.scalar(-20)))[0] as number;
    expect(Number.isFinite(v)).toBe(true);
    expect(Math.abs(v - -203.9171553710973)).toBeLessThan(1e-4);
  });

  it('is −∞ at −∞, 0 at +∞ and NaN at NaN', () => {
    const v = values(logNdtr(tf.tensor1d([-Infinity, Infinity, NaN])));
    expect(v[0]).toBe(-Infinity);
    expect(v[1] === 0).toBe(true);  // log1p(−0) is −0
    expect(v[2]).toBeNaN();
  });

  it('its gradient is the inverse Mills ratio φ(x)/Φ(x): finite and accurate in both tails', () => {
    const g = tf.grad((x: tf.Tensor) => tf.sum(logNdtr(x)))(tf.tensor1d(XS));
    expectClose(g, MILLS, 2e-6, 0);
  });
});

describe('ndtri', () => {
  it('matches scipy.special.ndtri to 1e-6 relative from p = 1e-37 to 0.9999 (and is 0 at ½)', () => {
    expectClose(ndtri(tf.tensor1d(PS)), NDTRI, 1e-6, 1e-7);
  });

  it('norm.ppf(0.975) = 1.959963984540054 to float32 input rounding (≤ 2e-7 relative of p)', () => {
    const v = values(ndtri(tf.scalar(0.975)))[0] as number;
    expect(Math.abs(v - 1.959963984540054)).toBeLessThan(1e-6);
  });

  it('is −∞ at 0, +∞ at 1 and NaN outside [0, 1]', () => {
    const v = values(ndtri(tf.tensor1d([0, 1, -0.1, 1.5, NaN])));
    expect(v.slice(0, 2)).toEqual([-Infinity, Infinity]);
    for (const u of v.slice(2)) expect(u).toBeNaN();
  });

  // Both checks below amplify a relative error δ of x = Φ⁻¹(p) by ≈ max(1, x²) (the condition
  // number of Φ and of exp(x²/2) at x), so their tolerance is 1e-6·max(1, x²).
  it('inverts ndtr: ndtr(ndtri(p)) = p to 1e-6·max(1, x²) relative over 1e-30 … 1 − 1e-4', () => {
    const ps = [1e-30, 1e-8, 0.01, 0.2, 0.5, 0.8, 0.99, 0.9999];
    const v = values(tf.tidy(() => ndtr(ndtri(tf.tensor1d(ps)))));
    ps.forEach((p, i) => {
      const x = values(tf.tidy(() => ndtri(tf.scalar(p))))[0] as number;
      // In the upper half compare 1 − p, which is what float32 resolves there.
      const [a, e] = p > 0.5 ? [1 - (v[i] as number), 1 - p] : [v[i] as number, p];
      expect(Math.abs(a - e) / e, `p = ${p}`).toBeLessThanOrEqual(1e-6 * Math.max(1, x * x) + 6e-8 / e);
    });
  });

  it('its gradient is 1/φ(Φ⁻¹(p)) (tolerance 1e-6·max(1, x²) relative)', () => {
    const g = values(tf.grad((p: tf.Tensor) => tf.sum(ndtri(p)))(tf.tensor1d(PS.slice(2))));
    NDTRI.slice(2).forEach((x, i) => {
      const e = Math.sqrt(2 * Math.PI) * Math.exp(0.5 * x * x);
      expect(Math.abs((g[i] as number) - e) / e, `x = ${x}`).toBeLessThanOrEqual(1e-6 * Math.max(1, x * x));
    });
  });
});
