// totalDivergence / withPosteriorMean over whole models, including DenseVariational.
import * as tf from '@tensorflow/tfjs';
import {describe, expect, it} from 'vitest';

import * as tfp from '../../src/index.js';

describe('model helpers', () => {
  it('totalDivergence sums every Bayesian layer (DenseFlipout + DenseVariational) for the latest call', () => {
    const flipout = tfp.layers.denseFlipout({units: 3, inputShape: [2], seed: 1});
    const variational = tfp.layers.denseVariational({units: 1, klUseExact: true,
      makePosteriorFn: tfp.layers.util.posteriorMeanField, makePriorFn: tfp.layers.util.priorStandardNormal});
    const model = tf.sequential({layers: [flipout, variational]});
    model.predict(tf.ones([2, 2]));
    const expected = (flipout.kl().dataSync()[0] as number) + (variational.kl().dataSync()[0] as number);
    expect(tfp.layers.bayesianLayers(model).length).toBe(2);
    expect(tfp.layers.variationalLayers(model)).toEqual([flipout]);
    expect(tfp.layers.totalDivergence(model).dataSync()[0]).toBeCloseTo(expected, 4);
  });

  it('withPosteriorMean makes the whole model deterministic and restores sampling afterwards', () => {
    const model = tf.sequential({layers: [
      tfp.layers.denseFlipout({units: 3, inputShape: [2], seed: 1}),
      tfp.layers.denseVariational({units: 1, makePosteriorFn: tfp.layers.util.posteriorMeanField,
        makePriorFn: tfp.layers.util.priorStandardNormal}),
    ]});
    const x = tf.tensor2d([[1, -1], [0.5, 2]]);
    const predict = (): number[] => Array.from((model.predict(x) as tf.Tensor).dataSync());
    const [a, b] = tfp.layers.withPosteriorMean(model, () => [predict(), predict()]);
    expect(a).toEqual(b);
    expect(predict()).not.toEqual(predict());
  });
});
