// Categorical and OneHotCategorical: closed-form log-masses, entropies and KLs, sample frequencies
// within 5 standard errors, shapes (DISTRIBUTIONS.md §1) and parameter errors.
import * as tf from '@tensorflow/tfjs';
import {describe, expect, it} from 'vitest';

import {Categorical, klDivergence, OneHotCategorical} from '../../src/distributions/index.js';
import {ValueError} from '../../src/util/errors.js';

import {expectClose, expectNoLeak, shapeOf, testSeed, values} from './helpers.js';

const P = [0.2, 0.3, 0.5];
const entropyOf = (p: number[]): number => -p.reduce((s, v) => s + (v > 0 ? v * Math.log(v) : 0), 0);
const softmax = (l: number[]): number[] => {
  const z = l.reduce((s, v) => s + Math.exp(v), 0);
  return l.map((v) => Math.exp(v) / z);
};
const klOf = (q: number[], p: number[]): number =>
  q.reduce((s, v, i) => s + (v > 0 ? v * Math.log(v / (p[i] as number)) : 0), 0);

describe('Categorical', () => {
  it('logProb(k) = log p_k, from probs and from logits', () => {
    expectClose(new Categorical({probs: P}).logProb([0, 1, 2]), P.map(Math.log));
    const pl = softmax([0, 1, 2]);
    expectClose(new Categorical({logits: [0, 1, 2]}).logProb([2, 0]), [Math.log(pl[2] as number), Math.log(pl[0] as number)]);
  });

  it('logProb of an index outside 0…K−1 is −∞', () => {
    expectClose(new Categorical({probs: P}).logProb([3, -1]), [-Infinity, -Infinity]);
  });

  it('entropy = −Σ p log p (0·log 0 = 0), and probs / logits getters', () => {
    expectClose(new Categorical({probs: [P, [0, 1, 0]]}).entropy(), [entropyOf(P), 0]);
    expectClose(new Categorical({logits: [0, 1, 2]}).entropy(), [entropyOf(softmax([0, 1, 2]))]);
    expectClose(new Categorical({logits: [0, 1, 2]}).probs, softmax([0, 1, 2]));
    expectClose(new Categorical({probs: P}).logits, P.map(Math.log));
    expect(new Categorical({probs: P}).numClasses).toBe(3);
  });

  it('mean, variance and stddev of class labels are undefined: ValueError', () => {
    const d = new Categorical({probs: P});
    expect(() => d.mean()).toThrowError(/Categorical: mean is not defined/);
    expect(() => d.variance()).toThrowError(ValueError);
    expect(() => d.stddev()).toThrowError(/stddev is not defined/);
  });

  it('mode is the most probable class (int32)', () => {
    const m = new Categorical({logits: [[0, 3, 1], [5, 0, 0]]}).mode();
    expect(m.dtype).toBe('int32');
    expect(values(m)).toEqual([1, 0]);
  });

  it('shapes: logits [2,3,4] → batch [2,3]; int32 samples [5,2,3]; logProb [5,2,3]; entropy [2,3]', () => {
    const d = new Categorical({logits: tf.zeros([2, 3, 4])});
    expect(d.batchShape).toEqual([2, 3]);
    expect(d.eventShape).toEqual([]);
    expect(d.dtype).toBe('int32');
    const s = d.sample([5], testSeed());
    expect(s.shape).toEqual([5, 2, 3]);
    expect(s.dtype).toBe('int32');
    expect(shapeOf(d.logProb(s))).toEqual([5, 2, 3]);
    expect(values(s).every((k) => Number.isInteger(k) && k >= 0 && k < 4)).toBe(true);
    expect(shapeOf(d.entropy())).toEqual([2, 3]);
  });

  it('sample frequencies match probs within 5 standard errors; the same seed gives the same draw', () => {
    const n = 20000;
    const counts = [0, 0, 0];
    for (const k of values(new Categorical({probs: P}).sample([n], testSeed()))) counts[k] = (counts[k] as number) + 1;
    P.forEach((p, k) => {
      expect(Math.abs((counts[k] as number) / n - p)).toBeLessThanOrEqual(5 * Math.sqrt(p * (1 - p) / n));
    });
    const d = new Categorical({logits: [0, 1, 2]});
    expect(values(d.sample([20], 9))).toEqual(values(d.sample([20], 9)));
  });

  it('a zero-probability class is never drawn', () => {
    expect(values(new Categorical({probs: [0.5, 0, 0.5]}).sample([2000], testSeed())).includes(1)).toBe(false);
  });

  it('logProb is differentiable in the logits: ∂ log p_k / ∂l = onehot(k) − softmax(l)', () => {
    const g = tf.grad((l: tf.Tensor) => new Categorical({logits: l}).logProb(1))(tf.tensor1d([0, 1, 2]));
    const p = softmax([0, 1, 2]);
    expectClose(g, [-(p[0] as number), 1 - (p[1] as number), -(p[2] as number)]);
  });

  it('KL(Categorical ‖ Categorical) = Σ q log(q/p)', () => {
    const q = [0.1, 0.6, 0.3];
    expectClose(klDivergence(new Categorical({probs: q}), new Categorical({probs: P})), [klOf(q, P)]);
    expectClose(klDivergence(new Categorical({probs: [0, 0.5, 0.5]}), new Categorical({logits: [0, 1, 2]})),
        [klOf([0, 0.5, 0.5], softmax([0, 1, 2]))]);
    expect(() => klDivergence(new Categorical({probs: q}), new Categorical({probs: [0.5, 0.5]})))
        .toThrowError(/classes.*3.*2/);
  });

  it('refuses both or neither of logits / probs, probs outside [0, 1], and scalar logits', () => {
    expect(() => new Categorical({})).toThrowError(ValueError);
    expect(() => new Categorical({})).toThrowError(/logits.*probs.*got logits=undefined/);
    expect(() => new Categorical({logits: [0, 1], probs: [0.5, 0.5]})).toThrowError(/exactly one of logits and probs/);
    expect(() => new Categorical({probs: [1.5, -0.5]})).toThrowError(/probs.*got 1\.5/);
    expect(() => new Categorical({logits: 2})).toThrowError(/logits.*rank ≥ 1.*got shape \[\]/);
    expect(() => new Categorical({probs: [0.5, 0.6], validateArgs: true})).toThrowError(/probs must sum to 1/);
  });

  it('keeps tf.memory().numTensors flat over sample / logProb / entropy / KL', () => {
    const q = new Categorical({logits: [[0, 1, 2], [1, 1, 1]]});
    const p = new Categorical({probs: P});
    expectNoLeak(() => {
      const s = q.sample([4], 3);
      tf.dispose([s, q.logProb(s), q.entropy(), q.mode(), q.probs, q.logits, klDivergence(q, p)]);
    });
  });
});

