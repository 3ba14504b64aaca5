// The option objects of tfp.layers.util's divergence and posterior fns (issue 20, items 5 and 8).
// Oracle: TFP's `kl_divergence_fn` takes no weight; here `{weight}` is the only option, so a bare
// number (the issue's `klDivergenceFn(1 / 60000)`, which saved `{weight: 1}`) must be refused.
import * as tf from '@tensorflow/tfjs';
import {describe, expect, it} from 'vitest';

import * as tfp from '../../src/index.js';
import {ValueError} from '../../src/util/errors.js';

const U = tfp.layers.util;
const FNS: Array<[string, (a: unknown) => unknown]> = [
  ['klDivergenceFn', (a) => U.klDivergenceFn(a as tfp.layers.util.DivergenceFnArgs)],
  ['monteCarloDivergenceFn', (a) => U.monteCarloDivergenceFn(a as tfp.layers.util.DivergenceFnArgs)],
];

describe('klDivergenceFn and monteCarloDivergenceFn options', () => {
  for (const [name, make] of FNS) {
    it(`${name}(1 / 60000) is a ValueError suggesting {weight: 0.000016666666666666667}`, () => {
      expect(() => make(1 / 60000)).toThrowError(ValueError);
      expect(() => make(1 / 60000)).toThrowError(new RegExp(
          `^${name}: args must be an object \\{weight\\}; got the number 0\\.000016666666666666667 \\(did you mean \\{weight: 0\\.000016666666666666667\\}\\?\\)\\.$`));
    });
    it(`${name}(null), ("x") and ([1]) are ValueErrors`, () => {
      expect(() => make(null)).toThrowError(new RegExp(`^${name}: args must be an object; got null\\.$`));
      expect(() => make('x')).toThrowError(new RegExp(`^${name}: args must be an object; got "x"\\.$`));
      expect(() => make([1])).toThrowError(new RegExp(`^${name}: args must be an object; got \\[1\\]\\.$`));
    });
    it(`${name}({wieght: 0}) is a ValueError suggesting weight`, () => {
      expect(() => make({wieght: 0})).toThrowError(new RegExp(
          `^${name}: unknown argument "wieght" \\(did you mean weight\\?\\); arguments must be one of weight; got "wieght": 0\\.$`));
    });
    it(`${name}() and ({weight: 0.5}) save the weight they were given`, () => {
      for (const [args, weight] of [[undefined, 1], [{}, 1], [{weight: 0.5}, 0.5], [{weight: undefined}, 1]] as const) {
        const fn = make(args) as (...a: unknown[]) => tf.Tensor;
        expect(U.serializedFormOf(fn)?.config).toEqual({weight});
      }
    });
  }

  it('the KL of a weighted fn is the weight times the analytic KL (KL(N(1, 1) ‖ N(0, 1)) = 0.5)', () => {
    const q = new tfp.distributions.Normal({loc: 1, scale: 1});
    const p = new tfp.distributions.Normal({loc: 0, scale: 1});
    tf.tidy(() => {
      expect(U.klDivergenceFn({weight: 1 / 60000})(q, p, null).dataSync()[0]).toBeCloseTo(0.5 / 60000, 10);
    });
  });
});

describe('defaultMeanFieldNormalFn options', () => {
  it('a misspelt key is a ValueError suggesting the right one', () => {
    expect(() => U.defaultMeanFieldNormalFn({is_singular: true} as never)).toThrowError(
        /^defaultMeanFieldNormalFn: unknown argument "is_singular" \(did you mean isSingular\?\)/);
    expect(() => U.defaultMeanFieldNormalFn({locInitialiser: 'zeros'} as never)).toThrowError(
        /^defaultMeanFieldNormalFn: unknown argument "locInitialiser" \(did you mean locInitializer\?\)/);
  });
  it('null and a number are ValueErrors', () => {
    expect(() => U.defaultMeanFieldNormalFn(null as never)).toThrowError(/^defaultMeanFieldNormalFn: args must be an object; got null\.$/);
    expect(() => U.defaultMeanFieldNormalFn(3 as never)).toThrowError(/^defaultMeanFieldNormalFn: args must be an object; got 3\.$/);
  });
  it('its saved config rebuilds it (every key of the config is accepted)', () => {
    const fn = U.defaultMeanFieldNormalFn({isSingular: false, locInitializer: 'zeros'});
    const form = U.serializedFormOf(fn)!;
    const again = U.resolveFn('test', 'fn', form, null)!;
    expect(U.serializedFormOf(again)).toEqual(form);
  });
});
