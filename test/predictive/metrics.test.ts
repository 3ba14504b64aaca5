import * as tf from '@tensorflow/tfjs';
import {describe, expect, it} from 'vitest';

import {predictive} from 'tfjs-probability';

// ORACLES.md §13: the mean of the three draws, labels [0, 2].
const MEAN = [[0.7, 0.1833333, 0.1166667], [0.2, 0.2, 0.6]];
const LABELS = [0, 2];

describe('accuracy', () => {
  it('is 1.0 on the ORACLES.md §13 case', () => {
    expect(predictive.accuracy(MEAN, LABELS)).toBe(1);
    expect(predictive.accuracy(tf.tensor2d(MEAN), tf.tensor1d(LABELS, 'int32'))).toBe(1);
  });
  it('accepts one-hot labels', () => {
    expect(predictive.accuracy(MEAN, tf.oneHot([1, 2], 3))).toBe(0.5);
  });
  it('refuses labels out of range, naming the value', () => {
    expect(() => predictive.accuracy(MEAN, [0, 3])).toThrowError(/labels must be integers in \[0, 3\); got 3/);
    expect(() => predictive.accuracy(MEAN, [0])).toThrowError(/labels must have one entry per example \(2\); got 1/);
  });
});

describe('heldOutLogLikelihood', () => {
  it('is −0.4337503 on the ORACLES.md §13 case', () => {
    expect(predictive.heldOutLogLikelihood(MEAN, LABELS)).toBeCloseTo(-0.4337503, 6);
  });
});

describe('legacyHeldOutNats', () => {
  it("is TFP's printed −1.3218767 on the ORACLES.md §13 case", () => {
    expect(predictive.legacyHeldOutNats(MEAN)).toBeCloseTo(-1.3218767, 6);
  });
});

describe('brierScore', () => {
  it('matches the closed form Σ (p − onehot)² averaged over examples', () => {
    // (0.3² + 0.1833333² + 0.1166667²) and (0.2² + 0.2² + 0.4²), by hand.
    const expected = ((0.09 + 0.0336111 + 0.0136111) + (0.04 + 0.04 + 0.16)) / 2;
    expect(predictive.brierScore(MEAN, LABELS)).toBeCloseTo(expected, 6);
    expect(predictive.brierScore([[1, 0], [0, 1]], [0, 1])).toBe(0);
  });
});

describe('calibration', () => {
  it('ECE of a perfectly calibrated toy is 0', () => {
    // Five examples at confidence 0.8, four right; five at 0.6, three right.
    const probs: number[][] = [];
    const labels: number[] = [];
    for (let i = 0; i < 5; i++) { probs.push([0.8, 0.2]); labels.push(i < 4 ? 0 : 1); }
    for (let i = 0; i < 5; i++) { probs.push([0.4, 0.6]); labels.push(i < 3 ? 1 : 0); }
    const cal = predictive.calibration(probs, labels);
    expect(cal.ece).toBeCloseTo(0, 12);
    expect(cal.bins).toHaveLength(15);
    expect(cal.bins.reduce((a, b) => a + b.count, 0)).toBe(10);
  });

  it('ECE of an always-confident coin flip is 0.5 (closed form |0.5 − 1.0|)', () => {
    expect(predictive.expectedCalibrationError([[1, 0], [1, 0]], [0, 1])).toBeCloseTo(0.5, 12);
  });

  it('puts a confidence on a bin edge into the bin it closes: (b/B, (b+1)/B]', () => {
    const cal = predictive.calibration([[0.6, 0.4]], [0], {bins: 5});
    // 0.6 = 3/5 closes bin 2 = (0.4, 0.6].
    expect(cal.bins[2]!.count).toBe(1);
    expect(cal.bins[2]!.accuracy).toBe(1);
    expect(cal.ece).toBeCloseTo(0.4, 6);
  });

  it('refuses a non-positive number of bins', () => {
    expect(() => predictive.calibration(MEAN, LABELS, {bins: 0})).toThrowError(/bins must be a positive integer; got 0/);
  });
});

