// JointDistributionSequential over independent parts: list-valued sample / logProb,
// sampleDistributions, part-wise KL (DISTRIBUTIONS.md §2–3).
import * as tf from '@tensorflow/tfjs';
import {describe, expect, it} from 'vitest';

import {
  Categorical, Independent, JointDistributionSequential, klDivergence, MixtureSameFamily, Normal, Sample,
} from '../../src/distributions/index.js';
import type {Distribution} from '../../src/distributions/index.js';
import {NotImplementedError, ValueError} from '../../src/util/errors.js';

import {expectClose, expectNoLeak, scalar, testSeed, values} from './helpers.js';

const HALF_LOG_TWO_PI = 0.9189385332;

function kernelBias(kLoc: number, kScale: number, bLoc: number, bScale: number): JointDistributionSequential {
  return new JointDistributionSequential({model: [
    new Independent({distribution: new Normal({loc: tf.fill([2, 3], kLoc), scale: kScale}), reinterpretedBatchNdims: 2}),
    new Independent({distribution: new Normal({loc: tf.fill([3], bLoc), scale: bScale}), reinterpretedBatchNdims: 1}),
  ]});
}

describe('JointDistributionSequential', () => {
  it('sample() → [kernel [2,3], bias [3]]; sample([4]) prepends 4 to each; the same seed gives the same draw', () => {
    const jd = kernelBias(0, 1, 0, 1);
    const [k, b] = jd.sample([], testSeed());
    expect(k?.shape).toEqual([2, 3]);
    expect(b?.shape).toEqual([3]);
    tf.dispose([k as tf.Tensor, b as tf.Tensor]);
    const s = jd.sample([4], 5);
    expect(s.map((t) => t.shape)).toEqual([[4, 2, 3], [4, 3]]);
    const again = jd.sample([4], 5);
    expect(values(s[0] as tf.Tensor)).toEqual(values(again[0] as tf.Tensor));
    expect(values(s[1] as tf.Tensor)).toEqual(values(again[1] as tf.Tensor));
    expect(jd.eventShapeParts).toEqual([[2, 3], [3]]);
    expect(jd.batchShapeParts).toEqual([[], []]);
    expect(jd.dtypeParts).toEqual(['float32', 'float32']);
    expect(jd.reparameterized).toBe(true);
  });

  it('logProb([x1, x2]) = logProb1(x1) + logProb2(x2); entropy = Σ entropies', () => {
    const jd = kernelBias(0.5, 2, -1, 0.5);
    const lp = scalar(jd.logProb([tf.fill([2, 3], 0.5), tf.fill([3], -1)]));
    expect(lp).toBeCloseTo(-9 * HALF_LOG_TWO_PI - 6 * Math.log(2) - 3 * Math.log(0.5), 4);
    expectClose(jd.entropy(), [9 * 1.4189385332 + 6 * Math.log(2) + 3 * Math.log(0.5)]);
  });

  it('sampleDistributions(value) returns the parts and the same value; without a value it draws one', () => {
    const jd = kernelBias(0, 1, 0, 1);
    const value = [tf.zeros([2, 3]), tf.zeros([3])];
    const [ds, xs] = jd.sampleDistributions(value);
    expect(ds.length).toBe(2);
    expect(ds[0]).toBeInstanceOf(Independent);
    expect(xs).toBe(value);
    const [, drawn] = jd.sampleDistributions(undefined, [], 3);
    expect(drawn.map((t) => t.shape)).toEqual([[2, 3], [3]]);
    tf.dispose([...value, ...drawn]);
  });

  it('KL(JDS ‖ JDS) is the sum of part-wise KLs: 6·(ln2 − ¼) + 3·1.3068528194 (ORACLES §2)', () => {
    const q = kernelBias(0.5, 0.5, 1, 2);
    const p = kernelBias(0, 1, 0, 1);
    expectClose(klDivergence(q, p), [6 * 0.4431471806 + 3 * 1.3068528194]);
  });

  it('refuses KL with a different number of parts, dependent parts and a value of the wrong length', () => {
    const two = kernelBias(0, 1, 0, 1);
    const one = new JointDistributionSequential({model: [new Normal({loc: 0, scale: 1})]});
    expect(() => klDivergence(two, one)).toThrowError(ValueError);
    expect(() => klDivergence(two, one)).toThrowError(/same number of parts.*2 and 1/);
    const dependent = [new Normal({loc: 0, scale: 1}), (x: tf.Tensor) => new Normal({loc: x, scale: 1})];
    expect(() => new JointDistributionSequential({model: dependent as unknown as Distribution[]}))
        .toThrowError(/model\[1\] must be a Distribution.*dependent/);
    expect(() => two.logProb([tf.zeros([2, 3])])).toThrowError(/value must be an array of 2 parts/);
  });

  it('nn default pair (JDS of Independent(Normal) ‖ JDS of Sample(spike-and-slab)) has no exact KL', () => {
    const slab = (): MixtureSameFamily => new MixtureSameFamily({
      mixtureDistribution: new Categorical({probs: [0.5, 0.5]}),
      componentsDistribution: new Normal({loc: 0, scale: [1, 2000]}),
    });
    const prior = new JointDistributionSequential({model: [
      new Sample({distribution: slab(), sampleShape: [2, 3]}), new Sample({distribution: slab(), sampleShape: [3]}),
    ]});
    expect(() => klDivergence(kernelBias(0, 1, 0, 1), prior)).toThrowError(NotImplementedError);
    // …but its Monte Carlo term log q(w) − log p(w) is computable.
    const q = kernelBias(0, 1, 0, 1);
    const w = q.sample([], 1);
    const mc = scalar(tf.tidy(() => tf.sub(q.logProb(w), prior.logProb(w))));
    expect(Number.isFinite(mc)).toBe(true);
    tf.dispose(w);
  });

  it('keeps tf.memory().numTensors flat', () => {
    const q = kernelBias(0.5, 0.5, 1, 2);
    const p = kernelBias(0, 1, 0, 1);
    expectNoLeak(() => {
      const s = q.sample([2], 3);
      tf.dispose([...s, q.logProb(s), q.entropy(), klDivergence(q, p), ...q.mean(), ...q.stddev()]);
    });
  });
});
