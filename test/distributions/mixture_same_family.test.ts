// MixtureSameFamily: the spike-and-slab prior of ORACLES.md §8 (logProb, variance, MC KL terms),
// stable logsumexp, moments by the law of total variance, sampling, shapes, and the missing KL.
import * as tf from '@tensorflow/tfjs';
import {describe, expect, it} from 'vitest';

import {
  Categorical, Independent, klDivergence, MixtureSameFamily, MultivariateNormalDiag, Normal, Sample,
} from '../../src/distributions/index.js';
import {NotImplementedError, ValueError} from '../../src/util/errors.js';

import {expectClose, expectMoments, expectNoLeak, scalar, shapeOf, testSeed, values} from './helpers.js';

function spikeAndSlab(): MixtureSameFamily {
  return new MixtureSameFamily({
    mixtureDistribution: new Categorical({probs: [0.5, 0.5]}),
    componentsDistribution: new Normal({loc: 0, scale: [1, 2000]}),
  });
}

describe('MixtureSameFamily', () => {
  it('spike-and-slab log p(w) at w = 0, 1, 3, 10 (ORACLES §8)', () => {
    const w = spikeAndSlab();
    expect(w.batchShape).toEqual([]);
    expect(w.eventShape).toEqual([]);
    expectClose(w.logProb([0, 1, 3, 10]), [-1.6115858, -2.1112617, -6.0680607, -9.2130007]);
  });

  it('spike-and-slab mean 0, variance Σ π s² = 2000000.5, stddev 1414.2137 (ORACLES §1, §8)', () => {
    const w = spikeAndSlab();
    expectClose(w.mean(), [0]);
    expectClose(w.variance(), [2000000.5]);
    expectClose(w.stddev(), [1414.2137]);
  });

  it('MC KL terms at w = 0.12 for q = N(0.1, 0.01): 3.3050139 vs spike-and-slab, 2.6123702 vs N(0,1) (ORACLES §8)', () => {
    const q = new Normal({loc: 0.1, scale: 0.01});
    const term = (p: {logProb(x: number): tf.Tensor}): number =>
      scalar(tf.tidy(() => tf.sub(q.logProb(0.12), p.logProb(0.12))));
    expect(Math.abs(term(spikeAndSlab()) - 3.3050139)).toBeLessThan(1e-5 * 3.3050139 + 1e-6);
    expect(Math.abs(term(new Normal({loc: 0, scale: 1})) - 2.6123702)).toBeLessThan(1e-5 * 2.6123702 + 1e-6);
  });

  it('logProb is a stable logsumexp: two N(0,1) components at x = 100 give log N(100; 0, 1) = −5000.9189385', () => {
    const d = new MixtureSameFamily({
      mixtureDistribution: new Categorical({logits: [0, 0]}),
      componentsDistribution: new Normal({loc: [0, 0], scale: 1}),
    });
    expectClose(d.logProb(100), [-5000.9189385]);
  });

  it('moments follow the law of total variance: π = [0.3, 0.7], N(−2, 1), N(3, 0.5) → mean 1.5, variance 5.725', () => {
    const d = new MixtureSameFamily({
      mixtureDistribution: new Categorical({probs: [0.3, 0.7]}),
      componentsDistribution: new Normal({loc: [-2, 3], scale: [1, 0.5]}),
    });
    expectClose(d.mean(), [1.5]);
    expectClose(d.variance(), [5.725]);
  });

  it('sample moments within 5 standard errors (mean 1.5, variance 5.725, kurtosis 2.258); seeded', () => {
    const d = new MixtureSameFamily({
      mixtureDistribution: new Categorical({probs: [0.3, 0.7]}),
      componentsDistribution: new Normal({loc: [-2, 3], scale: [1, 0.5]}),
    });
    // Fourth central moment by components: E[(X−μ)⁴ | k] = d⁴ + 6d²σ² + 3σ⁴ with d = μ_k − 1.5.
    const m4 = 0.3 * (3.5 ** 4 + 6 * 3.5 ** 2 * 1 + 3) + 0.7 * (1.5 ** 4 + 6 * 1.5 ** 2 * 0.25 + 3 * 0.0625);
    const n = 20000;
    const s = d.sample([n], testSeed());
    expect(s.shape).toEqual([n]);
    expectMoments(s.reshape([n, 1]), [1.5], [5.725], 5, m4 / 5.725 ** 2);
    s.dispose();
    expect(values(d.sample([6], 11))).toEqual(values(d.sample([6], 11)));
    expect(d.reparameterized).toBe(false);
  });

  it('shapes with batch [3] and MVNDiag components (event [4]): sample [5,3,4], logProb [5,3], mean [3,4]', () => {
    const d = new MixtureSameFamily({
      mixtureDistribution: new Categorical({logits: tf.zeros([3, 2])}),
      componentsDistribution: new MultivariateNormalDiag({loc: tf.zeros([3, 2, 4]), scaleDiag: 1}),
    });
    expect(d.batchShape).toEqual([3]);
    expect(d.eventShape).toEqual([4]);
    const s = d.sample([5], testSeed());
    expect(s.shape).toEqual([5, 3, 4]);
    expect(shapeOf(d.logProb(s))).toEqual([5, 3]);
    s.dispose();
    expect(shapeOf(d.mean())).toEqual([3, 4]);
    expect(shapeOf(d.variance())).toEqual([3, 4]);
    // Both components are N(0, I₄): the mixture's log-density at 0 is 4·(−½ log 2π).
    expectClose(d.logProb(tf.zeros([4])), [-3.6757541, -3.6757541, -3.6757541]);
  });

  it('refuses components whose last batch dim is not the number of mixture components', () => {
    expect(() => new MixtureSameFamily({
      mixtureDistribution: new Categorical({probs: [0.5, 0.5]}),
      componentsDistribution: new Normal({loc: 0, scale: [1, 2, 3]}),
    })).toThrowError(ValueError);
    expect(() => new MixtureSameFamily({
      mixtureDistribution: new Categorical({probs: [0.5, 0.5]}),
      componentsDistribution: new Normal({loc: 0, scale: [1, 2, 3]}),
    })).toThrowError(/componentsDistribution\.batchShape.*2.*got \[3\]/);
  });

  it('no KL rule targets a mixture: NotImplementedError naming both classes', () => {
    const q = new Normal({loc: 0, scale: 1});
    expect(() => klDivergence(q, spikeAndSlab())).toThrowError(NotImplementedError);
    expect(() => klDivergence(q, spikeAndSlab())).toThrowError(/Normal.*MixtureSameFamily/);
    // The nn default pair: Independent(Normal) ‖ Sample(spike-and-slab) (DISTRIBUTIONS.md §3).
    const post = new Independent({distribution: new Normal({loc: [0, 0], scale: 1}), reinterpretedBatchNdims: 1});
    const prior = new Sample({distribution: spikeAndSlab(), sampleShape: [2]});
    expect(() => klDivergence(post, prior)).toThrowError(/Independent.*Sample/);
    const inner = new Sample({distribution: spikeAndSlab(), sampleShape: [2]});
    expect(() => klDivergence(new Sample({distribution: q, sampleShape: [2]}), inner))
        .toThrowError(/Normal.*MixtureSameFamily/);
  });

  it('keeps tf.memory().numTensors flat', () => {
    const w = spikeAndSlab();
    expectNoLeak(() => {
      const s = w.sample([4], 3);
      tf.dispose([s, w.logProb(s), w.mean(), w.variance(), w.stddev()]);
    });
  });

  it('sample aligns batch axes of different ranks past the sample axes (mixture [] vs components [3, 2], and [2] vs [2])', () => {
    const a = new MixtureSameFamily({mixtureDistribution: new Categorical({probs: [0.5, 0.5]}),
      componentsDistribution: new Normal({loc: tf.zeros([3, 2]), scale: 1})});
    expect(a.batchShape).toEqual([3]);
    expect(shapeOf(a.sample([5], 1))).toEqual([5, 3]);
    // Mixture batch [4] over components of batch [2] (the components broadcast along it).
    const b = new MixtureSameFamily({mixtureDistribution: new Categorical({logits: tf.zeros([4, 2])}),
      componentsDistribution: new Normal({loc: [-10, 10], scale: 0.1})});
    expect(b.batchShape).toEqual([4]);
    const s = values(b.sample([5], 2));
    expect(s.length).toBe(20);
    expect(s.every((v) => Math.abs(Math.abs(v) - 10) < 1)).toBe(true);
  });
});
