// Oracles: ORACLES.md §2–4, §9, §11, §12 (kernel example μ, u, b) and tfjs's own dense layer.
import * as tf from '@tensorflow/tfjs';
import {describe, expect, it} from 'vitest';

import * as tfp from '../../src/index.js';
import type {Distribution} from '../../src/distributions/index.js';
import {expectClose, expectMoments, fixedNoise, softplusInverse, testSeed} from '../helpers/oracles.js';

const MU = [[0.1, -0.2], [0.3, 0.4]];
const U = [[-3, -2], [-1, 0]];
const B = [0.5, -0.5];

type DenseFactory = (args: tfp.layers.DenseVariationalArgs) => tfp.layers.VariationalDense;
const FACTORIES: Array<[string, DenseFactory]> = [
  ['DenseReparameterization', tfp.layers.denseReparameterization],
  ['DenseFlipout', tfp.layers.denseFlipout],
  ['DenseLocalReparameterization', tfp.layers.denseLocalReparameterization],
];

/** A built layer with the kernel example's posterior (and bias b unless noBias). */
function exampleLayer(factory: DenseFactory, args: Partial<tfp.layers.DenseVariationalArgs> = {},
    u: number[][] = U): tfp.layers.VariationalDense {
  const layer = factory({units: 2, ...args});
  layer.build([null, 2]);
  const weights: tf.Tensor[] = [tf.tensor2d(MU), tf.tensor2d(u)];
  if (args.biasPosteriorFn !== null) weights.push(tf.tensor1d(B));
  layer.setWeights(weights);
  return layer;
}

/** The kernel's Normal: posterior.distribution (Independent(Normal)). */
function inner(d: Distribution): tfp.distributions.Normal {
  return (d as unknown as {distribution: tfp.distributions.Normal}).distribution;
}

describe('DenseReparameterization', () => {
  it('with injected ε returns x@(μ + σ⊙ε) + b and the oracle gradients (ORACLES §3)', () => {
    const eps = tf.tensor2d([[0.5, -1], [2, 0]]);
    const layer = exampleLayer(tfp.layers.denseReparameterization, {
      kernelPosteriorTensorFn: (d) => tf.add(inner(d).loc, tf.mul(inner(d).scale, eps)),
    });
    const x = tf.tensor2d([[1, 2]]);
    expectClose(layer.apply(x) as tf.Tensor, [2.4773404, -0.0269280]);
    const {grads} = tf.variableGrads(() => tf.sum(layer.apply(x) as tf.Tensor) as tf.Scalar,
        layer.trainableWeights.map((w) => w.read() as tf.Variable));
    const [gLoc, gU, gB] = layer.trainableWeights.map((w) => grads[(w.read() as tf.Variable).name] as tf.Tensor);
    expectClose(gLoc as tf.Tensor, [[1, 1], [2, 2]]);
    expectClose(gU as tf.Tensor, [[0.0237129, -0.1192029], [1.0757657, 0]]);
    expectClose(gB as tf.Tensor, [1, 1]);
  });

  it('shares one kernel draw across the rows of a batch (identical rows stay identical)', () => {
    const layer = exampleLayer(tfp.layers.denseReparameterization, {seed: testSeed()});
    const y = (layer.apply(tf.tensor2d([[1, 2], [1, 2], [1, 2]])) as tf.Tensor).arraySync() as number[][];
    expect(y[1]).toEqual(y[0]);
    expect(y[2]).toEqual(y[0]);
  });
});

