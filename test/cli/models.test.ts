import * as tf from '@tensorflow/tfjs';
import {describe, expect, it} from 'vitest';

import {MODELS, buildModel, checkModelName, isBayesian} from '../../src/cli/models.js';

// EXAMPLE.md §1.3: 1,090,856 trainable numbers = 545,310 kernel weights × (loc, untransformed
// scale) + 236 biases; the deterministic twin has one number per kernel weight.
const PARAMS: Record<string, number> = {
  'lenet5-flipout': 1_090_856,
  'lenet5-reparameterization': 1_090_856,
  'lenet5-deterministic': 545_310 + 236,
  'mlp-flipout': 2 * (784 * 128 + 128 * 10) + 128 + 10,
  'mlp-local-reparameterization': 2 * (784 * 128 + 128 * 10) + 128 + 10,
  'mlp-reparameterization': 2 * (784 * 128 + 128 * 10) + 128 + 10,
  'mlp-deterministic': 784 * 128 + 128 * 10 + 128 + 10,
};

describe('buildModel', () => {
  for (const name of MODELS) {
    it(`${name} has the trainable-number count of EXAMPLE.md §1.3 / its closed form and outputs probabilities`, () => {
      const model = buildModel(name, {klWeight: 1 / 8000, seed: 1});
      expect(model.countParams()).toBe(PARAMS[name]);
      const y = model.predict(tf.zeros([2, 28, 28, 1])) as tf.Tensor;
      expect(y.shape).toEqual([2, 10]);
      (y.sum(-1).arraySync() as number[]).forEach((s) => expect(s).toBeCloseTo(1, 5));
      expect(isBayesian(name)).toBe(!name.endsWith('deterministic'));
      tf.dispose(y);
      model.dispose();
    });
  }
});

describe('checkModelName', () => {
  it('accepts the alias "deterministic" for the LeNet-5 twin', () => {
    expect(checkModelName('train', 'deterministic')).toBe('lenet5-deterministic');
  });
  it('refuses an unknown name, listing the valid ones', () => {
    expect(() => checkModelName('train', 'vgg')).toThrowError(/--model must be one of "lenet5-flipout".*got "vgg"/);
  });
});
