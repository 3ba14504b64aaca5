// Layers used inside a DistributionLambda's function: their weights become the layer's, so
// model.fit trains them (TFP's test of a DistributionLambda whose fn applies other layers). The
// fitted loc line is checked against float64 least squares computed here, the scale against the
// residuals' RMS (the Gaussian MLE for a constant scale).
import * as tf from '@tensorflow/tfjs';
import {describe, expect, it} from 'vitest';

import {Normal} from '../../src/distributions/normal.js';
import {distributionLambda, negLogLik} from '../../src/layers/distribution_layer.js';
import {recordAppliedLayers} from '../../src/layers/sublayers.js';

describe('recordAppliedLayers', () => {
  it('records every layer applied inside the fn (nested too) and restores Layer.prototype.apply, also on a throw', () => {
    const inner = tf.layers.dense({units: 2});
    const net = tf.sequential({layers: [tf.layers.dense({inputShape: [3], units: 4}), inner]});
    const original = tf.layers.Layer.prototype.apply;
    const {result, layers} = recordAppliedLayers(() => tf.tidy(() => (net.apply(tf.ones([1, 3])) as tf.Tensor).shape));
    expect(result).toEqual([1, 2]);
    expect(layers.has(net)).toBe(true);
    expect(tf.layers.Layer.prototype.apply).toBe(original);
    expect(() => recordAppliedLayers(() => { throw new Error('boom'); })).toThrow('boom');
    expect(tf.layers.Layer.prototype.apply).toBe(original);
  });
});

describe('DistributionLambda with sub-layers', () => {
  it('tracks the loc and scale networks its fn applies: 4 trainable weights, and model.fit finds the MLE', async () => {
    const locNet = tf.layers.dense({units: 1});
    const scaleNet = tf.layers.dense({units: 1, kernelInitializer: 'zeros'});
    const model = tf.sequential({layers: [distributionLambda({inputShape: [1], makeDistributionFn: (t) =>
      new Normal({loc: locNet.apply(t) as tf.Tensor, scale: tf.add(tf.softplus(scaleNet.apply(t) as tf.Tensor), 1e-3)})})]});
    expect(model.trainableWeights.length).toBe(4);
    expect(model.countParams()).toBe(4);

    const n = 64;
    const xs = Array.from({length: n}, (_, i) => -1 + 2 * i / (n - 1));
    const ys = xs.map((x, i) => 2 * x + 1 + 0.5 * Math.sin(7.3 * i));
    // float64 least squares and the residual RMS.
    const mx = xs.reduce((a, b) => a + b, 0) / n;
    const my = ys.reduce((a, b) => a + b, 0) / n;
    const slope = xs.reduce((s, x, i) => s + (x - mx) * ((ys[i] as number) - my), 0) / xs.reduce((s, x) => s + (x - mx) ** 2, 0);
    const intercept = my - slope * mx;
    const rms = Math.sqrt(ys.reduce((s, y, i) => s + (y - intercept - slope * (xs[i] as number)) ** 2, 0) / n);

    model.compile({optimizer: tf.train.adam(0.05), loss: negLogLik});
    const x = tf.tensor2d(xs, [n, 1]);
    const y = tf.tensor2d(ys, [n, 1]);
    await model.fit(x, y, {epochs: 1, batchSize: n, verbose: 0});
    const before = tf.memory().numTensors;
    await model.fit(x, y, {epochs: 600, batchSize: n, verbose: 0});
    expect(tf.memory().numTensors).toBe(before);
    const [k, b] = locNet.getWeights().map((w) => w.dataSync()[0] as number);
    expect(Math.abs((k as number) - slope)).toBeLessThan(0.05);
    expect(Math.abs((b as number) - intercept)).toBeLessThan(0.05);
    const sigma = tf.tidy(() => (tf.add(tf.softplus(scaleNet.apply(tf.zeros([1, 1])) as tf.Tensor), 1e-3)).dataSync()[0] as number);
    expect(Math.abs(sigma - rms)).toBeLessThan(0.05);
  });

  it('a tf.sequential sub-network used inside the fn lends each of its weights once', () => {
    const sub = tf.sequential({layers: [tf.layers.dense({inputShape: [2], units: 3}), tf.layers.dense({units: 1})]});
    const layer = distributionLambda({inputShape: [2], makeDistributionFn: (t) =>
      new Normal({loc: sub.apply(t) as tf.Tensor, scale: 1})});
    const model = tf.sequential({layers: [layer]});
    expect(model.trainableWeights.length).toBe(4);
    expect(new Set(model.trainableWeights).size).toBe(4);
    // A second call adopts nothing twice.
    tf.tidy(() => { model.apply(tf.ones([5, 2])); });
    expect(model.trainableWeights.length).toBe(4);
  });
});