describe('DenseFlipout', () => {
  it('with injected ΔW and signs returns x@μ + ((x⊙s_in)@ΔW)⊙s_out (ORACLES §3)', () => {
    const layer = exampleLayer(tfp.layers.denseFlipout, {biasPosteriorFn: null,
      kernelPosteriorTensorFn: () => tf.tensor2d([[0.1, -0.2], [0.05, 0.3]])});
    layer.noise = fixedNoise([tf.tensor2d([[1, -1], [-1, -1]]), tf.tensor2d([[-1, 1], [1, 1]])]);
    expectClose(layer.apply(tf.tensor2d([[1, 2], [3, -1]])) as tf.Tensor, [[0.7, -0.2], [-0.25, -0.1]]);
  });

  it('with all signs +1 equals x@(μ + ΔW) (ORACLES §3)', () => {
    const layer = exampleLayer(tfp.layers.denseFlipout, {biasPosteriorFn: null,
      kernelPosteriorTensorFn: () => tf.tensor2d([[0.1, -0.2], [0.05, 0.3]])});
    layer.noise = fixedNoise([tf.ones([2, 2]), tf.ones([2, 2])]);
    expectClose(layer.apply(tf.tensor2d([[1, 2], [3, -1]])) as tf.Tensor, [[0.9, 1.0], [0.25, -1.9]]);
  });

  it('seeds 44 and 45 give different signs; the same seed repeats the sequence (ORACLES §11)', () => {
    const x = tf.ones([16, 2]);
    const run = (seed: number): number[][] => {
      const layer = exampleLayer(tfp.layers.denseFlipout, {seed});
      return [0, 1].map(() => Array.from((layer.apply(x) as tf.Tensor).dataSync()));
    };
    const a = run(44);
    const a2 = run(44);
    const b = run(45);
    expect(a2).toEqual(a);
    expect(a[1]).not.toEqual(a[0]);                       // fresh noise on every call
    const same = (a[0] as number[]).filter((v, i) => v === (b[0] as number[])[i]).length;
    expect(same).toBeLessThan(2);                          // fewer coincidences than units
  });
});

describe('DenseLocalReparameterization', () => {
  it('with injected ε returns m + s⊙ε and zero rows give 0 (ORACLES §3)', () => {
    const eps = tf.tensor2d([[1, -1], [0.3, 2]]);
    const layer = exampleLayer(tfp.layers.denseLocalReparameterization, {biasPosteriorFn: null,
      kernelPosteriorTensorFn: (d) => {
        const n = d as tfp.distributions.Normal;
        return tf.add(n.loc, tf.mul(n.scale, eps));
      }});
    expectClose(layer.apply(tf.tensor2d([[1, 2], [0, 0]])) as tf.Tensor,
        [[1.3284045, -0.7920929], [0, 0]]);
  });

  it('gives finite scale gradients on an all-zero input row (TFP gives NaN; LAYERS.md §2.5)', () => {
    const layer = exampleLayer(tfp.layers.denseLocalReparameterization, {seed: testSeed()});
    const x = tf.tensor2d([[0, 0], [1, 2]]);
    const {grads} = tf.variableGrads(() => tf.sum(layer.apply(x) as tf.Tensor) as tf.Scalar,
        layer.trainableWeights.map((w) => w.read() as tf.Variable));
    for (const g of Object.values(grads)) expect(Array.from(g.dataSync()).every(Number.isFinite)).toBe(true);
  });

  it('moments stay exact for |x| from 1e-30 to 2.5e38, where x ⊙ x over/underflows float32 (float64 reference)', () => {
    // Rows whose squares overflow (1e20, 2.5e38), underflow (1e-30) or are ordinary.
    const rows = [[1e20, -3e19], [3e-30, 1e-30], [1, 2], [0, 0], [-2.5e38, 1e38], [1e20, 1e-20]];
    let seen: {loc: number[]; scale: number[]} | undefined;
    const layer = exampleLayer(tfp.layers.denseLocalReparameterization, {biasPosteriorFn: null,
      kernelPosteriorTensorFn: (d) => {
        const n = d as tfp.distributions.Normal;
        seen = {loc: Array.from(n.loc.dataSync()), scale: Array.from(n.scale.dataSync())};
        return n.loc;
      }});
    const x = tf.tensor2d(rows);
    const y = layer.apply(x) as tf.Tensor;
    expect(Array.from(y.dataSync()).every(Number.isFinite)).toBe(true);
    // float64: the stored float32 weights (μ, u), σ = eps + softplus(u), m = x@μ, s = √((x⊙x)@(σ⊙σ)).
    const xs = Array.from(x.dataSync());
    const mu = Array.from(tf.tensor2d(MU).dataSync());
    const sigma = Array.from(tf.tensor2d(U).dataSync()).map((u) => 1.1920929e-7 + Math.log1p(Math.exp(u)));
    const mean: number[] = [];
    const sd: number[] = [];
    for (let r = 0; r < rows.length; r++) {
      for (let j = 0; j < 2; j++) {
        let m = 0;
        let v = 0;
        for (let i = 0; i < 2; i++) {
          const xi = xs[2 * r + i] as number;
          m += xi * (mu[2 * i + j] as number);
          v += (xi * (sigma[2 * i + j] as number)) ** 2;
        }
        mean.push(m);
        sd.push(Math.sqrt(v));
      }
    }
    expectClose(seen!.loc, mean, 0, 1e-6);
    expectClose(seen!.scale, sd, 0, 1e-6);
  });

  it('moment gradients are finite at |x| = 1e20 (the scale is exact for the gradient too)', () => {
    const layer = exampleLayer(tfp.layers.denseLocalReparameterization, {seed: testSeed()});
    const x = tf.tensor2d([[1e20, -3e19], [1, 2]]);
    const {grads} = tf.variableGrads(() => tf.sum(layer.apply(x) as tf.Tensor) as tf.Scalar,
        layer.trainableWeights.map((w) => w.read() as tf.Variable));
    for (const g of Object.values(grads)) expect(Array.from(g.dataSync()).every(Number.isFinite)).toBe(true);
  });

  it('refuses a posterior that is not Independent(Normal), naming the class (ORACLES §12)', () => {
    for (const [name, factory] of [FACTORIES[1], FACTORIES[2]] as Array<[string, DenseFactory]>) {
      const layer = factory({units: 2,
        kernelPosteriorFn: tfp.layers.util.defaultMeanFieldNormalFn({isSingular: true}),
        kernelPriorFn: null});
      expect(() => layer.apply(tf.ones([1, 2]))).toThrowError(
          new RegExp(`${name}.*Independent\\(Normal\\).*saw: "Independent\\(Deterministic\\)"`));
    }
  });
});

