// Reproducibility on the cpu backend: the same seeds (layer `seed` and explicitly seeded tfjs
// initializers; fit with shuffle off) give bit-identical training curves and weights; a different
// layer seed gives a different curve. docs/RELIABILITY.md says what differs on other backends.
import * as tf from '@tensorflow/tfjs';
import {describe, expect, it} from 'vitest';

import * as tfp from '../../src/index.js';

const L = tfp.layers;
const STEPS = 15;

/** tfjs initializers draw from Math.random unless given a seed: every one here gets its own. */
function seededPosterior(seed: number): tfp.layers.util.DistributionFn {
  return L.util.defaultMeanFieldNormalFn({
    locInitializer: tf.initializers.randomNormal({mean: 0, stddev: 0.1, seed}),
    untransformedScaleInitializer: tf.initializers.randomNormal({mean: -3, stddev: 0.1, seed: seed + 1}),
  });
}

/** The default bias posterior (a point mass) with a seeded loc initializer. */
function seededBias(seed: number): tfp.layers.util.DistributionFn {
  return L.util.defaultMeanFieldNormalFn({isSingular: true,
    locInitializer: tf.initializers.randomNormal({mean: 0, stddev: 0.1, seed: seed + 2})});
}

type Make = (seed: number) => tf.layers.Layer[];
const CASES: Array<[string, Make, number[]]> = [
  ['DenseReparameterization', (s) => [L.denseReparameterization({units: 3, seed: s, kernelPosteriorFn: seededPosterior(s), biasPosteriorFn: seededBias(s), inputShape: [4]})], [4]],
  ['DenseFlipout', (s) => [L.denseFlipout({units: 3, seed: s, kernelPosteriorFn: seededPosterior(s), biasPosteriorFn: seededBias(s), inputShape: [4]})], [4]],
  ['DenseLocalReparameterization', (s) => [L.denseLocalReparameterization({units: 3, seed: s, kernelPosteriorFn: seededPosterior(s), biasPosteriorFn: seededBias(s), inputShape: [4]})], [4]],
  ['Conv1DReparameterization', (s) => [L.conv1dReparameterization({filters: 2, kernelSize: 2, seed: s, kernelPosteriorFn: seededPosterior(s), biasPosteriorFn: seededBias(s), inputShape: [5, 1]}), tf.layers.flatten()], [5, 1]],
  ['Conv1DFlipout', (s) => [L.conv1dFlipout({filters: 2, kernelSize: 2, seed: s, kernelPosteriorFn: seededPosterior(s), biasPosteriorFn: seededBias(s), inputShape: [5, 1]}), tf.layers.flatten()], [5, 1]],
  ['Conv2DReparameterization', (s) => [L.conv2dReparameterization({filters: 2, kernelSize: 2, seed: s, kernelPosteriorFn: seededPosterior(s), biasPosteriorFn: seededBias(s), inputShape: [3, 3, 1]}), tf.layers.flatten()], [3, 3, 1]],
  ['Conv2DFlipout', (s) => [L.conv2dFlipout({filters: 2, kernelSize: 2, seed: s, kernelPosteriorFn: seededPosterior(s), biasPosteriorFn: seededBias(s), inputShape: [3, 3, 1]}), tf.layers.flatten()], [3, 3, 1]],
  ['Conv3DReparameterization', (s) => [L.conv3dReparameterization({filters: 2, kernelSize: 2, seed: s, kernelPosteriorFn: seededPosterior(s), biasPosteriorFn: seededBias(s), inputShape: [2, 2, 2, 1]}), tf.layers.flatten()], [2, 2, 2, 1]],
  ['Conv3DFlipout', (s) => [L.conv3dFlipout({filters: 2, kernelSize: 2, seed: s, kernelPosteriorFn: seededPosterior(s), biasPosteriorFn: seededBias(s), inputShape: [2, 2, 2, 1]}), tf.layers.flatten()], [2, 2, 2, 1]],
  ['DenseVariational', (s) => [L.denseVariational({units: 3, makePosteriorFn: L.posteriorMeanField, makePriorFn: L.priorStandardNormal,
    seed: s, inputShape: [4]})], [4]],
];

/** Trains a fresh model STEPS times on fixed data; returns the per-step losses and final weights. */
async function curve(make: Make, shape: number[], seed: number): Promise<{losses: number[]; weights: number[][]}> {
  const model = tf.sequential({layers: [...make(seed),
    tf.layers.dense({units: 1, kernelInitializer: tf.initializers.glorotUniform({seed: 99})})]});
  model.compile({optimizer: tf.train.adam(0.05), loss: 'meanSquaredError'});
  const x = tf.randomNormal([8, ...shape], 0, 1, 'float32', 5);
  const y = tf.randomNormal([8, 1], 0, 1, 'float32', 6);
  const h = await model.fit(x, y, {epochs: STEPS, batchSize: 8, shuffle: false, verbose: 0});
  const weights = model.getWeights().map((w) => Array.from(w.dataSync()));
  tf.dispose([x, y]);
  model.dispose();
  return {losses: h.history['loss'] as number[], weights};
}

describe(`reproducibility on the cpu backend (${STEPS} fit steps)`, () => {
  for (const [name, make, shape] of CASES) {
    it(`${name}: same seeds give bit-identical losses and weights; another seed differs`, async () => {
      const a = await curve(make, shape, 11);
      const b = await curve(make, shape, 11);
      expect(a.losses.every(Number.isFinite)).toBe(true);
      // toEqual on numbers is Object.is per element: bit-identical float32 values (read as doubles).
      expect(b.losses).toEqual(a.losses);
      expect(b.weights).toEqual(a.weights);
      const c = await curve(make, shape, 12);
      expect(c.losses).not.toEqual(a.losses);
    });
  }
});
