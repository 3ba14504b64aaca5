// withPosteriorSample: one posterior draw of the weights per scope, for every estimator and for
// DenseVariational; the draw's marginal is the posterior's (moments at 5 SE); memory flat.
import * as tf from '@tensorflow/tfjs';
import {describe, expect, it} from 'vitest';

import * as tfp from '../../src/index.js';

type Make = () => tf.layers.Layer;

const DENSE: Array<[string, Make]> = [
  ['denseReparameterization', () => tfp.layers.denseReparameterization({units: 3, inputShape: [4], seed: 1})],
  ['denseFlipout', () => tfp.layers.denseFlipout({units: 3, inputShape: [4], seed: 2})],
  ['denseLocalReparameterization', () => tfp.layers.denseLocalReparameterization({units: 3, inputShape: [4], seed: 3})],
];

/** A posterior with a visible spread: loc and untransformed scale set to known values. */
function widen(layer: tf.layers.Layer): void {
  const [loc, u] = layer.getWeights();
  layer.setWeights([tf.randomNormal(loc!.shape, 0, 1, 'float32', 7), tf.fill(u!.shape, 0.0), ...layer.getWeights().slice(2)]);
}

/** x·W (+ b) in float64 from the arrays of a drawn kernel [in, out] and a bias. */
function affine64(x: number[][], w: Float32Array | Int32Array | Uint8Array, b: ArrayLike<number> | null, units: number): number[][] {
  return x.map((row) => Array.from({length: units}, (_, j) =>
    row.reduce((s, v, i) => s + v * (w[i * units + j] as number), 0) + (b === null ? 0 : b[j] as number)));
}

