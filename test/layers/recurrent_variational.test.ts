// {LSTM,GRU,SimpleRNN}{Reparameterization,Flipout}: σ → 0 equals tfjs's own layer for every flag;
// one weight draw (and one set of Flipout signs) per sequence; Flipout's per-example marginal at
// 5 SE; KL added once per call = the closed form; Bidirectional; save/load; memory flat.
import * as tf from '@tensorflow/tfjs';
import {describe, expect, it} from 'vitest';

import * as tfp from '../../src/index.js';
import {expectClose, expectMoments} from '../helpers/oracles.js';

type Factory = (args: tfp.layers.RecurrentVariationalArgs) => tfp.layers.VariationalRNN;
const KINDS: Array<[string, Factory, (a: never) => tf.layers.Layer]> = [
  ['LSTMReparameterization', tfp.layers.lstmReparameterization, tf.layers.lstm as never],
  ['LSTMFlipout', tfp.layers.lstmFlipout, tf.layers.lstm as never],
  ['GRUReparameterization', tfp.layers.gruReparameterization, tf.layers.gru as never],
  ['GRUFlipout', tfp.layers.gruFlipout, tf.layers.gru as never],
  ['SimpleRNNReparameterization', tfp.layers.simpleRNNReparameterization, tf.layers.simpleRNN as never],
  ['SimpleRNNFlipout', tfp.layers.simpleRNNFlipout, tf.layers.simpleRNN as never],
];
const EPS = 1.1920929e-7;

/** Copies tfjs's [kernel, recurrentKernel, bias] into ours as point masses (σ = eps + softplus(−40)). */
function copyAsPointMass(ours: tf.layers.Layer, ref: tf.layers.Layer): void {
  const [k, rk, b] = ref.getWeights();
  ours.setWeights([k!, tf.fill(k!.shape, -40), rk!, tf.fill(rk!.shape, -40), b!]);
}

function outputs(y: tf.Tensor | tf.Tensor[]): tf.Tensor[] {
  return Array.isArray(y) ? y : [y];
}

describe('recurrent layers equal tfjs\'s at σ → 0', () => {
  const FLAGS: Array<Record<string, boolean>> = [{}, {returnSequences: true}, {returnState: true},
    {goBackwards: true, returnSequences: true}, {returnSequences: true, returnState: true, goBackwards: true}];
  for (const [name, ours, ref] of KINDS) {
    for (const flags of FLAGS) {
      it(`${name} ${JSON.stringify(flags)}`, () => {
        const x = tf.randomNormal([3, 5, 4], 0, 1, 'float32', 1);
        const reference = ref({units: 6, ...flags} as never);
        const layer = ours({units: 6, seed: 2, ...flags});
        reference.apply(x);
        layer.apply(x);
        reference.setWeights(reference.getWeights().map((w, i) => tf.randomNormal(w.shape, 0, 0.5, 'float32', 10 + i)));
        copyAsPointMass(layer, reference);
        const want = outputs(reference.apply(x) as tf.Tensor | tf.Tensor[]);
        const got = outputs(layer.apply(x) as tf.Tensor | tf.Tensor[]);
        expect(got.map((t) => t.shape)).toEqual(want.map((t) => t.shape));
        got.forEach((t, i) => expectClose(t, want[i]!.dataSync(), 1e-5, 1e-5));
        // Parameters: tfjs's, plus one untransformed scale per kernel and recurrent-kernel weight.
        const [k, rk] = reference.getWeights();
        expect(layer.countParams()).toBe(reference.countParams() + k!.size + rk!.size);
      });
    }
    it(`${name} stateful: the second batch starts from the first batch's last state, as tfjs's`, () => {
      const x = tf.randomNormal([2, 4, 3], 0, 1, 'float32', 3);
      const reference = ref({units: 5, stateful: true, batchInputShape: [2, 4, 3]} as never);
      const layer = ours({units: 5, stateful: true, batchInputShape: [2, 4, 3], seed: 4});
      reference.apply(x);
      layer.apply(x);
      reference.setWeights(reference.getWeights().map((w, i) => tf.randomNormal(w.shape, 0, 0.5, 'float32', 20 + i)));
      copyAsPointMass(layer, reference);
      (reference as unknown as tf.RNN).resetStates();
      layer.resetStates();
      for (let step = 0; step < 2; step++) {
        const want = reference.apply(x) as tf.Tensor;
        expectClose(layer.apply(x) as tf.Tensor, want.dataSync(), 1e-5, 1e-5);
      }
    });
  }
});

