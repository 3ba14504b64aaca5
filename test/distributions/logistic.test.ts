// Logistic: densities, CDFs and quantiles against scipy 1.17's stats.logistic(1.5, 2) (float64,
// 12 significant digits); moments, entropy, sampling at 5 standard errors, typed errors.
import * as tf from '@tensorflow/tfjs';
import {describe, expect, it} from 'vitest';

import {klDivergence, Logistic} from '../../src/distributions/index.js';
import {NotImplementedError, ValueError} from '../../src/util/errors.js';

import {expectClose, expectMoments, expectNoLeak, shapeOf, testSeed, values} from './helpers.js';

const XS = [-80, -3, 0, 1.5, 4, 60];
// scipy.stats.logistic(loc=1.5, scale=2).logpdf / cdf / logcdf / sf / logsf at XS.
const REF = {
  logProb: [-41.4431471806, -3.14356029839, -2.21688919279, -2.07944154168, -2.44700534325, -29.9431471806],
  cdf: [2.00678045439e-18, 0.0953494648991, 0.320821300825, 0.5, 0.777299861175, 1.0],
  logCdf: [-40.75, -2.35020655892, -1.13687100611, -0.69314718056, -0.251929081345, -1.98100879805e-13],
  survival: [1.0, 0.904650535101, 0.679178699175, 0.5, 0.222700138825, 1.98100879805e-13],
  logSurvival: [-2.00678045439e-18, -0.100206558917, -0.386871006115, -0.69314718056, -1.50192908135, -29.25],
};
const d = (): Logistic => new Logistic({loc: 1.5, scale: 2});

describe('Logistic', () => {
  it('logProb = scipy logistic(1.5, 2).logpdf, finite 40 scales out', () => {
    expectClose(d().logProb(XS), REF.logProb, 1e-6, 1e-6);
  });

  it('cdf, logCdf, survivalFunction, logSurvivalFunction = scipy cdf / logcdf / sf / logsf, tails relative', () => {
    expectClose(d().cdf(XS), REF.cdf, 1e-6, 0);
    expectClose(d().logCdf(XS), REF.logCdf, 1e-6, 0);
    expectClose(d().survivalFunction(XS), REF.survival, 1e-6, 0);
    expectClose(d().logSurvivalFunction(XS), REF.logSurvival, 1e-6, 0);
  });

  it('quantile = scipy logistic(1.5, 2).ppf at the float32 p; ±∞ at 0 / 1; inverts cdf', () => {
    expectClose(d().quantile([0.001, 0.25, 0.5, 0.9, 0.999]),
        [-12.3135094622, -0.697224577336, 1.5, 5.89444862485, 15.3135353324], 1e-6, 1e-6);
    expect(values(d().quantile([0, 1]))).toEqual([-Infinity, Infinity]);
    expectClose(tf.tidy(() => d().cdf(d().quantile([0.01, 0.3, 0.77]))), [0.01, 0.3, 0.77], 1e-6);
  });

  it('mean = mode = loc; variance s²π²/3 = 13.1594725 and entropy log s + 2 = 2.6931472 (scipy)', () => {
    expectClose(d().mean(), [1.5]);
    expectClose(d().mode(), [1.5]);
    expectClose(d().variance(), [13.159472534785811]);
    expectClose(d().stddev(), [Math.sqrt(13.159472534785811)]);
    expectClose(d().entropy(), [2.6931471805599454]);
  });

  it('sample moments within 5 standard errors (variance SE uses the kurtosis 4.2); same seed, same draw', () => {
    const dist = new Logistic({loc: [1.5, -1], scale: [2, 0.5]});
    const n = 20000;
    const s = dist.sample([n], testSeed());
    // se(mean) = sd/√n; se(s²) = σ²·√((κ − 1)/n) with the logistic kurtosis κ = 3 + 6/5.
    expectMoments(s, [1.5, -1], [4 * Math.PI ** 2 / 3, 0.25 * Math.PI ** 2 / 3], 5, 4.2);
    s.dispose();
    expect(values(dist.sample([3], 7))).toEqual(values(dist.sample([3], 7)));
    expect(values(dist.sample([3], 7))).not.toEqual(values(dist.sample([3], 8)));
  });

  it('sample is reparameterized: ∂/∂loc Σ sample = n, ∂/∂scale Σ sample = Σ logit(u)', () => {
    const [gl, gs] = tf.grads((loc: tf.Tensor, scale: tf.Tensor) => tf.sum(new Logistic({loc, scale}).sample([5], 3)))(
        [tf.scalar(0), tf.scalar(1)]);
    expectClose(gl as tf.Tensor, [5]);
    const unit = values(new Logistic({loc: 0, scale: 1}).sample([5], 3)).reduce((a, b) => a + b, 0);
    expectClose(gs as tf.Tensor, [unit], 1e-5, 1e-5);
  });

  it('shapes: batch = broadcast(loc, scale); sample S+B; logProb, cdf S+B; moments and entropy B', () => {
    const dist = new Logistic({loc: tf.zeros([3, 1]), scale: [1, 2]});
    expect(dist.batchShape).toEqual([3, 2]);
    const s = dist.sample([4], testSeed());
    expect(s.shape).toEqual([4, 3, 2]);
    expect(shapeOf(dist.logProb(s))).toEqual([4, 3, 2]);
    expect(shapeOf(dist.cdf(s))).toEqual([4, 3, 2]);
    s.dispose();
    for (const m of [dist.mean(), dist.variance(), dist.entropy(), dist.quantile(0.5)]) expect(shapeOf(m)).toEqual([3, 2]);
  });

  it('refuses a non-positive scale and unbroadcastable shapes, naming the argument and value', () => {
    expect(() => new Logistic({loc: 0, scale: 0})).toThrowError(ValueError);
    expect(() => new Logistic({loc: 0, scale: [1, -2]})).toThrowError(/^Logistic: scale must be positive everywhere; got -2 in \[1,-2\]\.$/);
    expect(() => new Logistic({loc: [1, 2], scale: [1, 2, 3]})).toThrowError(/Logistic: loc and scale must have broadcastable shapes; got \[2\] and \[3\]/);
    expect(() => d().logProb([1, 2])).not.toThrow();
    expect(() => new Logistic({loc: [0, 0], scale: 1}).logProb([1, 2, 3])).toThrowError(/Logistic: x must broadcast/);
  });

  it('validateArgs re-checks a variable scale on use', () => {
    const scale = tf.variable(tf.scalar(1));
    const dist = new Logistic({loc: 0, scale, validateArgs: true});
    scale.assign(tf.scalar(-1));
    expect(() => dist.logProb(0)).toThrowError(/^Logistic: scale must be positive everywhere; got -1/);
    scale.dispose();
  });

  it('has no registered KL (none in TFP): NotImplementedError naming both classes', () => {
    expect(() => klDivergence(d(), d())).toThrowError(NotImplementedError);
    expect(() => klDivergence(d(), d())).toThrowError(/distribution_a type Logistic and distribution_b type Logistic/);
  });

  it('keeps tf.memory().numTensors flat', () => {
    const dist = d();
    expectNoLeak(() => {
      const s = dist.sample([3], 1);
      tf.dispose([s, dist.logProb(s), dist.cdf(s), dist.logCdf(s), dist.logSurvivalFunction(s), dist.quantile(0.3),
        dist.entropy(), dist.variance()]);
    });
  });
});
