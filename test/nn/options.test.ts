// tfp.nn constructors' option objects (issue 20, item 5): an unknown or misspelt key is a
// ValueError suggesting the right one, as TFP raises on an unknown keyword argument; null
// conv settings are refused (TFP refuses None there), undefined is the default.
import * as tf from '@tensorflow/tfjs';
import {describe, expect, it} from 'vitest';

import * as tfp from '../../src/index.js';
import {ValueError} from '../../src/util/errors.js';

const nn = tfp.nn;
type Make = (options: Record<string, unknown>) => unknown;
const CLASSES: Array<[string, Make, boolean]> = [  // [name, make, is a convolution]
  ['Affine', (o) => new nn.Affine(2, 3, o), false],
  ['AffineVariationalReparameterization', (o) => new nn.AffineVariationalReparameterization(2, 3, o), false],
  ['AffineVariationalFlipout', (o) => new nn.AffineVariationalFlipout(2, 3, o), false],
  ['AffineVariationalReparameterizationLocal', (o) => new nn.AffineVariationalReparameterizationLocal(2, 3, o), false],
  ['Convolution', (o) => new nn.Convolution(1, 2, 3, o), true],
  ['ConvolutionVariationalReparameterization', (o) => new nn.ConvolutionVariationalReparameterization(1, 2, 3, o), true],
  ['ConvolutionVariationalFlipout', (o) => new nn.ConvolutionVariationalFlipout(1, 2, 3, o), true],
  ['ConvolutionV2', (o) => new nn.ConvolutionV2(1, 2, 3, o), true],
  ['ConvolutionVariationalReparameterizationV2', (o) => new nn.ConvolutionVariationalReparameterizationV2(1, 2, 3, o), true],
  ['ConvolutionVariationalFlipoutV2', (o) => new nn.ConvolutionVariationalFlipoutV2(1, 2, 3, o), true],
  ['ConvolutionTranspose', (o) => new nn.ConvolutionTranspose(1, 2, 3, o), true],
  ['ConvolutionTransposeVariationalReparameterization', (o) => new nn.ConvolutionTransposeVariationalReparameterization(1, 2, 3, o), true],
  ['ConvolutionTransposeVariationalFlipout', (o) => new nn.ConvolutionTransposeVariationalFlipout(1, 2, 3, o), true],
];

describe('tfp.nn option objects', () => {
  for (const [name, make, isConv] of CLASSES) {
    it(`${name}: kernel_initializer is a ValueError suggesting kernelInitializer`, () => {
      expect(() => make({kernel_initializer: null})).toThrowError(ValueError);
      expect(() => make({kernel_initializer: null})).toThrowError(
          new RegExp(`^${name}: unknown argument "kernel_initializer" \\(did you mean kernelInitializer\\?\\); arguments must be one of .*; got "kernel_initializer": null\\.$`));
    });
    it(`${name}: null options is a ValueError; known keys and undefined values are accepted`, () => {
      expect(() => make(null as unknown as Record<string, unknown>)).toThrowError(new RegExp(`^${name}: options must be an object; got null\\.$`));
      const before = tf.memory().numTensors;
      expect(() => make({name: 'ok', validateArgs: false, dtype: 'float32', activationFn: null, typo: undefined})).not.toThrow();
      expect(tf.memory().numTensors).toBeGreaterThan(before);  // the layer's variables
    });
    if (isConv) {
      it(`${name}: stride and dilation are misspellings of strides and dilations; null strides is refused`, () => {
        expect(() => make({stride: 2})).toThrowError(new RegExp(`^${name}: unknown argument "stride" \\(did you mean strides\\?\\)`));
        expect(() => make({dilation: 2})).toThrowError(new RegExp(`^${name}: unknown argument "dilation" \\(did you mean dilations\\?\\)`));
        expect(() => make({strides: null})).toThrowError(new RegExp(`^${name}: strides must be a positive integer or a list of .*; got null\\.$`));
        expect(() => make({padding: null})).toThrowError(new RegExp(`^${name}: padding must be one of "valid", "same".*; got null\\.$`));
      });
    } else {
      it(`${name}: a conv option (strides) is unknown for an affine layer`, () => {
        expect(() => make({strides: 2})).toThrowError(new RegExp(`^${name}: unknown argument "strides"`));
      });
    }
  }
  it('the variational layers accept their seed, the deterministic ones do not have one', () => {
    expect(() => new nn.AffineVariationalFlipout(2, 3, {seed: 1})).not.toThrow();
    expect(() => new nn.Affine(2, 3, {seed: 1} as never)).toThrowError(/^Affine: unknown argument "seed"/);
  });
});
