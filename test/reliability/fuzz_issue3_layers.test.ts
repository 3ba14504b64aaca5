// Property-based fuzzing (fast-check, fixed seed) of the issue-3 layers: DenseVariational,
// VariableLayer, AutoregressiveNetwork (MADE) and the distribution output layers. Valid
// configurations give the closed-form output shape (tf.layers.dense's for DenseVariational) with
// finite values; invalid ones give a typed error naming the argument.
import * as tf from '@tensorflow/tfjs';
import fc from 'fast-check';
import {afterAll, describe, expect, it} from 'vitest';

import * as tfp from '../../src/index.js';
import {ValueError} from '../../src/util/errors.js';
import {expectTypedError} from '../helpers/typed_error.js';
import type {Bad} from '../helpers/typed_error.js';
import {testSeed} from '../helpers/oracles.js';

const SEED = testSeed(20261123);
const L = tfp.layers;
const COUNTS: Record<string, number> = {};
const count = (key: string): void => {
  COUNTS[key] = (COUNTS[key] ?? 0) + 1;
};
afterAll(() => {
  console.log(`fuzz_issue3_layers cases: ${JSON.stringify(COUNTS)}`);
});

function finite(t: tf.Tensor): boolean {
  return tf.tidy(() => tf.all(tf.isFinite(t)).dataSync()[0] === 1);
}

function lossesFinite(layer: tf.layers.Layer): boolean {
  return tf.tidy(() => layer.losses.every((l) => finite((typeof l === 'function' ? l() : l) as tf.Tensor)));
}

describe('fuzz: issue-3 layers, valid configurations', () => {
  it('DenseVariational (numRuns 80): shape of tf.layers.dense, finite output and KL', () => {
    const arb = fc.record({
      units: fc.integer({min: 1, max: 4}),
      shape: fc.array(fc.integer({min: 1, max: 4}), {minLength: 2, maxLength: 3}),
      useBias: fc.boolean(),
      klUseExact: fc.boolean(),
      trainablePrior: fc.boolean(),
      seed: fc.integer({min: 1, max: 1e6}),
    });
    fc.assert(fc.property(arb, (c) => {
      count('valid DenseVariational');
      const layer = L.denseVariational({units: c.units, makePosteriorFn: L.posteriorMeanField,
        makePriorFn: c.trainablePrior ? L.priorTrainable : L.priorStandardNormal, useBias: c.useBias,
        klUseExact: c.klUseExact, seed: c.seed});
      const shape = tf.tidy(() => (layer.apply(tf.randomNormal(c.shape, 0, 1, 'float32', c.seed)) as tf.Tensor).shape);
      expect(shape).toEqual(tf.layers.dense({units: c.units}).computeOutputShape(c.shape));
      const y = layer.apply(tf.ones(c.shape)) as tf.Tensor;
      expect(finite(y)).toBe(true);
      expect(lossesFinite(layer)).toBe(true);
      tf.dispose(y);
      layer.dispose();
    }), {seed: SEED, numRuns: 80});
  });

  it('VariableLayer (numRuns 60): output shape is the given shape, whatever the input', () => {
    const arb = fc.record({n: fc.integer({min: 0, max: 5}), asArray: fc.boolean(),
      input: fc.array(fc.integer({min: 1, max: 3}), {maxLength: 3})});
    fc.assert(fc.property(arb, (c) => {
      count('valid VariableLayer');
      const layer = L.variableLayer({shape: c.asArray ? [c.n] : c.n, initializer: 'ones'});
      const y = layer.apply(tf.zeros(c.input)) as tf.Tensor;
      expect(y.shape).toEqual([c.n]);
      expect(Array.from(y.dataSync())).toEqual(new Array<number>(c.n).fill(1));
      tf.dispose([y, ...layer.weights.map((w) => w.read())]);
    }), {seed: SEED, numRuns: 60});
  });

  it('AutoregressiveNetwork (numRuns 80): batch + [D, params], finite, autoregressive', () => {
    const arb = fc.record({
      params: fc.integer({min: 1, max: 3}),
      d: fc.integer({min: 1, max: 5}),
      hidden: fc.array(fc.integer({min: 1, max: 6}), {maxLength: 2}),
      order: fc.constantFrom('left-to-right' as const, 'right-to-left' as const, 'random' as const),
      degrees: fc.constantFrom('equal' as const, 'random' as const),
      batch: fc.array(fc.integer({min: 1, max: 3}), {minLength: 1, maxLength: 2}),
      seed: fc.integer({min: 1, max: 1e6}),
    });
    fc.assert(fc.property(arb, (c) => {
      count('valid AutoregressiveNetwork');
      const layer = L.autoregressiveNetwork({params: c.params, hiddenUnits: c.hidden, inputOrder: c.order,
        hiddenDegrees: c.degrees, activation: 'tanh', seed: c.seed});
      const x = tf.randomNormal([...c.batch, c.d], 0, 1, 'float32', c.seed);
      const y = layer.apply(x) as tf.Tensor;
      expect(y.shape).toEqual([...c.batch, c.d, c.params]);
      expect(finite(y)).toBe(true);
      tf.dispose([x, y]);
      layer.dispose();
    }), {seed: SEED, numRuns: 80});
  });

  it('distribution layers (numRuns 80): batch + eventShape, finite samples', () => {
    const arb = fc.record({
      kind: fc.constantFrom('IndependentNormal', 'IndependentBernoulli', 'OneHotCategorical'),
      event: fc.array(fc.integer({min: 1, max: 3}), {minLength: 1, maxLength: 2}),
      batch: fc.array(fc.integer({min: 1, max: 3}), {minLength: 1, maxLength: 2}),
      convert: fc.constantFrom('sample' as const, 'mean' as const, 'mode' as const),
      seed: fc.integer({min: 1, max: 1e6}),
    });
    fc.assert(fc.property(arb, (c) => {
      count(`valid ${c.kind}`);
      const size = c.event.reduce((a, b) => a * b, 1);
      const [layer, params, event] = c.kind === 'IndependentNormal' ?
        [L.independentNormal({eventShape: c.event, convertToTensorFn: c.convert, seed: c.seed}), 2 * size, c.event] :
        c.kind === 'IndependentBernoulli' ?
          [L.independentBernoulli({eventShape: c.event, convertToTensorFn: c.convert, seed: c.seed}), size, c.event] :
          [L.oneHotCategorical({eventSize: c.event[0]!, convertToTensorFn: c.convert, seed: c.seed}), c.event[0]!, [c.event[0]!]];
      const x = tf.randomNormal([...c.batch, params], 0, 1, 'float32', c.seed);
      const y = layer.apply(x) as tf.Tensor;
      expect(y.shape).toEqual([...c.batch, ...event]);
      expect(layer.computeOutputShape([null, ...c.batch.slice(1), params])).toEqual([null, ...c.batch.slice(1), ...event]);
      expect(finite(y)).toBe(true);
      tf.dispose([x, y]);
    }), {seed: SEED, numRuns: 80});
  });
});

