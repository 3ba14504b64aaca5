// Numerical faults: σ near zero and very large, inputs with ±∞/NaN and at float32 limits, all-zero
// rows under local reparameterization, and the opt-in checks of tfp.util (checkNumerics, the
// checkNumerics callback and optimizer) that stop at the first non-finite loss or gradient.
import * as tf from '@tensorflow/tfjs';
import {describe, expect, it} from 'vitest';

import * as tfp from '../../src/index.js';
import {softplusInverse} from '../helpers/oracles.js';

type Make = (args: {kernelPosteriorFn?: tfp.layers.util.DistributionFn}) => tf.layers.Layer;
const LAYERS: Array<[string, Make, number[]]> = [
  ['DenseReparameterization', (a) => tfp.layers.denseReparameterization({units: 3, seed: 1, ...a}), [4, 5]],
  ['DenseFlipout', (a) => tfp.layers.denseFlipout({units: 3, seed: 1, ...a}), [4, 5]],
  ['DenseLocalReparameterization', (a) => tfp.layers.denseLocalReparameterization({units: 3, seed: 1, ...a}), [4, 5]],
  ['Conv1DReparameterization', (a) => tfp.layers.conv1dReparameterization({filters: 2, kernelSize: 2, seed: 1, ...a}), [2, 5, 2]],
  ['Conv1DFlipout', (a) => tfp.layers.conv1dFlipout({filters: 2, kernelSize: 2, seed: 1, ...a}), [2, 5, 2]],
  ['Conv1DLocalReparameterization', (a) => tfp.layers.conv1dLocalReparameterization({filters: 2, kernelSize: 2, seed: 1, ...a}), [2, 5, 2]],
  ['Conv2DReparameterization', (a) => tfp.layers.conv2dReparameterization({filters: 2, kernelSize: 2, seed: 1, ...a}), [2, 4, 4, 1]],
  ['Conv2DFlipout', (a) => tfp.layers.conv2dFlipout({filters: 2, kernelSize: 2, seed: 1, ...a}), [2, 4, 4, 1]],
  ['Conv2DLocalReparameterization', (a) => tfp.layers.conv2dLocalReparameterization({filters: 2, kernelSize: 2, seed: 1, ...a}), [2, 4, 4, 1]],
  ['Conv3DReparameterization', (a) => tfp.layers.conv3dReparameterization({filters: 2, kernelSize: 2, seed: 1, ...a}), [1, 3, 3, 3, 1]],
  ['Conv3DFlipout', (a) => tfp.layers.conv3dFlipout({filters: 2, kernelSize: 2, seed: 1, ...a}), [1, 3, 3, 3, 1]],
  ['Conv3DLocalReparameterization', (a) => tfp.layers.conv3dLocalReparameterization({filters: 2, kernelSize: 2, seed: 1, ...a}), [1, 3, 3, 3, 1]],
];

/** A posterior with every untransformed scale set to `u` (σ = eps + softplus(u)). */
const posteriorWithU = (u: number): tfp.layers.util.DistributionFn => tfp.layers.util.defaultMeanFieldNormalFn({
  untransformedScaleInitializer: tf.initializers.constant({value: u})});

const nonFinite = (t: tf.Tensor): number => tfp.util.countNonFinite(t).nan + tfp.util.countNonFinite(t).inf;

/** Output, KL and the gradient of Σ output + KL w.r.t. every weight, for input `x`. */
function forwardBackward(layer: tf.layers.Layer, x: tf.Tensor): {y: tf.Tensor; kl: tf.Tensor; grads: tf.Tensor[]} {
  tf.dispose(layer.apply(x) as tf.Tensor);  // builds the layer
  const vars = layer.trainableWeights.map((w) => (w as unknown as {val: tf.Variable}).val);
  let y: tf.Tensor | undefined;
  const {value, grads} = tf.variableGrads(() => {
    y = tf.keep(layer.apply(x) as tf.Tensor);
    return tf.add(tf.sum(y), (layer as tfp.layers.VariationalLayer).kl()) as tf.Scalar;
  }, vars);
  const kl = (layer as tfp.layers.VariationalLayer).kl();
  value.dispose();
  return {y: y as tf.Tensor, kl, grads: Object.values(grads)};
}

