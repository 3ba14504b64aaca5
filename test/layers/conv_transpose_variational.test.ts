// Conv{1,2,3}DTranspose{Reparameterization,Flipout}: shapes and σ → 0 values equal tfjs's
// tf.layers.conv2dTranspose / conv3dTranspose over paddings × strides × data formats; rank 1,
// outputPadding and dilations (which tfjs's layers lack) against a float64 scatter reference
// written here from the definition; save/load, training, memory.
import * as tf from '@tensorflow/tfjs';
import {describe, expect, it} from 'vitest';

import * as tfp from '../../src/index.js';
import {expectClose, expectMoments} from '../helpers/oracles.js';

type Factory = (args: tfp.layers.ConvTransposeVariationalArgs) => tfp.layers.VariationalConvTranspose;
const BY_RANK: Record<1 | 2 | 3, Array<[string, Factory]>> = {
  1: [['Conv1DTransposeReparameterization', tfp.layers.conv1dTransposeReparameterization],
    ['Conv1DTransposeFlipout', tfp.layers.conv1dTransposeFlipout]],
  2: [['Conv2DTransposeReparameterization', tfp.layers.conv2dTransposeReparameterization],
    ['Conv2DTransposeFlipout', tfp.layers.conv2dTransposeFlipout]],
  3: [['Conv3DTransposeReparameterization', tfp.layers.conv3dTransposeReparameterization],
    ['Conv3DTransposeFlipout', tfp.layers.conv3dTransposeFlipout]],
};
const SPATIAL = {1: [5], 2: [4, 5], 3: [3, 4, 3]} as const;

/** Sets the posterior to a point mass at (kernel, bias): σ = eps + softplus(−40) ≈ 1.2e-7. */
function pointMass(layer: tf.layers.Layer, kernel: tf.Tensor, bias: tf.Tensor): void {
  layer.setWeights([kernel, tf.fill(kernel.shape, -40), bias]);
}

/**
 * Float64 transposed convolution, channels-last, from the definition: each input position i
 * scatters x[i]·K[a] to output position i·s + a·d − padBefore (per axis), where for an output of
 * length `out` the forward convolution's padding before is ⌊max((n − 1)·s + kEff − out, 0)/2⌋ for
 * same and 0 for valid (TF's conv2d_transpose given an output shape).
 */
function transpose64(x: tf.Tensor, kernel: tf.Tensor, strides: number[], dilations: number[],
    padding: 'valid' | 'same', outSpatial: number[]): Float64Array {
  const rank = strides.length;
  const xs = x.shape;
  const ks = kernel.shape;
  const [batch, cin, cout] = [xs[0]!, xs[rank + 1]!, ks[rank]!];
  const n = xs.slice(1, rank + 1);
  const k = ks.slice(0, rank);
  const pad = n.map((ni, i) => {
    const kEff = k[i]! + (k[i]! - 1) * (dilations[i]! - 1);
    return padding === 'same' ? Math.floor(Math.max((ni - 1) * strides[i]! + kEff - outSpatial[i]!, 0) / 2) : 0;
  });
  const xv = x.dataSync();
  const kv = kernel.dataSync();
  const outSize = outSpatial.reduce((a, b) => a * b, 1);
  const y = new Float64Array(batch * outSize * cout);
  const idx = (coords: number[], dims: number[]): number => coords.reduce((acc, c, i) => acc * dims[i]! + c, 0);
  const each = (dims: number[], f: (c: number[]) => void, prefix: number[] = []): void => {
    if (prefix.length === dims.length) { f(prefix); return; }
    for (let i = 0; i < dims[prefix.length]!; i++) each(dims, f, [...prefix, i]);
  };
  for (let b = 0; b < batch; b++) {
    each(n, (ip) => each(k, (ap) => {
      const op = ip.map((i, t) => i * strides[t]! + ap[t]! * dilations[t]! - pad[t]!);
      if (op.some((o, t) => o < 0 || o >= outSpatial[t]!)) return;
      for (let ci = 0; ci < cin; ci++) {
        const xval = xv[(b * n.reduce((p, q) => p * q, 1) + idx(ip, n)) * cin + ci]!;
        for (let co = 0; co < cout; co++) {
          // Kernel layout kernelSize + [out, in].
          y[(b * outSize + idx(op, outSpatial)) * cout + co]! += xval * kv[(idx(ap, k) * cout + co) * cin + ci]!;
        }
      }
    }));
  }
  return y;
}

