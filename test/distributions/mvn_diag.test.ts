// MultivariateNormalDiag: event [K], Σ of Normal terms (DISTRIBUTIONS.md §2), KL MVNDiag ‖ MVNDiag.
import * as tf from '@tensorflow/tfjs';
import {describe, expect, it} from 'vitest';

import {klDivergence, MultivariateNormalDiag, Normal} from '../../src/distributions/index.js';
import {ValueError} from '../../src/util/errors.js';

import {expectClose, expectMoments, expectNoLeak, shapeOf, testSeed, values} from './helpers.js';

const ENTROPY_N01 = 1.4189385332;  // ½ log(2πe), ORACLES §2

describe('MultivariateNormalDiag', () => {
  it('logProb at the mean is Σ −log σ − ½ log 2π (= −2.5310242 for σ = [1, 2])', () => {
    const d = new MultivariateNormalDiag({loc: [0, 0], scaleDiag: [1, 2]});
    expect(d.batchShape).toEqual([]);
    expect(d.eventShape).toEqual([2]);
    expectClose(d.logProb([0, 0]), [-2.5310242]);
    expectClose(d.entropy(), [2 * ENTROPY_N01 + Math.log(2)]);
  });

  it('shapes with a batch: sample [n, 3, 2], logProb [n, 3], entropy [3]', () => {
    const d = new MultivariateNormalDiag({loc: tf.zeros([3, 2]), scaleDiag: [1, 2]});
    expect(d.batchShape).toEqual([3]);
    const s = d.sample([4], testSeed());
    expect(s.shape).toEqual([4, 3, 2]);
    expect(shapeOf(d.logProb(s))).toEqual([4, 3]);
    s.dispose();
    expect(shapeOf(d.entropy())).toEqual([3]);
    expect(shapeOf(d.mean())).toEqual([3, 2]);
    expect(shapeOf(d.stddev())).toEqual([3, 2]);
  });

  it('sample moments match loc and scaleDiag² within 5 standard errors; same seed, same draw', () => {
    const d = new MultivariateNormalDiag({loc: [1, -1], scaleDiag: [0.5, 2]});
    const n = 20000;
    const s = d.sample([n], testSeed());
    expectMoments(s, [1, -1], [0.25, 4], 5);
    s.dispose();
    expect(values(d.sample([5], 42))).toEqual(values(d.sample([5], 42)));
  });

  it('KL(MVNDiag ‖ MVNDiag) sums the Normal terms: KL(N(1,2)) + KL(N(0.5,0.5)) vs N(0,1) (ORACLES §2)', () => {
    const q = new MultivariateNormalDiag({loc: [1, 0.5], scaleDiag: [2, 0.5]});
    const p = new MultivariateNormalDiag({loc: [0, 0], scaleDiag: [1, 1]});
    expectClose(klDivergence(q, p), [1.3068528194 + 0.4431471806]);
    const p3 = new MultivariateNormalDiag({loc: [0, 0, 0]});
    expect(() => klDivergence(q, p3)).toThrowError(/Event shapes do not match/);
  });

  it('refuses a non-positive scaleDiag and a scalar loc', () => {
    expect(() => new MultivariateNormalDiag({loc: [0, 0], scaleDiag: [1, -2]})).toThrowError(ValueError);
    expect(() => new MultivariateNormalDiag({loc: [0, 0], scaleDiag: [1, -2]})).toThrowError(/scaleDiag.*got -2/);
    expect(() => new MultivariateNormalDiag({loc: 0, scaleDiag: 1})).toThrowError(/rank ≥ 1.*got shape \[\]/);
  });

  it('KL to a Normal is not registered: NotImplementedError naming both classes', () => {
    const q = new MultivariateNormalDiag({loc: [0, 0]});
    expect(() => klDivergence(q, new Normal({loc: 0, scale: 1})))
        .toThrowError(/MultivariateNormalDiag.*Normal/);
  });

  it('keeps tf.memory().numTensors flat', () => {
    const q = new MultivariateNormalDiag({loc: [0.1, 0.2], scaleDiag: [1, 2]});
    const p = new MultivariateNormalDiag({loc: [0, 0]});
    expectNoLeak(() => {
      const s = q.sample([3], 1);
      tf.dispose([s, q.logProb(s), q.entropy(), q.stddev(), klDivergence(q, p)]);
    });
  });
});
