// Poisson: logProb against scipy 1.17's stats.poisson.logpmf (float64, 12 significant digits),
// including large counts; the samplers (inversion for λ < 10, PTRS for λ ≥ 10) by moments and by
// per-count frequencies at 5 standard errors against scipy's pmf; typed errors and seeds.
import * as tf from '@tensorflow/tfjs';
import {describe, expect, it} from 'vitest';

import {klDivergence, Poisson} from '../../src/distributions/index.js';
import {NotImplementedError, ValueError} from '../../src/util/errors.js';

import {expectClose, expectMoments, expectNoLeak, shapeOf, testSeed, values} from './helpers.js';

// [x, λ, scipy.stats.poisson.logpmf(x, λ)]: both logProb regimes (x < 10 direct, x ≥ 10 Loader).
const LOGPMF: Array<[number, number, number]> = [
  [3, 2.5, -1.54288727361], [0, 2.5, -2.5], [1, 0.001, -6.90875527898], [7, 3, -3.83487534039],
  [9, 9.5, -2.04020129262], [10, 12, -2.2553460752], [11, 12, -2.16833469821], [25, 30, -2.97367068143],
  [200, 180, -4.64061701436], [1000, 1000, -4.37289950603], [10000, 10000, -5.52411705253],
  [50000, 49000, -16.4641952181], [3, 1000, -981.068493632],
];

/** Frequencies of the values `ks` in `draws`. */
function frequencies(draws: number[], ks: number[]): number[] {
  return ks.map((k) => draws.filter((v) => v === k).length / draws.length);
}

