import {describe, expect, it} from 'vitest';

import {quantile} from '../../src/cli/evaluation.js';
import {verdictOf} from '../../src/cli/predict.js';

const P = [0.01, 0.01, 0.9, 0.02, 0.01, 0.01, 0.01, 0.01, 0.01, 0.01];
const STD = new Array(10).fill(0.02);

describe('verdictOf', () => {
  it('is sure when the draws agree and the mean is confident', () => {
    const v = verdictOf(P, STD, 0.01, 0.25);
    expect(v).toMatchObject({unsure: false, predicted: 2});
    expect(v.verdict).toBe('Looks like a 2 (90% ± 2%).');
  });
  it('is unsure, naming epistemic disagreement, when MI exceeds the threshold', () => {
    const v = verdictOf(P, STD, 0.3, 0.25);
    expect(v.unsure).toBe(true);
    expect(v.verdict).toMatch(/posterior samples disagree \(mutual information 0.300 nats > 0.25\); best guesses 2 \(90%\) or 3 \(2%\)/);
  });
  it('is unsure, naming an ambiguous input, when the top probability is below one half', () => {
    const v = verdictOf([0.45, 0.4, 0.15, 0, 0, 0, 0, 0, 0, 0], STD, 0.01, 0.25);
    expect(v.unsure).toBe(true);
    expect(v.verdict).toMatch(/ambiguous.*0 \(45%\) or 1 \(40%\)/);
  });
});

describe('quantile', () => {
  it('is the nearest-rank quantile', () => {
    const xs = Array.from({length: 100}, (_, i) => 100 - i);   // 100..1
    expect(quantile(xs, 0.95)).toBe(95);
    expect(quantile(xs, 1)).toBe(100);
    expect(quantile([3], 0.5)).toBe(3);
  });
});