describe('auroc', () => {
  it('is 1 for perfectly separated scores and 0 when reversed', () => {
    expect(predictive.auroc([0.1, 0.2, 0.3], [0.5, 0.9])).toBe(1);
    expect(predictive.auroc([0.5, 0.9], [0.1, 0.2, 0.3])).toBe(0);
  });
  it('is 0.5 for identical scores', () => {
    expect(predictive.auroc([0.4, 0.4, 0.4], [0.4, 0.4])).toBe(0.5);
    expect(predictive.auroc(tf.tensor1d([1, 2, 3]), tf.tensor1d([1, 2, 3]))).toBe(0.5);
  });
  it('counts pairs (Mann–Whitney, by hand): 3 of 4 pairs ordered', () => {
    // neg {1, 3}, pos {2, 4}: (2>1), (4>1), (4>3) ordered; (2<3) not → 3/4.
    expect(predictive.auroc([1, 3], [2, 4])).toBe(0.75);
  });
  it('refuses empty or NaN scores', () => {
    expect(() => predictive.auroc([], [1])).toThrowError(/negative must be a non-empty list/);
    expect(() => predictive.auroc([1], [NaN])).toThrowError(/positive must be .*NaN/);
  });
});

describe('compareCalibration (paired bootstrap of ECE(a) − ECE(b))', () => {
  // 400 examples, label 0 on 320 (accuracy p = 0.8 for both predictors, which always pick class 0).
  // a is always underconfident (confidence 0.5), b always overconfident (0.99), so on any resample
  // with accuracy p*: ECE(a) = p* − 0.5, ECE(b) = 0.99 − p*, difference = 2p* − 1.49 — whose
  // bootstrap distribution is 2·Binomial(400, 0.8)/400 − 1.49: sd 2·√(0.8·0.2/400) = 0.04.
  const n = 400;
  const labels = Array.from({length: n}, (_, i) => (i < 320 ? 0 : 1));
  const a = Array.from({length: n}, () => [0.5, 0.3, 0.2]);
  const b = Array.from({length: n}, () => [0.99, 0.005, 0.005]);

  it('gives the closed-form difference 2·0.8 − 1.49 = 0.11 and bootstrap sd 0.04 (±10%, 5 SE of the sd estimate)', () => {
    const c = predictive.compareCalibration(a, b, labels, {resamples: 2000, seed: 7});
    expect(c.difference).toBeCloseTo(0.11, 12);
    expect(c.difference).toBeCloseTo(predictive.calibration(a, labels).ece - predictive.calibration(b, labels).ece, 12);
    // The sd of 2000 bootstrap draws has relative standard error ≈ 1/√(2·2000) = 1.6%.
    expect(Math.abs(c.standardError / 0.04 - 1)).toBeLessThan(5 * 0.016);
    // Percentile interval ≈ ±1.96 sd around 0.11 (binomial is close to normal at n·p·q = 64).
    expect(c.lower).toBeGreaterThan(0.11 - 1.96 * 0.04 * 1.15);
    expect(c.lower).toBeLessThan(0.11 - 1.96 * 0.04 * 0.85);
    expect(c.upper).toBeGreaterThan(0.11 + 1.96 * 0.04 * 0.85);
    expect(c.upper).toBeLessThan(0.11 + 1.96 * 0.04 * 1.15);
    expect(c).toMatchObject({level: 0.95, resamples: 2000});
  });

  it('is exactly 0 with a zero-width interval for identical predictors, and repeatable by seed', () => {
    const c = predictive.compareCalibration(b, b, labels, {resamples: 50});
    expect([c.difference, c.lower, c.upper, c.standardError]).toEqual([0, 0, 0, 0]);
    const x = predictive.compareCalibration(a, b, labels, {resamples: 100, seed: 3});
    expect(predictive.compareCalibration(a, b, labels, {resamples: 100, seed: 3})).toEqual(x);
    // Tensors (float32) resample the same examples: equal up to float32 rounding of 0.3/0.99.
    const y = predictive.compareCalibration(tf.tensor2d(a), tf.tensor2d(b), tf.tensor1d(labels, 'int32'),
      {resamples: 100, seed: 3});
    for (const k of ['difference', 'lower', 'upper', 'standardError'] as const) expect(y[k]).toBeCloseTo(x[k], 6);
  });

  it('refuses mismatched shapes and bad options, naming them', () => {
    expect(() => predictive.compareCalibration(a, a.slice(1), labels))
      .toThrowError(/probsA and probsB must have the same shape; got \[400, 3\] and \[399, 3\]/);
    expect(() => predictive.compareCalibration(a, b, labels, {resamples: 1}))
      .toThrowError(/resamples must be an integer ≥ 2; got 1/);
    expect(() => predictive.compareCalibration(a, b, labels, {level: 1}))
      .toThrowError(/level must be a number in \(0, 1\); got 1/);
  });
});
