// Property-based fuzzing (fast-check, fixed seed) of every distribution: valid parameters give the
// shapes of DISTRIBUTIONS.md §1 (sample: sampleShape + batch + event; logProb: sampleShape + batch)
// with finite values and KL(d ‖ d) = 0; invalid parameters give a typed error naming the argument;
// unknown and misspelt constructor keys a ValueError naming the key and suggesting the right one.
import * as tf from '@tensorflow/tfjs';
import fc from 'fast-check';
import {afterAll, describe, expect, it} from 'vitest';

import * as tfp from '../../src/index.js';
import {expectTypedError} from '../helpers/typed_error.js';
import type {Bad} from '../helpers/typed_error.js';
import {testSeed} from '../helpers/oracles.js';

const SEED = testSeed(20261123);
const D = tfp.distributions;
const COUNTS: Record<string, number> = {};
const count = (key: string): void => {
  COUNTS[key] = (COUNTS[key] ?? 0) + 1;
};
afterAll(() => {
  console.log(`fuzz_distributions cases: ${JSON.stringify(COUNTS)}`);
});

// A count, not tf.all: tfjs's `all` of an empty tensor is false.
const finite = (t: tf.Tensor): boolean =>
  tf.tidy(() => tf.sum(tf.cast(tf.logicalNot(tf.isFinite(t)), 'int32')).dataSync()[0] === 0);
const dim = fc.integer({min: 1, max: 3});
const shapeArb = (min: number, max: number): fc.Arbitrary<number[]> => fc.array(dim, {minLength: min, maxLength: max});
/** Two shapes that broadcast to `full`: each drops some leading axes and sets some axes to 1. */
const broadcastPair = (min: number, max: number) => fc.tuple(shapeArb(min, max), fc.nat(3), fc.nat(3), fc.nat(255), fc.nat(255))
    .map(([full, dropA, dropB, onesA, onesB]) => {
      const mk = (drop: number, ones: number): number[] =>
        full.slice(Math.min(drop, full.length)).map((d, i) => ((ones >> i) & 1 ? 1 : d));
      return {full, a: mk(dropA, onesA), b: mk(dropB, onesB)};
    });
const values = (shape: number[], seed: number, positive = false): tf.Tensor =>
  tf.tidy(() => {
    const t = tf.randomNormal(shape, 0, 1, 'float32', seed);
    return positive ? tf.add(tf.softplus(t), 0.1) : t;
  });

/** Checks the shape contract of `d` and finiteness of sample, logProb and KL(d ‖ d) = 0. */
function checkContract(d: tfp.distributions.Distribution, batch: number[], event: number[],
    sampleShape: number[], seed: number, selfKL = true): void {
  tf.tidy(() => {
    expect(d.batchShape).toEqual(batch);
    expect(d.eventShape).toEqual(event);
    const x = d.sample(sampleShape, seed);
    expect(x.shape).toEqual([...sampleShape, ...batch, ...event]);
    expect(finite(x)).toBe(true);
    const lp = d.logProb(x);
    expect(lp.shape).toEqual([...sampleShape, ...batch]);
    expect(finite(lp)).toBe(true);
    if (selfKL) {
      const kl = D.klDivergence(d, d);
      expect(kl.shape).toEqual(batch);
      expect(Math.max(...Array.from(kl.dataSync()).map(Math.abs), 0)).toBeLessThan(1e-5);
    }
  });
}

const sampleShapeArb = fc.array(fc.integer({min: 0, max: 3}), {maxLength: 2});
const seedArb = fc.integer({min: 1, max: 1e6});

