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

  it('refuses a zero scaleDiag (a singular scale) and a scalar loc', () => {
    expect(() => new MultivariateNormalDiag({loc: [0, 0], scaleDiag: [1, 0]})).toThrowError(ValueError);
    expect(() => new MultivariateNormalDiag({loc: [0, 0], scaleDiag: [1, 0]}))
        .toThrowError(/^MultivariateNormalDiag: scaleDiag must be positive or negative \(non-zero\) everywhere; got 0 in \[1,0\]\.$/);
    expect(() => new MultivariateNormalDiag({loc: [0], scaleDiag: NaN})).toThrowError(/scaleDiag.*got NaN/);
    expect(() => new MultivariateNormalDiag({loc: [0, 0], scaleDiag: tf.tensor1d([1, 0]), validateArgs: true}))
        .toThrowError(/scaleDiag must be positive or negative \(non-zero\) everywhere; got 0/);
    expect(() => new MultivariateNormalDiag({loc: 0, scaleDiag: 1})).toThrowError(/rank ≥ 1.*got shape \[\]/);
  });

  describe('a negative scaleDiag is a valid scale, as in TFP (covariance diag², stddev |·|)', () => {
    const neg = (): MultivariateNormalDiag => new MultivariateNormalDiag({loc: [1, -1], scaleDiag: [0.5, -2]});
    const pos = (): MultivariateNormalDiag => new MultivariateNormalDiag({loc: [1, -1], scaleDiag: [0.5, 2]});

    it('logProb, entropy, stddev, variance and covariance equal those of |scaleDiag|', () => {
      const x = [[0.3, 2], [1, -1]];
      expectClose(neg().logProb(x), values(pos().logProb(x)));
      // Closed form at the mean: −log 0.5 − log 2 − log 2π = −1.8378771.
      expectClose(neg().logProb([1, -1]), [-Math.log(2 * Math.PI)]);
      expectClose(neg().entropy(), [2 * ENTROPY_N01 + Math.log(0.5) + Math.log(2)]);
      expectClose(neg().stddev(), [0.5, 2]);
      expectClose(neg().variance(), [0.25, 4]);
      expectClose(neg().covariance(), [0.25, 0, 0, 4]);
      expect(values(neg().scaleDiag)).toEqual([0.5, -2]);
    });

    it('sample is loc + scaleDiag ⊙ ε: the positive-scale draw reflected about loc in the negative coordinate', () => {
      const a = values(neg().sample([3], 5));
      const b = values(pos().sample([3], 5));
      a.forEach((v, i) => expect(v).toBeCloseTo(i % 2 === 0 ? (b[i] as number) : -2 - (b[i] as number), 5));
    });

    it('KL uses |scaleDiag|: KL(MVNDiag(0, [-2]) ‖ MVNDiag(0, [1])) = KL(N(0, 2) ‖ N(0, 1)) = 1.3068528 − ½', () => {
      // KL(N(1,2) ‖ N(0,1)) = 1.3068528194 (ORACLES §2); without the mean term (½·1²) it is 0.8068528194.
      const q = new MultivariateNormalDiag({loc: [0], scaleDiag: [-2]});
      expectClose(klDivergence(q, new MultivariateNormalDiag({loc: [0]})), [0.8068528194]);
      expectClose(klDivergence(q, q), [0]);
    });

    it('sample is differentiable in a negative scaleDiag: ∂Σsample/∂scaleDiag = Σε', () => {
      const eps = values(new MultivariateNormalDiag({loc: [0, 0], scaleDiag: [1, 1]}).sample([4], 9));
      const g = tf.grad((sd: tf.Tensor) => tf.sum(new MultivariateNormalDiag({loc: [0, 0], scaleDiag: sd}).sample([4], 9)))(
          tf.tensor1d([1, -3]));
      const sums = [0, 1].map((j) => eps.filter((_, i) => i % 2 === j).reduce((a, b) => a + b, 0));
      expectClose(g, sums, 1e-5, 1e-5);
    });
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