describe('extreme posterior scales', () => {
  for (const [name, make, shape] of LAYERS) {
    for (const [label, u] of [['σ → eps (u = −100)', -100], ['σ ≈ 1e-6', softplusInverse(1e-6)], ['σ = 50 (u = 50)', 50]] as const) {
      it(`${name} with ${label}: finite outputs, KL and gradients`, () => {
        const layer = make({kernelPosteriorFn: posteriorWithU(u)});
        const x = tf.randomNormal(shape, 0, 1, 'float32', 3);
        const {y, kl, grads} = forwardBackward(layer, x);
        expect(nonFinite(y)).toBe(0);
        expect(nonFinite(kl)).toBe(0);
        for (const g of grads) expect(nonFinite(g)).toBe(0);
        // KL(N(μ, σ) ‖ N(0, 1)) ≥ 0 per weight; with σ = eps it is large (−log eps ≈ 15.9 per weight).
        expect(kl.dataSync()[0]).toBeGreaterThan(0);
        tf.dispose([x, y, kl, ...grads]);
      });
    }
  }
});

describe('non-finite and extreme inputs', () => {
  for (const [name, make, shape] of LAYERS) {
    it(`${name}: inputs of magnitude 1e15 (x² near float32 max / 1e8) stay finite`, () => {
      const layer = make({});
      const x = tf.mul(tf.randomNormal(shape, 0, 1, 'float32', 4), 1e15);
      const y = layer.apply(x) as tf.Tensor;
      expect(nonFinite(y)).toBe(0);
      tf.dispose([x, y]);
    });

    it(`${name}: inputs of magnitude 1e20 (x² overflows float32) give finite outputs and gradients`, () => {
      const layer = make({});
      const x = tf.mul(tf.randomNormal(shape, 0, 1, 'float32', 4), 1e20);
      const {y, kl, grads} = forwardBackward(layer, x);
      expect(nonFinite(y)).toBe(0);
      expect(nonFinite(kl)).toBe(0);
      for (const g of grads) expect(nonFinite(g)).toBe(0);
      tf.dispose([x, y, kl, ...grads]);
    });

    it(`${name}: a NaN / ∞ input gives a non-finite output (propagated, not a crash) that checkNumerics names`, () => {
      const layer = make({});
      const size = shape.reduce((a, b) => a * b, 1);
      const values = new Float32Array(size).fill(0.5);
      values[0] = NaN;
      values[1] = Infinity;
      const x = tf.tensor(values, shape);
      const y = layer.apply(x) as tf.Tensor;
      expect(nonFinite(y)).toBeGreaterThan(0);
      expect(() => tfp.util.checkNumerics(y, `${name} output`)).toThrowError(
          new RegExp(`checkNumerics: ${name} output must be finite; got \\d+ NaN and \\d+ infinite entries in Tensor\\[${y.shape.join(',')}\\] float32`));
      tf.dispose([x, y]);
    });
  }
});

describe('local reparameterization with all-zero rows (LAYERS.md §2.5 pitfall)', () => {
  it('gradients w.r.t. loc and untransformed scale are finite (safeSqrt), outputs equal the bias', () => {
    const layer = tfp.layers.denseLocalReparameterization({units: 3, seed: 7});
    const x = tf.tensor2d([[0, 0, 0, 0], [1, -2, 0, 3], [0, 0, 0, 0]]);
    const {y, kl, grads} = forwardBackward(layer, x);
    for (const g of grads) expect(nonFinite(g)).toBe(0);
    // A zero row has pre-activation N(0, 0): exactly the (deterministic) bias.
    const bias = (layer as tfp.layers.VariationalLayer).biasPosteriorTensor as tf.Tensor;
    const rows = y.arraySync() as number[][];
    expect(rows[0]).toEqual(Array.from(bias.dataSync()));
    expect(rows[2]).toEqual(Array.from(bias.dataSync()));
    tf.dispose([x, y, kl, ...grads]);
  });

  it('a whole batch of zeros trains with model.fit without NaN', async () => {
    const model = tf.sequential({layers: [tfp.layers.denseLocalReparameterization({units: 1, seed: 3, inputShape: [2]})]});
    model.compile({optimizer: tfp.util.checkNumericsOptimizer(tf.train.adam(0.01)), loss: 'meanSquaredError'});
    const h = await model.fit(tf.zeros([8, 2]), tf.ones([8, 1]), {epochs: 3, batchSize: 4, verbose: 0,
      callbacks: [tfp.util.checkNumericsCallback()]});
    expect((h.history['loss'] as number[]).every(Number.isFinite)).toBe(true);
  });
});

