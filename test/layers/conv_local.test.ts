// Convolution{1,2,3}DLocalReparameterization: shapes equal tfjs's conv layers; σ → 0 equals them
// numerically; the pre-activation at every position has the closed-form moments
// N(x ⊛ μ + b, x² ⊛ σ²) (within 5 SE, the convolutions of the oracle computed by tfjs's own ops);
// distinct positions are uncorrelated (unlike one kernel draw); save/load; memory flat.
import * as tf from '@tensorflow/tfjs';
import {describe, expect, it} from 'vitest';

import * as tfp from '../../src/index.js';
import {expectClose, expectMoments, softplusInverse} from '../helpers/oracles.js';

const LOCAL = {
  1: tfp.layers.conv1dLocalReparameterization,
  2: tfp.layers.conv2dLocalReparameterization,
  3: tfp.layers.conv3dLocalReparameterization,
} as const;
const TFJS_CONV = {1: tf.layers.conv1d, 2: tf.layers.conv2d, 3: tf.layers.conv3d} as const;
const SPATIAL = {1: [7], 2: [7, 6], 3: [5, 4, 6]} as const;

function shapeOf(rank: 1 | 2 | 3, format: 'channelsLast' | 'channelsFirst', batch = 2, channels = 3): number[] {
  return format === 'channelsLast' ? [batch, ...SPATIAL[rank], channels] : [batch, channels, ...SPATIAL[rank]];
}

describe('Conv{1,2,3}DLocalReparameterization', () => {
  for (const rank of [1, 2, 3] as const) {
    for (const padding of ['valid', 'same'] as const) {
      for (const [strides, dilationRate] of [[1, 1], [2, 1], [1, 2]]) {
        for (const dataFormat of ['channelsLast', 'channelsFirst'] as const) {
          it(`rank ${rank} ${padding} s=${strides} d=${dilationRate} ${dataFormat}: σ → 0 equals tf.layers.conv${rank}d`, () => {
            const shape = shapeOf(rank, dataFormat);
            const args = {filters: 4, kernelSize: 3, padding, strides, dilationRate, dataFormat};
            const ours = LOCAL[rank]({...args, seed: 1});
            // tfjs's Conv1D returns channelsFirst results in the wrong layout (README, Porting
            // notes): for it the reference runs channels-last on the transposed input.
            const viaLast = rank === 1 && dataFormat === 'channelsFirst';
            const reference = TFJS_CONV[rank]({...args, dataFormat: viaLast ? 'channelsLast' : dataFormat} as Parameters<typeof tf.layers.conv2d>[0]);
            const x = tf.randomNormal(shape, 0, 1, 'float32', 3);
            const refX = viaLast ? tf.transpose(x, [0, 2, 1]) : x;
            reference.apply(refX);
            ours.apply(x);
            const [kernel, bias] = reference.getWeights();
            ours.setWeights([kernel!, tf.fill(kernel!.shape, -40), bias!]);   // σ = eps + softplus(−40) ≈ 1.2e-7
            const refY = reference.apply(refX) as tf.Tensor;
            const want = viaLast ? tf.transpose(refY, [0, 2, 1]) : refY;
            const got = ours.apply(x) as tf.Tensor;
            expect(got.shape).toEqual(want.shape);
            expectClose(got, want.dataSync(), 1e-5, 1e-5);
            expect(ours.kernelPosteriorTensor).toBeNull();
          });
        }
      }
    }
  }

  it('2-D: every output position is N(x ⊛ μ + b, x² ⊛ σ²) within 5 SE, positions uncorrelated', () => {
    const layer = tfp.layers.conv2dLocalReparameterization({filters: 2, kernelSize: 2, strides: 1, seed: 7});
    const x = tf.randomNormal([1, 3, 3, 2], 0, 1, 'float32', 8) as tf.Tensor4D;
    layer.apply(x);
    const loc = tf.randomNormal([2, 2, 2, 2], 0, 0.5, 'float32', 9) as tf.Tensor4D;
    const sigma = tf.randomUniform([2, 2, 2, 2], 0.2, 0.8, 'float32', 10) as tf.Tensor4D;
    const u = tf.tensor(Array.from(sigma.dataSync(), (s) => softplusInverse(s - 1.1920929e-7)), sigma.shape);
    const bias = tf.tensor1d([0.3, -0.2]);
    layer.setWeights([loc, u, bias]);
    // The oracle: tfjs's own conv2d of x with μ, and of x² with σ².
    const mean = Array.from(tf.add(tf.conv2d(x, loc, 1, 'valid'), bias).dataSync());
    const variance = Array.from(tf.conv2d(tf.square(x), tf.square(sigma), 1, 'valid').dataSync());
    const S = 3000;
    const draws: Float32Array[] = [];
    for (let s = 0; s < S; s++) draws.push(tf.tidy(() => (layer.apply(x) as tf.Tensor).dataSync() as Float32Array));
    expectMoments(draws, {mean, variance}, 5);
    // Positions 0 and 1 of filter 0 (flattened indices 0 and 2) overlap in their receptive fields;
    // with one kernel draw they would be correlated, here the correlation is 0 (SE 1/√S).
    const a = draws.map((d) => d[0]!);
    const b = draws.map((d) => d[2]!);
    const ma = a.reduce((p, v) => p + v, 0) / S;
    const mb = b.reduce((p, v) => p + v, 0) / S;
    const cov = a.reduce((p, v, i) => p + (v - ma) * (b[i]! - mb), 0) / (S - 1);
    const corr = cov / Math.sqrt(variance[0]! * variance[2]!);
    expect(Math.abs(corr)).toBeLessThan(5 / Math.sqrt(S));
  });

  it('round-trips through save/load, trains with model.fit, and keeps numTensors flat', async () => {
    const model = tf.sequential({layers: [
      tfp.layers.conv2dLocalReparameterization({filters: 3, kernelSize: 3, inputShape: [6, 6, 1], activation: 'relu', seed: 2}),
      tf.layers.flatten(),
      tfp.layers.denseLocalReparameterization({units: 2, seed: 3}),
    ]});
    model.compile({optimizer: tf.train.adam(0.01), loss: 'meanSquaredError'});
    const x = tf.randomNormal([16, 6, 6, 1], 0, 1, 'float32', 4);
    const y = tf.randomNormal([16, 2], 0, 1, 'float32', 5);
    await model.fit(x, y, {epochs: 1, batchSize: 8, verbose: 0});
    const before = tf.memory().numTensors;
    const h = await model.fit(x, y, {epochs: 3, batchSize: 8, verbose: 0});
    expect(tf.memory().numTensors).toBe(before);
    expect((h.history['loss'] as number[]).every(Number.isFinite)).toBe(true);
    let saved: tf.io.ModelArtifacts | undefined;
    await model.save(tf.io.withSaveHandler(async (a) => {
      saved = a;
      return {modelArtifactsInfo: {dateSaved: new Date(), modelTopologyType: 'JSON'}};
    }));
    const loaded = await tf.loadLayersModel(tf.io.fromMemory(saved as tf.io.ModelArtifacts));
    expect(loaded.layers[0]!.getClassName()).toBe('Conv2DLocalReparameterization');
    const mean = (m: tf.LayersModel): Float32Array => tfp.layers.withPosteriorMean(m, () => (m.predict(x) as tf.Tensor).dataSync() as Float32Array);
    expectClose(mean(loaded), mean(model), 1e-6, 1e-6);
  });
});
