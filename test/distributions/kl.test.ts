// The KL registry (DISTRIBUTIONS.md §3): dispatch, result shapes, missing pairs, and gradients of
// the rules the layers differentiate.
import * as tf from '@tensorflow/tfjs';
import {describe, expect, it} from 'vitest';

import {
  Bernoulli, Categorical, Deterministic, Independent, klDivergence, lookupKL, MixtureSameFamily,
  MultivariateNormalDiag, Normal, Sample,
} from '../../src/distributions/index.js';
import {NotImplementedError} from '../../src/util/errors.js';

import {expectClose, shapeOf} from './helpers.js';

const spikeAndSlab = (): MixtureSameFamily => new MixtureSameFamily({
  mixtureDistribution: new Categorical({probs: [0.5, 0.5]}),
  componentsDistribution: new Normal({loc: 0, scale: [1, 2000]}),
});

describe('klDivergence', () => {
  it('the message of a missing pair names both classes (DISTRIBUTIONS.md §3)', () => {
    expect(() => klDivergence(new Normal({loc: 0, scale: 1}), new Deterministic({loc: 0})))
        .toThrowError(new NotImplementedError('No KL(distribution_a || distribution_b) registered for ' +
            'distribution_a type Normal and distribution_b type Deterministic.'));
    expect(() => klDivergence(new Bernoulli({probs: 0.5}), new Categorical({probs: [0.5, 0.5]})))
        .toThrowError(/Bernoulli.*Categorical/);
  });

  it('result shape is broadcast(q.batchShape, p.batchShape)', () => {
    const q = new Normal({loc: tf.zeros([3, 1]), scale: 1});
    const p = new Normal({loc: [0, 1], scale: 2});
    expect(shapeOf(klDivergence(q, p))).toEqual([3, 2]);
    const qi = new Independent({distribution: new Normal({loc: tf.zeros([4, 2]), scale: 1}), reinterpretedBatchNdims: 1});
    const pi = new Independent({distribution: new Normal({loc: tf.zeros([2]), scale: 2}), reinterpretedBatchNdims: 1});
    expect(shapeOf(klDivergence(qi, pi))).toEqual([4]);
    expect(shapeOf(klDivergence(new Bernoulli({probs: [0.1, 0.2]}), new Bernoulli({logits: 0})))).toEqual([2]);
  });

  it('Deterministic ‖ any is −p.logProb(loc), including a mixture p (TFP dispatches it the same way)', () => {
    // −log spike-and-slab(0) = 1.6115858 (ORACLES §8).
    expectClose(klDivergence(new Deterministic({loc: 0}), spikeAndSlab()), [1.6115858]);
    expect(lookupKL(new Deterministic({loc: 0}), new Normal({loc: 0, scale: 1}))).toBeDefined();
    // −log N(0.3; 0, 1) per element, summed over MVNDiag's event: 2·0.9639385332.
    expectClose(klDivergence(new Deterministic({loc: [0.3, 0.3]}), new MultivariateNormalDiag({loc: [0, 0]})),
        [2 * 0.9639385332]);
  });

  it('Independent(Deterministic) ‖ Independent(Normal) dispatches to the Independent rule', () => {
    const q = new Independent({distribution: new Deterministic({loc: [0.3, -0.2]}), reinterpretedBatchNdims: 1});
    const p = new Independent({distribution: new Normal({loc: [0, 0], scale: 1}), reinterpretedBatchNdims: 1});
    expectClose(klDivergence(q, p), [1.9028770664]);
  });

  it('its gradient w.r.t. the Deterministic loc is loc (∂/∂a of −log N(a; 0, 1))', () => {
    const g = tf.grad((loc: tf.Tensor) => klDivergence(
        new Independent({distribution: new Deterministic({loc}), reinterpretedBatchNdims: 1}),
        new Independent({distribution: new Normal({loc: [0, 0], scale: 1}), reinterpretedBatchNdims: 1})))(
        tf.tensor1d([0.3, -0.2]));
    expectClose(g, [0.3, -0.2]);
  });

  it('a Deterministic logProb can sit on a gradient tape (zero gradient, no error)', () => {
    const g = tf.grad((loc: tf.Tensor) => new Deterministic({loc}).logProb(0.3))(tf.scalar(0.3));
    expectClose(g, [0]);
  });

  it('MVNDiag KL is differentiable: ∂/∂μ = μ for KL(MVNDiag(μ, 1) ‖ MVNDiag(0, 1))', () => {
    const g = tf.grad((loc: tf.Tensor) => klDivergence(new MultivariateNormalDiag({loc, scaleDiag: [1, 1]}),
        new MultivariateNormalDiag({loc: [0, 0]})))(tf.tensor1d([0.5, -1]));
    expectClose(g, [0.5, -1]);
  });

  it('Bernoulli KL is differentiable in the logits: ∂KL/∂l_q = σ′(l_q)·(l_q − l_p)', () => {
    const lq = 0.7;
    const lp = -0.4;
    const g = tf.grad((l: tf.Tensor) => klDivergence(new Bernoulli({logits: l}), new Bernoulli({logits: lp})))(tf.scalar(lq));
    const s = 1 / (1 + Math.exp(-lq));
    expectClose(g, [s * (1 - s) * (lq - lp)]);
  });

  it('spike-and-slab log p(w) is differentiable in w: ∂/∂w = −w·Σ_k r_k / s_k² (r = responsibilities)', () => {
    const w = 3;
    const dens = [1, 2000].map((s) => 0.5 * Math.exp(-0.5 * (w / s) ** 2) / s);
    const [d0, d1] = dens as [number, number];
    const total = d0 + d1;
    const expected = -w * (d0 / total / 1 + d1 / total / 2000 ** 2);
    const g = tf.grad((x: tf.Tensor) => spikeAndSlab().logProb(x))(tf.scalar(w));
    expectClose(g, [expected], 1e-4);
  });

  it('Sample(mixture) logProb is differentiable in w (the nn Monte Carlo KL needs it)', () => {
    const prior = new Sample({distribution: spikeAndSlab(), sampleShape: [2]});
    const g = tf.grad((x: tf.Tensor) => prior.logProb(x))(tf.tensor1d([0, 0]));
    expectClose(g, [0, 0]);
  });
});