describe('one draw per sequence', () => {
  for (const [name, ours] of KINDS.filter(([n]) => n.startsWith('SimpleRNN'))) {
    it(`${name}: a constant input gives a constant output over time (the kernel is not redrawn per step)`, () => {
      // Linear cell, recurrent kernel 0 with σ → 0: h_t = x·W_n + b for every t.
      const layer = ours({units: 3, activation: 'linear', returnSequences: true, seed: 5});
      const x = tf.tile(tf.randomNormal([4, 1, 2], 0, 1, 'float32', 6), [1, 7, 1]);
      layer.apply(x);
      const [k, u] = layer.getWeights();
      layer.setWeights([k!, tf.zeros(u!.shape), tf.zeros([3, 3]), tf.fill([3, 3], -40), tf.zeros([3])]);
      const y = (layer.apply(x) as tf.Tensor).arraySync() as number[][][];
      // (Equal up to the σ ≈ 1.2e-7 of the recurrent point mass; a per-step redraw of W would move
      // the output by about σ_W·|x| ≈ 0.7·|x|.)
      for (const example of y) for (const step of example) expectClose(step, example[0]!, 1e-5, 0);
      // …and the draw differs between examples (Flipout) or between calls (both).
      const again = (layer.apply(x) as tf.Tensor).arraySync() as number[][][];
      expect(again[0]![0]).not.toEqual(y[0]![0]);
    });
  }

  it('LSTMReparameterization uses its drawn kernels at every step: equals tfjs\'s LSTM with them', () => {
    const layer = tfp.layers.lstmReparameterization({units: 4, returnSequences: true, seed: 7});
    const reference = tf.layers.lstm({units: 4, returnSequences: true});
    const x = tf.randomNormal([2, 6, 3], 0, 1, 'float32', 8);
    reference.apply(x);
    const y = layer.apply(x) as tf.Tensor;
    const s = layer.posteriorSamples;
    reference.setWeights([s.kernel!, s.recurrentKernel!, s.bias!]);
    expectClose(y, (reference.apply(x) as tf.Tensor).dataSync(), 1e-5, 1e-5);
  });

  it('SimpleRNNFlipout: the first step is N(x·μ + b, Σ x²σ²) per example (5 SE), examples uncorrelated', () => {
    const layer = tfp.layers.simpleRNNFlipout({units: 2, activation: 'linear', seed: 9});
    const x = tf.tensor3d([[[0.5, -1, 2]], [[0.5, -1, 2]]]);   // two equal one-step sequences
    layer.apply(x);
    const loc = tf.randomNormal([3, 2], 0, 1, 'float32', 10);
    const sigma = 0.4;
    const u = Math.log(Math.expm1(sigma - EPS));
    layer.setWeights([loc, tf.fill([3, 2], u), tf.zeros([2, 2]), tf.fill([2, 2], -40), tf.tensor1d([0.1, -0.3])]);
    const mean = Array.from(tf.add(tf.matMul(tf.tensor2d([[0.5, -1, 2]]), loc), tf.tensor1d([0.1, -0.3])).dataSync());
    const variance = [0, 1].map(() => (0.25 + 1 + 4) * sigma * sigma);
    const draws: number[][] = [];
    for (let i = 0; i < 3000; i++) draws.push(Array.from(tf.tidy(() => (layer.apply(x) as tf.Tensor).dataSync())));
    expectMoments(draws.map((d) => d.slice(0, 2)), {mean, variance}, 5);
    expectMoments(draws.map((d) => d.slice(2, 4)), {mean, variance}, 5);
    const a = draws.map((d) => d[0]!);
    const b = draws.map((d) => d[2]!);
    const ma = a.reduce((p, v) => p + v, 0) / a.length;
    const mb = b.reduce((p, v) => p + v, 0) / b.length;
    const corr = a.reduce((p, v, i) => p + (v - ma) * (b[i]! - mb), 0) / (a.length - 1) / variance[0]!;
    expect(Math.abs(corr)).toBeLessThan(5 / Math.sqrt(a.length));
  });
});

