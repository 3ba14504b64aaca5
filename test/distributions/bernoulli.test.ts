// Bernoulli: closed-form log-masses (stable in the logits), moments, entropy, KL, sample mean
// within 5 standard errors, shapes and parameter errors.
import * as tf from '@tensorflow/tfjs';
import {describe, expect, it} from 'vitest';

import {Bernoulli, klDivergence} from '../../src/distributions/index.js';
import {ValueError} from '../../src/util/errors.js';

import {expectClose, expectNoLeak, shapeOf, testSeed, values} from './helpers.js';

const h = (p: number): number => -(p > 0 ? p * Math.log(p) : 0) - (p < 1 ? (1 - p) * Math.log(1 - p) : 0);

describe('Bernoulli', () => {
  it('logProb from probs: log p at 1 and log(1 − p) at 0', () => {
    expectClose(new Bernoulli({probs: 0.3}).logProb([1, 0]), [Math.log(0.3), Math.log(0.7)]);
  });

  it('logProb from logits: −log(1 + e^−l) at 1 and −log(1 + e^l) at 0', () => {
    expectClose(new Bernoulli({logits: 2}).logProb([1, 0]), [-Math.log1p(Math.exp(-2)), -Math.log1p(Math.exp(2))]);
  });

  it('logProb stays finite for large logits (softplus form): l = ±100', () => {
    // log(1 − sigmoid(100)) = −softplus(100) = −100 − log1p(e^−100) ≈ −100; log sigmoid(100) ≈ −3.7e−44.
    expectClose(new Bernoulli({logits: [100, -100]}).logProb([[0, 1], [1, 0]]), [-100, -100, 0, 0], 1e-6, 1e-6);
  });

  it('probs 0 and 1: logProb 0 / −∞ without NaN, entropy 0', () => {
    const d = new Bernoulli({probs: [0, 1]});
    expectClose(d.logProb([[0, 1], [1, 0]]), [0, 0, -Infinity, -Infinity]);
    expectClose(d.entropy(), [0, 0]);
  });

  it('mean = p, variance = p(1 − p), entropy = −p log p − (1 − p) log(1 − p), mode', () => {
    const d = new Bernoulli({probs: [0.3, 0.8]});
    expectClose(d.mean(), [0.3, 0.8]);
    expectClose(d.variance(), [0.21, 0.16]);
    expectClose(d.entropy(), [h(0.3), h(0.8)]);
    expectClose(d.mode(), [0, 1]);
    const l = new Bernoulli({logits: [0, Math.log(4)]});  // p = 0.5, 0.8
    expectClose(l.mean(), [0.5, 0.8]);
    expectClose(l.entropy(), [Math.LN2, h(0.8)]);
    expectClose(l.mode(), [0, 1]);
    expectClose(l.probs, [0.5, 0.8]);
    expectClose(new Bernoulli({probs: 0.8}).logits, [Math.log(4)]);
  });

  it('float32 0/1 samples of shape sampleShape + batch, mean within 5 standard errors; seeded', () => {
    const d = new Bernoulli({probs: [[0.1, 0.5, 0.9]]});
    expect(d.batchShape).toEqual([1, 3]);
    const n = 20000;
    const s = d.sample([n], testSeed());
    expect(s.shape).toEqual([n, 1, 3]);
    expect(s.dtype).toBe('float32');
    expect(shapeOf(d.logProb(s))).toEqual([n, 1, 3]);
    const m = values(tf.mean(s, 0));
    expect(values(s).every((v) => v === 0 || v === 1)).toBe(true);
    [0.1, 0.5, 0.9].forEach((p, i) => expect(Math.abs((m[i] as number) - p)).toBeLessThanOrEqual(5 * Math.sqrt(p * (1 - p) / n)));
    expect(values(d.sample([10], 5))).toEqual(values(d.sample([10], 5)));
  });

  it('KL(Bernoulli(q) ‖ Bernoulli(p)) = q log(q/p) + (1 − q) log((1 − q)/(1 − p))', () => {
    const kl = (q: number, p: number): number => q * Math.log(q / p) + (1 - q) * Math.log((1 - q) / (1 - p));
    expectClose(klDivergence(new Bernoulli({probs: [0.3, 0.9]}), new Bernoulli({probs: 0.6})), [kl(0.3, 0.6), kl(0.9, 0.6)]);
    expectClose(klDivergence(new Bernoulli({logits: 1}), new Bernoulli({logits: -1})),
        [kl(1 / (1 + Math.exp(-1)), 1 / (1 + Math.exp(1)))]);
    expectClose(klDivergence(new Bernoulli({probs: 0}), new Bernoulli({probs: 0.5})), [Math.LN2]);
  });

  it('refuses both or neither of logits / probs and probs outside [0, 1]', () => {
    expect(() => new Bernoulli({})).toThrowError(ValueError);
    expect(() => new Bernoulli({logits: 0, probs: 0.5})).toThrowError(/exactly one of logits and probs.*logits=0.*probs=0\.5/);
    expect(() => new Bernoulli({probs: 1.2})).toThrowError(/Bernoulli: probs must be in \[0, 1\]; got 1\.2/);
    expect(() => new Bernoulli({probs: [0.5, -0.1]})).toThrowError(/probs.*got -0\.1/);
  });

  it('keeps tf.memory().numTensors flat', () => {
    const q = new Bernoulli({logits: [0.5, -1]});
    const p = new Bernoulli({probs: 0.5});
    expectNoLeak(() => {
      const s = q.sample([4], 3);
      tf.dispose([s, q.logProb(s), q.entropy(), q.mean(), q.variance(), klDivergence(q, p), ...q.logProbs()]);
    });
  });
});