describe('fuzz: valid distribution parameters satisfy the shape contract', () => {
  const opts = (n: number) => ({seed: SEED, numRuns: n});

  it('Normal (numRuns 100): broadcast batch shape, finite sample/logProb, KL(d‖d) = 0', () => {
    fc.assert(fc.property(broadcastPair(0, 3), sampleShapeArb, seedArb, (p, s, seed) => {
      count('valid Normal');
      const loc = values(p.a, seed);
      const scale = values(p.b, seed + 1, true);
      const d = new D.Normal({loc, scale});
      // numpy broadcasting of the two shapes, by tfjs's own add.
      const batch = tf.tidy(() => tf.add(tf.zeros(p.a), tf.zeros(p.b)).shape);
      checkContract(d, batch, [], s, seed);
      tf.dispose([loc, scale]);
    }), opts(100));
  });

  it('MultivariateNormalDiag (numRuns 60)', () => {
    fc.assert(fc.property(shapeArb(1, 3), sampleShapeArb, seedArb, (shape, s, seed) => {
      count('valid MultivariateNormalDiag');
      const [loc, scaleDiag] = [values(shape, seed), values(shape, seed + 1, true)];
      checkContract(new D.MultivariateNormalDiag({loc, scaleDiag}), shape.slice(0, -1), shape.slice(-1), s, seed);
      tf.dispose([loc, scaleDiag]);
    }), opts(60));
  });

  it('Bernoulli logits / probs (numRuns 60): samples in {0, 1}', () => {
    fc.assert(fc.property(shapeArb(0, 3), fc.boolean(), sampleShapeArb, seedArb, (shape, useProbs, s, seed) => {
      count('valid Bernoulli');
      const logits = values(shape, seed);
      const probs = tf.tidy(() => tf.sigmoid(logits));
      const d = useProbs ? new D.Bernoulli({probs}) : new D.Bernoulli({logits});
      checkContract(d, shape, [], s, seed);
      tf.tidy(() => {
        expect(Array.from(d.sample(s, seed).dataSync()).every((v) => v === 0 || v === 1)).toBe(true);
      });
      tf.dispose([logits, probs]);
    }), opts(60));
  });

  it('Categorical and OneHotCategorical (numRuns 60), including one class', () => {
    fc.assert(fc.property(shapeArb(1, 3), fc.boolean(), sampleShapeArb, seedArb, (shape, oneHot, s, seed) => {
      count(oneHot ? 'valid OneHotCategorical' : 'valid Categorical');
      const logits = values(shape, seed);
      const k = shape[shape.length - 1]!;
      if (oneHot) {
        const d = new D.OneHotCategorical({logits});
        checkContract(d, shape.slice(0, -1), [k], s, seed);
        tf.tidy(() => {
        expect(Array.from(tf.sum(d.sample(s, seed), -1).dataSync()).every((v) => v === 1)).toBe(true);
      });
      } else {
        const d = new D.Categorical({logits});
        checkContract(d, shape.slice(0, -1), [], s, seed);
        tf.tidy(() => {
        expect(Array.from(d.sample(s, seed).dataSync()).every((v) => v >= 0 && v < k)).toBe(true);
      });
      }
      logits.dispose();
    }), opts(60));
  });

  it('Deterministic (numRuns 40): samples equal loc', () => {
    fc.assert(fc.property(shapeArb(0, 3), sampleShapeArb, seedArb, (shape, s, seed) => {
      count('valid Deterministic');
      const loc = values(shape, seed);
      const d = new D.Deterministic({loc});
      checkContract(d, shape, [], s, seed, false);
      tf.tidy(() => {
        expect(tf.sum(tf.abs(tf.sub(d.sample(s), loc))).dataSync()[0]).toBe(0);
      });
      loc.dispose();
    }), opts(40));
  });

  it('Independent(Normal, k) (numRuns 60): batch[:-k] / batch[-k:]', () => {
    fc.assert(fc.property(shapeArb(0, 3), fc.nat(3), sampleShapeArb, seedArb, (shape, kRaw, s, seed) => {
      count('valid Independent');
      const k = kRaw % (shape.length + 1);
      const [loc, scale] = [values(shape, seed), values(shape, seed + 1, true)];
      const d = new D.Independent({distribution: new D.Normal({loc, scale}), reinterpretedBatchNdims: k});
      checkContract(d, shape.slice(0, shape.length - k), shape.slice(shape.length - k), s, seed);
      tf.dispose([loc, scale]);
    }), opts(60));
  });

  it('Sample(Normal, n) (numRuns 40): event n + base event', () => {
    fc.assert(fc.property(shapeArb(0, 2), fc.array(fc.integer({min: 1, max: 3}), {maxLength: 2}), sampleShapeArb, seedArb,
        (shape, n, s, seed) => {
          count('valid Sample');
          const loc = values(shape, seed);
          const d = new D.Sample({distribution: new D.Normal({loc, scale: 1}), sampleShape: n});
          checkContract(d, shape, n, s, seed);
          loc.dispose();
        }), opts(40));
  });

  it('MixtureSameFamily(Categorical, Normal) (numRuns 40)', () => {
    fc.assert(fc.property(shapeArb(1, 3), sampleShapeArb, seedArb, (shape, s, seed) => {
      count('valid MixtureSameFamily');
      const [logits, loc] = [values(shape, seed), values(shape, seed + 1)];
      const d = new D.MixtureSameFamily({mixtureDistribution: new D.Categorical({logits}),
        componentsDistribution: new D.Normal({loc, scale: 1})});
      checkContract(d, shape.slice(0, -1), [], s, seed, false);
      tf.dispose([logits, loc]);
    }), opts(40));
  });

  it('JointDistributionSequential([Normal, Normal]) (numRuns 30)', () => {
    fc.assert(fc.property(shapeArb(0, 2), shapeArb(0, 2), sampleShapeArb, seedArb, (a, b, s, seed) => {
      count('valid JointDistributionSequential');
      const d = new D.JointDistributionSequential({model: [
        new D.Independent({distribution: new D.Normal({loc: tf.zeros(a), scale: 1}), reinterpretedBatchNdims: a.length}),
        new D.Independent({distribution: new D.Normal({loc: tf.zeros(b), scale: 2}), reinterpretedBatchNdims: b.length}),
      ]});
      tf.tidy(() => {
        const [x, y] = d.sample(s, seed);
        expect(x!.shape).toEqual([...s, ...a]);
        expect(y!.shape).toEqual([...s, ...b]);
        const lp = d.logProb([x!, y!]);
        expect(lp.shape).toEqual(s);
        expect(finite(lp)).toBe(true);
      });
    }), opts(30));
  });
});


