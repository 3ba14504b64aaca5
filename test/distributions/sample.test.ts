// Sample: event = sampleShape + d.event, logProb summed over the sample axes, KL Sample ‖ Sample.
import * as tf from '@tensorflow/tfjs';
import {describe, expect, it} from 'vitest';

import {klDivergence, MultivariateNormalDiag, Normal, Sample} from '../../src/distributions/index.js';
import {ValueError} from '../../src/util/errors.js';

import {expectClose, expectMoments, expectNoLeak, shapeOf, testSeed, values} from './helpers.js';

const HALF_LOG_TWO_PI = 0.9189385332;

describe('Sample', () => {
  it('shapes: Normal batch [2], sampleShape [3] → batch [2], event [3]; sample [5,2,3]; logProb [5,2]', () => {
    const d = new Sample({distribution: new Normal({loc: [0, 100], scale: 1}), sampleShape: [3]});
    expect(d.batchShape).toEqual([2]);
    expect(d.eventShape).toEqual([3]);
    const s = d.sample([5], testSeed());
    expect(s.shape).toEqual([5, 2, 3]);
    // Batch member 1 has loc 100: the sample axes must sit after the batch axis.
    const v = values(s.slice([0, 1, 0], [5, 1, 3]));
    expect(v.every((x) => Math.abs(x - 100) < 10)).toBe(true);
    expect(shapeOf(d.logProb(s))).toEqual([5, 2]);
    s.dispose();
    expect(shapeOf(d.mean())).toEqual([2, 3]);
    expectClose(d.mean(), [0, 0, 0, 100, 100, 100]);
    expect(shapeOf(d.stddev())).toEqual([2, 3]);
    expect(shapeOf(d.entropy())).toEqual([2]);
  });

  it('logProb sums d.logProb over the sample axes; entropy = |n|·d.entropy', () => {
    const d = new Sample({distribution: new Normal({loc: 1, scale: 2}), sampleShape: [2, 3]});
    expect(d.eventShape).toEqual([2, 3]);
    expectClose(d.logProb(tf.ones([2, 3])), [6 * (-HALF_LOG_TWO_PI - Math.log(2))]);
    expectClose(d.entropy(), [6 * (1.4189385332 + Math.log(2))]);
    // A number sampleShape is [n].
    expect(new Sample({distribution: new Normal({loc: 0, scale: 1}), sampleShape: 4}).eventShape).toEqual([4]);
  });

  it('works with an event-shaped base: MVNDiag event [2], sampleShape [3] → event [3, 2]', () => {
    const d = new Sample({distribution: new MultivariateNormalDiag({loc: [0, 5]}), sampleShape: [3]});
    expect(d.eventShape).toEqual([3, 2]);
    const s = d.sample([4], testSeed());
    expect(s.shape).toEqual([4, 3, 2]);
    expect(shapeOf(d.logProb(s))).toEqual([4]);
    s.dispose();
    expectClose(d.logProb(tf.tensor2d([[0, 5], [0, 5], [0, 5]])), [6 * -HALF_LOG_TWO_PI]);
  });

  it('sample moments of every coordinate within 5 standard errors; the same seed gives the same draw', () => {
    const d = new Sample({distribution: new Normal({loc: -1, scale: 0.5}), sampleShape: [3]});
    const s = d.sample([20000], testSeed());
    expectMoments(s, [-1, -1, -1], [0.25, 0.25, 0.25], 5);
    s.dispose();
    expect(values(d.sample([2], 3))).toEqual(values(d.sample([2], 3)));
  });

  it('KL(Sample(q, n) ‖ Sample(p, n)) = |n|·KL(q ‖ p): 3·1.3068528194 for N(1,2) ‖ N(0,1) (ORACLES §2)', () => {
    const q = new Sample({distribution: new Normal({loc: 1, scale: 2}), sampleShape: [3]});
    const p = new Sample({distribution: new Normal({loc: 0, scale: 1}), sampleShape: [3]});
    expectClose(klDivergence(q, p), [3 * 1.3068528194]);
  });

  it('refuses KL between different sample shapes, and a bad sampleShape', () => {
    const q = new Sample({distribution: new Normal({loc: 1, scale: 2}), sampleShape: [3]});
    const p = new Sample({distribution: new Normal({loc: 0, scale: 1}), sampleShape: [4]});
    expect(() => klDivergence(q, p)).toThrowError(ValueError);
    expect(() => klDivergence(q, p)).toThrowError(/sample shapes.*\[3\].*\[4\]/);
    expect(() => new Sample({distribution: new Normal({loc: 0, scale: 1}), sampleShape: [2.5]}))
        .toThrowError(/sampleShape.*got \[2\.5\]/);
  });

  it('keeps tf.memory().numTensors flat', () => {
    const q = new Sample({distribution: new Normal({loc: [0, 1], scale: 1}), sampleShape: [3]});
    expectNoLeak(() => {
      const s = q.sample([4], 3);
      tf.dispose([s, q.logProb(s), q.entropy(), q.mean(), q.variance(), klDivergence(q, q)]);
    });
  });
});