describe('transposed convolution layers equal tfjs\'s at σ → 0', () => {
  for (const rank of [2, 3] as const) {
    for (const [name, factory] of BY_RANK[rank]) {
      for (const padding of ['valid', 'same'] as const) {
        for (const [kernelSize, strides] of [[3, 1], [3, 2], [2, 3]] as Array<[number, number]>) {
          for (const dataFormat of (rank === 2 ? ['channelsLast', 'channelsFirst'] : ['channelsLast']) as Array<'channelsLast' | 'channelsFirst'>) {
            it(`${name} ${padding} k=${kernelSize} s=${strides} ${dataFormat}`, () => {
              const args = {filters: 3, kernelSize, strides, padding, dataFormat};
              const reference = (rank === 2 ? tf.layers.conv2dTranspose : tf.layers.conv3dTranspose)(args);
              const ours = factory({...args, seed: 1});
              const spatial = SPATIAL[rank];
              const shape = dataFormat === 'channelsLast' ? [2, ...spatial, 2] : [2, 2, ...spatial];
              const x = tf.randomNormal(shape, 0, 1, 'float32', 5);
              const want = reference.apply(x) as tf.Tensor;
              ours.apply(x);
              const [kernel, bias] = reference.getWeights();
              expect(ours.getWeights()[0]!.shape).toEqual(kernel!.shape);
              pointMass(ours, kernel!, tf.randomNormal(bias!.shape, 0, 1, 'float32', 6));
              reference.setWeights([kernel!, ours.getWeights()[2]!]);
              const got = ours.apply(x) as tf.Tensor;
              const ref = reference.apply(x) as tf.Tensor;
              expect(got.shape).toEqual(want.shape);
              expect(ours.computeOutputShape([null, ...shape.slice(1)])).toEqual([null, ...want.shape.slice(1)]);
              expectClose(got, ref.dataSync(), 1e-5, 1e-5);
            });
          }
        }
      }
    }
  }
});

describe('rank 1, outputPadding and dilations against a float64 scatter reference', () => {
  const cases: Array<[1 | 2, 'valid' | 'same', number, number, number | null, number]> = [
    [1, 'valid', 3, 2, null, 1], [1, 'same', 3, 2, null, 1], [1, 'same', 2, 3, null, 1],
    [1, 'valid', 3, 2, 1, 1], [1, 'same', 3, 2, 1, 1], [1, 'same', 3, 1, null, 2],
    [2, 'valid', 3, 2, 1, 1], [2, 'same', 3, 3, 2, 1], [2, 'valid', 3, 1, null, 2], [2, 'same', 2, 1, null, 3],
  ];
  for (const [rank, padding, kernelSize, strides, outputPadding, dilationRate] of cases) {
    for (const [name, factory] of BY_RANK[rank]) {
      it(`${name} ${padding} k=${kernelSize} s=${strides} outputPadding=${outputPadding} d=${dilationRate}`, () => {
        const layer = factory({filters: 2, kernelSize, strides, padding, outputPadding, dilationRate, seed: 2});
        const spatial = SPATIAL[rank];
        const x = tf.randomNormal([2, ...spatial, 3], 0, 1, 'float32', 7);
        layer.apply(x);
        const kernel = tf.randomNormal(layer.getWeights()[0]!.shape, 0, 1, 'float32', 8);
        pointMass(layer, kernel, tf.zeros([2]));
        const y = layer.apply(x) as tf.Tensor;
        // Keras's deconv_output_length, written out: no output padding → valid n·s + max(kEff − s, 0),
        // same n·s; with p → (n − 1)·s + kEff − 2·pad + p, pad = ⌊kEff/2⌋ (same) or 0.
        const kEff = kernelSize + (kernelSize - 1) * (dilationRate - 1);
        const out = spatial.map((n) => outputPadding === null ?
          (padding === 'same' ? n * strides : n * strides + Math.max(kEff - strides, 0)) :
          (n - 1) * strides + kEff - 2 * (padding === 'same' ? Math.floor(kEff / 2) : 0) + outputPadding);
        expect(y.shape).toEqual([2, ...out, 2]);
        const want = transpose64(x, kernel, spatial.map(() => strides), spatial.map(() => dilationRate), padding, out);
        expectClose(y, Array.from(want), 1e-4, 1e-5);
      });
    }
  }

  it('refuses outputPadding ≥ stride, strides with dilations, and unknown keys, by name', () => {
    expect(() => tfp.layers.conv2dTransposeFlipout({filters: 1, kernelSize: 3, strides: 2, outputPadding: 2}))
      .toThrow(/outputPadding must be null or 2 integers/);
    expect(() => tfp.layers.conv2dTransposeFlipout({filters: 1, kernelSize: 3, strides: 2, dilationRate: 2}))
      .toThrow(/strides > 1 not supported in conjunction with dilationRate > 1/);
    expect(() => tfp.layers.conv2dTransposeFlipout({filters: 1, kernelSize: 3, outputpadding: 1} as never))
      .toThrow(/outputpadding/);
  });
});