describe('Poisson', () => {
  it('logProb(3) at rate 2.5 = −1.5428873 (scipy.stats.poisson.logpmf(3, 2.5))', () => {
    expectClose(new Poisson({rate: 2.5}).logProb(3), [-1.54288727361], 1e-6);
    expectClose(new Poisson({rate: 2.5}).prob(3), [Math.exp(-1.54288727361)], 1e-6);
  });

  for (const [x, lam, expected] of LOGPMF) {
    it(`logProb(${x}; λ = ${lam}) = scipy logpmf ${expected} (relative 2e-6)`, () => {
      expectClose(new Poisson({rate: lam}).logProb(x), [expected], 2e-6, 1e-6);
      // From logRate, the float32 rounding of log λ (≤ 6e-8·|log λ|) moves log p by |x − λ| times it.
      const atol = 2e-6 + Math.abs(x - lam) * 1.2e-7 * Math.abs(Math.log(lam));
      expectClose(new Poisson({logRate: Math.log(lam)}).logProb(x), [expected], 2e-6, atol);
    });
  }

  it('logProb: −∞ for x < 0; log p(0; λ = 0) = 0 and log p(2; 0) = −∞; logRate −∞ is λ = 0', () => {
    expect(values(new Poisson({rate: 2}).logProb([-1, -0.5]))).toEqual([-Infinity, -Infinity]);
    expect(values(new Poisson({rate: 0}).logProb([0, 2]))).toEqual([0, -Infinity]);
    expect(values(new Poisson({logRate: -Infinity}).logProb([0, 2]))).toEqual([0, -Infinity]);
  });

  it('non-integer x: the continuous relaxation x log λ − λ − lgamma(x + 1) by default, −∞ when forced (TFP)', () => {
    // scipy: 2.5·log 3 − 3 − gammaln(3.5) and 12.5·log 11 − 11 − gammaln(13.5).
    expectClose(new Poisson({rate: 3}).logProb(2.5), [-1.45444288068], 2e-6);
    expectClose(new Poisson({rate: 11}).logProb(12.5), [-2.28638524627], 2e-6);
    const forced = new Poisson({rate: 3, forceProbsToZeroOutsideSupport: true});
    expect(values(forced.logProb([2.5, 12.5, -1]))).toEqual([-Infinity, -Infinity, -Infinity]);
    expectClose(forced.logProb(3), [Math.log(27 / 6) - 3]);
  });

  it('the pmf sums to 1 over 0 … 60 for λ = 7.3 (both logProb regimes together)', () => {
    const ks = Array.from({length: 61}, (_, k) => k);
    const total = values(tf.tidy(() => tf.sum(new Poisson({rate: 7.3}).prob(ks))))[0] as number;
    expect(Math.abs(total - 1)).toBeLessThan(2e-6);
  });

  it('logProb is differentiable in rate and logRate: ∂/∂λ = x/λ − 1, ∂/∂log λ = x − λ, in both regimes', () => {
    for (const [x, lam] of [[3, 2.5], [40, 30]] as const) {
      const gr = tf.grad((r: tf.Tensor) => new Poisson({rate: r}).logProb(x))(tf.scalar(lam));
      expectClose(gr, [x / lam - 1], 1e-5, 1e-6);
      const gl = tf.grad((l: tf.Tensor) => new Poisson({logRate: l}).logProb(x))(tf.scalar(Math.log(lam)));
      expectClose(gl, [x - lam], 1e-5, 1e-4);
    }
  });

  it('mean = variance = λ, stddev √λ, mode ⌊λ⌋ (TFP), from rate or logRate', () => {
    const d = new Poisson({rate: [0.5, 3, 7.5]});
    expectClose(d.mean(), [0.5, 3, 7.5]);
    expectClose(d.variance(), [0.5, 3, 7.5]);
    expectClose(d.stddev(), [Math.sqrt(0.5), Math.sqrt(3), Math.sqrt(7.5)]);
    expectClose(d.mode(), [0, 3, 7]);
    expectClose(new Poisson({logRate: Math.log(4)}).mean(), [4]);
    expectClose(new Poisson({rate: 4}).logRate, [Math.log(4)]);
  });

  for (const lam of [0.7, 4, 25, 300, 1e6]) {
    it(`sample moments at λ = ${lam} within 5 SE (se(s²) = λ·√((κ − 1)/n), κ = 3 + 1/λ)`, () => {
      const n = 20000;
      const s = new Poisson({rate: lam}).sample([n], testSeed(Math.round(lam)));
      expect(s.shape).toEqual([n]);
      const v = values(s.clone());
      expect(v.every((k) => Number.isInteger(k) && k >= 0)).toBe(true);
      expectMoments(s, [lam], [lam], 5, 3 + 1 / lam);
      s.dispose();
    });
  }

  // Per-count frequencies vs scipy.stats.poisson.pmf, each within 5·√(p(1 − p)/n).
  const FREQ: Array<[string, number, number[], number[]]> = [
    ['inversion, λ = 3', 3, [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10],
      [0.04978706837, 0.1493612051, 0.2240418077, 0.2240418077, 0.1680313557, 0.1008188134, 0.05040940672,
        0.02160403145, 0.008101511795, 0.002700503932, 0.0008101511795]],
    ['inversion, λ = 0.05', 0.05, [0, 1, 2, 3], [0.9512294245, 0.04756147123, 0.001189036781, 1.981727968e-05]],
    ['PTRS, λ = 30', 30, [18, 20, 22, 24, 26, 28, 30, 32, 34, 36, 38, 40, 42],
      [0.005662485561, 0.01341115001, 0.02612561691, 0.04259611452, 0.05897923549, 0.07021337559,
        0.07263452647, 0.0658982599, 0.05285956677, 0.03775683341, 0.02416867003, 0.01394346348, 0.007287524467]],
  ];
  for (const [what, lam, ks, pmf] of FREQ) {
    it(`sampler is exact in distribution (${what}): per-count frequencies within 5 SE of the pmf`, () => {
      const n = 60000;
      const draws = values(new Poisson({rate: lam}).sample([n], testSeed(7)));
      frequencies(draws, ks).forEach((f, i) => {
        const p = pmf[i] as number;
        expect(Math.abs(f - p), `P(X = ${ks[i]}) ≈ ${f} vs ${p}`).toBeLessThanOrEqual(5 * Math.sqrt(p * (1 - p) / n) + 1 / n);
      });
    });
  }

  it('sampling is seeded and reproducible; a batch mixes both samplers; λ = 0 → 0, NaN → NaN', () => {
    const d = new Poisson({rate: tf.tensor1d([0, 2, 50, NaN])});  // a tensor: not value-checked without validateArgs
    const a = values(d.sample([3], 11));
    expect(a).toEqual(values(d.sample([3], 11)));
    expect(values(d.sample([50], 12))).not.toEqual(values(d.sample([50], 13)));
    for (let i = 0; i < 3; i++) {
      expect(a[4 * i]).toBe(0);
      expect(a[4 * i + 3]).toBeNaN();
    }
    expect(values(new Poisson({logRate: [Math.log(2), Math.log(50)]}).sample([2], 11)))
        .toEqual(a.filter((_, i) => i % 4 === 1 || i % 4 === 2).slice(0, 4));
  });

  it('shapes: batch = the parameter shape; sample S+B; logProb broadcast(x, B); moments B', () => {
    const d = new Poisson({rate: tf.ones([2, 3])});
    expect(d.batchShape).toEqual([2, 3]);
    const s = d.sample([4], testSeed());
    expect(s.shape).toEqual([4, 2, 3]);
    expect(shapeOf(d.logProb(s))).toEqual([4, 2, 3]);
    expect(shapeOf(d.logProb(1))).toEqual([2, 3]);
    s.dispose();
    for (const m of [d.mean(), d.variance(), d.mode()]) expect(shapeOf(m)).toEqual([2, 3]);
  });

  it('typed errors: exactly one of rate / logRate; a negative rate; a non-boolean flag; unbroadcastable x', () => {
    expect(() => new Poisson({})).toThrowError(ValueError);
    expect(() => new Poisson({rate: 1, logRate: 0})).toThrowError(/^Poisson: exactly one of rate and logRate must be given; got rate=1 and logRate=0\.$/);
    expect(() => new Poisson({rate: -1})).toThrowError(/^Poisson: rate must be non-negative; got -1\.$/);
    expect(() => new Poisson({rate: [1, -2]})).toThrowError(/rate must be non-negative everywhere; got -2/);
    expect(() => new Poisson({rate: tf.scalar(-1), validateArgs: true})).toThrowError(/rate must be non-negative everywhere; got -1/);
    expect(() => new Poisson({rate: 1, forceProbsToZeroOutsideSupport: 1 as never})).toThrowError(/forceProbsToZeroOutsideSupport must be a boolean; got 1/);
    expect(() => new Poisson({rate: [1, 2]}).logProb([1, 2, 3])).toThrowError(/Poisson: x must broadcast against batchShape \[2\]; got shape \[3\]/);
    expect(() => new Poisson({rate: 1, rat: 2} as never)).toThrowError(/unknown argument "rat" \(did you mean rate\?\)/);
  });

  it('validateArgs re-checks a variable rate on use', () => {
    const rate = tf.variable(tf.scalar(2));
    const d = new Poisson({rate, validateArgs: true});
    rate.assign(tf.scalar(-1));
    expect(() => d.logProb(1)).toThrowError(/^Poisson: rate must be non-negative everywhere; got -1/);
    expect(() => d.sample([2], 1)).toThrowError(/rate must be non-negative/);
    rate.dispose();
  });

  it('entropy and KL are not implemented (TFP has neither)', () => {
    expect(() => new Poisson({rate: 1}).entropy()).toThrowError(NotImplementedError);
    expect(() => klDivergence(new Poisson({rate: 1}), new Poisson({rate: 2}))).toThrowError(/type Poisson and distribution_b type Poisson/);
  });

  it('keeps tf.memory().numTensors flat (and never disposes the caller\'s rate tensor)', () => {
    const rate = tf.tensor1d([1, 20]);
    const d = new Poisson({rate});
    expectNoLeak(() => {
      const s = d.sample([3], 1);
      tf.dispose([s, d.logProb(s), d.mean(), d.mode()]);
    });
    expect(rate.isDisposed).toBe(false);
    rate.dispose();
  });
});