/** `tf.tidy` over a call whose result may be any layer output (only its throwing matters). */
const tidyAny = (f: () => unknown): unknown => tf.tidy(() => f() as tf.Tensor);


const dv = (a: Record<string, unknown>): tf.layers.Layer => L.denseVariational({units: 2,
  makePosteriorFn: L.posteriorMeanField, makePriorFn: L.priorTrainable, ...a} as unknown as tfp.layers.DenseVariationalV2Args);

const BAD: Bad[] = [
  ...[0, -1, 1.5, NaN, '2', null].map((units): Bad => ({what: `DenseVariational units=${String(units)}`,
    provoke: () => dv({units}), message: /DenseVariational: units must be a positive integer; got/})),
  ...[NaN, Infinity, 'x'].map((klWeight): Bad => ({what: `DenseVariational klWeight=${String(klWeight)}`,
    provoke: () => dv({klWeight}), message: /DenseVariational: klWeight must be a finite number or null; got/})),
  {what: 'DenseVariational useBias="yes"', provoke: () => dv({useBias: 'yes'}), message: /DenseVariational: useBias must be a boolean; got "yes"/},
  {what: 'DenseVariational klUseExact=1', provoke: () => dv({klUseExact: 1}), message: /DenseVariational: klUseExact must be a boolean; got 1/},
  {what: 'DenseVariational makePosteriorFn missing', provoke: () => dv({makePosteriorFn: undefined}), message: /DenseVariational: makePosteriorFn is required/},
  {what: 'DenseVariational makePriorFn=3', provoke: () => dv({makePriorFn: 3}), message: /DenseVariational: makePriorFn must be a function.*got 3/},
  {what: 'DenseVariational makePosteriorFn unknown', provoke: () => dv({makePosteriorFn: {className: '__proto__', config: {}}}),
    message: /DenseVariational: makePosteriorFn names an unregistered function "__proto__"/},
  {what: 'DenseVariational seed=1.5', provoke: () => dv({seed: 1.5}), message: /DenseVariational: seed must be an integer/},
  {what: 'DenseVariational rank-1 input', provoke: () => tidyAny(() => dv({}).apply(tf.zeros([4]))),
    message: /DenseVariational: input must have rank ≥ 2.*got shape \[4\]/},
  ...[-1, 1.5, 'x', [[1]], [2, -3], null].map((shape): Bad => ({what: `VariableLayer shape=${JSON.stringify(shape)}`,
    provoke: () => L.variableLayer({shape} as unknown as tfp.layers.VariableLayerArgs), message: /VariableLayer: [Ss]hape must be/})),
  {what: 'VariableLayer initializer="bogus"', provoke: () => L.variableLayer({shape: 2, initializer: 'bogus'}),
    message: /VariableLayer: initializer must be a registered tfjs object or its name; got "bogus"/},
  {what: 'VariableLayer dtype="int32"', provoke: () => L.variableLayer({shape: 2, dtype: 'int32' as 'float32'}),
    message: /VariableLayer: dtype must be "float32"/},
  ...[0, -2, 1.5, 'x'].map((params): Bad => ({what: `AutoregressiveNetwork params=${String(params)}`,
    provoke: () => L.autoregressiveNetwork({params} as unknown as tfp.layers.AutoregressiveNetworkArgs),
    message: /AutoregressiveNetwork: params must be a positive integer; got/})),
  ...[[0], [-1], [1.5], 'x'].map((hiddenUnits): Bad => ({what: `AutoregressiveNetwork hiddenUnits=${JSON.stringify(hiddenUnits)}`,
    provoke: () => L.autoregressiveNetwork({params: 1, hiddenUnits} as unknown as tfp.layers.AutoregressiveNetworkArgs),
    message: /AutoregressiveNetwork: hiddenUnits must be a list of positive integers; got/})),
  ...[0, [2, 2], [], -1].map((eventShape): Bad => ({what: `AutoregressiveNetwork eventShape=${JSON.stringify(eventShape)}`,
    provoke: () => L.autoregressiveNetwork({params: 1, eventShape} as unknown as tfp.layers.AutoregressiveNetworkArgs),
    message: /AutoregressiveNetwork: eventShape must be a positive int or a list of one \(rank 1\); got/})),
  {what: 'AutoregressiveNetwork inputOrder="up"', provoke: () => L.autoregressiveNetwork({params: 1, inputOrder: 'up' as 'random'}),
    message: /AutoregressiveNetwork: Invalid input order: inputOrder must be one of/},
  {what: 'AutoregressiveNetwork inputOrder=[1,1,2]', provoke: () => L.autoregressiveNetwork({params: 1, eventShape: 3, inputOrder: [1, 1, 2] as unknown as 'random'}),
    message: /AutoregressiveNetwork: Invalid input order: .*permutation of 1\.\.3; got \[1,1,2\]/},
  {what: 'AutoregressiveNetwork hiddenDegrees="x"', provoke: () => L.autoregressiveNetwork({params: 1, hiddenDegrees: 'x' as 'equal'}),
    message: /AutoregressiveNetwork: Invalid hidden order: hiddenDegrees must be "equal" or "random"; got "x"/},
  {what: 'AutoregressiveNetwork conditional without eventShape', provoke: () => L.autoregressiveNetwork({params: 1, conditional: true}),
    message: /AutoregressiveNetwork: eventShape must be provided when conditional is true/},
  {what: 'AutoregressiveNetwork conditional without conditionalEventShape', provoke: () => L.autoregressiveNetwork({params: 1, conditional: true, eventShape: 2}),
    message: /AutoregressiveNetwork: conditionalEventShape must be provided when conditional is true/},
  {what: 'AutoregressiveNetwork conditionalEventShape without conditional', provoke: () => L.autoregressiveNetwork({params: 1, conditionalEventShape: 2}),
    message: /AutoregressiveNetwork: conditionalEventShape must not be given when conditional is/},
  {what: 'AutoregressiveNetwork conditionalInputLayers="middle"', provoke: () => L.autoregressiveNetwork({params: 1, conditionalInputLayers: 'middle' as 'all_layers'}),
    message: /AutoregressiveNetwork: conditionalInputLayers must be one of/},
  {what: 'AutoregressiveNetwork input dim ≠ eventShape', provoke: () => tidyAny(() => L.autoregressiveNetwork({params: 1, eventShape: 3}).apply(tf.zeros([2, 4]))),
    message: /AutoregressiveNetwork: the last input dimension must equal eventShape\[-1\] = 3; got input shape \[2,4\]/},
  ...[0, -1, 1.5, [0], 'x'].map((eventShape): Bad => ({what: `IndependentNormal eventShape=${JSON.stringify(eventShape)}`,
    provoke: () => L.independentNormal({eventShape} as unknown as tfp.layers.IndependentDistributionLayerArgs),
    message: /IndependentNormal: eventShape must be a positive integer or a list of them; got/})),
  {what: 'IndependentNormal wrong last dim', provoke: () => tidyAny(() => L.independentNormal({eventShape: 2}).apply(tf.zeros([4, 3]))),
    message: /IndependentNormal: the last input dimension must be paramsSize\(eventShape \[2\]\) = 4; got input shape \[4,3\]/},
  {what: 'IndependentBernoulli wrong last dim', provoke: () => tidyAny(() => L.independentBernoulli({eventShape: [2, 2]}).apply(tf.zeros([4, 3]))),
    message: /IndependentBernoulli: the last input dimension must be paramsSize\(eventShape \[2,2\]\) = 4; got input shape \[4,3\]/},
  ...[0, -3, 2.5, 'x'].map((eventSize): Bad => ({what: `OneHotCategorical eventSize=${String(eventSize)}`,
    provoke: () => L.oneHotCategorical({eventSize} as unknown as tfp.layers.OneHotCategoricalLayerArgs),
    message: /OneHotCategorical: eventSize must be a positive integer; got/})),
  {what: 'IndependentNormal convertToTensorFn="median"', provoke: () => L.independentNormal({convertToTensorFn: 'median' as 'mean'}),
    message: /IndependentNormal: convertToTensorFn must be one of \["sample","mean","mode"\]; got "median"/},
  {what: 'DistributionLambda without makeDistributionFn', provoke: () => L.distributionLambda({} as tfp.layers.DistributionLambdaArgs),
    message: /DistributionLambda: makeDistributionFn is required/},
  {what: 'DistributionLambda returning a tensor', provoke: () => tidyAny(() => L.distributionLambda({
    makeDistributionFn: ((x: tf.Tensor) => x) as unknown as tfp.layers.MakeDistributionFromTensor}).apply(tf.zeros([1]))),
  message: /DistributionLambda: makeDistributionFn must return a Distribution; got Tensor\[1\] float32/},
];