describe('OneHotCategorical', () => {
  it('samples are float32 one-hot vectors with event [K] and frequencies within 5 standard errors', () => {
    const d = new OneHotCategorical({probs: P});
    expect(d.eventShape).toEqual([3]);
    expect(d.batchShape).toEqual([]);
    const n = 20000;
    const s = d.sample([n], testSeed());
    expect(s.shape).toEqual([n, 3]);
    expect(s.dtype).toBe('float32');
    expect(values(tf.sum(s, -1)).every((v) => v === 1)).toBe(true);
    const freq = values(tf.mean(s, 0));
    s.dispose();
    P.forEach((p, k) => expect(Math.abs((freq[k] as number) - p)).toBeLessThanOrEqual(5 * Math.sqrt(p * (1 - p) / n)));
  });

  it('logProb(onehot(k)) = log p_k; mean = probs; variance = p(1 − p); entropy = −Σ p log p', () => {
    const d = new OneHotCategorical({logits: [0, 1, 2]});
    const p = softmax([0, 1, 2]);
    expectClose(d.logProb([[0, 0, 1], [1, 0, 0]]), [Math.log(p[2] as number), Math.log(p[0] as number)]);
    expectClose(d.mean(), p);
    expectClose(d.variance(), p.map((v) => v * (1 - v)));
    expectClose(d.entropy(), [entropyOf(p)]);
    expectClose(d.mode(), [0, 0, 1]);
  });

  it('shapes with batch [2]: sample [5,2,3], logProb [5,2], mean [2,3], entropy [2]', () => {
    const d = new OneHotCategorical({probs: [P, [1 / 3, 1 / 3, 1 / 3]]});
    expect(d.batchShape).toEqual([2]);
    const s = d.sample([5], testSeed());
    expect(s.shape).toEqual([5, 2, 3]);
    expect(shapeOf(d.logProb(s))).toEqual([5, 2]);
    s.dispose();
    expect(shapeOf(d.mean())).toEqual([2, 3]);
    expect(shapeOf(d.entropy())).toEqual([2]);
  });

  it('KL(OneHot ‖ OneHot) = Σ q log(q/p); OneHot ‖ Categorical is not registered', () => {
    const q = [0.1, 0.6, 0.3];
    expectClose(klDivergence(new OneHotCategorical({probs: q}), new OneHotCategorical({probs: P})), [klOf(q, P)]);
    expect(() => klDivergence(new OneHotCategorical({probs: q}), new Categorical({probs: P})))
        .toThrowError(/OneHotCategorical.*Categorical/);
  });

  it('refuses a value whose last dimension is not K, and bad parameters', () => {
    expect(() => new OneHotCategorical({probs: P}).logProb([1, 0])).toThrowError(/x must have last dimension 3.*\[2\]/);
    expect(() => new OneHotCategorical({probs: [0.5, 2]})).toThrowError(/probs.*got 2/);
  });

  it('keeps tf.memory().numTensors flat', () => {
    const q = new OneHotCategorical({logits: [0, 1, 2]});
    expectNoLeak(() => {
      const s = q.sample([4], 3);
      tf.dispose([s, q.logProb(s), q.entropy(), q.mean(), q.variance(), klDivergence(q, q)]);
    });
  });
});