describe('float32 limits', () => {
  it('softplus scale: u = 88 (exp overflow point) and u = 1e4 give σ = u to float32 precision, finite KL', () => {
    for (const u of [88, 1e4]) {
      const layer = tfp.layers.denseReparameterization({units: 1, seed: 1, kernelPosteriorFn: posteriorWithU(u)});
      const y = layer.apply(tf.ones([1, 1])) as tf.Tensor;
      const posterior = (layer as tfp.layers.VariationalLayer).kernelPosterior as tfp.distributions.Distribution;
      const sd = tf.tidy(() => posterior.stddev().dataSync()[0] as number);
      expect(Math.abs(sd - u) / u).toBeLessThan(1e-6);
      const kl = (layer as tfp.layers.VariationalLayer).kl();
      expect(nonFinite(kl)).toBe(0);
      tf.dispose([y, kl]);
    }
  });

  it('σ = eps + softplus(u) never reaches 0: u = −1e4 gives σ = 1.1920929e-7 and finite log σ', () => {
    const layer = tfp.layers.denseReparameterization({units: 1, seed: 1, kernelPosteriorFn: posteriorWithU(-1e4)});
    const y = layer.apply(tf.ones([1, 1])) as tf.Tensor;
    const posterior = (layer as tfp.layers.VariationalLayer).kernelPosterior as tfp.distributions.Distribution;
    tf.tidy(() => {
      expect(posterior.stddev().dataSync()[0]).toBeCloseTo(1.1920929e-7, 12);
      expect(nonFinite(posterior.entropy())).toBe(0);
    });
    y.dispose();
  });
});

describe('tfp.util.checkNumerics', () => {
  it('returns a finite tensor unchanged and refuses NaN / ±∞ with counts', () => {
    const ok = tf.tensor([1, 2, 3]);
    expect(tfp.util.checkNumerics(ok, 'ok')).toBe(ok);
    const bad = tf.tensor([NaN, Infinity, -Infinity, 1]);
    expect(() => tfp.util.checkNumerics(bad, 'loss')).toThrowError(tfp.util.NumericalError);
    expect(() => tfp.util.checkNumerics(bad, 'loss')).toThrowError(/checkNumerics: loss must be finite; got 1 NaN and 2 infinite entries in Tensor\[4\] float32/);
    const ints = tf.tensor([1, 2], [2], 'int32');
    expect(tfp.util.checkNumerics(ints, 'ints')).toBe(ints);
    const before = tf.memory().numTensors;
    tfp.util.checkNumerics(ok, 'ok');
    expect(tf.memory().numTensors).toBe(before);
    tf.dispose([ok, bad, ints]);
  });

  it('checks a plain number (e.g. a logged loss): NaN and ±∞ are NumericalErrors naming it', () => {
    expect(tfp.util.checkNumerics(0.5, 'loss')).toBe(0.5);
    for (const v of [NaN, Infinity, -Infinity]) {
      expect(() => tfp.util.checkNumerics(v, 'x')).toThrowError(tfp.util.NumericalError);
      expect(() => tfp.util.checkNumerics(v, 'x')).toThrowError(new RegExp(`^checkNumerics: x must be finite; got ${String(v)}\\.$`));
    }
    expect(tfp.util.countNonFinite(NaN)).toEqual({nan: 1, inf: 0});
    expect(tfp.util.countNonFinite(-Infinity)).toEqual({nan: 0, inf: 1});
  });

  it('refuses null, an array, a string and a disposed tensor with a ValueError', () => {
    for (const v of [null, undefined, [1, NaN], 'NaN', {}]) {
      expect(() => tfp.util.checkNumerics(v as unknown as tf.Tensor, 'x')).toThrowError(tfp.util.ValueError);
      expect(() => tfp.util.checkNumerics(v as unknown as tf.Tensor, 'x')).toThrowError(/^checkNumerics: x must be a tf\.Tensor or a number; got/);
    }
    expect(() => (tfp.util.checkNumerics as (t: unknown) => unknown)(null)).toThrowError(/^checkNumerics: value must be a tf\.Tensor or a number; got null\.$/);
    expect(() => tfp.util.countNonFinite(null as unknown as tf.Tensor)).toThrowError(/^countNonFinite: t must be a tf\.Tensor or a number; got null\.$/);
    const t = tf.tensor([1]);
    t.dispose();
    expect(() => tfp.util.checkNumerics(t, 'x')).toThrowError(/checkNumerics: x must not be disposed/);
    expect(() => tfp.util.checkNumerics(tf.scalar(1), 3 as unknown as string)).toThrowError(/checkNumerics: name must be a string; got 3/);
  });
});