describe('every dense estimator', () => {
  for (const [name, factory] of FACTORIES) {
    it(`${name}: tensor fn = mean gives x@μ + b (ORACLES §3)`, () => {
      const layer = exampleLayer(factory, {kernelPosteriorTensorFn: tfp.layers.util.meanTensorFn});
      expectClose(layer.apply(tf.tensor2d([[1, 2]])) as tf.Tensor, [1.2, 0.1]);
    });

    it(`${name}: with σ → 0 equals tfjs's dense layer with kernel μ (to 1e-5)`, () => {
      const layer = exampleLayer(factory, {seed: testSeed()}, [[-30, -30], [-30, -30]]);
      const dense = tf.layers.dense({units: 2, activation: 'linear'});
      dense.build([null, 2]);
      dense.setWeights([tf.tensor2d(MU), tf.tensor1d(B)]);
      const x = tf.tensor2d([[1, 2], [-0.5, 3], [0, 1]]);
      expectClose(layer.apply(x) as tf.Tensor, (dense.apply(x) as tf.Tensor).arraySync() as number[][]);
    });

    it(`${name}: output moments equal N(x@μ + b, (x⊙x)@(σ⊙σ)) within 5 SE (ORACLES §4)`, () => {
      const layer = exampleLayer(factory, {seed: testSeed()});
      const x = tf.tensor2d([[1, 2], [1, 2]]);
      const n = 2000;
      const draws = Array.from({length: n}, () => tf.tidy(() => (layer.apply(x) as tf.Tensor).dataSync()));
      const variance = [0.3948923, 1.9379228];
      expectMoments(draws, {mean: [1.2, 0.1, 1.2, 0.1], variance: [...variance, ...variance]}, 5);
      // Cross-row covariance of unit 0: one draw per call (reparameterization) ⇒ var; else 0.
      const cov = draws.reduce((s, d) => s + ((d[0] as number) - 1.2) * ((d[2] as number) - 1.2), 0) / n;
      const expected = name === 'DenseReparameterization' ? variance[0] as number : 0;
      expect(Math.abs(cov - expected)).toBeLessThan(5 * (variance[0] as number) * Math.sqrt(2 / n));
    });

    it(`${name}: adds exactly the kernel KL 5.0642852 as its one loss (ORACLES §2, §9)`, () => {
      const layer = factory({units: 2});
      expect(layer.losses.length).toBe(0);
      layer.apply(tf.ones([1, 2]));
      layer.setWeights([tf.tensor2d(MU), tf.tensor2d(U), tf.tensor1d(B)]);
      layer.apply(tf.ones([1, 2]));
      layer.apply(tf.ones([3, 2]));
      expect(layer.losses.length).toBe(1);
      const loss = (layer.losses[0] as () => tf.Tensor)();
      expect(loss.shape).toEqual([]);
      expectClose(loss, [5.0642852], 1e-4);
      expectClose(layer.kl(), [5.0642852], 1e-4);
    });

    it(`${name}: with a bias posterior and prior adds two losses (ORACLES §9)`, () => {
      const layer = factory({units: 2,
        biasPosteriorFn: tfp.layers.util.defaultMeanFieldNormalFn(),
        biasPriorFn: tfp.layers.util.defaultMultivariateNormalFn});
      layer.apply(tf.ones([1, 3]));
      expect(layer.losses.length).toBe(2);
      expect(layer.trainableWeights.length).toBe(4);
    });

    it(`${name}: gradients reach every posterior variable, also on zero input (ORACLES §9)`, () => {
      const layer = factory({units: 1, inputShape: [1], biasPosteriorFn: tfp.layers.util.defaultMeanFieldNormalFn(),
        biasPriorFn: tfp.layers.util.defaultMultivariateNormalFn});
      const model = tf.sequential({layers: [layer]});
      const x = tf.zeros([1, 1]);
      layer.apply(x);
      const {grads} = tf.variableGrads(() => tf.add(tf.sum(model.apply(x) as tf.Tensor),
          tfp.layers.totalDivergence(model)) as tf.Scalar,
          layer.trainableWeights.map((w) => w.read() as tf.Variable));
      expect(Object.keys(grads).length).toBe(4);
      for (const g of Object.values(grads)) expect(Array.from(g.dataSync()).every(Number.isFinite)).toBe(true);
    });

    it(`${name}: the same seed and initial variables repeat outputs call by call (ORACLES §11)`, () => {
      const make = (): tfp.layers.VariationalDense => exampleLayer(factory, {seed: 7});
      const a = make();
      const b = make();
      const x = tf.tensor2d([[1, 2], [3, 4]]);
      for (let i = 0; i < 3; i++) {
        expect(Array.from((a.apply(x) as tf.Tensor).dataSync()))
            .toEqual(Array.from((b.apply(x) as tf.Tensor).dataSync()));
      }
    });

    it(`${name}: works on rank-3 inputs [B, T, in] → [B, T, units]`, () => {
      const layer = factory({units: 3, seed: 1});
      expect((layer.apply(tf.ones([2, 4, 5])) as tf.Tensor).shape).toEqual([2, 4, 3]);
      expect(layer.computeOutputShape([null, 4, 5])).toEqual([null, 4, 3]);
    });

    it(`${name}: refuses bad units, naming the value`, () => {
      for (const units of [0, -1, 1.5, '3']) {
        expect(() => factory({units: units as number})).toThrowError(
            new RegExp(`${name}: units must be a positive integer; got ${JSON.stringify(units).replace('.', '\\.')}`));
      }
    });

    it(`${name}: refuses an input whose last dimension is unknown or rank < 2`, () => {
      expect(() => factory({units: 2}).build([null, null])).toThrowError(/last dimension.*should be defined/);
      expect(() => factory({units: 2}).build([3])).toThrowError(/rank ≥ 2.*got shape \[3\]/);
    });
  }

  it('an analytic KL with no registered pair fails at the first call naming both classes (ORACLES §12)', () => {
    const mixturePrior: tfp.layers.util.DistributionFn = () => new tfp.distributions.MixtureSameFamily({
      mixtureDistribution: new tfp.distributions.Categorical({probs: [0.5, 0.5]}),
      componentsDistribution: new tfp.distributions.Normal({loc: 0, scale: [1, 2000]}),
    });
    const layer = tfp.layers.denseReparameterization({units: 1, kernelPriorFn: mixturePrior});
    expect(() => layer.apply(tf.ones([1, 1]))).toThrowError(/Independent.*MixtureSameFamily/);
  });
});
