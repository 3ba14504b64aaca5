// The argument checks shared by every distribution (issue 20, items 5, 6 and 8): the constructor's
// argument object and its keys, and sample()'s shape (an int n means [n], as in TFP) and seed (a
// safe integer). Oracles: TFP's signatures (`sample(sample_shape=(), seed=None)` accepts an int),
// the 2^31 − 1 element limit of a tfjs tensor.
import * as tf from '@tensorflow/tfjs';
import {describe, expect, it} from 'vitest';

import * as tfp from '../../src/index.js';
import {checkSampleShape} from '../../src/distributions/distribution.js';
import {ValueError} from '../../src/util/errors.js';

const D = tfp.distributions;
const N01 = (): tfp.distributions.Normal => new D.Normal({loc: [0, 1], scale: 1});
type AnyDist = tfp.distributions.Distribution<tf.Tensor | tf.Tensor[]>;
/** Every distribution class, built from minimal valid arguments (`extra` merged in). */
const DISTS: Array<[string, (extra: Record<string, unknown>) => AnyDist]> = [
  ['Normal', (e) => new D.Normal({loc: [0, 1], scale: 1, ...e})],
  ['Deterministic', (e) => new D.Deterministic({loc: [0.5, 1], ...e})],
  ['Independent', (e) => new D.Independent({distribution: N01(), reinterpretedBatchNdims: 1, ...e})],
  ['MultivariateNormalDiag', (e) => new D.MultivariateNormalDiag({loc: [0, 1], ...e})],
  ['Bernoulli', (e) => new D.Bernoulli({probs: [0.3, 0.6], ...e})],
  ['Categorical', (e) => new D.Categorical({logits: [0, 1, 2], ...e})],
  ['OneHotCategorical', (e) => new D.OneHotCategorical({logits: [0, 1, 2], ...e})],
  ['MixtureSameFamily', (e) => new D.MixtureSameFamily({mixtureDistribution: new D.Categorical({logits: [0, 0]}),
    componentsDistribution: N01(), ...e})],
  ['Sample', (e) => new D.Sample({distribution: N01(), sampleShape: 2, ...e})],
  ['JointDistributionSequential', (e) => new D.JointDistributionSequential({model: [N01(), N01()], ...e})],
  ['Logistic', (e) => new D.Logistic({loc: [0, 1], scale: 1, ...e})],
  ['Poisson', (e) => new D.Poisson({rate: [0.5, 20], ...e})],
  ['MultivariateNormalTriL', (e) => new D.MultivariateNormalTriL({loc: [0, 1], scaleTril: [[1, 0], [0.5, 2]], ...e})],
  ['Mixture', (e) => new D.Mixture({cat: new D.Categorical({logits: [0, 0]}),
    components: [N01(), new D.Logistic({loc: 0, scale: [1, 2]})], ...e})],
];
const ctorOf = (make: (e: Record<string, unknown>) => AnyDist): new (a: unknown) => AnyDist =>
  make({}).constructor as new (a: unknown) => AnyDist;
const values = (x: tf.Tensor | tf.Tensor[]): number[][] => (Array.isArray(x) ? x : [x]).map((t) => Array.from(t.dataSync()));

describe('constructor arguments', () => {
  for (const [name, make] of DISTS) {
    it(`${name}: null / a number as args is a ValueError`, () => {
      const cls = ctorOf(make);
      expect(() => new cls(null)).toThrowError(ValueError);
      expect(() => new cls(null)).toThrowError(new RegExp(`^${name}: args must be an object; got null\\.$`));
      expect(() => new cls(3)).toThrowError(new RegExp(`^${name}: args must be an object; got 3\\.$`));
    });
    it(`${name}: validate_args and nmae are ValueErrors suggesting validateArgs and name`, () => {
      expect(() => make({validate_args: true})).toThrowError(
          new RegExp(`^${name}: unknown argument "validate_args" \\(did you mean validateArgs\\?\\); arguments must be one of .*validateArgs, name; got "validate_args": true\\.$`));
      expect(() => make({nmae: 'd'})).toThrowError(new RegExp(`^${name}: unknown argument "nmae" \\(did you mean name\\?\\)`));
    });
    it(`${name}: a non-string name and a non-boolean validateArgs are ValueErrors`, () => {
      expect(() => make({name: 3})).toThrowError(new RegExp(`^${name}: name must be a string; got 3\\.$`));
      expect(() => make({validateArgs: 'yes'})).toThrowError(new RegExp(`^${name}: validateArgs must be a boolean; got "yes"\\.$`));
    });
  }

  const typos: Array<[string, () => unknown, RegExp]> = [
    ['Normal sclae', () => new D.Normal({loc: 0, scale: 1, sclae: 2} as never), /^Normal: unknown argument "sclae" \(did you mean scale\?\); arguments must be one of loc, scale, validateArgs, name; got "sclae": 2\.$/],
    ['Categorical logit', () => new D.Categorical({logit: [0, 1]} as never), /^Categorical: unknown argument "logit" \(did you mean logits\?\)/],
    ['Independent reinterpreted_batch_ndims', () => new D.Independent({distribution: N01(), reinterpreted_batch_ndims: 1} as never),
      /^Independent: unknown argument "reinterpreted_batch_ndims" \(did you mean reinterpretedBatchNdims\?\)/],
    ['MultivariateNormalDiag scale_diag', () => new D.MultivariateNormalDiag({loc: [0], scale_diag: [1]} as never),
      /^MultivariateNormalDiag: unknown argument "scale_diag" \(did you mean scaleDiag\?\)/],
    ['Deterministic atoll', () => new D.Deterministic({loc: 0, atoll: 1} as never), /^Deterministic: unknown argument "atoll" \(did you mean atol\?\)/],
    ['Sample sample_shape', () => new D.Sample({distribution: N01(), sample_shape: 2} as never), /^Sample: unknown argument "sample_shape" \(did you mean sampleShape\?\)/],
    ['MixtureSameFamily mixture_distribution', () => new D.MixtureSameFamily({mixture_distribution: 1, componentsDistribution: N01()} as never),
      /^MixtureSameFamily: unknown argument "mixture_distribution" \(did you mean mixtureDistribution\?\)/],
    ['JointDistributionSequential models', () => new D.JointDistributionSequential({models: []} as never),
      /^JointDistributionSequential: unknown argument "models" \(did you mean model\?\)/],
  ];
  for (const [what, provoke, message] of typos) {
    it(`${what} is a ValueError naming the key and the right one`, () => {
      expect(provoke).toThrowError(ValueError);
      expect(provoke).toThrowError(message);
    });
  }
});

