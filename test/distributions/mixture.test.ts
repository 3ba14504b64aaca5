// Mixture of components of different types: densities and CDFs against scipy 1.17 (the weighted
// sum of stats.norm and stats.logistic, float64), moments by the law of total variance computed
// here from closed-form component moments, sampling at 5 standard errors, typed errors.
import * as tf from '@tensorflow/tfjs';
import {describe, expect, it} from 'vitest';

import {
  Categorical, klDivergence, Logistic, Mixture, MultivariateNormalDiag, MultivariateNormalTriL, Normal, Poisson,
} from '../../src/distributions/index.js';
import {NotImplementedError, ValueError} from '../../src/util/errors.js';

import {expectClose, expectMoments, expectNoLeak, shapeOf, testSeed, values} from './helpers.js';

// 0.3·N(−1, 0.5) + 0.7·Logistic(2, 1).
const W = [0.3, 0.7];
const mix = (): Mixture => new Mixture({
  cat: new Categorical({probs: W}),
  components: [new Normal({loc: -1, scale: 0.5}), new Logistic({loc: 2, scale: 1})],
});
// Component moments in closed form: Normal (μ, σ²) and Logistic (μ, s²π²/3), 4th central moments
// 3σ⁴ and 4.2·v² (logistic excess kurtosis 6/5).
const M = [-1, 2];
const V = [0.25, Math.PI ** 2 / 3];
const K4 = [3 * 0.25 ** 2, 4.2 * (Math.PI ** 2 / 3) ** 2];
const MEAN = W[0]! * M[0]! + W[1]! * M[1]!;
const VAR = W.reduce((s, w, k) => s + w * (V[k]! + (M[k]! - MEAN) ** 2), 0);
// E[(X − m)⁴] = Σ π_k (d⁴ + 6d²v + μ4) with d = μ_k − m.
const MU4 = W.reduce((s, w, k) => s + w * ((M[k]! - MEAN) ** 4 + 6 * (M[k]! - MEAN) ** 2 * V[k]! + K4[k]!), 0);