describe('KL, wrappers, models', () => {
  it('adds the KL once per call: the closed form over kernel and recurrent kernel, whatever the length', () => {
    const layer = tfp.layers.gruFlipout({units: 3, seed: 11});
    layer.apply(tf.zeros([2, 4, 2]));
    const w = layer.getWeights().map((t) => Array.from(t.dataSync()));
    // KL(N(μ, σ²) ‖ N(0, 1)) = −log σ + (σ² + μ²)/2 − 1/2, σ = eps + softplus(u).
    const kl = (mu: number[], u: number[]): number => mu.reduce((s, m, i) => {
      const sig = EPS + Math.log1p(Math.exp(u[i]!));
      return s - Math.log(sig) + (sig * sig + m * m) / 2 - 0.5;
    }, 0);
    const want = kl(w[0]!, w[1]!) + kl(w[2]!, w[3]!);
    expect(layer.losses.length).toBe(2);
    expect(layer.kl().dataSync()[0]).toBeCloseTo(want, 2);
    layer.apply(tf.zeros([2, 9, 2]));
    expect(layer.kl().dataSync()[0]).toBeCloseTo(want, 2);
  });

  it('works inside tf.layers.bidirectional, trains with model.fit (memory flat) and round-trips save/load', async () => {
    const model = tf.sequential({layers: [
      tf.layers.bidirectional({layer: tfp.layers.lstmFlipout({units: 4, seed: 12}) as never, inputShape: [5, 2]}),
      tfp.layers.denseReparameterization({units: 1, seed: 13}),
    ]});
    tfp.layers.scaleKLByExamples(model, 16);
    model.compile({optimizer: tf.train.adam(0.01), loss: 'meanSquaredError'});
    const x = tf.randomNormal([16, 5, 2], 0, 1, 'float32', 14);
    const y = tf.randomNormal([16, 1], 0, 1, 'float32', 15);
    expect((model.predict(x) as tf.Tensor).shape).toEqual([16, 1]);
    await model.fit(x, y, {epochs: 1, batchSize: 8, verbose: 0});
    const before = tf.memory().numTensors;
    const h = await model.fit(x, y, {epochs: 3, batchSize: 8, verbose: 0, callbacks: [tfp.layers.elboLogger()]});
    expect(tf.memory().numTensors).toBe(before);
    expect((h.history['kl'] as number[]).every((v) => v > 0)).toBe(true);
    const single = tf.sequential({layers: [tfp.layers.gruReparameterization({units: 3, inputShape: [5, 2], returnSequences: true,
      klWeight: 0.5, seed: 16})]});
    let saved: tf.io.ModelArtifacts | undefined;
    await single.save(tf.io.withSaveHandler(async (a) => {
      saved = a;
      return {modelArtifactsInfo: {dateSaved: new Date(), modelTopologyType: 'JSON'}};
    }));
    const loaded = await tf.loadLayersModel(tf.io.fromMemory(saved as tf.io.ModelArtifacts));
    const l = loaded.layers[0] as tfp.layers.VariationalRNN;
    expect(l.getClassName()).toBe('GRUReparameterization');
    expect(l.klWeight).toBe(0.5);
    const mean = (m: tf.LayersModel): Float32Array => tfp.layers.withPosteriorMean(m, () => (m.predict(x) as tf.Tensor).dataSync() as Float32Array);
    expectClose(mean(loaded), mean(single), 1e-6, 1e-6);
    // One posterior function per withPosteriorSample scope, across batches.
    const x2 = tf.concat([x, x]);
    const ys = tfp.layers.withPosteriorSample(single, () => (single.predict(x2, {batchSize: 8}) as tf.Tensor).arraySync() as number[][][]);
    expect(ys[16]).toEqual(ys[0]);
  });

  it('refuses bad arguments by name', () => {
    expect(() => tfp.layers.lstmFlipout({units: 0})).toThrow(/units must be a positive integer/);
    expect(() => tfp.layers.simpleRNNFlipout({units: 2, recurrentActivation: 'sigmoid'})).toThrow(/recurrentActivation applies to LSTM and GRU/);
    expect(() => tfp.layers.gruFlipout({units: 2, unit: 3} as never)).toThrow(/unit/);
    expect(() => tfp.layers.lstmReparameterization({units: 2, returnSequences: 1 as never})).toThrow(/returnSequences must be a boolean/);
    expect(() => tfp.layers.lstmFlipout({units: 2}).apply(tf.zeros([2, 3]))).toThrow(/rank 3/);
  });
});

describe('seeds', () => {
  for (const [name, ours] of KINDS) {
    it(`${name}: the same seed and weights give the same outputs call after call; another seed differs`, () => {
      const x = tf.randomNormal([2, 4, 3], 0, 1, 'float32', 30);
      const [a, b, c] = [21, 21, 22].map((seed) => ours({units: 3, seed}));
      for (const l of [a!, b!, c!]) l.apply(x);
      b!.setWeights(a!.getWeights());
      c!.setWeights(a!.getWeights());
      const run = (l: tf.layers.Layer): number[][] => [0, 1].map(() => Array.from((l.apply(x) as tf.Tensor).dataSync()));
      const ya = run(a!);
      expect(run(b!)).toEqual(ya);
      expect(ya[1]).not.toEqual(ya[0]);
      expect(run(c!)[0]).not.toEqual(ya[0]);
    });
  }
});
