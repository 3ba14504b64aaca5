// tfp.predictive.predictMCDropout: rate 0 is the deterministic prediction; with rate p the MC mean
// and variance of one linear unit after dropout match inverted dropout's closed form at 5 SE;
// batch normalization stays in inference mode; seeded; memory flat; typed errors.
import * as tf from '@tensorflow/tfjs';
import {describe, expect, it} from 'vitest';

import * as tfp from '../../src/index.js';
import {expectTypedError} from '../helpers/typed_error.js';
import {testSeed} from '../helpers/oracles.js';

/** input [d] → batch norm (non-trivial moving statistics) → dropout(rate) → dense(3, softmax). */
function bnNet(rate: number, d = 4): tf.Sequential {
  const m = tf.sequential();
  m.add(tf.layers.batchNormalization({inputShape: [d], name: 'bn'}));
  m.add(tf.layers.dropout({rate, name: 'drop'}));
  m.add(tf.layers.dense({units: 3, activation: 'softmax', name: 'out',
    kernelInitializer: tf.initializers.glorotUniform({seed: 3})}));
  const bn = m.getLayer('bn');
  bn.setWeights([tf.fill([d], 1.5), tf.fill([d], 0.2), tf.fill([d], 0.7), tf.fill([d], 2)]);
  return m;
}

/** input [d] → dropout(rate) → dense(1, linear) with kernel w and bias b. */
function linearUnit(rate: number, w: number[], b: number, seed?: number): tf.Sequential {
  const m = tf.sequential();
  m.add(tf.layers.dropout({inputShape: [w.length], rate, ...(seed === undefined ? {} : {seed})}));
  m.add(tf.layers.dense({units: 1}));
  m.layers[1]!.setWeights([tf.tensor2d(w, [w.length, 1]), tf.tensor1d([b])]);
  return m;
}

