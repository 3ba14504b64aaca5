// Distribution output layers: log-probabilities against closed forms, paramsSize, shapes, tensor
// conversion, errors, negLogLik in model.fit (heteroscedastic regression) and save/load.
import {mkdtempSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {join} from 'node:path';

import * as tf from '@tensorflow/tfjs';
import {describe, expect, it} from 'vitest';

import {Normal} from '../../src/distributions/index.js';
import {distributionLambda, DistributionLambda, distributionOf, IndependentBernoulli, independentBernoulli,
  IndependentNormal, independentNormal, negLogLik, OneHotCategorical, oneHotCategorical} from '../../src/layers/index.js';
import {describeFn, registerFn} from '../../src/layers/fn_registry.js';
import {ValueError} from '../../src/util/errors.js';

import {expectClose, testSeed} from '../helpers/oracles.js';

const softplus = (v: number): number => Math.log1p(Math.exp(v));
const logNormal = (y: number, m: number, s: number): number =>
  -0.5 * ((y - m) / s) ** 2 - Math.log(s) - 0.5 * Math.log(2 * Math.PI);
const logSigmoid = (v: number): number => -softplus(-v);

describe('IndependentNormal', () => {
  it('paramsSize(eventShape) = 2·prod(eventShape)', () => {
    expect(IndependentNormal.paramsSize([2, 3])).toBe(12);
    expect(IndependentNormal.paramsSize(4)).toBe(8);
    expect(IndependentNormal.paramsSize()).toBe(2);
  });

  it('logProb and negLogLik equal Σ log N(y; loc, softplus(u)) (closed form)', () => {
    const layer = independentNormal({eventShape: [2], convertToTensorFn: 'mean'});
    const params = [[1, 0.5, 0.3, -1], [-2, 0, 2, 0.1]];
    const y = [[0.4, 1], [-1.5, 0.2]];
    const out = layer.apply(tf.tensor2d(params)) as tf.Tensor;
    expectClose(out, [[1, 0.5], [-2, 0]]);
    const expected = params.map((p, b) => logNormal(y[b]![0]!, p[0]!, softplus(p[2]!)) +
        logNormal(y[b]![1]!, p[1]!, softplus(p[3]!)));
    expectClose(layer.lastDistribution().logProb(y), expected);
    expectClose(distributionOf(out)!.logProb(y), expected);
    expectClose(negLogLik(tf.tensor2d(y), out), expected.map((v) => -v));
    expect(layer.lastDistribution().batchShape).toEqual([2]);
    expect(layer.lastDistribution().eventShape).toEqual([2]);
  });

  it('event shape [2,3]: params [B,12] → samples [B,2,3]; sample moments match loc and scale within 5 SE', () => {
    const n = 2000;
    const layer = independentNormal({eventShape: [2, 3], seed: testSeed()});
    const row = [0, 1, 2, 3, 4, 5, ...[-1, 0, 1, -1, 0, 1]];
    const y = layer.apply(tf.tile(tf.tensor2d([row]), [n, 1])) as tf.Tensor;
    expect(y.shape).toEqual([n, 2, 3]);
    const mean = tf.mean(y, 0).dataSync();
    const variance = tf.moments(y, 0).variance.dataSync();
    for (let j = 0; j < 6; j++) {
      const s = softplus(row[6 + j]!);
      expect(Math.abs(mean[j]! - j)).toBeLessThan(5 * s / Math.sqrt(n));
      expect(Math.abs(variance[j]! - s * s)).toBeLessThan(5 * s * s * Math.sqrt(2 / n));
    }
    expect(layer.computeOutputShape([null, 12])).toEqual([null, 2, 3]);
  });

  it('ValueError when the input does not hold paramsSize(eventShape) parameters', () => {
    expect(() => independentNormal({eventShape: [2]}).apply(tf.zeros([3, 3])))
        .toThrowError(/paramsSize\(eventShape \[2\]\) = 4; got input shape \[3,3\]/);
    expect(() => independentNormal({eventShape: [2, 0]})).toThrowError(/eventShape.*got \[2,0\]/);
    expect(() => independentNormal({convertToTensorFn: 'median' as 'mean'}))
        .toThrowError(/convertToTensorFn.*got "median"/);
  });
});

describe('IndependentBernoulli', () => {
  it('paramsSize = prod(eventShape); logProb = Σ y log σ(l) + (1−y) log σ(−l); samples are 0/1 of the event shape', () => {
    expect(IndependentBernoulli.paramsSize([2, 3])).toBe(6);
    const layer = independentBernoulli({eventShape: 2, seed: testSeed()});
    const out = layer.apply(tf.tensor2d([[0.3, -1.2]])) as tf.Tensor;
    expect(out.shape).toEqual([1, 2]);
    expect(Array.from(out.dataSync()).every((v) => v === 0 || v === 1)).toBe(true);
    expectClose(negLogLik(tf.tensor2d([[1, 0]]), out), [-(logSigmoid(0.3) + logSigmoid(1.2))]);
  });
});

describe('OneHotCategorical layer', () => {
  it('paramsSize = eventSize; logProb of a one-hot = l_k − logsumexp(l); mode is one-hot argmax', () => {
    expect(OneHotCategorical.paramsSize(4)).toBe(4);
    const layer = oneHotCategorical({eventSize: 3, convertToTensorFn: 'mode'});
    const out = layer.apply(tf.tensor2d([[1, 2, 3], [0, 5, 0]])) as tf.Tensor;
    expectClose(out, [[0, 0, 1], [0, 1, 0]]);
    const lse = (v: number[]): number => Math.log(v.reduce((a, b) => a + Math.exp(b), 0));
    expectClose(negLogLik(tf.tensor2d([[0, 0, 1], [1, 0, 0]]), out), [-(3 - lse([1, 2, 3])), -(0 - lse([0, 5, 0]))]);
    expect(() => oneHotCategorical({eventSize: 0})).toThrowError(/eventSize.*got 0/);
    expect(() => oneHotCategorical({eventSize: 3}).apply(tf.zeros([1, 4]))).toThrowError(/= 3; got input shape \[1,4\]/);
  });
});

describe('DistributionLambda', () => {
  it('wraps fn(t) → Distribution; mean output, symbolic shape from a dry run, distribution reachable', () => {
    const layer = distributionLambda({makeDistributionFn: (t) => new Normal({loc: t, scale: 2}),
      convertToTensorFn: 'mean'});
    const sym = layer.apply(tf.input({shape: [3]})) as tf.SymbolicTensor;
    expect(sym.shape).toEqual([null, 3]);
    const out = layer.apply(tf.tensor2d([[1, 2, 3]])) as tf.Tensor;
    expectClose(out, [[1, 2, 3]]);
    expectClose(negLogLik(tf.tensor2d([[0, 2, 3]]), out), [[-logNormal(0, 1, 2), -logNormal(2, 2, 2), -logNormal(3, 3, 2)]]);
    expectClose(layer.lastDistribution().stddev(), [[2, 2, 2]]);
  });

  it('refuses a fn that does not return a Distribution', () => {
    const layer = distributionLambda({makeDistributionFn: ((t: tf.Tensor) => t) as unknown as (t: tf.Tensor) => Normal});
    expect(() => layer.apply(tf.zeros([1, 2]))).toThrowError(/makeDistributionFn must return a Distribution; got Tensor\[1,2\] float32/);
  });
});

describe('negLogLik', () => {
  it('ValueError for a tensor that no distribution layer produced', () => {
    expect(() => negLogLik(tf.zeros([2, 1]), tf.zeros([2, 1]))).toThrowError(ValueError);
    expect(() => negLogLik(tf.zeros([2, 1]), tf.zeros([2, 1]))).toThrowError(/yPred.*got Tensor\[2,1\] float32/);
  });

  it('model.evaluate with negLogLik gives the closed-form mean NLL', () => {
    const model = tf.sequential({layers: [
      tf.layers.dense({inputShape: [1], units: 2, kernelInitializer: 'zeros',
        biasInitializer: tf.initializers.constant({value: 0.5})}),
      independentNormal({eventShape: 1}),
    ]});
    model.compile({optimizer: 'sgd', loss: negLogLik});
    const y = [0.1, 0.9, 2];
    const loss = model.evaluate(tf.tensor2d([[1], [-2], [3]]), tf.tensor2d(y, [3, 1])) as tf.Scalar;
    const s = softplus(0.5);
    expectClose(loss, [-y.reduce((a, v) => a + logNormal(v, 0.5, s), 0) / 3]);
  });

  it('heteroscedastic regression trained with model.fit({loss: negLogLik}): predicted std tracks the true noise', async () => {
    // y = 0.5x + σ(x)·ε with σ(x) = softplus(0.8x − 1.5): σ(−1) = 0.0955, σ(1) = 0.4032.
    const seed = testSeed();
    const n = 512;
    const x = tf.randomUniform([n, 1], -1, 1, 'float32', seed);
    const sigma = tf.softplus(tf.sub(tf.mul(0.8, x), 1.5));
    const y = tf.add(tf.mul(0.5, x), tf.mul(sigma, tf.randomNormal([n, 1], 0, 1, 'float32', seed + 1)));
    const model = tf.sequential({layers: [
      tf.layers.dense({inputShape: [1], units: IndependentNormal.paramsSize(1)}),
      independentNormal({eventShape: 1, seed}),
    ]});
    model.compile({optimizer: tf.train.adam(0.05), loss: negLogLik});
    const counts: number[] = [];
    await model.fit(x, y, {epochs: 150, batchSize: n, verbose: 0, callbacks: {
      onEpochEnd: async (epoch) => {
        if (epoch === 50 || epoch === 149) counts.push(tf.memory().numTensors);
      }}});
    expect(counts[1]).toBe(counts[0]);
    // model.apply keeps the output tensor (model.predict concatenates batches into a new one).
    const std = tf.tidy(() => Array.from(distributionOf(model.apply(tf.tensor2d([[-1], [1]])) as tf.Tensor)!
        .stddev().dataSync()));
    expect(Math.abs(std[0]! - 0.0955) / 0.0955).toBeLessThan(0.25);
    expect(Math.abs(std[1]! - 0.4032) / 0.4032).toBeLessThan(0.2);
  });
});

describe('distribution layers: serialization', () => {
  it('a dense → IndependentNormal model round-trips through model.save / tf.loadLayersModel', async () => {
    await import('../../src/io/index.js');
    const model = tf.sequential({layers: [
      tf.layers.dense({inputShape: [2], units: 4}),
      independentNormal({eventShape: [2], convertToTensorFn: 'mean', seed: 3}),
    ]});
    const dir = mkdtempSync(join(tmpdir(), 'tfp-distlayer-'));
    await model.save(`file://${dir}`);
    const loaded = await tf.loadLayersModel(`file://${dir}/model.json`);
    const layer = loaded.layers.find((l) => l instanceof IndependentNormal) as IndependentNormal;
    expect(layer.eventShape).toEqual([2]);
    expect(layer.convertToTensorFn).toBe('mean');
    expect(layer.seed).toBe(3);
    const x = tf.tensor2d([[0.5, -1]]);
    expectClose(loaded.predict(x) as tf.Tensor, Array.from((model.predict(x) as tf.Tensor).dataSync()), 1e-6);
  });

  it('IndependentBernoulli and OneHotCategorical round-trip through getConfig', () => {
    const b = independentBernoulli({eventShape: [2, 2], convertToTensorFn: 'mean'});
    const b2 = new IndependentBernoulli(b.getConfig() as unknown as ConstructorParameters<typeof IndependentBernoulli>[0]);
    expect([b2.eventShape, b2.convertToTensorFn]).toEqual([[2, 2], 'mean']);
    const c = oneHotCategorical({eventSize: 5, seed: 9});
    const c2 = new OneHotCategorical(c.getConfig() as unknown as ConstructorParameters<typeof OneHotCategorical>[0]);
    expect([c2.eventSize, c2.seed]).toEqual([5, 9]);
  });

  it('DistributionLambda saves a registered fn by name and refuses an unregistered closure', () => {
    const unitNormal = describeFn((t: tf.Tensor) => new Normal({loc: t, scale: 1}), 'UnitNormalTest');
    registerFn('UnitNormalTest', () => unitNormal);
    const layer = distributionLambda({makeDistributionFn: unitNormal, convertToTensorFn: 'mean'});
    const copy = new DistributionLambda(layer.getConfig() as unknown as ConstructorParameters<typeof DistributionLambda>[0]);
    expectClose(copy.apply(tf.tensor2d([[4]])) as tf.Tensor, [[4]]);
    expect(() => distributionLambda({makeDistributionFn: (t) => new Normal({loc: t, scale: 1})}).getConfig())
        .toThrowError(/makeDistributionFn is a custom function/);
  });
});
