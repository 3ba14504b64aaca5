import * as tf from '@tensorflow/tfjs';
import {describe, expect, it} from 'vitest';

import {predictive} from 'tfjs-probability';

// ORACLES.md §13: 3 MC draws × 2 examples × 3 classes.
const DRAWS = [
  [[.7, .2, .1], [.1, .1, .8]],
  [[.5, .3, .2], [.2, .2, .6]],
  [[.9, .05, .05], [.3, .3, .4]],
];

function close(actual: tf.Tensor, expected: number[] | number[][], digits = 5): void {
  const a = (actual.arraySync() as number[] | number[][]).flat();
  const e = expected.flat();
  expect(a.length).toBe(e.length);
  a.forEach((v, i) => expect(v).toBeCloseTo(e[i]!, digits));
}

describe('summarize', () => {
  it('matches the ORACLES.md §13 worked case', () => {
    const probs = tf.tensor3d(DRAWS);
    const s = predictive.summarize(probs);
    close(s.mean, [[0.7, 0.1833333, 0.1166667], [0.2, 0.2, 0.6]]);
    close(s.predictiveEntropy, [0.8113389, 0.9502705]);
    close(s.expectedEntropy, [0.7419564, 0.8927341]);
    close(s.mutualInformation, [0.0693824, 0.0575364]);
    predictive.disposeSummary(s);
    probs.dispose();
  });

  it('stddev is the population standard deviation over draws (closed form)', () => {
    const s = predictive.summarize(tf.tensor3d([[[1, 0]], [[0, 1]]]));
    close(s.stddev, [[0.5, 0.5]]);
  });

  it('entropy of the uniform distribution is log C, and MI is 0 when all draws agree', () => {
    for (const c of [2, 3, 10]) {
      const probs = tf.fill([4, 5, c], 1 / c);
      const s = predictive.summarize(probs);
      close(s.predictiveEntropy, new Array(5).fill(Math.log(c)));
      close(s.expectedEntropy, new Array(5).fill(Math.log(c)));
      close(s.mutualInformation, new Array(5).fill(0), 6);
    }
    const same = tf.tile(tf.tensor3d([[[0.6, 0.3, 0.1]]]), [7, 1, 1]);
    close(predictive.summarize(same).mutualInformation, [0], 6);
  });

  it('one-hot draws have zero entropy (0·log 0 = 0)', () => {
    const s = predictive.summarize(tf.tensor3d([[[1, 0, 0]], [[1, 0, 0]]]));
    close(s.predictiveEntropy, [0], 6);
    expect(Number.isFinite(s.expectedEntropy.dataSync()[0])).toBe(true);
  });

  it('MI of disagreeing confident draws is log 2 (closed form)', () => {
    const s = predictive.summarize(tf.tensor3d([[[1, 0]], [[0, 1]]]));
    close(s.mutualInformation, [Math.log(2)], 6);
  });

  it('refuses a tensor that is not [S, N, C]', () => {
    expect(() => predictive.summarize(tf.zeros([2, 3]))).toThrowError(/probs must be.*\[S, N, C\].*Tensor\[2,3\]/);
  });
});
