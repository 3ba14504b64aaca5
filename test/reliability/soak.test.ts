// Memory soak: 500 training steps and 200 Monte Carlo predictive calls for every layer kind, with
// tf.memory().numTensors and numBytes flat (drift 0 after a warm-up, which creates the optimizer
// slots and the kept samples) and no growth of layer.losses / model.losses over calls.
import * as tf from '@tensorflow/tfjs';
import {afterAll, describe, expect, it} from 'vitest';

import * as tfp from '../../src/index.js';

const STEPS = 500;
/** Of the STEPS, this many go through tfjs's own trainOnBatch (async); the rest through a
 * synchronous optimizer.minimize loop over the same loss (NLL + Σ model.losses), which is faster. */
const FIT_STEPS = 100;
const MC_CALLS = 200;
/** Allowed drift of numTensors / numBytes between the warm-up and the end (a stated constant). */
const DRIFT = 0;
const FIGURES: Record<string, {steps: number; mcCalls: number; dTensors: number; dBytes: number}> = {};
afterAll(() => {
  console.log(`soak figures: ${JSON.stringify(FIGURES)}`);
});

type Case = [string, () => tf.layers.Layer[], number[]];
const L = tfp.layers;
const CASES: Case[] = [
  ['DenseReparameterization', () => [L.denseReparameterization({units: 3, seed: 1, inputShape: [4]})], [4]],
  ['DenseFlipout', () => [L.denseFlipout({units: 3, seed: 1, inputShape: [4]})], [4]],
  ['DenseLocalReparameterization', () => [L.denseLocalReparameterization({units: 3, seed: 1, inputShape: [4]})], [4]],
  ['Conv1DReparameterization', () => [L.conv1dReparameterization({filters: 2, kernelSize: 2, seed: 1, inputShape: [5, 1]}), tf.layers.flatten()], [5, 1]],
  ['Conv1DFlipout', () => [L.conv1dFlipout({filters: 2, kernelSize: 2, seed: 1, inputShape: [5, 1],
    activityRegularizer: tf.regularizers.l2({l2: 1e-3})}), tf.layers.flatten()], [5, 1]],
  ['Conv2DReparameterization', () => [L.conv2dReparameterization({filters: 2, kernelSize: 2, seed: 1, inputShape: [3, 3, 1],
    dilationRate: 2, padding: 'same'}), tf.layers.flatten()], [3, 3, 1]],
  ['Conv2DFlipout', () => [L.conv2dFlipout({filters: 2, kernelSize: 2, seed: 1, inputShape: [1, 3, 3], dataFormat: 'channelsFirst'}),
    tf.layers.flatten()], [1, 3, 3]],
  ['Conv3DReparameterization', () => [L.conv3dReparameterization({filters: 2, kernelSize: 2, seed: 1, inputShape: [2, 2, 2, 1]}), tf.layers.flatten()], [2, 2, 2, 1]],
  ['Conv3DFlipout', () => [L.conv3dFlipout({filters: 2, kernelSize: 2, seed: 1, inputShape: [2, 2, 2, 1]}), tf.layers.flatten()], [2, 2, 2, 1]],
  ['Conv2DLocalReparameterization', () => [L.conv2dLocalReparameterization({filters: 2, kernelSize: 2, seed: 1, inputShape: [3, 3, 1]}), tf.layers.flatten()], [3, 3, 1]],
  ['DenseVariational', () => [L.denseVariational({units: 3, makePosteriorFn: L.posteriorMeanField, makePriorFn: L.priorTrainable,
    klWeight: 0.25, seed: 1, inputShape: [4]})], [4]],
  ['AutoregressiveNetwork', () => [L.autoregressiveNetwork({params: 2, hiddenUnits: [4], inputShape: [3]} as tfp.layers.AutoregressiveNetworkArgs),
    tf.layers.flatten()], [3]],
];

async function soak(name: string, make: () => tf.layers.Layer[], shape: number[]): Promise<void> {
  const layers = make();
  const model = tf.sequential({layers: [...layers, tf.layers.dense({units: 2, activation: 'softmax'})]});
  model.compile({optimizer: tf.train.adam(0.01), loss: 'categoricalCrossentropy'});
  const x = tf.randomNormal([4, ...shape], 0, 1, 'float32', 1);
  const y = tf.oneHot(tf.tensor1d([0, 1, 1, 0], 'int32'), 2);
  const probe = layers[0] as tf.layers.Layer;
  const mc = (): void => tf.dispose(tfp.predictive.predictMC(model, x, {samples: 2}));
  // Warm-up: optimizer slots and each layer's kept samples are created once.
  // A predictMC pass keeps the pinned kernel as kernelPosteriorTensor (Flipout and local layers
  // keep none after a training step), so start and end are both measured after a training step.
  for (let i = 0; i < 3; i++) await model.trainOnBatch(x, y);
  mc();
  await model.trainOnBatch(x, y);
  const start = tf.memory();
  const losses = [probe.losses.length, model.losses.length];
  const readings: number[] = [];
  const optimizer = model.optimizer;
  const objective = (): tf.Scalar => tf.tidy(() => {
    const p = model.apply(x, {training: true}) as tf.Tensor;
    const nll = tf.losses.softmaxCrossEntropy(y, tf.log(tf.add(p, 1e-7)));
    return model.calculateLosses().reduce((a: tf.Tensor, b) => tf.add(a, b), nll) as tf.Scalar;
  });
  for (let i = 0; i < STEPS; i++) {
    if (i < FIT_STEPS) {
      const loss = await model.trainOnBatch(x, y);
      expect(Number.isFinite(loss as number)).toBe(true);
    } else {
      const loss = optimizer.minimize(objective, true) as tf.Scalar;
      expect(Number.isFinite(loss.dataSync()[0])).toBe(true);
      loss.dispose();
    }
    if (i % 100 === 99) readings.push(tf.memory().numTensors);
  }
  for (let i = 0; i < MC_CALLS; i++) mc();
  await model.trainOnBatch(x, y);
  const end = tf.memory();
  FIGURES[name] = {steps: STEPS, mcCalls: MC_CALLS, dTensors: end.numTensors - start.numTensors,
    dBytes: end.numBytes - start.numBytes};
  expect(readings.every((n) => Math.abs(n - start.numTensors) <= DRIFT), `${name} ${JSON.stringify(readings)}`).toBe(true);
  expect(Math.abs(end.numTensors - start.numTensors)).toBeLessThanOrEqual(DRIFT);
  expect(Math.abs(end.numBytes - start.numBytes)).toBeLessThanOrEqual(DRIFT);
  expect([probe.losses.length, model.losses.length]).toEqual(losses);
  tf.dispose([x, y]);
  model.dispose();
}

describe(`memory soak: ${STEPS} training steps + ${MC_CALLS} predictMC calls, numTensors/numBytes drift ≤ ${DRIFT}`, () => {
  for (const [name, make, shape] of CASES) {
    it(`${name}`, async () => {
      await soak(name, make, shape);
    });
  }
});
