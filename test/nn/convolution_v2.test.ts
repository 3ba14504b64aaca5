// tfp.nn V2 convolutions (NN.md §7.2): matrix kernel `[fh·fw·in, out]` whose reshape to
// `[fh, fw, in, out]` is the v1 kernel (tfjs conv2d oracle), larger default glorot limits
// (ORACLES.md §7), bias `[1, 1, out]` for ConvolutionV2, 2-D only.
import * as tf from '@tensorflow/tfjs';
import {describe, expect, it} from 'vitest';

import {
  ConvolutionV2, ConvolutionVariationalFlipoutV2, ConvolutionVariationalReparameterizationV2, posteriorMean,
} from '../../src/nn/index.js';
import {NotImplementedError, ValueError} from '../../src/util/errors.js';
import {expectClose} from '../helpers/oracles.js';

describe('V2 convolutions', () => {
  for (const [padding, s] of [['same', 2], ['valid', 1]] as const) {
    it(`Reparameterization V2 with the mean equals conv2d(x, reshape(K, [fh,fw,in,out])) (${padding}, s${s})`, () => {
      const layer = new ConvolutionVariationalReparameterizationV2(2, 3, [3, 2], {padding, strides: s,
        posteriorValueFn: posteriorMean});
      const kernel = layer.trainableVariables[0] as tf.Variable;
      expect(kernel.shape).toEqual([3 * 2 * 2, 3]);
      const x = tf.randomNormal([2, 6, 5, 2], 0, 1, 'float32', 11);
      const want = tf.conv2d(x as tf.Tensor4D, tf.reshape(kernel, [3, 2, 2, 3]) as tf.Tensor4D, s, padding);
      const y = layer.call(x);
      expect(y.shape).toEqual(want.shape);
      expectClose(y, want.dataSync(), 1e-5, 1e-4);
    });
  }

  it('Flipout V2 keeps leading batch axes and draws per call', () => {
    const layer = new ConvolutionVariationalFlipoutV2(1, 4, 3, {padding: 'same', seed: 1});
    const x = tf.ones([2, 3, 5, 5, 1]);
    const a = layer.call(x);
    expect(a.shape).toEqual([2, 3, 5, 5, 4]);
    expect(layer.call(x).arraySync()).not.toEqual(a.arraySync());
  });

  it('ConvolutionV2(1, 6, 5): kernel [25, 6] inside ±0.4399413 (fans 25, 6) and beyond v1’s ±0.1851640; bias [1,1,6]', () => {
    const layer = new ConvolutionV2(1, 6, 5);
    const [k, b] = layer.variables as [tf.Variable, tf.Variable];
    expect(k.shape).toEqual([25, 6]);
    expect(b.shape).toEqual([1, 1, 6]);
    const max = Math.max(...Array.from(k.dataSync()).map(Math.abs));
    expect(max).toBeLessThanOrEqual(0.4399413 * (1 + 1e-6));
    expect(max).toBeGreaterThan(0.1851640);
    expect(layer.call(tf.zeros([2, 28, 28, 1])).shape).toEqual([2, 24, 24, 6]);
  });

  it('errors: rank ≠ 2, batched kernels; strides with dilations now build', () => {
    expect(() => new ConvolutionVariationalFlipoutV2(1, 1, 3, {rank: 1})).toThrowError(/rank.*got 1/);
    expect(() => new ConvolutionV2(1, 1, 3, {batchShape: [2]})).toThrowError(NotImplementedError);
    expect(() => new ConvolutionV2(1, 1, 3, {strides: [1, 2], dilations: [2, 1]})).not.toThrow();
  });
});