describe('withPosteriorSample', () => {
  for (const [name, make] of DENSE) {
    it(`${name}: every batch of a scope uses the one drawn kernel (x·W + b in float64)`, () => {
      const layer = make();
      const model = tf.sequential({layers: [layer]});
      widen(layer);
      const rows = [[1, -2, 0.5, 3], [0.25, 1, -1, 2], [1, -2, 0.5, 3], [-3, 0, 2, 1], [0.25, 1, -1, 2]];
      const x = tf.tensor2d(rows);
      const vl = layer as unknown as tfp.layers.VariationalLayer;
      const {y, w, b} = tfp.layers.withPosteriorSample(model, () => {
        const out = (model.predict(x, {batchSize: 2}) as tf.Tensor).arraySync() as number[][];
        return {y: out, w: vl.kernelPosteriorTensor!.dataSync(), b: vl.biasPosteriorTensor!.dataSync()};
      });
      const want = affine64(rows, w, b, 3);
      y.forEach((r, i) => r.forEach((v, j) => expect(Math.abs(v - want[i]![j]!)).toBeLessThan(1e-5 * (1 + Math.abs(want[i]![j]!)))));
      // Duplicate rows in different batches (0 and 2, 1 and 4) give identical outputs: one function.
      expect(y[2]).toEqual(y[0]);
      expect(y[4]).toEqual(y[1]);
      // Outside the scope the layer samples again (Flipout / local: per example).
      const a = (model.predict(x) as tf.Tensor).dataSync();
      const c = (model.predict(x) as tf.Tensor).dataSync();
      expect(Array.from(a)).not.toEqual(Array.from(c));
    });

    it(`${name}: the pinned kernel's marginal is the posterior (output moments within 5 SE)`, () => {
      const layer = make();
      const model = tf.sequential({layers: [layer]});
      widen(layer);
      const xRow = [0.5, -1, 2, 0.25];
      const x = tf.tensor2d([xRow]);
      const [locW, uW, biasW] = layer.getWeights().map((t) => t.dataSync());
      const units = 3;
      // σ = eps + softplus(0) = 1.1920929e-7 + log 2 (TFP's default mean-field posterior).
      const sigma = 1.1920929e-7 + Math.log(2);
      expect(uW!.every((v) => v === 0)).toBe(true);
      const S = 2000;
      const draws: number[][] = [];
      for (let s = 0; s < S; s++) {
        draws.push(Array.from(tfp.layers.withPosteriorSample(model, () => tf.tidy(() => (model.predict(x) as tf.Tensor).dataSync()))));
      }
      for (let j = 0; j < units; j++) {
        const mean = xRow.reduce((acc, v, i) => acc + v * (locW![i * units + j] as number), 0) + (biasW![j] as number);
        const variance = xRow.reduce((acc, v) => acc + v * v * sigma * sigma, 0);
        const col = draws.map((d) => d[j]!);
        const m = col.reduce((a, v) => a + v, 0) / S;
        const v = col.reduce((a, u) => a + (u - m) ** 2, 0) / (S - 1);
        expect(Math.abs(m - mean)).toBeLessThan(5 * Math.sqrt(variance / S));
        // SE of a Gaussian sample variance: variance·√(2/(S−1)).
        expect(Math.abs(v - variance)).toBeLessThan(5 * variance * Math.sqrt(2 / (S - 1)));
      }
    });
  }

  it('conv2dFlipout: one kernel per scope, equal to tf.conv2d with the drawn kernel', () => {
    const layer = tfp.layers.conv2dFlipout({filters: 2, kernelSize: 3, padding: 'same', inputShape: [5, 5, 1], seed: 4});
    const model = tf.sequential({layers: [layer]});
    widen(layer);
    const x = tf.randomNormal([3, 5, 5, 1], 0, 1, 'float32', 9);
    const vl = layer as unknown as tfp.layers.VariationalLayer;
    const [got, want] = tfp.layers.withPosteriorSample(model, () => {
      const y = (model.predict(x, {batchSize: 1}) as tf.Tensor).dataSync();
      const ref = tf.add(tf.conv2d(x as tf.Tensor4D, vl.kernelPosteriorTensor as tf.Tensor4D, 1, 'same'), vl.biasPosteriorTensor!).dataSync();
      return [Array.from(y), Array.from(ref)];
    });
    got.forEach((v, i) => expect(Math.abs(v - want[i]!)).toBeLessThan(1e-5));
  });

  it('DenseVariational: all batches of a scope share the draw; scopes differ', () => {
    const layer = tfp.layers.denseVariational({units: 2, inputShape: [3], seed: 5,
      makePosteriorFn: tfp.layers.util.posteriorMeanField, makePriorFn: tfp.layers.util.priorTrainable});
    const model = tf.sequential({layers: [layer]});
    const x = tf.tensor2d([[1, 2, 3], [0, -1, 1], [1, 2, 3]]);
    const one = (): number[][] => tfp.layers.withPosteriorSample(model, () =>
      (model.predict(x, {batchSize: 1}) as tf.Tensor).arraySync() as number[][]);
    const a = one();
    const b = one();
    expect(a[2]).toEqual(a[0]);
    expect(a[0]).not.toEqual(b[0]);
  });

  it('nested scopes draw anew and restore the outer draw; memory is flat over scopes', () => {
    const model = tf.sequential({layers: [
      tfp.layers.denseReparameterization({units: 3, inputShape: [2], seed: 6}),
      tfp.layers.denseFlipout({units: 1, seed: 7}),
    ]});
    tfp.layers.variationalLayers(model).forEach(widen);
    const x = tf.tensor2d([[1, 2]]);
    const run = (): number => tf.tidy(() => (model.predict(x) as tf.Tensor).dataSync()[0]!);
    tfp.layers.withPosteriorSample(model, () => {
      const outer = run();
      const inner = tfp.layers.withPosteriorSample(model, () => [run(), run()]);
      expect(inner[0]).toBe(inner[1]);
      expect(inner[0]).not.toBe(outer);
      expect(run()).toBe(outer);
    });
    run();
    const before = tf.memory().numTensors;
    for (let i = 0; i < 20; i++) tfp.layers.withPosteriorSample(model, () => { run(); run(); });
    run();
    expect(tf.memory().numTensors).toBe(before);
  });

  it('refuses a non-function fn, an async fn and a target that is not a layer or model', async () => {
    const {ValueError} = tfp.util;
    const model = tf.sequential({layers: [tfp.layers.denseFlipout({units: 1, inputShape: [1]})]});
    expect(() => tfp.layers.withPosteriorSample(model, 3 as never)).toThrow(ValueError);
    expect(() => tfp.layers.withPosteriorSample({} as never, () => 1)).toThrow(/target must be a tf.LayersModel/);
    expect(() => tfp.layers.withPosteriorSample(model, (async () => 1) as never)).toThrow(TypeError);
  });
});