const N01 = (): tfp.distributions.Normal => new D.Normal({loc: [0, 1], scale: 1});
const BAD: Bad[] = [
  ...[0, -1, NaN, [1, 0], [[1, -2]]].map((scale): Bad => ({what: `Normal scale=${JSON.stringify(scale)}`,
    provoke: () => new D.Normal({loc: 0, scale: scale as number}), message: /Normal: scale must be positive/})),
  ...['a', undefined, [[1], [1, 2]], {}, [true]].map((loc): Bad => ({what: `Normal loc=${JSON.stringify(loc)}`,
    provoke: () => new D.Normal({loc: loc as number, scale: 1}), message: /Normal: loc must be a tensor, a number, a rectangular array/})),
  {what: 'Normal loc [2] scale [3]', provoke: () => new D.Normal({loc: [1, 2], scale: [1, 2, 3]}),
    message: /Normal: loc and scale must have broadcastable shapes; got \[2\] and \[3\]/},
  {what: 'Normal validateArgs tensor scale -1', provoke: () => tf.tidy(() => {
    new D.Normal({loc: 0, scale: tf.scalar(-1), validateArgs: true});
  }),
    message: /Normal: scale must be positive everywhere; got -1/},
  ...[[-1], [1.5], [NaN], 'x', -1, 1.5, null].map((s): Bad => ({what: `Normal.sample(${JSON.stringify(s)})`,
    provoke: () => N01().sample(s as number[]), message: /Normal: sampleShape must be a non-negative integer or a list of non-negative integers; got/})),
  ...[NaN, 'x', 'y', 1.5, 1.7, Infinity, 2 ** 53, {}].map((seed): Bad => ({what: `Normal.sample([3], ${String(seed)})`,
    provoke: () => N01().sample([3], seed as number), message: /^Normal: seed must be an integer or undefined; got/})),
  {what: 'Normal.sample([1e10])', provoke: () => N01().sample([1e10]), message: /^Normal: a sample \(sampleShape \+ batchShape \+ eventShape\) must have at most 2\^31 − 1/},
  ...[null, 3, 'x'].map((args): Bad => ({what: `new Normal(${JSON.stringify(args)})`,
    provoke: () => new D.Normal(args as unknown as tfp.distributions.NormalArgs), message: /^Normal: args must be an object; got/})),
  {what: 'Normal.logProb of a non-broadcastable x', provoke: () => tf.tidy(() => {
    N01().logProb([1, 2, 3]);
  }), message: /Normal: x must broadcast against batchShape \[2\]; got shape \[3\]/},
  {what: 'Bernoulli.sample([-2])', provoke: () => new D.Bernoulli({logits: 0}).sample([-2]), message: /Bernoulli: sampleShape must be a non-negative integer or a list/},
  {what: 'Categorical.sample([0.5])', provoke: () => new D.Categorical({logits: [0, 1]}).sample([0.5]), message: /Categorical: sampleShape must be a non-negative integer or a list/},
  {what: 'Deterministic.sample([-1])', provoke: () => new D.Deterministic({loc: 0}).sample([-1]), message: /Deterministic: sampleShape must be a non-negative integer or a list/},
  {what: 'MultivariateNormalDiag scalar', provoke: () => new D.MultivariateNormalDiag({loc: 0}), message: /MultivariateNormalDiag: loc and scaleDiag must have rank ≥ 1/},
  {what: 'MultivariateNormalDiag [2] vs [3]', provoke: () => new D.MultivariateNormalDiag({loc: [1, 2], scaleDiag: [1, 2, 3]}),
    message: /MultivariateNormalDiag: loc and scaleDiag must have broadcastable shapes; got \[2\] and \[3\]/},
  {what: 'MultivariateNormalDiag scaleDiag 0', provoke: () => new D.MultivariateNormalDiag({loc: [1], scaleDiag: [0]}), message: /MultivariateNormalDiag: scaleDiag must be positive/},
  {what: 'MultivariateNormalDiag loc "x"', provoke: () => new D.MultivariateNormalDiag({loc: 'x' as unknown as number[]}), message: /MultivariateNormalDiag: loc must be/},
  ...[2, -0.1, NaN, [0.5, 1.5]].map((probs): Bad => ({what: `Bernoulli probs=${JSON.stringify(probs)}`,
    provoke: () => new D.Bernoulli({probs: probs as number}), message: /Bernoulli: probs must be in \[0, 1\]/})),
  {what: 'Bernoulli logits and probs', provoke: () => new D.Bernoulli({logits: 0, probs: 0.5}), message: /Bernoulli: exactly one of logits and probs must be given/},
  {what: 'Bernoulli neither', provoke: () => new D.Bernoulli({}), message: /Bernoulli: exactly one of logits and probs must be given/},
  {what: 'Bernoulli logits "x"', provoke: () => new D.Bernoulli({logits: 'x' as unknown as number}), message: /Bernoulli: logits must be a tensor/},
  {what: 'Categorical scalar logits', provoke: () => new D.Categorical({logits: 0}), message: /Categorical: logits must have rank ≥ 1/},
  {what: 'Categorical zero classes', provoke: () => new D.Categorical({logits: [[]] as number[][]}), message: /Categorical: logits must have at least one class/},
  {what: 'Categorical probs not summing to 1', provoke: () => new D.Categorical({probs: [0.2, 0.2], validateArgs: true}), message: /Categorical: probs must sum to 1/},
  {what: 'OneHotCategorical zero classes', provoke: () => new D.OneHotCategorical({probs: [] as number[]}), message: /OneHotCategorical: probs must have at least one class/},
  ...[-1, NaN, Infinity, '1'].map((atol): Bad => ({what: `Deterministic atol=${String(atol)}`,
    provoke: () => new D.Deterministic({loc: 0, atol: atol as number}), message: /Deterministic: atol must be a non-negative finite number/})),
  {what: 'Deterministic loc undefined', provoke: () => new D.Deterministic({} as tfp.distributions.DeterministicArgs), message: /Deterministic: loc must be/},
  ...[-1, 1.5, 3, '1'].map((k): Bad => ({what: `Independent k=${String(k)}`,
    provoke: () => new D.Independent({distribution: N01(), reinterpretedBatchNdims: k as number}),
    message: /Independent: reinterpretedBatchNdims must be (a non-negative integer|at most the batch rank 1)/})),
  {what: 'Independent of a non-distribution', provoke: () => new D.Independent({distribution: {} as tfp.distributions.Distribution, reinterpretedBatchNdims: 0}),
    message: /Independent: distribution must be a Distribution/},
  ...[-2, [1.5], ['a']].map((sampleShape): Bad => ({what: `Sample sampleShape=${JSON.stringify(sampleShape)}`,
    provoke: () => new D.Sample({distribution: N01(), sampleShape: sampleShape as number[]}), message: /Sample: sampleShape must be a non-negative integer/})),
  {what: 'MixtureSameFamily 2 vs 3 components', provoke: () => new D.MixtureSameFamily({mixtureDistribution: new D.Categorical({logits: [0, 0]}),
    componentsDistribution: new D.Normal({loc: [0, 0, 0], scale: 1})}), message: /MixtureSameFamily: componentsDistribution.batchShape must end in the number of mixture components 2/},
  {what: 'MixtureSameFamily mixture not Categorical', provoke: () => new D.MixtureSameFamily({mixtureDistribution: N01() as unknown as tfp.distributions.Categorical,
    componentsDistribution: N01()}), message: /MixtureSameFamily: mixtureDistribution must be a Categorical/},
  {what: 'JointDistributionSequential []', provoke: () => new D.JointDistributionSequential({model: []}), message: /JointDistributionSequential: model must be a non-empty array/},
  {what: 'JointDistributionSequential [fn]', provoke: () => new D.JointDistributionSequential({model: [(() => N01()) as unknown as tfp.distributions.Distribution]}),
    message: /JointDistributionSequential: model\[0\] must be a Distribution/},
  {what: 'KL(Normal ‖ Bernoulli)', provoke: () => D.klDivergence(N01(), new D.Bernoulli({probs: 0.5})),
    message: /No KL\(distribution_a \|\| distribution_b\) registered for distribution_a type Normal and distribution_b type Bernoulli/},
];