describe('transposed layers in models', () => {
  it('train with model.fit, keep numTensors flat, and round-trip save/load', async () => {
    const model = tf.sequential({layers: [
      tfp.layers.conv2dTransposeFlipout({filters: 2, kernelSize: 3, strides: 2, padding: 'same', inputShape: [3, 3, 1],
        activation: 'relu', seed: 1}),
      tfp.layers.conv2dTransposeReparameterization({filters: 1, kernelSize: 2, outputPadding: null, seed: 2}),
    ]});
    model.compile({optimizer: tf.train.adam(0.01), loss: 'meanSquaredError'});
    const x = tf.randomNormal([8, 3, 3, 1], 0, 1, 'float32', 3);
    const y = tf.randomNormal([8, 7, 7, 1], 0, 1, 'float32', 4);
    await model.fit(x, y, {epochs: 1, batchSize: 4, verbose: 0});
    const before = tf.memory().numTensors;
    await model.fit(x, y, {epochs: 2, batchSize: 4, verbose: 0});
    expect(tf.memory().numTensors).toBe(before);
    let saved: tf.io.ModelArtifacts | undefined;
    await model.save(tf.io.withSaveHandler(async (a) => {
      saved = a;
      return {modelArtifactsInfo: {dateSaved: new Date(), modelTopologyType: 'JSON'}};
    }));
    const loaded = await tf.loadLayersModel(tf.io.fromMemory(saved as tf.io.ModelArtifacts));
    expect(loaded.layers.map((l) => l.getClassName())).toEqual(['Conv2DTransposeFlipout', 'Conv2DTransposeReparameterization']);
    const mean = (m: tf.LayersModel): Float32Array => tfp.layers.withPosteriorMean(m, () => (m.predict(x) as tf.Tensor).dataSync() as Float32Array);
    expectClose(mean(loaded), mean(model), 1e-6, 1e-6);
  });
});

describe('transposed Flipout: moments, KL, seeds', () => {
  it('each output is N(convT(x, μ) + b, convT(x², σ²)) (5 SE; the oracle by tfjs\'s conv2dTranspose op)', () => {
    const layer = tfp.layers.conv2dTransposeFlipout({filters: 2, kernelSize: 2, strides: 2, seed: 3});
    const x = tf.randomNormal([1, 2, 2, 2], 0, 1, 'float32', 4) as tf.Tensor4D;
    layer.apply(x);
    const loc = tf.randomNormal([2, 2, 2, 2], 0, 0.5, 'float32', 5) as tf.Tensor4D;
    const sigma = 0.3;
    layer.setWeights([loc, tf.fill([2, 2, 2, 2], Math.log(Math.expm1(sigma - 1.1920929e-7))), tf.tensor1d([0.2, -0.1])]);
    const out: [number, number, number, number] = [1, 4, 4, 2];
    const mean = Array.from(tf.add(tf.conv2dTranspose(x, loc, out, 2, 'valid'), tf.tensor1d([0.2, -0.1])).dataSync());
    const variance = Array.from(tf.conv2dTranspose(tf.square(x), tf.fill([2, 2, 2, 2], sigma * sigma) as tf.Tensor4D, out, 2, 'valid').dataSync());
    const draws: Float32Array[] = [];
    for (let i = 0; i < 3000; i++) draws.push(tf.tidy(() => (layer.apply(x) as tf.Tensor).dataSync() as Float32Array));
    expectMoments(draws, {mean, variance}, 5);
  });

  it('KL is the closed form over the kernel; the same seed and weights give the same draws', () => {
    const make = (seed: number): tfp.layers.VariationalConvTranspose =>
      tfp.layers.conv3dTransposeFlipout({filters: 2, kernelSize: 2, strides: 2, seed});
    const x = tf.randomNormal([2, 2, 2, 2, 1], 0, 1, 'float32', 6);
    const a = make(7);
    const b = make(7);
    const c = make(8);
    a.apply(x);
    b.apply(x);
    c.apply(x);
    b.setWeights(a.getWeights());
    c.setWeights(a.getWeights());
    const [mu, u] = a.getWeights().map((t) => Array.from(t.dataSync()));
    const want = mu!.reduce((s, m, i) => {
      const sig = 1.1920929e-7 + Math.log1p(Math.exp(u![i]!));
      return s - Math.log(sig) + (sig * sig + m * m) / 2 - 0.5;
    }, 0);
    expect(a.kl().dataSync()[0]).toBeCloseTo(want, 2);
    const ya = [0, 1].map(() => Array.from((a.apply(x) as tf.Tensor).dataSync()));
    const yb = [0, 1].map(() => Array.from((b.apply(x) as tf.Tensor).dataSync()));
    expect(yb).toEqual(ya);
    expect(Array.from((c.apply(x) as tf.Tensor).dataSync())).not.toEqual(ya[0]);
  });
});
