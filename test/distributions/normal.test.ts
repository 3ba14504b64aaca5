// Normal: the KL table and entropies of ORACLES.md §2, shapes (DISTRIBUTIONS.md §1), moments.
import * as tf from '@tensorflow/tfjs';
import {describe, expect, it} from 'vitest';

import {MultivariateNormalDiag, Normal, klDivergence} from '../../src/distributions/index.js';
import {ValueError} from '../../src/util/errors.js';

import {expectClose, expectMoments, expectNoLeak, shapeOf, testSeed, values} from './helpers.js';

describe('Normal', () => {
  it('KL(N(0.5,0.5) ‖ N(0,1)) = ln2 − ¼ (ORACLES §2)', () => {
    const kl = klDivergence(new Normal({loc: 0.5, scale: 0.5}), new Normal({loc: 0, scale: 1}));
    expect(kl.dataSync()[0]).toBeCloseTo(0.4431471806, 6);
    kl.dispose();
  });

  for (const [q, p, expected] of [
    [[1, 2], [0, 1], 1.3068528194],
    [[0, 1], [1, 2], 0.4431471806],
    [[0, 1], [0, 1], 0],
  ] as Array<[[number, number], [number, number], number]>) {
    it(`KL(N(${q}) ‖ N(${p})) = ${expected} (ORACLES §2)`, () => {
      const kl = klDivergence(new Normal({loc: q[0], scale: q[1]}), new Normal({loc: p[0], scale: p[1]}));
      expectClose(kl, [expected]);
    });
  }

  it('KL(N(0,1) ‖ N(0,1)) is exactly 0', () => {
    expect(values(klDivergence(new Normal({loc: 0, scale: 1}), new Normal({loc: 0, scale: 1})))).toEqual([0]);
  });

  it('KL is accurate when σq ≈ σp (expm1 form): σq = 1 + 1e-4 vs 1 gives ≈ (1e-4)²', () => {
    // log(σp/σq) + σq²/(2σp²) − ½ = δ² − … for σq = 1 + δ; exact value 9.9990e-9 (float64).
    const kl = values(klDivergence(new Normal({loc: 0, scale: 1 + 1e-4}), new Normal({loc: 0, scale: 1})))[0] as number;
    expect(Math.abs(kl - 9.999e-9)).toBeLessThan(2e-9);
  });

  it('entropy N(·,1) = 1.4189385332 and N(·,0.5) = 0.7257913526 (ORACLES §2)', () => {
    expectClose(new Normal({loc: [3, -1], scale: [1, 0.5]}).entropy(), [1.4189385332, 0.7257913526]);
  });

  it('shapes: batch = broadcast(loc, scale); sample S+B; logProb S+B; moments B; entropy B', () => {
    const d = new Normal({loc: tf.zeros([3, 1]), scale: [1, 2]});
    expect(d.batchShape).toEqual([3, 2]);
    expect(d.eventShape).toEqual([]);
    const s = d.sample([4, 5], testSeed());
    expect(s.shape).toEqual([4, 5, 3, 2]);
    expect(shapeOf(d.logProb(s))).toEqual([4, 5, 3, 2]);
    s.dispose();
    for (const m of [d.mean(), d.stddev(), d.variance(), d.mode(), d.entropy()]) expect(shapeOf(m)).toEqual([3, 2]);
  });

  it('sample moments within 5 standard errors; the same seed gives the same draw', () => {
    const d = new Normal({loc: [1, -2], scale: [0.5, 3]});
    const s = d.sample([20000], testSeed());
    expectMoments(s, [1, -2], [0.25, 9], 5);
    s.dispose();
    expect(values(d.sample([4], 7))).toEqual(values(d.sample([4], 7)));
    expect(values(d.sample([4], 7))).not.toEqual(values(d.sample([4], 8)));
  });

  it('refuses a non-positive number scale, naming the argument and value', () => {
    expect(() => new Normal({loc: 0, scale: -1})).toThrowError(ValueError);
    expect(() => new Normal({loc: 0, scale: 0})).toThrowError(/scale.*got 0/);
    expect(() => new Normal({loc: 0, scale: [1, -3]})).toThrowError(/scale.*got -3/);
  });

  it('keeps tf.memory().numTensors flat over sample / logProb / KL', () => {
    const q = new Normal({loc: [0.1, 0.2], scale: 0.5});
    const p = new Normal({loc: 0, scale: 1});
    expectNoLeak(() => {
      const s = q.sample([3], 1);
      tf.dispose([s, q.logProb(s), klDivergence(q, p), q.entropy(), q.variance()]);
    });
  });

  // scipy 1.17: stats.norm(2, 3).cdf / logcdf / sf / logsf at XS (float64, 12 significant digits).
  const XS = [-58, -10, 0, 2, 5, 11];
  const N23 = {
    cdf: [2.75362411861e-89, 3.16712418331e-05, 0.252492537547, 0.5, 0.841344746069, 0.998650101968],
    logCdf: [-203.917155371, -10.3601014865, -1.37637358497, -0.69314718056, -0.172753779023, -0.00135080996475],
    survival: [1.0, 0.999968328758, 0.747507462453, 0.5, 0.158655253931, 0.00134989803163],
    logSurvival: [-2.75362411861e-89, -3.16717433775e-05, -0.291010990552, -0.69314718056, -1.84102164501, -6.60772622151],
  };
  const n23 = (): Normal => new Normal({loc: 2, scale: 3});

  it('cdf = scipy norm(2, 3).cdf, relative 1e-6 (2.75e-89 underflows float32 to 0)', () => {
    expectClose(n23().cdf(XS.slice(1)), N23.cdf.slice(1), 1e-6, 0);
    expect(values(n23().cdf(-58))).toEqual([0]);
  });

  it('logCdf = scipy norm(2, 3).logcdf, relative 1e-6; logCdf at z = −20 is finite (−203.91715537)', () => {
    expectClose(n23().logCdf(XS), N23.logCdf, 1e-6, 0);
    expectClose(new Normal({loc: 0, scale: 1}).logCdf(-20), [-203.9171553710973], 1e-6, 0);
  });

  it('survivalFunction and logSurvivalFunction = scipy norm(2, 3).sf / logsf (upper tail relative)', () => {
    expectClose(n23().survivalFunction(XS), N23.survival, 1e-6, 0);
    // logsf(−58) = −2.75e-89 is below float32's range: it reads −0 / 0.
    expectClose(n23().logSurvivalFunction(XS.slice(1)), N23.logSurvival.slice(1), 1e-6, 0);
  });

  it('quantile = scipy norm(2, 3).ppf at the float32 p (norm.ppf(0.975) = 1.959963984540054 for N(0, 1))', () => {
    expectClose(n23().quantile([0.001, 0.5, 0.975]), [-7.27069687618, 2.0, 7.87989317743], 1e-6, 1e-6);
    expectClose(new Normal({loc: 0, scale: 1}).quantile(0.975), [1.959963984540054], 1e-6, 0);
    expect(values(n23().quantile([0, 1]))).toEqual([-Infinity, Infinity]);
  });

  it('quantile inverts cdf: cdf(quantile(p)) = p', () => {
    const d = new Normal({loc: [-1, 4], scale: [0.5, 2]});
    expectClose(tf.tidy(() => d.cdf(d.quantile([[0.1, 0.7], [0.25, 0.99]]))), [0.1, 0.7, 0.25, 0.99], 2e-6);
  });

  it('the gradient of logCdf is finite in the tail: ∂/∂x log Φ(x) at −20 = φ/Φ = 20.0497531 (scipy)', () => {
    const g = tf.grad((x: tf.Tensor) => new Normal({loc: 0, scale: 1}).logCdf(x))(tf.scalar(-20));
    expectClose(g, [20.049753068528293], 2e-6, 0);
    // ∂/∂loc and ∂/∂scale of log Φ((x − μ)/σ) at z = −20 (σ = 1): −φ/Φ and −z·φ/Φ = +20·φ/Φ.
    const [gl, gs] = tf.grads((loc: tf.Tensor, scale: tf.Tensor) => new Normal({loc, scale}).logCdf(-20))(
        [tf.scalar(0), tf.scalar(1)]);
    expectClose(gl as tf.Tensor, [-20.049753068528293], 2e-6, 0);
    expectClose(gs as tf.Tensor, [20 * 20.049753068528293], 2e-6, 0);
  });

  it('cdf family shapes are broadcast(x, batchShape); a non-broadcastable x is a ValueError', () => {
    const d = new Normal({loc: tf.zeros([3, 1]), scale: [1, 2]});
    for (const f of [d.cdf(0), d.logCdf([0, 1]), d.survivalFunction(tf.zeros([4, 1, 1])), d.logSurvivalFunction(0),
      d.quantile(0.3)]) {
      expect(f.shape.slice(-2)).toEqual([3, 2]);
      f.dispose();
    }
    expect(() => d.cdf([1, 2, 3])).toThrowError(/Normal: x must broadcast against batchShape \[3,2\]; got shape \[3\]/);
    expect(() => d.quantile([0.1, 0.2, 0.3])).toThrowError(/Normal: p must broadcast/);
  });

  it('paramShapes / paramStaticShapes give both parameters the sample shape (TFP param_shapes)', () => {
    expect(Normal.paramShapes([2, 3])).toEqual({loc: [2, 3], scale: [2, 3]});
    expect(Normal.paramStaticShapes(4)).toEqual({loc: [4], scale: [4]});
    expect(() => Normal.paramShapes([-1])).toThrowError(/Normal: sampleShape must be/);
  });

  it('keeps tf.memory().numTensors flat over the cdf family and its gradient', () => {
    const d = new Normal({loc: [0.1, 0.2], scale: 0.5});
    const x = tf.tensor1d([-30, 1]);
    expectNoLeak(() => {
      tf.dispose([d.cdf(0), d.logCdf(-3), d.survivalFunction(1), d.logSurvivalFunction(2), d.quantile(0.2),
        tf.grad((v: tf.Tensor) => tf.sum(d.logCdf(v)))(x)]);
    });
    x.dispose();
  });
});

