// The KL registry (DISTRIBUTIONS.md §3): dispatch, result shapes, missing pairs, and gradients of
// the rules the layers differentiate.
import * as tf from '@tensorflow/tfjs';
import {describe, expect, it} from 'vitest';

import {
  Bernoulli, Categorical, crossEntropy, Deterministic, Distribution, Independent, JointDistributionSequential,
  klDivergence, lookupKL, MixtureSameFamily, MultivariateNormalDiag, Normal, OneHotCategorical, registerKL, Sample,
} from '../../src/distributions/index.js';
import {NotImplementedError, ValueError} from '../../src/util/errors.js';

import {expectClose, expectNoLeak, shapeOf, values} from './helpers.js';

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

describe('registerKL', () => {
  it('a fn that is not a function, or a class that is not one, is a TypeError naming it', () => {
    class A extends Normal {}
    expect(() => registerKL(A, A, 3 as never)).toThrowError(TypeError);
    expect(() => registerKL(A, A, 'kl' as never)).toThrowError(/^registerKL: fn must be a function \(q, p\) => Tensor; got "kl"\.$/);
    expect(() => registerKL({} as never, A, () => tf.scalar(0))).toThrowError(/^registerKL: classA and classB must be distribution classes; got/);
    expect(() => registerKL(A, A, () => tf.scalar(0), {override: 'yes'} as never)).toThrowError(ValueError);
    expect(lookupKL(new A({loc: 0, scale: 1}), new A({loc: 0, scale: 1}))).not.toBe(undefined);  // Normal's rule
  });

  it('registering a pair twice is a ValueError naming both classes, unless {override: true} (TFP raises too)', () => {
    class MyNormal extends Normal {}
    const first = (): tf.Tensor => tf.scalar(1);
    const second = (): tf.Tensor => tf.scalar(2);
    registerKL(MyNormal, MyNormal, first);
    const q = new MyNormal({loc: 0, scale: 1});
    expect(values(klDivergence(q, q))).toEqual([1]);  // the closest pair wins over Normal ‖ Normal
    expect(() => registerKL(MyNormal, MyNormal, second)).toThrowError(ValueError);
    expect(() => registerKL(MyNormal, MyNormal, second)).toThrowError(
        /^registerKL: KL\(MyNormal \|\| MyNormal\) has already been registered to function first; pass \{override: true\} to replace it\.$/);
    expect(values(klDivergence(q, q))).toEqual([1]);  // a refused registration changes nothing
    registerKL(MyNormal, MyNormal, second, {override: true});
    expect(values(klDivergence(q, q))).toEqual([2]);
  });

  // Every rule this package registers at module load: each pair holds exactly one rule, and
  // registering it again (what a second evaluation of a module would do) is refused.
  const ANY = Distribution as unknown as abstract new (...args: unknown[]) => Distribution;
  const INTERNAL: Array<[string, unknown, unknown]> = [
    ['Normal ‖ Normal', Normal, Normal],
    ['MultivariateNormalDiag ‖ MultivariateNormalDiag', MultivariateNormalDiag, MultivariateNormalDiag],
    ['Independent ‖ Independent', Independent, Independent],
    ['Deterministic ‖ Distribution', Deterministic, ANY],
    ['Bernoulli ‖ Bernoulli', Bernoulli, Bernoulli],
    ['Categorical ‖ Categorical', Categorical, Categorical],
    ['OneHotCategorical ‖ OneHotCategorical', OneHotCategorical, OneHotCategorical],
    ['Sample ‖ Sample', Sample, Sample],
    ['JointDistributionSequential ‖ JointDistributionSequential', JointDistributionSequential, JointDistributionSequential],
  ];
  for (const [what, a, b] of INTERNAL) {
    it(`the internal rule ${what} is registered once and protected from a second registration`, () => {
      expect(() => registerKL(a as never, b as never, () => tf.scalar(0))).toThrowError(/has already been registered/);
    });
  }
  it('the internal rules still compute after the refused re-registrations', () => {
    expectClose(klDivergence(new Normal({loc: 1, scale: 2}), new Normal({loc: 0, scale: 1})), [1.3068528194]);
    expectClose(klDivergence(new Deterministic({loc: 0.3}), new Normal({loc: 0, scale: 1})), [0.9639385332]);
  });
});

describe('Distribution.klDivergence / crossEntropy and crossEntropy(q, p)', () => {
  const q = (): Normal => new Normal({loc: 0, scale: 1});
  const p = (): Normal => new Normal({loc: 1, scale: 2});

  it('q.klDivergence(p) is the registry KL: KL(N(0,1) ‖ N(1,2)) = 0.4431471806 (ORACLES §2)', () => {
    expectClose(q().klDivergence(p()), [0.4431471806]);
    expectClose(p().klDivergence(q()), [1.3068528194]);
  });

  it('cross entropy = H[q] + KL = −E_q log p = log(σp√(2π)) + (σq² + (μq − μp)²)/(2σp²) = 1.8620857', () => {
    // Closed form of −E_q[log N(X; 1, 2)] for X ~ N(0, 1): log(2√(2π)) + (1 + 1)/8.
    const expected = Math.log(2 * Math.sqrt(2 * Math.PI)) + 2 / 8;
    expectClose(q().crossEntropy(p()), [expected]);
    expectClose(crossEntropy(q(), p()), [expected]);
    expectClose(crossEntropy(q(), q()), [1.4189385332]);  // H[q, q] = H[q]
  });

  it('crossEntropy has shape broadcast(q.batchShape, p.batchShape) and sums MVNDiag terms', () => {
    const qa = new Normal({loc: tf.zeros([3, 1]), scale: 1});
    expect(shapeOf(crossEntropy(qa, new Normal({loc: [0, 1], scale: 2})))).toEqual([3, 2]);
    const mq = new MultivariateNormalDiag({loc: [0, 0]});
    const mp = new MultivariateNormalDiag({loc: [1, 1], scaleDiag: [2, 2]});
    expectClose(mq.crossEntropy(mp), [2 * (Math.log(2 * Math.sqrt(2 * Math.PI)) + 2 / 8)]);
  });

  it('a pair with no rule is a NotImplementedError naming both classes, for the method and the function', () => {
    expect(() => q().crossEntropy(new Deterministic({loc: 0}))).toThrowError(NotImplementedError);
    expect(() => crossEntropy(q(), new Bernoulli({probs: 0.5}))).toThrowError(/distribution_a type Normal and distribution_b type Bernoulli/);
    expect(() => q().klDivergence(new Bernoulli({probs: 0.5}))).toThrowError(/type Normal and distribution_b type Bernoulli/);
  });

  it('keeps tf.memory().numTensors flat', () => {
    const a = q();
    const b = p();
    expectNoLeak(() => {
      tf.dispose([a.crossEntropy(b), crossEntropy(a, b), a.klDivergence(b)]);
    });
  });
});