describe('fuzz: invalid distribution parameters raise typed errors naming the argument', () => {
  it(`${BAD.length} invalid cases, each once and then under fast-check (numRuns 300)`, () => {
    const check = (bad: Bad): void => {
      count('invalid distribution');
      expectTypedError(bad);
    };
    for (const bad of BAD) check(bad);  // every case once, then fast-check draws
    fc.assert(fc.property(fc.constantFrom(...BAD), check), {seed: SEED, numRuns: 300});
  });
});


// ---------------------------------------------------------------------------------------------
// Unknown and misspelt constructor keys of every distribution (issue 20, item 5). The valid keys
// are DISTRIBUTIONS.md's arguments in camelCase plus validateArgs and name.

type AnyDist = tfp.distributions.Distribution<tf.Tensor | tf.Tensor[]>;
const ALL_DISTS: Array<[string, (extra: Record<string, unknown>) => AnyDist, string[]]> = [
  ['Normal', (e) => new D.Normal({loc: 0, scale: 1, ...e}), ['loc', 'scale']],
  ['Deterministic', (e) => new D.Deterministic({loc: 0, ...e}), ['loc', 'atol', 'rtol']],
  ['Independent', (e) => new D.Independent({distribution: N01(), reinterpretedBatchNdims: 1, ...e}), ['distribution', 'reinterpretedBatchNdims']],
  ['MultivariateNormalDiag', (e) => new D.MultivariateNormalDiag({loc: [0, 1], ...e}), ['loc', 'scaleDiag']],
  ['Bernoulli', (e) => new D.Bernoulli({probs: 0.5, ...e}), ['logits', 'probs']],
  ['Categorical', (e) => new D.Categorical({logits: [0, 1], ...e}), ['logits', 'probs']],
  ['OneHotCategorical', (e) => new D.OneHotCategorical({logits: [0, 1], ...e}), ['logits', 'probs']],
  ['MixtureSameFamily', (e) => new D.MixtureSameFamily({mixtureDistribution: new D.Categorical({logits: [0, 0]}),
    componentsDistribution: N01(), ...e}), ['mixtureDistribution', 'componentsDistribution']],
  ['Sample', (e) => new D.Sample({distribution: N01(), sampleShape: 2, ...e}), ['distribution', 'sampleShape']],
  ['JointDistributionSequential', (e) => new D.JointDistributionSequential({model: [N01()], ...e}), ['model']],
];
const BASE_KEYS = ['validateArgs', 'name'];
const escRe = (s: string): string => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
const toSnake = (k: string): string => k.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);

