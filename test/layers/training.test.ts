// Training end to end with tfjs's own model.fit / trainOnBatch: the ELBO (NLL + KL/N) decreases,
// memory stays flat, and the tfjs gaps this library closes (activity regularizers, dilated conv
// gradients) work.
import * as tf from '@tensorflow/tfjs';
import {describe, expect, it} from 'vitest';

import * as tfp from '../../src/index.js';
import {testSeed} from '../helpers/oracles.js';

function mean(xs: number[]): number {
  return xs.reduce((a, b) => a + b, 0) / xs.length;
}

describe('training with model.fit', () => {
  it('a tiny Bayesian regression: NLL + KL/N decreases, and the loss includes the KL', async () => {
    const n = 64;
    const x = tf.randomUniform([n, 1], -1, 1, 'float32', testSeed());
    const y = tf.add(tf.mul(x, 2), tf.randomNormal([n, 1], 0, 0.1, 'float32', 2));
    const kl = tfp.layers.util.klDivergenceFn({weight: 1 / n});
    const model = tf.sequential({layers: [
      tfp.layers.denseFlipout({units: 16, activation: 'relu', inputShape: [1], kernelDivergenceFn: kl, seed: 1}),
      tfp.layers.denseReparameterization({units: 1, kernelDivergenceFn: kl, seed: 2}),
    ]});
    model.compile({optimizer: tf.train.adam(0.02), loss: 'meanSquaredError'});
    const history = await model.fit(x, y, {epochs: 40, batchSize: 16, verbose: 0, shuffle: false});
    const losses = history.history['loss'] as number[];
    expect(mean(losses.slice(-5))).toBeLessThan(0.5 * mean(losses.slice(0, 5)));
    // The reported loss is MSE + Σ KL/N: it exceeds the MSE of a posterior-mean prediction by ≈ KL/N.
    const klOverN = tfp.layers.totalDivergence(model).dataSync()[0] as number;
    expect(klOverN).toBeGreaterThan(0);
    const evaluated = (model.evaluate(x, y) as tf.Scalar).dataSync()[0] as number;
    expect(losses.at(-1)!).toBeGreaterThan(evaluated * 0.5 + klOverN * 0.5);
  });

  it('a small Bayesian conv classifier (Conv2DFlipout → flatten → DenseFlipout) learns bars', async () => {
    // Class 0: a horizontal bar, class 1: a vertical bar, at random positions, 6×6 images.
    const images: number[] = [];
    const labels: number[] = [];
    for (let i = 0; i < 48; i++) {
      const cls = i % 2;
      const pos = (i * 7) % 6;
      for (let r = 0; r < 6; r++) for (let c = 0; c < 6; c++) images.push((cls === 0 ? r : c) === pos ? 1 : -1);
      labels.push(cls);
    }
    const x = tf.tensor4d(images, [48, 6, 6, 1]);
    const y = tf.oneHot(tf.tensor1d(labels, 'int32'), 2);
    const kl = tfp.layers.util.klDivergenceFn({weight: 1 / 48});
    const model = tf.sequential({layers: [
      tfp.layers.conv2dFlipout({filters: 4, kernelSize: 3, activation: 'relu', inputShape: [6, 6, 1], kernelDivergenceFn: kl, seed: 3}),
      tf.layers.flatten(),
      tfp.layers.denseFlipout({units: 2, activation: 'softmax', kernelDivergenceFn: kl, seed: 4}),
    ]});
    model.compile({optimizer: tf.train.adam(0.03), loss: 'categoricalCrossentropy', metrics: ['accuracy']});
    const history = await model.fit(x, y, {epochs: 15, batchSize: 16, verbose: 0});
    const losses = history.history['loss'] as number[];
    expect(mean(losses.slice(-3))).toBeLessThan(mean(losses.slice(0, 3)));
    const acc = history.history['acc'] as number[];
    expect(mean(acc.slice(-3))).toBeGreaterThan(0.8);
  });

  it('trains a dilated Conv1D (dilationRate 2; tfjs conv gradients refuse it) with finite loss', async () => {
    const model = tf.sequential({layers: [
      tfp.layers.conv1dReparameterization({filters: 2, kernelSize: 3, dilationRate: 2, padding: 'same', inputShape: [8, 1]}),
      tf.layers.flatten(),
      tf.layers.dense({units: 1}),
    ]});
    model.compile({optimizer: 'adam', loss: 'meanSquaredError'});
    const history = await model.fit(tf.ones([4, 8, 1]), tf.ones([4, 1]), {epochs: 2, verbose: 0});
    expect((history.history['loss'] as number[]).every(Number.isFinite)).toBe(true);
  });

  it('implements activityRegularizer (tfjs-layers throws at apply): loss = l2·Σy²/batch', () => {
    const layer = tfp.layers.denseReparameterization({units: 2, activityRegularizer: tf.regularizers.l2({l2: 0.5}),
      kernelPosteriorTensorFn: tfp.layers.util.meanTensorFn, kernelPriorFn: null});
    const x = tf.tensor2d([[1, 2], [3, 4], [0, 1]]);
    const y = layer.apply(x) as tf.Tensor;
    expect(layer.losses.length).toBe(1);
    const expected = 0.5 * (y.square().sum().dataSync()[0] as number) / 3;
    expect((layer.losses[0] as () => tf.Tensor)().dataSync()[0]).toBeCloseTo(expected, 5);
  });
});