describe('predictMCDropout', () => {
  const seed = testSeed();

  it('with rate 0 every sample equals the deterministic prediction (and batch norm keeps its moving statistics)', () => {
    const m = bnNet(0);
    const x = tf.randomNormal([6, 4], 0, 1, 'float32', seed);
    const det = (m.predict(x) as tf.Tensor).arraySync() as number[][];
    const probs = tfp.predictive.predictMCDropout(m, x, {samples: 3, batchSize: 4});
    expect(probs.shape).toEqual([3, 6, 3]);
    for (const s of probs.arraySync()) expect(s).toEqual(det);
    // The test has teeth: training-mode batch norm (model.apply with training: true) differs.
    const trainingMode = (m.apply(x, {training: true}) as tf.Tensor).arraySync() as number[][];
    expect(trainingMode).not.toEqual(det);
  });

  it('keeps batch norm in inference mode with rate 0.5: the MC mean matches the inference-mode network to 5 SE', () => {
    // Dropout sits after batch norm, so its input is the inference-mode BN output; the MC mean of
    // the softmax is not the deterministic output, but the rate-0 network's logits are: check that
    // the pre-softmax of a linear head has mean = deterministic output (inverted dropout).
    const m = tf.sequential();
    m.add(tf.layers.batchNormalization({inputShape: [3], name: 'bn'}));
    m.add(tf.layers.dropout({rate: 0.5}));
    m.add(tf.layers.dense({units: 1, kernelInitializer: 'ones', biasInitializer: 'zeros'}));
    m.getLayer('bn').setWeights([tf.ones([3]), tf.zeros([3]), tf.fill([3], 2), tf.fill([3], 4)]);
    const x = tf.tensor2d([[4, 6, 8]]);
    // Inference BN: (x − 2)/√(4 + 1e-3) → a_i; the unit's output is Σ a_i m_i / (1 − p).
    const a = [4, 6, 8].map((v) => (v - 2) / Math.sqrt(4 + 1e-3));
    const mean = a.reduce((s, v) => s + v, 0);
    const sd = Math.sqrt(a.reduce((s, v) => s + v * v, 0));   // p/(1 − p) = 1
    const n = 2000;
    const draws = tfp.predictive.predictMCDropout(m, x, {samples: n, seed});
    const got = Array.from(draws.dataSync()).reduce((s, v) => s + v, 0) / n;
    expect(Math.abs(got - mean)).toBeLessThan(5 * sd / Math.sqrt(n));
  });

  it('one linear unit after dropout p = 0.3: MC mean = deterministic output and variance = Σ (w x)² p/(1 − p), both at 5 SE', () => {
    const p = 0.3;
    const w = [0.5, -1.2, 2.0, 0.3, -0.7];
    const b = 0.25;
    const xs = [1, 2, -1, 3, 0.5];
    const m = linearUnit(p, w, b);
    const n = 4000;
    const draws = tfp.predictive.predictMCDropout(m, tf.tensor2d([xs]), {samples: n, seed, batchSize: 1});
    const y = Array.from(draws.dataSync());
    const a = w.map((wi, i) => wi * (xs[i] as number));
    const det = b + a.reduce((s, v) => s + v, 0);
    // Inverted dropout: y = b + Σ a_i m_i/(1 − p), m_i ~ Bernoulli(1 − p) ⇒ E y = det,
    // Var y = Σ a_i² p/(1 − p); fourth moment from the cumulants of the scaled Bernoullis.
    const q = 1 - p;
    const variance = a.reduce((s, v) => s + v * v * p / q, 0);
    const kappa4 = a.reduce((s, v) => s + (v / q) ** 4 * q * p * (1 - 6 * q * p), 0);
    const mu4 = kappa4 + 3 * variance ** 2;
    const mean = y.reduce((s, v) => s + v, 0) / n;
    const sampleVar = y.reduce((s, v) => s + (v - mean) ** 2, 0) / (n - 1);
    expect(Math.abs(mean - det)).toBeLessThan(5 * Math.sqrt(variance / n));
    expect(Math.abs(sampleVar - variance)).toBeLessThan(5 * Math.sqrt((mu4 - variance ** 2) / n));
  });

  it('draws fresh masks per sample even when the tfjs Dropout layer has its own seed; same seed, same result', () => {
    const m = linearUnit(0.5, [1, 1, 1, 1], 0, 7);
    const x = tf.ones([2, 4]);
    const a = tfp.predictive.predictMCDropout(m, x, {samples: 20, seed: 5}).arraySync();
    const b = tfp.predictive.predictMCDropout(m, x, {samples: 20, seed: 5}).arraySync();
    const c = tfp.predictive.predictMCDropout(m, x, {samples: 20, seed: 6}).arraySync();
    expect(a).toEqual(b);
    expect(a).not.toEqual(c);
    expect(new Set(a.map((s) => s[0]![0])).size).toBeGreaterThan(2);
  });

  it('leaves one tensor (the result) and restores the layers; summarize applies', () => {
    const m = bnNet(0.4);
    const x = tf.randomNormal([5, 4], 0, 1, 'float32', seed);
    const before = tf.memory().numTensors;
    const probs = tfp.predictive.predictMCDropout(m, x, {samples: 7, batchSize: 2});
    expect(tf.memory().numTensors).toBe(before + 1);
    expect(Object.hasOwn(m.getLayer('drop'), 'call')).toBe(false);
    const summary = tfp.predictive.summarize(probs);
    expect(summary.mean.shape).toEqual([5, 3]);
    expect(Math.max(...summary.mutualInformation.dataSync())).toBeGreaterThan(0);
    tfp.predictive.disposeSummary(summary);
    probs.dispose();
    expect(tf.memory().numTensors).toBe(before);
    // Outside the scope the model is deterministic again.
    expect((m.predict(x) as tf.Tensor).arraySync()).toEqual((m.predict(x) as tf.Tensor).arraySync());
  });

  it('works on a model from tfp.convert.insertDropout (rate 0.2 gives spread; rate 0 gives none)', () => {
    const src = tf.sequential({layers: [tf.layers.dense({inputShape: [3], units: 8, activation: 'relu'}),
      tf.layers.dense({units: 2, activation: 'softmax'})]});
    const x = tf.randomNormal([4, 3], 0, 1, 'float32', seed);
    const p0 = tfp.predictive.predictMCDropout(tfp.convert.insertDropout(src, {rate: 0}), x, {samples: 3});
    const p2 = tfp.predictive.predictMCDropout(tfp.convert.insertDropout(src, {rate: 0.2}), x, {samples: 30, seed});
    const sd = (p: tf.Tensor): number => tf.tidy(() => tf.max(tf.moments(p, 0).variance).dataSync()[0] as number);
    expect(sd(p0)).toBeLessThan(1e-12);
    expect(sd(p2)).toBeGreaterThan(1e-4);
  });

  const net = (): tf.Sequential => tf.sequential({name: 'nodrop', layers: [tf.layers.dense({inputShape: [2], units: 2})]});
  for (const bad of [
    {what: 'a model without dropout', provoke: () => tfp.predictive.predictMCDropout(net(), tf.ones([1, 2])),
      message: /model "nodrop" has no dropout layer.*insertDropout/},
    {what: 'samples 0', provoke: () => tfp.predictive.predictMCDropout(bnNet(0.1), tf.ones([1, 4]), {samples: 0}),
      message: /samples must be a positive integer; got 0/},
    {what: 'x an array', provoke: () => tfp.predictive.predictMCDropout(bnNet(0.1), [[1, 2, 3, 4]] as never),
      message: /x must be a live tf.Tensor/},
    {what: 'bad outputs', provoke: () => tfp.predictive.predictMCDropout(bnNet(0.1), tf.ones([1, 4]), {outputs: 'p' as 'probs'}),
      message: /outputs must be one of "probs", "logits"; got "p"/},
    {what: 'not a model', provoke: () => tfp.predictive.predictMCDropout({} as tf.LayersModel, tf.ones([1, 4])),
      message: /model must be a tf.LayersModel/},
  ]) {
    it(`refuses ${bad.what}`, () => expectTypedError(bad, 16));
  }
});

describe('withDropoutActive masks', () => {
  it('Dropout: each entry is 0 or 1/(1 − p), zeros at rate p within 5 SE; SpatialDropout1D shares its mask along time', () => {
    const p = 0.3;
    const n = 200;
    const t = 6;
    const c = 5;
    const x = tf.ones([n, t, c]);
    for (const kind of ['dropout', 'spatial'] as const) {
      const m = tf.sequential();
      m.add(kind === 'dropout' ? tf.layers.dropout({inputShape: [t, c], rate: p}) :
        tf.layers.spatialDropout1d({inputShape: [t, c], rate: p}));
      const y = tfp.predictive.withDropoutActive(m, () => m.predict(x) as tf.Tensor, {seed: testSeed()});
      const v = y.arraySync() as number[][][];
      y.dispose();
      const flat = v.flat(2);
      for (const e of flat) expect([0, 1 / (1 - p)].some((a) => Math.abs(e - a) < 1e-5)).toBe(true);
      // Independent masks: n·t·c of them for Dropout, n·c for SpatialDropout1D (constant along t).
      const masks = kind === 'dropout' ? flat : v.flatMap((row) => {
        for (const step of row) expect(step).toEqual(row[0]);
        return row[0] as number[];
      });
      const zeros = masks.filter((e) => e === 0).length / masks.length;
      expect(Math.abs(zeros - p)).toBeLessThan(5 * Math.sqrt(p * (1 - p) / masks.length));
      m.dispose();
    }
    x.dispose();
  });
});