describe('fuzz: issue-3 layers, invalid configurations raise typed errors naming the argument', () => {
  it(`${BAD.length} invalid cases, each once and then under fast-check (numRuns 200)`, () => {
    const check = (bad: Bad): void => {
      count('invalid issue-3');
      expectTypedError(bad, Infinity);
    };
    for (const bad of BAD) check(bad);  // every case once, then fast-check draws
    fc.assert(fc.property(fc.constantFrom(...BAD), check), {seed: SEED, numRuns: 200});
  });

  // Reported, not fixed here (src/layers/dense_variational_v2.ts belongs to the issue-3 work):
  // a DenseVariational called with a changed last dimension after build fails in tfjs's input-spec
  // check with tfjs's own error (name "Error"), not this library's ValueError.
  it('DenseVariational: a changed input dimension after build is a tfp ValueError naming the layer', () => {
    const layer = tfp.layers.denseVariational({units: 2, name: 'dv', makePosteriorFn: tfp.layers.util.posteriorMeanField,
      makePriorFn: tfp.layers.util.priorStandardNormal});
    layer.apply(tf.ones([2, 3]));
    const wider = tf.ones([2, 4]);
    expectTypedError({what: 'changed input dimension', provoke: () => layer.apply(wider),
      message: /DenseVariational: the last input dimension must be 3 \(the layer "dv" was built for it\); got shape \[2,4\]/});
  });
});