describe('tfp.util.checkNumericsCallback arguments', () => {
  it('refuses null, an unknown key (suggesting checkWeights) and a non-boolean checkWeights', () => {
    expect(() => tfp.util.checkNumericsCallback(null as unknown as {})).toThrowError(/^checkNumericsCallback: args must be an object; got null\.$/);
    expect(() => tfp.util.checkNumericsCallback({check_weights: false} as unknown as {})).toThrowError(
        /^checkNumericsCallback: unknown argument "check_weights" \(did you mean checkWeights\?\)/);
    expect(() => tfp.util.checkNumericsCallback({checkWeights: 1 as unknown as boolean})).toThrowError(/checkWeights must be a boolean; got 1/);
  });
});

function tinyModel(): tf.Sequential {
  return tf.sequential({layers: [tfp.layers.denseFlipout({units: 1, seed: 5, inputShape: [2]})]});
}

describe('tfp.util.checkNumericsCallback', () => {
  it('stops model.fit at the first non-finite loss, naming the quantity, epoch and batch', async () => {
    const model = tinyModel();
    model.compile({optimizer: tf.train.sgd(0.01), loss: 'meanSquaredError'});
    const y = tf.tensor2d([[1], [2], [NaN], [4]]);
    await expect(model.fit(tf.ones([4, 2]), y, {epochs: 2, batchSize: 2, verbose: 0, shuffle: false,
      callbacks: [tfp.util.checkNumericsCallback()]})).rejects.toThrowError(/checkNumericsCallback: loss must be finite; got NaN at epoch 0, batch 1/);
  });

  it('with checkWeights, names a weight made non-finite by a step', async () => {
    const model = tinyModel();
    model.compile({optimizer: tf.train.sgd(1e38), loss: 'meanSquaredError'});
    await expect(model.fit(tf.fill([4, 2], 1e20), tf.fill([4, 1], -1e20), {epochs: 1, batchSize: 4, verbose: 0,
      callbacks: [tfp.util.checkNumericsCallback({checkWeights: true})]})).rejects.toThrowError(
        /checkNumericsCallback: (loss must be finite|weight ".*" must be finite; got \d+ NaN and \d+ infinite entries after epoch 0, batch 0)/);
  });

  it('lets finite training run to the end', async () => {
    const model = tinyModel();
    model.compile({optimizer: tf.train.adam(0.01), loss: 'meanSquaredError'});
    const h = await model.fit(tf.ones([4, 2]), tf.ones([4, 1]), {epochs: 2, batchSize: 2, verbose: 0,
      callbacks: [tfp.util.checkNumericsCallback()]});
    expect(h.history['loss']).toHaveLength(2);
  });
});

describe('tfp.util.checkNumericsOptimizer', () => {
  it('refuses a step with a NaN loss before applying it: weights keep their values', async () => {
    const model = tinyModel();
    model.compile({optimizer: tfp.util.checkNumericsOptimizer(tf.train.adam(0.1)), loss: 'meanSquaredError'});
    await model.fit(tf.ones([2, 2]), tf.ones([2, 1]), {epochs: 1, batchSize: 2, verbose: 0});
    const before = model.getWeights().map((w) => Array.from(w.dataSync()));
    await expect(model.fit(tf.ones([2, 2]), tf.tensor2d([[NaN], [1]]), {epochs: 1, batchSize: 2, verbose: 0}))
        .rejects.toThrowError(/checkNumericsOptimizer: the loss must be finite; got NaN; the step was not applied/);
    expect(model.getWeights().map((w) => Array.from(w.dataSync()))).toEqual(before);
  });

  it('names the variable whose gradient is non-finite although the loss is finite', () => {
    const v = tf.variable(tf.zeros([2]), true, 'zero_at_sqrt');
    const opt = tfp.util.checkNumericsOptimizer(tf.train.sgd(0.1));
    // d√v/dv at v = 0 is ∞, times 0 from the sum's mask-free chain: a NaN/∞ gradient with loss 0.
    expect(() => opt.minimize(() => tf.sum(tf.sqrt(v)) as tf.Scalar, false, [v])).toThrowError(
        /checkNumericsOptimizer: the gradient of "zero_at_sqrt" must be finite; got \d+ NaN and \d+ infinite entries; the step was not applied/);
    expect(Array.from(v.dataSync())).toEqual([0, 0]);
    const before = tf.memory().numTensors;
    const cost = opt.minimize(() => tf.sum(tf.square(tf.sub(v, 1))) as tf.Scalar, true, [v]);
    expect(cost?.dataSync()[0]).toBeCloseTo(2, 5);
    cost?.dispose();
    expect(tf.memory().numTensors).toBe(before);
    v.dispose();
  });
});
