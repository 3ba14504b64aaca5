// VariableLayer (LAYERS.md §5, ORACLES.md §9, §12) and BlockwiseInitializer.
import {mkdtempSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {join} from 'node:path';

import * as tf from '@tensorflow/tfjs';
import {describe, expect, it} from 'vitest';

import {Independent, Normal} from '../../src/distributions/index.js';
import {BlockwiseInitializer, VariableLayer, variableLayer} from '../../src/layers/index.js';
import {ValueError} from '../../src/util/errors.js';

import {expectClose} from '../helpers/oracles.js';

describe('VariableLayer', () => {
  it('creates its one weight "constant" in the constructor, before any call', () => {
    const layer = variableLayer({shape: [2, 3, 4], trainable: false, name: 'vl_a'});
    expect(layer.weights.length).toBe(1);
    expect(layer.weights[0]!.shape).toEqual([2, 3, 4]);
    expect(layer.weights[0]!.name).toMatch(/vl_a\/constant/);
    expect(layer.trainableWeights.length).toBe(0);
    expect(layer.nonTrainableWeights.length).toBe(1);
  });

  it('a scalar shape becomes a vector', () => {
    expect(variableLayer({shape: 5}).shape).toEqual([5]);
  });

  it('ORACLES §9: output ignores the input, adds no batch dim; Dense(5) then Independent(Normal(t[0], t[1]), 1) has batch [3], event [5]', () => {
    const layer = variableLayer({shape: [2, 3, 4], initializer: 'ones'});
    const a = layer.apply(tf.zeros([7, 9])) as tf.Tensor;
    const b = layer.apply(tf.scalar(0)) as tf.Tensor;
    expect(a.shape).toEqual([2, 3, 4]);
    expectClose(a, Array.from(b.dataSync()));
    expectClose(a, new Array(24).fill(1));
    const t = tf.layers.dense({units: 5}).apply(a) as tf.Tensor;
    expect(t.shape).toEqual([2, 3, 5]);
    const d = new Independent({
      distribution: new Normal({loc: tf.gather(t, 0), scale: tf.softplus(tf.gather(t, 1))}),
      reinterpretedBatchNdims: 1,
    });
    expect(d.batchShape).toEqual([3]);
    expect(d.eventShape).toEqual([5]);
  });

  it('applies the activation to the weight', () => {
    const layer = variableLayer({shape: 2, initializer: tf.initializers.constant({value: -1}), activation: 'relu'});
    expectClose(layer.apply(tf.scalar(0)) as tf.Tensor, [0, 0]);
  });

  it('gradients reach the variable: d/dt Σ (2·t) = 2', () => {
    const layer = variableLayer({shape: 3});
    const {grads} = tf.variableGrads(() => tf.sum(tf.mul(2, layer.apply(tf.scalar(0)) as tf.Tensor)) as tf.Scalar,
        layer.trainableWeights.map((w) => (w as unknown as {val: tf.Variable}).val));
    const g = Object.values(grads);
    expect(g.length).toBe(1);
    expectClose(g[0]!, [2, 2, 2]);
  });

  it('symbolic apply has shape `shape`; an optimizer fits the weight to a target', async () => {
    const input = tf.input({shape: [1]});
    const t = variableLayer({shape: 1}).apply(input) as tf.SymbolicTensor;
    expect(t.shape).toEqual([1]);
    const layer = variableLayer({shape: 2});
    const opt = tf.train.sgd(0.5);
    for (let i = 0; i < 20; i++) {
      opt.minimize(() => tf.sum(tf.square(tf.sub(layer.apply(tf.scalar(0)) as tf.Tensor, [1, -2]))) as tf.Scalar);
    }
    expectClose(layer.apply(tf.scalar(0)) as tf.Tensor, [1, -2], 1e-4);
  });

  it('refuses a shape of rank > 1: "Shape must be scalar or vector."', () => {
    expect(() => variableLayer({shape: [[2]] as unknown as number[]})).toThrowError(ValueError);
    expect(() => variableLayer({shape: [[2]] as unknown as number[]}))
        .toThrowError(/Shape must be scalar or vector.*got \[\[2\]\]/);
  });

  it('refuses a non-static shape and float64', () => {
    expect(() => variableLayer({shape: 'n' as unknown as number})).toThrowError(/shape.*got "n"/);
    expect(() => variableLayer({shape: [2, -1]})).toThrowError(/Shape.*got shape \[2,-1\]/);
    expect(() => variableLayer({shape: 2, dtype: 'float64' as 'float32'})).toThrowError(/dtype.*got "float64"/);
  });

  it('round-trips through getConfig / fromConfig', () => {
    const layer = variableLayer({shape: [3], activation: 'softplus', initializer: 'ones'});
    const copy = new VariableLayer(layer.getConfig() as unknown as ConstructorParameters<typeof VariableLayer>[0]);
    expect(copy.shape).toEqual([3]);
    expectClose(copy.apply(tf.scalar(0)) as tf.Tensor, [1.3132616, 1.3132616, 1.3132616]);  // softplus(1)
  });
});

describe('VariableLayer serialization', () => {
  it('model.save / tf.loadLayersModel restores the weight, activation and shape', async () => {
    await import('../../src/io/index.js');
    const input = tf.input({shape: [2]});
    const out = variableLayer({shape: [3], activation: 'softplus', name: 'vl_saved',
      initializer: tf.initializers.randomNormal({mean: 0, stddev: 1, seed: 5})}).apply(input) as tf.SymbolicTensor;
    const model = tf.model({inputs: input, outputs: out});
    const dir = mkdtempSync(join(tmpdir(), 'tfp-variable-'));
    await model.save(`file://${dir}`);
    const loaded = await tf.loadLayersModel(`file://${dir}/model.json`);
    const a = model.layers.find((l) => l instanceof VariableLayer) as VariableLayer;
    const b = loaded.layers.find((l) => l instanceof VariableLayer) as VariableLayer;
    expect(b.shape).toEqual([3]);
    expect(b.activation.getClassName()).toBe('softplus');
    expectClose(b.apply(tf.scalar(0)) as tf.Tensor, Array.from((a.apply(tf.scalar(0)) as tf.Tensor).dataSync()), 0, 0);
  });
});

describe('BlockwiseInitializer', () => {
  it('fills consecutive blocks of the last axis', () => {
    const init = new BlockwiseInitializer({
      initializers: ['zeros', tf.initializers.constant({value: 0.5413249})], sizes: [2, 3]});
    const layer = variableLayer({shape: 5, initializer: init as unknown as ReturnType<typeof tf.initializers.zeros>});
    expectClose(layer.apply(tf.scalar(0)) as tf.Tensor, [0, 0, 0.5413249, 0.5413249, 0.5413249]);
  });

  it('refuses sizes that do not add up to the last dimension', () => {
    const init = new BlockwiseInitializer({initializers: ['zeros', 'ones'], sizes: [2, 2]});
    expect(() => init.apply([5])).toThrowError(/Σ sizes = 4.*got shape \[5\]/);
    expect(() => new BlockwiseInitializer({initializers: ['zeros'], sizes: [1, 2]}))
        .toThrowError(/sizes.*got 1 initializers and sizes \[1,2\]/);
  });
});
