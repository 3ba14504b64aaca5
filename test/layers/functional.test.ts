// tfp.layers.functional: each builder makes its layer and applies it to a Tensor (eager) or a
// SymbolicTensor (functional model); output shapes come from tfjs's own layers (σ-free shapes).
import * as tf from '@tensorflow/tfjs';
import {describe, expect, it} from 'vitest';

import * as tfp from '../../src/index.js';
import {Conv1DFlipout, Conv1DReparameterization, Conv2DFlipout, Conv2DReparameterization, Conv3DFlipout,
  Conv3DReparameterization, DenseFlipout, DenseLocalReparameterization, DenseReparameterization,
  DenseVariational} from '../../src/layers/index.js';

const F = tfp.layers.functional;

type Builder = (x: tf.Tensor | tf.SymbolicTensor) => {output: tf.Tensor | tf.SymbolicTensor; layer: tf.layers.Layer};
const CASES: Array<[string, Builder, abstract new (...a: never[]) => tf.layers.Layer, number[], () => tf.layers.Layer]> = [
  ['denseReparameterization', (x) => F.denseReparameterization(x, {units: 3}), DenseReparameterization, [2, 4],
    () => tf.layers.dense({units: 3})],
  ['denseFlipout', (x) => F.denseFlipout(x, {units: 3, seed: 1}), DenseFlipout, [2, 4], () => tf.layers.dense({units: 3})],
  ['denseLocalReparameterization', (x) => F.denseLocalReparameterization(x, {units: 3}), DenseLocalReparameterization,
    [2, 4], () => tf.layers.dense({units: 3})],
  ['conv1dReparameterization', (x) => F.conv1dReparameterization(x, {filters: 2, kernelSize: 3}),
    Conv1DReparameterization, [2, 7, 1], () => tf.layers.conv1d({filters: 2, kernelSize: 3})],
  ['conv2dReparameterization', (x) => F.conv2dReparameterization(x, {filters: 2, kernelSize: 3, strides: 2}),
    Conv2DReparameterization, [1, 7, 6, 1], () => tf.layers.conv2d({filters: 2, kernelSize: 3, strides: 2})],
  ['conv3dReparameterization', (x) => F.conv3dReparameterization(x, {filters: 2, kernelSize: 2}),
    Conv3DReparameterization, [1, 4, 5, 6, 1], () => tf.layers.conv3d({filters: 2, kernelSize: 2})],
  ['conv1dFlipout', (x) => F.conv1dFlipout(x, {filters: 2, kernelSize: 3, padding: 'same'}), Conv1DFlipout, [2, 5, 2],
    () => tf.layers.conv1d({filters: 2, kernelSize: 3, padding: 'same'})],
  ['conv2dFlipout', (x) => F.conv2dFlipout(x, {filters: 3, kernelSize: 3, padding: 'same'}), Conv2DFlipout,
    [1, 4, 4, 1], () => tf.layers.conv2d({filters: 3, kernelSize: 3, padding: 'same'})],
  ['conv3dFlipout', (x) => F.conv3dFlipout(x, {filters: 2, kernelSize: 3, strides: 2, padding: 'same'}), Conv3DFlipout,
    [1, 4, 5, 6, 1], () => tf.layers.conv3d({filters: 2, kernelSize: 3, strides: 2, padding: 'same'})],
  ['denseVariational', (x) => F.denseVariational(x, {units: 3, makePosteriorFn: tfp.layers.posteriorMeanField,
    makePriorFn: tfp.layers.priorTrainable}), DenseVariational, [2, 4], () => tf.layers.dense({units: 3})],
];

describe('functional', () => {
  for (const [name, build, cls, shape, reference] of CASES) {
    it(`${name}: applies to a Tensor and to a SymbolicTensor; shapes match tfjs's own layer`, () => {
      const expected = (reference().apply(tf.zeros(shape)) as tf.Tensor).shape;
      const eager = build(tf.randomNormal(shape));
      expect(eager.layer).toBeInstanceOf(cls);
      expect(eager.output).toBeInstanceOf(tf.Tensor);
      expect((eager.output as tf.Tensor).shape).toEqual(expected);

      const input = tf.input({shape: shape.slice(1)});
      const symbolic = build(input);
      expect(symbolic.output).toBeInstanceOf(tf.SymbolicTensor);
      expect(symbolic.output.shape).toEqual([null, ...expected.slice(1)]);
      const model = tf.model({inputs: input, outputs: symbolic.output as tf.SymbolicTensor});
      expect((model.predict(tf.zeros(shape)) as tf.Tensor).shape).toEqual(expected);
      expect(model.calculateLosses().length).toBeGreaterThan(0);   // the KL term reaches the model
    });
  }
});