describe('sample(sampleShape, seed)', () => {
  for (const [name, make] of DISTS) {
    it(`${name}: an int n is the list [n] (same draw for the same seed)`, () => {
      const d = make({});
      tf.tidy(() => {
        const a = d.sample(3, 11);
        const b = d.sample([3], 11);
        expect(values(a)).toEqual(values(b));
        expect((Array.isArray(a) ? a[0]! : a).shape[0]).toBe(3);
        expect((Array.isArray(d.sample(0, 1)) ? (d.sample(0, 1) as tf.Tensor[])[0]! : d.sample(0, 1) as tf.Tensor).shape[0]).toBe(0);
      });
    });

    for (const seed of [NaN, 'x', 'y', 1.5, 1.7, Infinity, -Infinity, 2 ** 53, [1], {}]) {
      it(`${name}: seed ${JSON.stringify(seed) ?? String(seed)} is a ValueError naming the seed`, () => {
        const before = tf.memory().numTensors;
        expect(() => d().sample([2], seed as number)).toThrowError(ValueError);
        expect(() => d().sample([2], seed as number)).toThrowError(new RegExp(`^${name}: seed must be an integer or undefined; got`));
        expect(tf.memory().numTensors).toBe(before);
        function d(): AnyDist {
          return make({});
        }
      });
    }

    it(`${name}: negative, zero and large safe-integer seeds are accepted and reproducible`, () => {
      const d = make({});
      tf.tidy(() => {
        for (const seed of [-7, 0, 2 ** 53 - 1]) expect(values(d.sample([2], seed))).toEqual(values(d.sample([2], seed)));
      });
    });

    for (const bad of [-1, 1.5, '3', [2, -1], [NaN], null]) {
      it(`${name}: sampleShape ${JSON.stringify(bad)} is a ValueError`, () => {
        expect(() => make({}).sample(bad as number[])).toThrowError(
            new RegExp(`^${name}: sampleShape must be a non-negative integer or a list of non-negative integers; got`));
      });
    }
  }

  it('seeds 1 and 2 give different draws (so distinct integer seeds are distinct streams)', () => {
    tf.tidy(() => {
      expect(values(N01().sample([4], 1))).not.toEqual(values(N01().sample([4], 2)));
    });
  });
});

describe('draws that cannot fit one tfjs tensor (2^31 − 1 elements) are refused up front', () => {
  const cases: Array<[string, () => unknown, RegExp]> = [
    ['Normal.sample([1e10])', () => new D.Normal({loc: 0, scale: 1}).sample([1e10]),
      /^Normal: a sample \(sampleShape \+ batchShape \+ eventShape\) must have at most 2\^31 − 1 = 2147483647 elements \(a tfjs tensor's limit\); got shape \[10000000000\] \(10000000000 elements\)\.$/],
    ['Normal.sample(1e10)', () => new D.Normal({loc: 0, scale: 1}).sample(1e10), /^Normal: a sample .* got shape \[10000000000\]/],
    ['batch [2] times [2^30]', () => N01().sample([2 ** 30]), /^Normal: a sample .*got shape \[1073741824,2\] \(2147483648 elements\)/],
    ['Independent', () => new D.Independent({distribution: N01(), reinterpretedBatchNdims: 1}).sample([2 ** 30]), /^Independent: a sample/],
    ['Categorical counts its K classes (the inverse-CDF comparison)', () => new D.Categorical({logits: tf.zeros([1000])}).sample([3e6]),
      /^Categorical: a sample .*got shape \[3000000,1000\]/],
    ['Deterministic', () => new D.Deterministic({loc: 0}).sample([5e4, 5e4]), /^Deterministic: a sample/],
    ['JointDistributionSequential', () => new D.JointDistributionSequential({model: [N01()]}).sample([2 ** 31]), /^JointDistributionSequential: a sample/],
  ];
  for (const [what, provoke, message] of cases) {
    it(`${what} is a ValueError`, () => {
      expect(provoke).toThrowError(ValueError);
      expect(provoke).toThrowError(message);
    });
  }
  it('a draw of exactly 2^31 − 1 elements passes the check, one more does not', () => {
    expect(checkSampleShape('X', [2 ** 31 - 1])).toEqual([2 ** 31 - 1]);
    expect(() => checkSampleShape('X', [2 ** 31])).toThrowError(/^X: a sample .*got shape \[2147483648\] \(2147483648 elements\)\.$/);
    expect(checkSampleShape('X', 2, [2 ** 30 - 1])).toEqual([2]);
    expect(() => checkSampleShape('X', 2, [2 ** 30])).toThrowError(/got shape \[2,1073741824\]/);
  });
});
