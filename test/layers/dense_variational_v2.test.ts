// DenseVariational (LAYERS.md §4): ORACLES.md §8 value and KL numbers with an injected draw, the
// row-major layout against tfjs's own dense layer, the Monte Carlo KL's mean, loss bookkeeping,
// errors, an epistemic-uncertainty regression trained with model.fit, and save/load.
import {mkdtempSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {join} from 'node:path';

import * as tf from '@tensorflow/tfjs';
import {describe, expect, it} from 'vitest';

import {Deterministic, Independent, Normal} from '../../src/distributions/index.js';
import {DenseVariational, denseVariational, distributionLambda, posteriorMeanField, priorStandardNormal,
  priorTrainable, variableLayer} from '../../src/layers/index.js';
import type {MakeDistributionFn} from '../../src/layers/index.js';
import {ValueError} from '../../src/util/errors.js';

import {expectClose, testSeed} from '../helpers/oracles.js';

/** Independent(Normal(loc, scale), 1) whose draw uses the injected ε: `w = loc + scale ⊙ ε`. */
class InjectedNormal extends Independent {
  constructor(loc: number[], scale: number[], private readonly eps: number[]) {
    super({distribution: new Normal({loc, scale}), reinterpretedBatchNdims: 1});
  }

  override sample(): tf.Tensor {
    return tf.tidy(() => tf.add(this.mean(), tf.mul(this.stddev(), tf.tensor1d(this.eps))));
  }
}

const fixedPosterior = (loc: number[], scale: number[], eps: number[]): MakeDistributionFn =>
  () => () => new InjectedNormal(loc, scale, eps);
const standardPrior: MakeDistributionFn = (k, b) => () =>
  new Independent({distribution: new Normal({loc: new Array<number>(k + b).fill(0), scale: 1}), reinterpretedBatchNdims: 1});

function scalarOf(t: tf.Tensor): number {
  expect(t.shape).toEqual([]);
  return t.dataSync()[0]!;
}

describe('DenseVariational', () => {
  // ORACLES §8: in=1, units=1, q = N([0.2,−0.1], 0.5), r = N(0, 1), ε = [1, −2] ⇒ w = [0.7, −1.1].
  const oracle = {units: 1, makePosteriorFn: fixedPosterior([0.2, -0.1], [0.5, 0.5], [1, -2]), makePriorFn: standardPrior};

  it('ORACLES §8 value: x=[[2]] → y=[[0.3]]; MC KL at the same draw = −0.2637056', () => {
    const layer = denseVariational(oracle);
    expectClose(layer.apply(tf.tensor2d([[2]])) as tf.Tensor, [[0.3]]);
    expectClose(layer.lastSample!, [0.7, -1.1]);
    const losses = layer.calculateLosses();
    expect(losses.length).toBe(1);
    expectClose(losses[0]!, [-0.2637056]);
    expectClose(layer.kl(), [-0.2637056]);
  });

  it('ORACLES §8: klWeight 0.01 → −0.0026371; klUseExact → 0.6612944', () => {
    const weighted = denseVariational({...oracle, klWeight: 0.01});
    weighted.apply(tf.tensor2d([[2]]));
    expectClose(weighted.kl(), [-0.0026371], 1e-7);
    const exact = denseVariational({...oracle, klUseExact: true});
    exact.apply(tf.tensor2d([[2]]));
    expectClose(exact.kl(), [0.6612944]);
  });

  it('activityRegularizer adds a second loss: l2 · Σ y² / batch = 0.1 · 0.3² = 0.009', () => {
    const layer = denseVariational({...oracle, activityRegularizer: tf.regularizers.l2({l2: 0.1})});
    layer.apply(tf.tensor2d([[2]]));
    const losses = layer.calculateLosses();
    expect(losses.length).toBe(2);
    expectClose(losses[1]!, [0.009], 1e-7);
  });

  it('row-major layout (ORACLES §8): in=2, units=3 equals tfjs dense with kernel [[w0,w1,w2],[w3,w4,w5]], bias [w6,w7,w8]', () => {
    const w = [0.1, -0.2, 0.3, 0.4, 0.5, -0.6, 0.7, 0.8, -0.9];
    const point: MakeDistributionFn = (k, b) => {
      expect([k, b]).toEqual([6, 3]);
      return () => new Independent({distribution: new Deterministic({loc: w}), reinterpretedBatchNdims: 1});
    };
    const layer = denseVariational({units: 3, makePosteriorFn: point, makePriorFn: standardPrior});
    const ref = tf.layers.dense({units: 3, inputShape: [2]});
    ref.apply(tf.zeros([1, 2]));
    ref.setWeights([tf.tensor2d([[0.1, -0.2, 0.3], [0.4, 0.5, -0.6]]), tf.tensor1d([0.7, 0.8, -0.9])]);
    const x = tf.tensor2d([[1, 2], [-3, 0.5], [0, 0]]);
    expectClose(layer.apply(x) as tf.Tensor, Array.from((ref.apply(x) as tf.Tensor).dataSync()));
  });

  it('useBias false: n = in·units = 6 and no bias', () => {
    const sizes: number[][] = [];
    const point: MakeDistributionFn = (k, b) => {
      sizes.push([k, b]);
      return () => new Independent({distribution: new Deterministic({loc: [1, 2, 3, 4, 5, 6]}), reinterpretedBatchNdims: 1});
    };
    const layer = denseVariational({units: 3, useBias: false, makePosteriorFn: point, makePriorFn: point});
    expectClose(layer.apply(tf.tensor2d([[1, 1]])) as tf.Tensor, [[5, 7, 9]]);
    expect(sizes).toEqual([[6, 0], [6, 0]]);
  });

  it('rank-3 inputs keep their leading axes; activation applies', () => {
    const layer = denseVariational({units: 2, activation: 'relu', makePosteriorFn: posteriorMeanField,
      makePriorFn: priorTrainable, seed: testSeed()});
    const y = layer.apply(tf.randomNormal([4, 3, 5])) as tf.Tensor;
    expect(y.shape).toEqual([4, 3, 2]);
    expect(tf.min(y).dataSync()[0]).toBeGreaterThanOrEqual(0);
  });

  it('accepts a layer-like posterior: VariableLayer → DistributionLambda (TFP\'s reference recipe), weights adopted', () => {
    const post: MakeDistributionFn = (k, b) => {
      const n = k + b;
      const t = variableLayer({shape: 2 * n, name: 'posterior', initializer: 'ones'});
      const d = distributionLambda({makeDistributionFn: (v) => new Independent({distribution: new Normal({
        loc: tf.slice(v, [0], [n]), scale: tf.mul(0.5, tf.slice(v, [n], [n]))}), reinterpretedBatchNdims: 1}),
        convertToTensorFn: 'mean'});
      return {apply: (x: tf.Tensor) => d.apply(t.apply(x)), trainableWeights: t.trainableWeights,
        nonTrainableWeights: t.nonTrainableWeights};
    };
    const layer = denseVariational({units: 1, makePosteriorFn: post, makePriorFn: standardPrior, klUseExact: true});
    layer.apply(tf.tensor2d([[2]]));
    expect(layer.trainableWeights.length).toBe(1);
    // q = N(1, 0.5) per coordinate, r = N(0, 1): KL = 2·(log(1/0.5) + (0.5² + 1²)/2 − ½) = 2·(ln 2 + ⅛).
    expectClose(layer.kl(), [2 * (Math.log(2) + 0.125)]);
  });

  it('the MC KL is log q(w) − log r(w) at the draw w of the forward pass (closed-form Normal densities)', () => {
    const layer = denseVariational({units: 1, makePosteriorFn: posteriorMeanField, makePriorFn: priorStandardNormal,
      seed: testSeed()});
    const y = (layer.apply(tf.tensor2d([[2]])) as tf.Tensor).dataSync()[0]!;
    const [w0, w1] = Array.from(layer.lastSample!.dataSync()) as [number, number];
    expect(y).toBeCloseTo(2 * w0 + w1, 5);
    // q = N(0, 1 + 1e-5) per coordinate at initialisation, r = N(0, 1).
    const s = 1 + 1e-5;
    const logN = (v: number, sd: number): number => -0.5 * (v / sd) ** 2 - Math.log(sd) - 0.5 * Math.log(2 * Math.PI);
    const expected = logN(w0, s) + logN(w1, s) - logN(w0, 1) - logN(w1, 1);
    expectClose(layer.kl(), [expected], 1e-6);
  });

  it('the MC KL averaged over many calls matches the exact KL within 5 standard errors', () => {
    const n = 800;
    const q: MakeDistributionFn = () => () => new Independent({
      distribution: new Normal({loc: [0.2, -0.1], scale: [0.5, 0.5]}), reinterpretedBatchNdims: 1});
    const layer = denseVariational({units: 1, makePosteriorFn: q, makePriorFn: standardPrior, seed: testSeed()});
    const values: number[] = [];
    const x = tf.tensor2d([[2]]);
    for (let i = 0; i < n; i++) {
      tf.tidy(() => {
        layer.apply(x);
        values.push(layer.kl().dataSync()[0]!);
      });
    }
    const mean = values.reduce((a, b) => a + b, 0) / n;
    const sd = Math.sqrt(values.reduce((a, b) => a + (b - mean) ** 2, 0) / (n - 1));
    expect(Math.abs(mean - 0.6612944)).toBeLessThan(5 * sd / Math.sqrt(n));   // exact KL, ORACLES §8
  });

  it('adds one loss closure, once: repeated calls do not accumulate losses', () => {
    const layer = denseVariational({units: 2, makePosteriorFn: posteriorMeanField, makePriorFn: priorTrainable});
    expect(layer.losses.length).toBe(0);
    for (let i = 0; i < 3; i++) layer.apply(tf.ones([2, 3]));
    expect(layer.losses.length).toBe(1);
    expect(layer.calculateLosses()[0]!.shape).toEqual([]);
  });

  it('owns exactly 2 weights named …/posterior/… and …/prior/…; computeOutputShape([null,1]) = [null,1]', () => {
    const layer = denseVariational({units: 1, makePosteriorFn: posteriorMeanField, makePriorFn: priorTrainable,
      inputDim: 1});
    const sym = layer.apply(tf.input({shape: [1]})) as tf.SymbolicTensor;
    expect(sym.shape).toEqual([null, 1]);
    expect(layer.computeOutputShape([null, 1])).toEqual([null, 1]);
    expect(layer.weights.length).toBe(2);
    expect(layer.trainableWeights.map((w) => w.shape)).toEqual([[4], [2]]);
    expect(layer.weights[0]!.name).toMatch(/\/posterior\//);
    expect(layer.weights[1]!.name).toMatch(/\/prior\//);
    expect(layer.posterior).not.toBeNull();
    expect(layer.prior).not.toBeNull();
  });

  for (const klUseExact of [true, false]) {
    it(`gradients of the KL reach both variables (klUseExact ${klUseExact}) and are finite`, () => {
      const layer = denseVariational({units: 1, makePosteriorFn: posteriorMeanField, makePriorFn: priorTrainable,
        klUseExact, seed: testSeed()});
      layer.apply(tf.ones([1, 2]));
      // Away from the zero initialisation, where the exact KL's gradient vanishes.
      layer.setWeights([tf.randomNormal([6], 0, 0.5, 'float32', 1), tf.randomNormal([3], 0, 0.5, 'float32', 2)]);
      const vars = layer.trainableWeights.map((w) => (w as unknown as {val: tf.Variable}).val);
      const {grads} = tf.variableGrads(() => {
        layer.apply(tf.ones([1, 2]));
        return layer.kl();
      }, vars);
      expect(Object.keys(grads).length).toBe(2);
      for (const g of Object.values(grads)) {
        const v = Array.from(g.dataSync());
        expect(v.every(Number.isFinite)).toBe(true);
        expect(v.some((e) => e !== 0)).toBe(true);
      }
    });
  }

  it('learns y = 2x + 1 with model.fit; predictive std grows away from the data; tensors stay flat', async () => {
    const seed = testSeed();
    const n = 64;
    const x = tf.randomUniform([n, 1], -1, 1, 'float32', seed);
    const y = tf.add(tf.add(tf.mul(2, x), 1), tf.randomNormal([n, 1], 0, 0.1, 'float32', seed + 1));
    const model = tf.sequential({layers: [denseVariational({units: 1, inputShape: [1],
      makePosteriorFn: posteriorMeanField, makePriorFn: priorTrainable, klWeight: 1 / n, seed})]});
    model.compile({optimizer: tf.train.adam(0.05), loss: 'meanSquaredError'});
    const counts: number[] = [];
    await model.fit(x, y, {epochs: 250, batchSize: n, verbose: 0, callbacks: {
      onEpochEnd: async (epoch) => {
        if (epoch === 100 || epoch === 249) counts.push(tf.memory().numTensors);
      }}});
    expect(counts[1]).toBe(counts[0]);
    const draws = 200;
    const at = tf.tensor2d([[0], [4]]);
    const preds: number[][] = [];
    for (let i = 0; i < draws; i++) {
      tf.tidy(() => {
        preds.push(Array.from((model.predict(at) as tf.Tensor).dataSync()));
      });
    }
    const mean = [0, 1].map((j) => preds.reduce((a, p) => a + p[j]!, 0) / draws);
    const sd = [0, 1].map((j) => Math.sqrt(preds.reduce((a, p) => a + (p[j]! - mean[j]!) ** 2, 0) / (draws - 1)));
    expect(Math.abs(mean[0]! - 1)).toBeLessThan(0.25);
    expect(Math.abs(mean[1]! - 9)).toBeLessThan(1.5);
    expect(sd[1]!).toBeGreaterThan(2 * sd[0]!);
  });

  describe('errors', () => {
    it('TypeError at build for an int dtype', () => {
      const layer = denseVariational({units: 1, makePosteriorFn: posteriorMeanField, makePriorFn: priorTrainable,
        dtype: 'int32'});
      expect(() => layer.apply(tf.zeros([1, 2], 'int32'))).toThrowError(TypeError);
      expect(() => denseVariational({units: 1, makePosteriorFn: posteriorMeanField, makePriorFn: priorTrainable,
        dtype: 'int32'}).apply(tf.zeros([1, 2], 'int32'))).toThrowError(/dtype.*"int32"/);
    });

    it('ValueError: unknown last dimension, rank 1 input', () => {
      const layer = denseVariational({units: 1, makePosteriorFn: posteriorMeanField, makePriorFn: priorTrainable});
      expect(() => layer.computeOutputShape([null, null])).toThrowError(/last dimension.*got shape \[null,null\]/);
      expect(() => layer.computeOutputShape([3])).toThrowError(/rank ≥ 2.*got shape \[3\]/);
    });

    it('ValueError: makePosteriorFn returning a non-distribution, or a callable returning one', () => {
      const notCallable = (() => 42) as unknown as MakeDistributionFn;
      expect(() => denseVariational({units: 1, makePosteriorFn: notCallable, makePriorFn: priorTrainable})
          .apply(tf.zeros([1, 2]))).toThrowError(/makePosteriorFn must return a function or a layer.*got 42/);
      const badResult = (() => () => tf.zeros([3])) as unknown as MakeDistributionFn;
      expect(() => denseVariational({units: 1, makePosteriorFn: badResult, makePriorFn: priorTrainable})
          .apply(tf.zeros([1, 2]))).toThrowError(/makePosteriorFn must return a callable whose result is a Distribution.*got Tensor\[3\] float32/);
      const wrongSize: MakeDistributionFn = () => () =>
        new Independent({distribution: new Normal({loc: [0, 0], scale: 1}), reinterpretedBatchNdims: 1});
      expect(() => denseVariational({units: 1, makePosteriorFn: posteriorMeanField, makePriorFn: wrongSize})
          .apply(tf.zeros([1, 2]))).toThrowError(/makePriorFn.*length kernelSize \+ biasSize = 3; got eventShape \[2\]/);
    });

    it('ValueError: bad units, klWeight, missing make fns, kl() before a call', () => {
      expect(() => denseVariational({units: 0, makePosteriorFn: posteriorMeanField, makePriorFn: priorTrainable}))
          .toThrowError(/units.*got 0/);
      expect(() => denseVariational({units: 1, makePosteriorFn: posteriorMeanField, makePriorFn: priorTrainable,
        klWeight: Number.NaN})).toThrowError(/klWeight.*got NaN/);
      expect(() => denseVariational({units: 1, makePosteriorFn: posteriorMeanField,
        makePriorFn: undefined as unknown as MakeDistributionFn})).toThrowError(/makePriorFn is required; got undefined/);
      expect(() => denseVariational({units: 1, makePosteriorFn: posteriorMeanField, makePriorFn: priorTrainable}).kl())
          .toThrowError(ValueError);
    });
  });

  describe('serialization', () => {
    it('model.save / tf.loadLayersModel round-trips a layer built with registered make fns', async () => {
      await import('../../src/io/index.js');
      const model = tf.sequential({layers: [denseVariational({units: 2, inputShape: [3],
        makePosteriorFn: posteriorMeanField, makePriorFn: priorTrainable, klWeight: 0.5, klUseExact: true,
        activation: 'tanh'})]});
      const x = tf.randomNormal([4, 3]);
      const opt = tf.train.adam(0.1);
      opt.minimize(() => tf.sum(tf.square(model.predict(x) as tf.Tensor)) as tf.Scalar);
      const dir = mkdtempSync(join(tmpdir(), 'tfp-densevar-'));
      await model.save(`file://${dir}`);
      const loaded = await tf.loadLayersModel(`file://${dir}/model.json`);
      const a = model.layers[0] as DenseVariational;
      const b = loaded.layers.find((l) => l instanceof DenseVariational) as DenseVariational;
      expect(b.klWeight).toBe(0.5);
      expect(b.klUseExact).toBe(true);
      expect(b.weights.map((w) => w.originalName)).toEqual(a.weights.map((w) => w.originalName));
      a.getWeights().forEach((w, i) => expectClose(b.getWeights()[i]!, Array.from(w.dataSync()), 0, 0));
      a.usePosteriorMean = true;
      b.usePosteriorMean = true;
      expectClose(loaded.predict(x) as tf.Tensor, Array.from((model.predict(x) as tf.Tensor).dataSync()), 1e-6);
    });

    it('saving a layer with an unregistered make fn is a ValueError naming the argument', () => {
      const layer = denseVariational({units: 1, makePosteriorFn: fixedPosterior([0, 0], [1, 1], [0, 0]),
        makePriorFn: priorTrainable});
      expect(() => layer.getConfig()).toThrowError(/makePosteriorFn is a custom function/);
    });
  });
});