function misspeltDistKey(): fc.Arbitrary<Bad> {
  return fc.tuple(fc.constantFrom(...ALL_DISTS), fc.nat(100), fc.constantFrom('snake', 'capital', 'plural', 'drop'), fc.nat(100))
      .map(([[name, make, own], k, how, at]) => {
        const valid = [...own, ...BASE_KEYS];
        const key = valid[k % valid.length]!;
        const i = 1 + (at % Math.max(1, key.length - 1));
        const wrong = how === 'snake' ? (/[A-Z]/.test(key) ? toSnake(key) : null) :
          how === 'capital' ? key[0]!.toUpperCase() + key.slice(1) :
            how === 'plural' ? `${key}s` : key.length >= 6 ? key.slice(0, i) + key.slice(i + 1) : null;
        return {name, make, key, wrong, valid};
      })
      .filter((c) => c.wrong !== null && !c.valid.includes(c.wrong))
      .map(({name, make, key, wrong}): Bad => ({
        what: `${name} {${wrong}} (for ${key})`,
        provoke: () => make({[wrong!]: 1}),
        message: new RegExp(`^${name}: unknown argument "${escRe(wrong!)}" \\(did you mean ${key}\\?\\); arguments must be one of .*; got "${escRe(wrong!)}": 1\\.$`),
      }));
}