describe('validateArgs re-checks a variable or deferred scale on use (TFP asserts variables on use)', () => {
  it('Normal: a variable scale assigned −1 after construction is refused by sample, logProb, entropy, cdf and KL', () => {
    const scale = tf.variable(tf.scalar(1));
    const d = new Normal({loc: 0, scale, validateArgs: true});
    tf.dispose(d.sample([2], 1));
    scale.assign(tf.scalar(-1));
    const re = /^Normal: scale must be positive everywhere; got -1 in Tensor\[\] float32\.$/;
    expect(() => d.sample([2], 1)).toThrowError(ValueError);
    expect(() => d.sample([2], 1)).toThrowError(re);
    expect(() => d.logProb(0)).toThrowError(re);
    expect(() => d.entropy()).toThrowError(re);
    expect(() => d.cdf(0)).toThrowError(re);
    expect(() => klDivergence(d, new Normal({loc: 0, scale: 1}))).toThrowError(re);
    scale.assign(tf.scalar(2));
    expectClose(d.stddev(), [2]);
    scale.dispose();
  });

  it('Normal: a deferred scale is checked when read, not at construction; without validateArgs nothing is checked', () => {
    const d = new Normal({loc: 0, scale: () => tf.scalar(-3), validateArgs: true});
    expect(() => d.logProb(0)).toThrowError(/Normal: scale must be positive everywhere; got -3/);
    const lax = new Normal({loc: 0, scale: () => tf.scalar(-3)});
    expect(() => tf.dispose(lax.logProb(0))).not.toThrow();
  });

  it('Normal: a variable that stays valid costs nothing but the check (same values, no leak)', () => {
    const scale = tf.variable(tf.tensor1d([1, 2]));
    const d = new Normal({loc: 0, scale, validateArgs: true});
    expectClose(d.logProb([0, 0]), [-0.9189385332, -0.9189385332 - Math.log(2)]);
    expectNoLeak(() => tf.dispose([d.logProb(0), d.sample([2], 3)]));
    scale.dispose();
  });

  it('MultivariateNormalDiag: a variable scaleDiag assigned 0 is refused on use; a negative one is valid', () => {
    const scaleDiag = tf.variable(tf.tensor1d([1, 2]));
    const d = new MultivariateNormalDiag({loc: [0, 0], scaleDiag, validateArgs: true});
    scaleDiag.assign(tf.tensor1d([1, -2]));
    expectClose(d.stddev(), [1, 2]);
    scaleDiag.assign(tf.tensor1d([0, 2]));
    const re = /^MultivariateNormalDiag: scaleDiag must be positive or negative \(non-zero\) everywhere; got 0 in Tensor\[2\] float32\.$/;
    expect(() => d.sample([1], 1)).toThrowError(re);
    expect(() => d.logProb([0, 0])).toThrowError(re);
    expect(() => d.entropy()).toThrowError(re);
    scaleDiag.dispose();
  });
});

describe('MultivariateNormalDiag.covariance', () => {
  it('is diag(scaleDiag²) with shape batch + [K, K]', () => {
    const d = new MultivariateNormalDiag({loc: tf.zeros([2, 3]), scaleDiag: [1, 2, 0.5]});
    const c = d.covariance();
    expect(c.shape).toEqual([2, 3, 3]);
    expectClose(c, [1, 0, 0, 0, 4, 0, 0, 0, 0.25, 1, 0, 0, 0, 4, 0, 0, 0, 0.25]);
  });
});