describe('memory', () => {
  const layers: Array<[string, () => tf.layers.Layer[], number[]]> = [
    ['DenseReparameterization', () => [tfp.layers.denseReparameterization({units: 3, inputShape: [4]})], [4]],
    ['DenseFlipout', () => [tfp.layers.denseFlipout({units: 3, inputShape: [4]})], [4]],
    ['DenseLocalReparameterization', () => [tfp.layers.denseLocalReparameterization({units: 3, inputShape: [4]})], [4]],
    ['Conv1DReparameterization', () => [tfp.layers.conv1dReparameterization({filters: 2, kernelSize: 2, inputShape: [5, 1]}), tf.layers.flatten()], [5, 1]],
    ['Conv1DFlipout', () => [tfp.layers.conv1dFlipout({filters: 2, kernelSize: 2, inputShape: [5, 1],
      activityRegularizer: tf.regularizers.l1()}), tf.layers.flatten()], [5, 1]],
    ['Conv2DReparameterization', () => [tfp.layers.conv2dReparameterization({filters: 2, kernelSize: 2, inputShape: [3, 3, 1]}), tf.layers.flatten()], [3, 3, 1]],
    ['Conv2DFlipout', () => [tfp.layers.conv2dFlipout({filters: 2, kernelSize: 2, inputShape: [3, 3, 1], dilationRate: 2, padding: 'same'}), tf.layers.flatten()], [3, 3, 1]],
    ['Conv3DReparameterization', () => [tfp.layers.conv3dReparameterization({filters: 2, kernelSize: 2, inputShape: [2, 2, 2, 1]}), tf.layers.flatten()], [2, 2, 2, 1]],
    ['Conv3DFlipout', () => [tfp.layers.conv3dFlipout({filters: 2, kernelSize: 2, inputShape: [1, 2, 2, 2], dataFormat: 'channelsFirst'}), tf.layers.flatten()], [1, 2, 2, 2]],
  ];
  for (const [name, make, shape] of layers) {
    it(`${name}: tf.memory().numTensors is flat over 20 training steps and 20 predictions`, async () => {
      const model = tf.sequential({layers: [...make(), tf.layers.dense({units: 1})]});
      model.compile({optimizer: tf.train.adam(0.01), loss: 'meanSquaredError'});
      const x = tf.randomNormal([4, ...shape], 0, 1, 'float32', 1);
      const y = tf.ones([4, 1]);
      await model.trainOnBatch(x, y);   // warm-up: optimizer slots, kept samples
      tf.tidy(() => { model.predict(x); });
      const start = tf.memory().numTensors;
      for (let i = 0; i < 20; i++) {
        await model.trainOnBatch(x, y);
        tf.tidy(() => { model.predict(x); });
      }
      expect(tf.memory().numTensors).toBe(start);
      model.dispose();
    });
  }
});

describe('σ = softplus(ρ) once per training step (tapeMemo)', () => {
  // Counted with tf.profile: the estimator and the KL term of one step share σ, inside model.fit's
  // tape as in a custom minimize; Adam's update follows. Gradients are checked by the oracle tests.
  const cases: Array<[string, () => tf.layers.Layer, number[]]> = [
    ['DenseReparameterization', () => tfp.layers.denseReparameterization({units: 3, seed: 1}), [4]],
    ['DenseFlipout', () => tfp.layers.denseFlipout({units: 3, seed: 1}), [4]],
    ['DenseLocalReparameterization', () => tfp.layers.denseLocalReparameterization({units: 3, seed: 1}), [4]],
    ['Conv2DFlipout', () => tfp.layers.conv2dFlipout({filters: 2, kernelSize: 3, seed: 1}), [5, 5, 1]],
  ];
  for (const [name, make, inputShape] of cases) {
    it(`${name}: one Softplus kernel per step, numTensors flat`, async () => {
      const layer = make();
      const model = tf.sequential({layers: [tf.layers.inputLayer({inputShape}), layer]});
      const x = tf.ones([2, ...inputShape]);
      const opt = tf.train.adam(1e-3);
      const step = (): void => {
        opt.minimize(() => {
          const y = model.apply(x, {training: true}) as tf.Tensor;
          return tf.add(tf.sum(y), tfp.layers.totalDivergence(model)) as tf.Scalar;
        }, true)?.dispose();
      };
      step();
      const settled = tf.memory().numTensors;
      const info = await tf.profile(step);
      expect(info.kernels.filter((k) => k.name === 'Softplus')).toHaveLength(1);
      step();
      expect(tf.memory().numTensors).toBe(settled);
      tf.dispose(x);
      opt.dispose();
      model.dispose();
    });
  }
});
