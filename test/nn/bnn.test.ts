// The seeds' BNN example end to end (NN.md §9, ORACLES.md §10): a Flipout conv stack with an
// affine head and a Categorical output, trained in a custom loop with Adam on tiny data; the loss
// (NLL + KL/N) decreases and tf.memory().numTensors stays flat.
import * as tf from '@tensorflow/tfjs';
import {describe, expect, it} from 'vitest';

import {Categorical} from '../../src/distributions/categorical.js';
import {
  AffineVariationalFlipout, AffineVariationalReparameterization, AffineVariationalReparameterizationLocal,
  ConvolutionVariationalFlipout, Sequential,
} from '../../src/nn/index.js';
import {computeExtraLoss} from '../../src/nn/losses.js';
import {flattenRightmost, makeFitOp} from '../../src/nn/util.js';
import {testSeed} from '../helpers/oracles.js';

const N = 16;

/** Tiny two-class images: class 1 has a bright upper half. */
function data(seed: number): {x: tf.Tensor4D; y: tf.Tensor1D} {
  return tf.tidy(() => {
    const labels = tf.tensor1d(Array.from({length: N}, (_, i) => i % 2), 'int32');
    const noise = tf.randomUniform([N, 8, 8, 1], 0, 0.3, 'float32', seed);
    const top = tf.concat([tf.ones([1, 4, 8, 1]), tf.zeros([1, 4, 8, 1])], 1);
    const x = tf.add(noise, tf.mul(tf.reshape(tf.cast(labels, 'float32'), [N, 1, 1, 1]), top));
    return {x: x as tf.Tensor4D, y: labels};
  });
}

describe('BNN example (legacy penaltyWeight = 1/N, as in the seeds)', () => {
  it('trains with Adam in a custom loop: loss decreases, numTensors flat', () => {
    const seed = testSeed();
    const bnn = new Sequential([
      new ConvolutionVariationalFlipout(1, 4, 3, {strides: 2, padding: 'same', activationFn: tf.relu,
        penaltyWeight: 1 / N, seed, name: 'conv1'}),
      new ConvolutionVariationalFlipout(4, 4, 3, {padding: 'same', activationFn: tf.relu,
        penaltyWeight: 1 / N, seed, name: 'conv2'}),
      flattenRightmost(3),
      new AffineVariationalFlipout(4 * 4 * 4, 2, {penaltyWeight: 1 / N, seed}),
      (logits: tf.Tensor) => new Categorical({logits}),
    ]);
    const {x, y} = data(seed);
    const fit = makeFitOp((x: tf.Tensor, y: tf.Tensor) => {
      const nll = tf.neg(tf.mean((bnn.call(x) as Categorical).logProb(y)));
      return [tf.add(nll, bnn.extraLoss as tf.Tensor), nll];
    }, tf.train.adam(0.02), bnn.trainableVariables);
    const losses: number[] = [];
    let settled = 0;
    for (let step = 0; step < 60; step++) {
      const r = fit(x, y);
      losses.push(r.loss.dataSync()[0] as number);
      tf.dispose([r.loss, r.other as tf.Tensor]);
      if (step === 2) settled = tf.memory().numTensors;  // after Adam's slots exist
    }
    expect(tf.memory().numTensors).toBe(settled);
    const mean = (a: number[]): number => a.reduce((s, v) => s + v, 0) / a.length;
    expect(mean(losses.slice(-10))).toBeLessThan(mean(losses.slice(0, 10)));
    expect(bnn.trainableVariables).toHaveLength(12);
  });
});

describe('current recipe (TFP ≥ 0.13): NLL + computeExtraLoss(bnn)/N', () => {
  for (const Head of [AffineVariationalReparameterization, AffineVariationalFlipout,
    AffineVariationalReparameterizationLocal]) {
    it(`conv flipout → flatten → ${Head.name}: two fit steps change every variable`, () => {
      const bnn = new Sequential([
        new ConvolutionVariationalFlipout(1, 4, 3, {strides: 2, padding: 'same', seed: 1}),
        flattenRightmost(3),
        new Head(4 * 4 * 4, 2, {seed: 2}),
        (logits: tf.Tensor) => new Categorical({logits}),
      ]);
      const {x, y} = data(3);
      const before = bnn.trainableVariables.map((v) => Array.from(v.dataSync()));
      const fit = makeFitOp((x: tf.Tensor, y: tf.Tensor) => {
        const nll = tf.neg(tf.mean((bnn.call(x) as Categorical).logProb(y)));
        return [tf.add(nll, tf.div(computeExtraLoss(bnn), N)), null];
      }, tf.train.adam(0.01), bnn.trainableVariables);
      for (let i = 0; i < 2; i++) {
        const r = fit(x, y);
        expect(Number.isFinite(r.loss.dataSync()[0])).toBe(true);
        r.loss.dispose();
      }
      bnn.trainableVariables.forEach((v, i) => expect(Array.from(v.dataSync())).not.toEqual(before[i]));
    });
  }
});