function unknownDistKey(): fc.Arbitrary<Bad> {
  const key = fc.oneof(fc.stringMatching(/^[a-zA-Z_$][a-zA-Z0-9_$]{0,15}$/),
      fc.constantFrom('__proto__', 'constructor', 'toString', 'allowNanStats', 'dtype', '', '0'));
  return fc.tuple(fc.constantFrom(...ALL_DISTS), key)
      .filter(([[, , own], k]) => ![...own, ...BASE_KEYS].includes(k))
      .map(([[name, make], k]): Bad => ({
        what: `${name} unknown key ${JSON.stringify(k)}`,
        provoke: () => make(JSON.parse(`{${JSON.stringify(k)}: 2}`) as Record<string, unknown>),
        message: new RegExp(`^${name}: unknown argument ${escRe(JSON.stringify(k))}( \\(did you mean \\w+\\?\\))?; arguments must be one of `),
      }));
}

describe('fuzz: unknown and misspelt constructor keys of every distribution', () => {
  it(`misspelt keys of ${ALL_DISTS.length} distributions (numRuns 300): named, with the right key suggested`, () => {
    fc.assert(fc.property(misspeltDistKey(), (bad) => {
      count('misspelt key');
      expectTypedError(bad);
    }), {seed: SEED, numRuns: 300});
  });
  it(`unknown keys of ${ALL_DISTS.length} distributions (numRuns 300)`, () => {
    fc.assert(fc.property(unknownDistKey(), (bad) => {
      count('unknown key');
      expectTypedError(bad);
    }), {seed: SEED, numRuns: 300});
  });
  it('every distribution refuses a non-integer seed and reads an int sampleShape n as [n]', () => {
    fc.assert(fc.property(fc.constantFrom(...ALL_DISTS), fc.integer({min: 0, max: 4}), seedArb,
        fc.constantFrom<unknown>(NaN, 'x', 1.5, -0.5, Infinity), ([name, make], n, seed, badSeed) => {
          count('seed and int sampleShape');
          const d = make({});
          tf.tidy(() => {
            const flat = (x: tf.Tensor | tf.Tensor[]): number[][] => (Array.isArray(x) ? x : [x]).map((t) => Array.from(t.dataSync()));
            expect(flat(d.sample(n, seed))).toEqual(flat(d.sample([n], seed)));
          });
          expectTypedError({what: `${name} seed ${String(badSeed)}`, provoke: () => d.sample([1], badSeed as number),
            message: new RegExp(`^${name}: seed must be an integer or undefined; got`)});
        }), {seed: SEED, numRuns: 100});
  });
});
