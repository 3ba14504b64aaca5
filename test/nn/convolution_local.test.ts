// tfp.nn.ConvolutionVariationalReparameterizationLocal: every output position is
// N(conv(x, μK) + μb, conv(x², σK²) + σb²) (5 SE; the convolutions of the oracle by tfjs's own op),
// σ → 0 equals the deterministic conv, and huge inputs stay finite (scaled moments).
import * as tf from '@tensorflow/tfjs';
import {describe, expect, it} from 'vitest';

import * as tfp from '../../src/index.js';
import {expectClose, expectMoments} from '../helpers/oracles.js';
import {draw, setPosterior} from './helpers.js';

describe('nn.ConvolutionVariationalReparameterizationLocal', () => {
  it('has the closed-form moments per position, a Normal bias folded in (5 SE)', () => {
    const layer = new tfp.nn.ConvolutionVariationalReparameterizationLocal(2, 2, 2, {seed: 4});
    const kernelLoc = [0.5, -0.3, 0.2, 0.1, -0.4, 0.6, 0.3, -0.2, 0.1, 0.2, -0.1, 0.4, 0.5, 0.3, -0.6, 0.2];
    const kernelScale = kernelLoc.map((_, i) => 0.2 + 0.02 * i);
    setPosterior(layer, {kernelLoc, kernelScale, biasLoc: [0.1, -0.2], biasScale: [0.3, 0.1]});
    const x = tf.randomNormal([1, 3, 3, 2], 0, 1, 'float32', 5) as tf.Tensor4D;
    const k = tf.tensor4d(kernelLoc, [2, 2, 2, 2]);
    const s = tf.tensor4d(kernelScale, [2, 2, 2, 2]);
    const mean = Array.from(tf.add(tf.conv2d(x, k, 1, 'valid'), tf.tensor1d([0.1, -0.2])).dataSync());
    const variance = Array.from(tf.add(tf.conv2d(tf.square(x), tf.square(s), 1, 'valid'), tf.tensor1d([0.09, 0.01])).dataSync());
    expectMoments(draw(3000, () => layer.call(x)), {mean, variance}, 5);
  });

  it('σ at its floor equals tf.conv2d with the loc; inputs of 1e25 give finite outputs', () => {
    const layer = new tfp.nn.ConvolutionVariationalReparameterizationLocal(1, 1, 3, {padding: 'same', seed: 6});
    const kernelLoc = [1, 0, -1, 2, 0, -2, 1, 0, -1];
    // σ at the posterior's floor (1e-5 + softplus(u) with u → −∞): the noise is ≈ 1e-5·‖x‖.
    setPosterior(layer, {kernelLoc, kernelScale: kernelLoc.map(() => 1.0001e-5), biasLoc: [0.5], biasScale: [1.0001e-5]});
    const x = tf.randomNormal([2, 4, 4, 1], 0, 1, 'float32', 7) as tf.Tensor4D;
    const want = tf.add(tf.conv2d(x, tf.tensor4d(kernelLoc, [3, 3, 1, 1]), 1, 'same'), 0.5);
    expectClose(layer.call(x), want.dataSync(), 3e-4, 1e-5);
    setPosterior(layer, {kernelLoc, kernelScale: kernelLoc.map(() => 0.1), biasLoc: [0], biasScale: [0.1]});
    const big = layer.call(tf.mul(x, 1e25));
    expect(Array.from(big.dataSync()).every(Number.isFinite)).toBe(true);
  });
});