describe('Mixture', () => {
  it('logProb = log(0.3·norm(−1, 0.5).pdf + 0.7·logistic(2, 1).pdf) (scipy)', () => {
    expectClose(mix().logProb([-3, -1, 0, 2, 5]),
        [-5.35299790591, -1.30567693843, -2.24535361253, -1.74296928423, -3.45384964709], 1e-6);
  });

  it('cdf = Σ π_k F_k and logCdf = logsumexp(log π_k + log F_k), finite where every F_k underflows (scipy)', () => {
    expectClose(mix().cdf([-3, -1, 0, 2, 5]), [0.00469449701955, 0.183198111224, 0.376617005831, 0.649999999704, 0.966801888776], 1e-6);
    expectClose(mix().logCdf([-30, -8]), [-32.3566749439, -10.3567203428], 1e-6);
  });

  it(`mean = Σ π_k μ_k = ${MEAN.toFixed(4)}; variance by the law of total variance = ${VAR.toFixed(6)}`, () => {
    expectClose(mix().mean(), [MEAN]);
    expectClose(mix().variance(), [VAR]);
    expectClose(mix().stddev(), [Math.sqrt(VAR)]);
  });

  it('sample moments within 5 SE (se(s²) = σ²·√((κ − 1)/n), κ = μ₄/σ⁴ from the component moments)', () => {
    const n = 20000;
    const s = mix().sample([n], testSeed());
    expect(s.shape).toEqual([n]);
    expectMoments(s, [MEAN], [VAR], 5, MU4 / VAR ** 2);
    s.dispose();
  });

  it('sampling picks component k with probability π_k: fraction of draws > 0 for N(−10, 0.1) vs N(10, 0.1) within 5 SE', () => {
    const n = 20000;
    const m = new Mixture({cat: new Categorical({probs: [0.25, 0.75]}),
      components: [new Normal({loc: -10, scale: 0.1}), new Normal({loc: 10, scale: 0.1})]});
    const v = values(m.sample([n], testSeed(3)));
    const frac = v.filter((x) => x > 0).length / n;
    expect(Math.abs(frac - 0.75)).toBeLessThanOrEqual(5 * Math.sqrt(0.75 * 0.25 / n));
  });

  it('sampling is seeded and reproducible', () => {
    expect(values(mix().sample([5], 9))).toEqual(values(mix().sample([5], 9)));
    expect(values(mix().sample([5], 9))).not.toEqual(values(mix().sample([5], 10)));
  });

  it('multivariate components of two types (MVNDiag, MVNTriL): logProb = log Σ π_k N(x; μ_k, Σ_k), shapes', () => {
    const m = new Mixture({cat: new Categorical({logits: [0, Math.log(3)]}),  // π = [¼, ¾]
      components: [new MultivariateNormalDiag({loc: [0, 0], scaleDiag: [1, 2]}),
        new MultivariateNormalTriL({loc: [1, -1], scaleTril: [[1, 0], [0.5, 0.5]]})]});
    expect(m.eventShape).toEqual([2]);
    const x = [0.5, 0.5];
    // N(x; 0, diag(1, 4)) and N(x; (1, −1), [[1, .5], [.5, .5]]) in float64 (2 × 2 inverse by hand).
    const n1 = Math.exp(-0.5 * (0.25 + 0.25 / 4)) / (2 * Math.PI * 2);
    const d = [-0.5, 1.5];
    const det = 1 * 0.5 - 0.25;
    const q = (0.5 * d[0]! ** 2 - 2 * 0.5 * d[0]! * d[1]! + 1 * d[1]! ** 2) / det;
    const n2 = Math.exp(-0.5 * q) / (2 * Math.PI * Math.sqrt(det));
    expectClose(m.logProb(x), [Math.log(0.25 * n1 + 0.75 * n2)], 1e-5);
    expectClose(m.mean(), [0.75, -0.75]);
    const s = m.sample([4], testSeed());
    expect(s.shape).toEqual([4, 2]);
    expect(shapeOf(m.logProb(s))).toEqual([4]);
    s.dispose();
  });

  it('batch = broadcast(cat.batch, components\' batches): a scalar cat over [3]-batched components', () => {
    const m = new Mixture({cat: new Categorical({probs: [0.5, 0.5]}),
      components: [new Normal({loc: [0, 1, 2], scale: 1}), new Logistic({loc: 0, scale: [1, 2, 3]})]});
    expect(m.batchShape).toEqual([3]);
    const s = m.sample([4, 5], testSeed());
    expect(s.shape).toEqual([4, 5, 3]);
    expect(shapeOf(m.logProb(s))).toEqual([4, 5, 3]);
    s.dispose();
    for (const t of [m.mean(), m.variance(), m.entropyLowerBound()]) expect(shapeOf(t)).toEqual([3]);
    const mb = new Mixture({cat: new Categorical({logits: tf.zeros([2, 1, 2])}),
      components: [new Normal({loc: [0, 1, 2], scale: 1}), new Normal({loc: 5, scale: 1})]});
    expect(mb.batchShape).toEqual([2, 3]);
    expect(shapeOf(mb.sample([4], 1))).toEqual([4, 2, 3]);
  });

  it('entropyLowerBound = Σ π_k H_k; entropy and KL are not implemented (TFP has neither)', () => {
    // H[N(·, 0.5)] = 0.7257913526 (ORACLES §2), H[Logistic(·, 1)] = 2.
    expectClose(mix().entropyLowerBound(), [0.3 * 0.7257913526 + 0.7 * 2]);
    expect(() => mix().entropy()).toThrowError(NotImplementedError);
    expect(() => klDivergence(mix(), mix())).toThrowError(/distribution_a type Mixture and distribution_b type Mixture/);
  });

  it('Poisson components mix as counts (float32): mean and variance by the law of total variance', () => {
    const m = new Mixture({cat: new Categorical({probs: [0.5, 0.5]}), components: [new Poisson({rate: 1}), new Poisson({rate: 9})]});
    expectClose(m.mean(), [5]);
    expectClose(m.variance(), [0.5 * 1 + 0.5 * 9 + 0.5 * 16 + 0.5 * 16]);
    expectClose(m.logProb(0), [Math.log(0.5 * Math.exp(-1) + 0.5 * Math.exp(-9))], 1e-6);
  });

  it('typed errors name the argument and the value', () => {
    const n = new Normal({loc: 0, scale: 1});
    const cat2 = new Categorical({probs: [0.5, 0.5]});
    expect(() => new Mixture({cat: n as never, components: [n, n]})).toThrowError(/^Mixture: cat must be a Categorical; got <Normal>\.$/);
    expect(() => new Mixture({cat: cat2, components: n as never})).toThrowError(TypeError);
    expect(() => new Mixture({cat: cat2, components: []})).toThrowError(/^Mixture: components must be a non-empty array; got \[\]\.$/);
    expect(() => new Mixture({cat: cat2, components: [n, 3 as never]})).toThrowError(/^Mixture: components\[1\] must be a Distribution; got 3\.$/);
    expect(() => new Mixture({cat: cat2, components: [n, cat2]})).toThrowError(/components\[1\] \(Categorical\) of "int32"/);
    expect(() => new Mixture({cat: cat2, components: [n, new MultivariateNormalDiag({loc: [0, 0]})]}))
        .toThrowError(/^Mixture: every component must have the eventShape of components\[0\] \[\]; got components\[1\].eventShape \[2\]\.$/);
    expect(() => new Mixture({cat: cat2, components: [n, n, n]})).toThrowError(ValueError);
    expect(() => new Mixture({cat: cat2, components: [n, n, n]})).toThrowError(/cat.numClasses must equal the number of components 3; got 2/);
    expect(() => new Mixture({cat: cat2, components: [new Normal({loc: [0, 1], scale: 1}), new Normal({loc: [0, 1, 2], scale: 1})]}))
        .toThrowError(/components\[1\].batchShape must broadcast .*got \[3\]/);
    expect(() => new Mixture({cat: cat2, component: [n, n]} as never)).toThrowError(/did you mean components/);
  });

  it('keeps tf.memory().numTensors flat', () => {
    const m = mix();
    expectNoLeak(() => {
      const s = m.sample([3], 1);
      tf.dispose([s, m.logProb(s), m.cdf(s), m.logCdf(s), m.mean(), m.variance(), m.entropyLowerBound()]);
    });
  });
});
