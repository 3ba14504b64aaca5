// Property-based fuzzing (fast-check, fixed seed) of every tfp.layers constructor and input shape.
// Valid configurations: the output shape equals tfjs's own deterministic layer (tf.layers.dense /
// conv1d / conv2d / conv3d: computeOutputShape, and apply for channelsLast) and every value and
// the KL are finite. Invalid configurations: a typed error (ValueError / TypeError /
// NotImplementedError) whose message names the argument and the value — never an error from
// inside a kernel, a hang or a wrong shape — and no tensor is left behind. Unknown and misspelt
// keys of every layer class (issue 20): a ValueError naming the key and suggesting the right one.
import * as tf from '@tensorflow/tfjs';
import fc from 'fast-check';
import {afterAll, describe, expect, it} from 'vitest';

import * as tfp from '../../src/index.js';
import {NotImplementedError, ValueError} from '../../src/util/errors.js';
import {expectTypedError} from '../helpers/typed_error.js';
import type {Bad} from '../helpers/typed_error.js';
import {testSeed} from '../helpers/oracles.js';

const SEED = testSeed(20261123);
/** Cases tried, by property; printed at the end and quoted in docs/RELIABILITY.md. */
export const COUNTS: Record<string, number> = {};
const count = (key: string): void => {
  COUNTS[key] = (COUNTS[key] ?? 0) + 1;
};
afterAll(() => {
  console.log(`fuzz_layers cases: ${JSON.stringify(COUNTS)}`);
});

type DenseFactory = (a: tfp.layers.DenseVariationalArgs) => tf.layers.Layer;
type ConvFactory = (a: tfp.layers.ConvVariationalArgs) => tf.layers.Layer;
const DENSE: Array<[string, DenseFactory]> = [
  ['DenseReparameterization', tfp.layers.denseReparameterization],
  ['DenseFlipout', tfp.layers.denseFlipout],
  ['DenseLocalReparameterization', tfp.layers.denseLocalReparameterization],
];
const CONV: Record<1 | 2 | 3, Array<[string, ConvFactory]>> = {
  1: [['Conv1DReparameterization', tfp.layers.conv1dReparameterization], ['Conv1DFlipout', tfp.layers.conv1dFlipout],
    ['Conv1DLocalReparameterization', tfp.layers.conv1dLocalReparameterization]],
  2: [['Conv2DReparameterization', tfp.layers.conv2dReparameterization], ['Conv2DFlipout', tfp.layers.conv2dFlipout],
    ['Conv2DLocalReparameterization', tfp.layers.conv2dLocalReparameterization]],
  3: [['Conv3DReparameterization', tfp.layers.conv3dReparameterization], ['Conv3DFlipout', tfp.layers.conv3dFlipout],
    ['Conv3DLocalReparameterization', tfp.layers.conv3dLocalReparameterization]],
};
const TFJS_CONV = {1: tf.layers.conv1d, 2: tf.layers.conv2d, 3: tf.layers.conv3d} as const;

function allFinite(t: tf.Tensor): boolean {
  return tf.tidy(() => tf.all(tf.isFinite(t)).dataSync()[0] === 1);
}

/** Applies `layer` to a seeded normal input; returns the output shape, finiteness and KL. */
function run(layer: tf.layers.Layer, shape: number[], seed: number): {shape: number[]; finite: boolean; klFinite: boolean} {
  return tf.tidy(() => {
    const y = layer.apply(tf.randomNormal(shape, 0, 1, 'float32', seed)) as tf.Tensor;
    const losses = layer.losses.map((l) => (typeof l === 'function' ? l() : l) as tf.Tensor);
    return {shape: y.shape, finite: allFinite(y), klFinite: losses.every(allFinite)};
  });
}

describe('fuzz: valid configurations give tfjs shapes and finite values', () => {
  it('dense layers (numRuns 200): shape of tf.layers.dense, finite outputs and KL', () => {
    const arb = fc.record({
      which: fc.integer({min: 0, max: 2}),
      units: fc.integer({min: 1, max: 6}),
      shape: fc.array(fc.integer({min: 1, max: 4}), {minLength: 2, maxLength: 4}),
      activation: fc.constantFrom(undefined, 'linear', 'relu', 'tanh', 'sigmoid', 'softplus'),
      seed: fc.option(fc.integer({min: -1e9, max: 1e9}), {nil: undefined}),
      xSeed: fc.integer({min: 1, max: 1e6}),
    });
    fc.assert(fc.property(arb, (c) => {
      const [name, make] = DENSE[c.which]!;
      count(`valid ${name}`);
      const layer = make({units: c.units, activation: c.activation, seed: c.seed});
      const reference = tf.layers.dense({units: c.units}).computeOutputShape(c.shape);
      const before = tf.memory().numTensors;
      const out = run(layer, c.shape, c.xSeed);
      expect(out.shape).toEqual(reference);
      expect(layer.computeOutputShape([null, ...c.shape.slice(1)])).toEqual([null, ...c.shape.slice(1, -1), c.units]);
      expect(out.finite).toBe(true);
      expect(out.klFinite).toBe(true);
      layer.dispose();
      expect(tf.memory().numTensors).toBeLessThanOrEqual(before);
    }), {seed: SEED, numRuns: 200});
  });

  for (const rank of [1, 2, 3] as const) {
    it(`conv${rank}d layers (numRuns ${rank === 3 ? 80 : 150}): shape of tf.layers.conv${rank}d, finite outputs and KL`, () => {
      const tuple = (min: number, max: number) => fc.oneof(fc.integer({min, max}),
          fc.array(fc.integer({min, max}), {minLength: rank, maxLength: rank}));
      const arb = fc.record({
        which: fc.integer({min: 0, max: 1}),
        filters: fc.integer({min: 1, max: 3}),
        kernelSize: tuple(1, 3),
        stepKind: fc.constantFrom('strides', 'dilation', 'none'),
        step: tuple(1, 2),
        padding: fc.constantFrom('valid', 'same', 'VALID', 'Same'),
        dataFormat: fc.constantFrom('channelsLast', 'channelsFirst', 'channels_last', 'CHANNELS_FIRST'),
        extra: fc.array(fc.integer({min: 0, max: rank === 3 ? 2 : 4}), {minLength: rank, maxLength: rank}),
        channels: fc.integer({min: 1, max: 3}),
        batch: fc.integer({min: 1, max: 2}),
        xSeed: fc.integer({min: 1, max: 1e6}),
      });
      fc.assert(fc.property(arb, (c) => {
        const [name, make] = CONV[rank][c.which]!;
        count(`valid ${name}`);
        const k = typeof c.kernelSize === 'number' ? new Array<number>(rank).fill(c.kernelSize) : c.kernelSize;
        const strides = c.stepKind === 'strides' ? c.step : 1;
        const dilationRate = c.stepKind === 'dilation' ? c.step : 1;
        const d = typeof dilationRate === 'number' ? new Array<number>(rank).fill(dilationRate) : dilationRate;
        const valid = c.padding.toLowerCase() === 'valid';
        // Spatial sizes the dilated kernel fits into (valid) or anything ≥ 1 (same).
        const spatial = k.map((ki, i) => (valid ? ki + (ki - 1) * ((d[i] as number) - 1) : 1) + (c.extra[i] as number));
        const first = c.dataFormat.toLowerCase().replace('_', '') === 'channelsfirst';
        const shape = first ? [c.batch, c.channels, ...spatial] : [c.batch, ...spatial, c.channels];
        const args = {filters: c.filters, kernelSize: c.kernelSize, strides, dilationRate, padding: c.padding,
          dataFormat: c.dataFormat};
        const layer = make({...args, seed: c.xSeed} as never);
        const tfArgs = {...args, padding: c.padding.toLowerCase() as 'valid' | 'same',
          dataFormat: first ? 'channelsFirst' as const : 'channelsLast' as const};
        const reference = TFJS_CONV[rank](tfArgs as Parameters<typeof tf.layers.conv2d>[0]);
        // tfjs's Conv1D with channelsFirst lays out its apply() output wrongly: compare with its
        // computeOutputShape, and with apply() as well for channelsLast.
        const expected = reference.computeOutputShape(shape) as number[];
        if (!first) {
          const applied = tf.tidy(() => (reference.apply(tf.zeros(shape)) as tf.Tensor).shape);
          expect(applied).toEqual(expected);
        }
        if (!first) reference.dispose();
        const out = run(layer, shape, c.xSeed);
        expect(out.shape).toEqual(expected);
        expect(layer.computeOutputShape([null, ...shape.slice(1)])).toEqual([null, ...expected.slice(1)]);
        expect(out.finite).toBe(true);
        expect(out.klFinite).toBe(true);
        layer.dispose();
      }), {seed: SEED + rank, numRuns: rank === 3 ? 80 : 150});
    });
  }
});

/** One invalid case: how to provoke it, and a regex naming the argument and the value. */
/** `tf.tidy` over a call whose result may be any layer output (only its throwing matters). */
const tidyAny = (f: () => unknown): unknown => tf.tidy(() => f() as tf.Tensor);


const esc = (s: string): string => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
const BAD_INTS: unknown[] = [0, -1, -7, 1.5, NaN, Infinity, -Infinity, '3', null, true, [], 2 ** 53];
const fmtLike = (v: unknown): string => (typeof v === 'string' ? JSON.stringify(v) :
  Array.isArray(v) ? JSON.stringify(v) : String(v));

function denseBad(): fc.Arbitrary<Bad> {
  const layer = fc.integer({min: 0, max: 2}).map((i) => DENSE[i]!);
  return fc.oneof(
    fc.tuple(layer, fc.constantFrom(...BAD_INTS)).map(([[name, make], units]): Bad => ({
      what: `${name} units=${fmtLike(units)}`,
      provoke: () => make({units} as unknown as tfp.layers.DenseVariationalArgs),
      message: new RegExp(`${name}: units must be a positive integer; got ${esc(fmtLike(units))}`),
    })),
    fc.tuple(layer, fc.constantFrom(1.5, 'x', NaN, {})).map(([[name, make], seed]): Bad => ({
      what: `${name} seed=${fmtLike(seed)}`,
      provoke: () => make({units: 2, seed} as unknown as tfp.layers.DenseVariationalArgs),
      message: new RegExp(`${name}: seed must be an integer`),
    })),
    fc.tuple(layer, fc.constantFrom('bogus', '__proto__', 'constructor', 'toString')).map(([[name, make], activation]): Bad => ({
      what: `${name} activation=${activation}`,
      provoke: () => make({units: 2, activation: activation as never}),
      message: new RegExp(`${name}: activation must be a registered tfjs object or its name; got "${esc(activation)}"`),
    })),
    fc.tuple(layer, fc.constantFrom<unknown>({className: 'Dense', config: {units: 5}}, 'Zeros', {className: 'GlorotUniform', config: {}},
        'Sequential')).map(([[name, make], activation]): Bad => ({
      what: `${name} activation=${JSON.stringify(activation)} (a registered class that is not an activation)`,
      provoke: () => make({units: 2, activation} as unknown as tfp.layers.DenseVariationalArgs),
      message: new RegExp(`${name}: activation must be a tfjs activation, not a layer or another tfjs object; got .* is not an activation\\)`),
    })),
    fc.tuple(layer, fc.constantFrom(3, 'x', {className: 'NoSuchFn', config: {}}, {className: '__proto__'})).map(([[name, make], fn]): Bad => ({
      what: `${name} kernelPosteriorFn=${JSON.stringify(fn)}`,
      provoke: () => make({units: 2, kernelPosteriorFn: fn} as unknown as tfp.layers.DenseVariationalArgs),
      message: new RegExp(`${name}: kernelPosteriorFn (must be|names an unregistered function)`),
    })),
    fc.tuple(layer, fc.array(fc.integer({min: 1, max: 3}), {maxLength: 1})).map(([[name, make], shape]): Bad => ({
      what: `${name} input rank ${shape.length}`,
      provoke: () => tidyAny(() => make({units: 2}).apply(tf.zeros(shape))),
      message: new RegExp(`${name}: input must have rank ≥ 2.*got shape ${esc(JSON.stringify(shape))}`),
    })),
    fc.tuple(layer, fc.integer({min: 1, max: 4}), fc.integer({min: 1, max: 3})).map(([[name, make], a, delta]): Bad => ({
      what: `${name} channels ${a} then ${a + delta}`,
      provoke: () => tidyAny(() => {
        const l = make({units: 2});
        l.apply(tf.zeros([1, a]));
        return l.apply(tf.zeros([2, a + delta]));
      }),
      message: new RegExp(`${name}: input channels must be ${a} .*got shape \\[2,${a + delta}\\]`),
    })),
  );
}

function convBad(rank: 1 | 2 | 3): fc.Arbitrary<Bad> {
  const layer = fc.integer({min: 0, max: 1}).map((i) => CONV[rank][i]!);
  const badTuple = fc.constantFrom<unknown>(0, -2, 1.5, 'a', [], new Array(rank + 1).fill(1),
      new Array(rank).fill(0), [...new Array(rank - 1).fill(1), -1], null, NaN);
  const okShape = (c: number) => [1, ...new Array<number>(rank).fill(4), c];
  return fc.oneof(
    fc.tuple(layer, fc.constantFrom(...BAD_INTS)).map(([[name, make], filters]): Bad => ({
      what: `${name} filters=${fmtLike(filters)}`,
      provoke: () => make({filters, kernelSize: 1} as unknown as tfp.layers.ConvVariationalArgs),
      message: new RegExp(`${name}: filters must be a positive integer; got ${esc(fmtLike(filters))}`),
    })),
    fc.tuple(layer, fc.constantFrom('kernelSize', 'strides', 'dilationRate'), badTuple)
        // null is refused for every one of them (only undefined means the default, issue 20).
        .map(([[name, make], arg, v]): Bad => ({
          what: `${name} ${arg}=${fmtLike(v)}`,
          provoke: () => make({filters: 1, kernelSize: 1, [arg]: v} as unknown as tfp.layers.ConvVariationalArgs),
          message: new RegExp(`${name}: ${arg} must be a positive integer or a list of ${rank} positive integers; got`),
        })),
    fc.tuple(layer, fc.integer({min: 2, max: 3}), fc.integer({min: 2, max: 3})).map(([[name, make], s, d]): Bad => ({
      what: `${name} strides=${s} dilationRate=${d}`,
      provoke: () => make({filters: 1, kernelSize: 2, strides: s, dilationRate: d}),
      message: new RegExp(`${name}: strides > 1 not supported in conjunction with dilationRate > 1; got strides \\[${s}`),
    })),
    fc.tuple(layer, fc.constantFrom<unknown>('causal', 'full', '', 'valid ', 3, {}, null)).map(([[name, make], padding]): Bad => ({
      what: `${name} padding=${fmtLike(padding)}`,
      provoke: () => make({filters: 1, kernelSize: 1, padding} as unknown as tfp.layers.ConvVariationalArgs),
      message: new RegExp(`${name}: padding must be one of "valid", "same"`),
    })),
    fc.tuple(layer, fc.constantFrom<unknown>('NHWC', 'NCHW', 'channels_middle', 'channels__last', 5, '', null)).map(([[name, make], dataFormat]): Bad => ({
      what: `${name} dataFormat=${fmtLike(dataFormat)}`,
      provoke: () => make({filters: 1, kernelSize: 1, dataFormat} as unknown as tfp.layers.ConvVariationalArgs),
      message: new RegExp(`${name}: dataFormat must be one of "channelsLast", "channelsFirst"`),
    })),
    fc.tuple(layer, fc.integer({min: 1, max: 6}).filter((r) => r !== rank + 2)).map(([[name, make], r]): Bad => ({
      what: `${name} input rank ${r}`,
      provoke: () => tidyAny(() => make({filters: 1, kernelSize: 1}).apply(tf.zeros(new Array<number>(r).fill(2)))),
      message: new RegExp(`${name}: input must have rank ${rank + 2} .*got shape`),
    })),
    fc.tuple(layer, fc.integer({min: 1, max: 3}), fc.integer({min: 1, max: 2})).map(([[name, make], c, delta]): Bad => ({
      what: `${name} channels ${c} then ${c + delta}`,
      provoke: () => tidyAny(() => {
        const l = make({filters: 1, kernelSize: 1});
        l.apply(tf.zeros(okShape(c)));
        return l.apply(tf.zeros(okShape(c + delta)));
      }),
      message: new RegExp(`${name}: input channels must be ${c} `),
    })),
    fc.tuple(layer, fc.integer({min: 2, max: 4}), fc.integer({min: 1, max: 3}), fc.integer({min: 0, max: 8}))
        .filter(([, k, d]) => k + (k - 1) * (d - 1) >= 3)
        .map(([[name, make], k, d, r]): Bad => {
          const kEff = k + (k - 1) * (d - 1);
          const n = 1 + (r % (kEff - 2));  // 1 ≤ n ≤ kEff − 2: a negative output size
          return {
            what: `${name} valid kernel ${k} dilation ${d} on spatial ${n}`,
            provoke: () => tidyAny(() => make({filters: 1, kernelSize: k, dilationRate: d}).apply(
                tf.zeros([1, ...new Array<number>(rank).fill(n), 1]))),
            message: new RegExp(`${name}: with padding "valid" every spatial size must be at least ${kEff - 1} `),
          };
        }),
  );
}

/** Flipout and local reparameterization need an Independent(Normal) kernel posterior (TypeError). */
function posteriorKindBad(): fc.Arbitrary<Bad> {
  const makers: Array<[string, (fn: tfp.layers.util.DistributionFn) => tf.layers.Layer, number[]]> = [
    ['DenseFlipout', (fn) => tfp.layers.denseFlipout({units: 2, kernelPosteriorFn: fn, kernelPriorFn: null}), [1, 3]],
    ['DenseLocalReparameterization', (fn) => tfp.layers.denseLocalReparameterization({units: 2, kernelPosteriorFn: fn, kernelPriorFn: null}), [1, 3]],
    ['Conv1DFlipout', (fn) => tfp.layers.conv1dFlipout({filters: 2, kernelSize: 1, kernelPosteriorFn: fn, kernelPriorFn: null}), [1, 3, 1]],
    ['Conv1DLocalReparameterization', (fn) => tfp.layers.conv1dLocalReparameterization({filters: 2, kernelSize: 1, kernelPosteriorFn: fn, kernelPriorFn: null}), [1, 3, 1]],
    ['Conv2DFlipout', (fn) => tfp.layers.conv2dFlipout({filters: 2, kernelSize: 1, kernelPosteriorFn: fn, kernelPriorFn: null}), [1, 2, 2, 1]],
    ['Conv2DLocalReparameterization', (fn) => tfp.layers.conv2dLocalReparameterization({filters: 2, kernelSize: 1, kernelPosteriorFn: fn, kernelPriorFn: null}), [1, 2, 2, 1]],
    ['Conv3DFlipout', (fn) => tfp.layers.conv3dFlipout({filters: 2, kernelSize: 1, kernelPosteriorFn: fn, kernelPriorFn: null}), [1, 2, 2, 2, 1]],
    ['Conv3DLocalReparameterization', (fn) => tfp.layers.conv3dLocalReparameterization({filters: 2, kernelSize: 1, kernelPosteriorFn: fn, kernelPriorFn: null}), [1, 2, 2, 2, 1]],
  ];
  return fc.constantFrom(...makers).map(([name, make, shape]): Bad => ({
    what: `${name} singular kernel posterior`,
    provoke: () => tidyAny(() => make(tfp.layers.util.defaultMeanFieldNormalFn({isSingular: true})).apply(tf.ones(shape))),
    message: new RegExp(`${name}: requires kernelPosteriorFn produce an instance of Independent\\(Normal\\) \\(saw: "Independent\\(Deterministic\\)"\\)`),
  }));
}

function expectLayerTypedError(bad: Bad): void {
  // Failed calls leave nothing behind (weights of a layer built before the failure excepted).
  expectTypedError(bad, 6);
}

describe('fuzz: invalid configurations raise typed errors naming the argument', () => {
  it('dense layers (numRuns 300)', () => {
    fc.assert(fc.property(denseBad(), (bad) => {
      count('invalid dense');
      expectLayerTypedError(bad);
    }), {seed: SEED, numRuns: 300});
  });
  for (const rank of [1, 2, 3] as const) {
    it(`conv${rank}d layers (numRuns 300)`, () => {
      fc.assert(fc.property(convBad(rank), (bad) => {
        count(`invalid conv${rank}d`);
        expectLayerTypedError(bad);
      }), {seed: SEED + rank, numRuns: 300});
    });
  }
  it('Flipout / local reparameterization with a non-Normal posterior (numRuns 20)', () => {
    fc.assert(fc.property(posteriorKindBad(), (bad) => {
      count('invalid posterior kind');
      expectLayerTypedError(bad);
    }), {seed: SEED, numRuns: 20});
  });
});


// ---------------------------------------------------------------------------------------------
// Unknown and misspelt keys of every layer (issue 20, item 5). The valid keys are LAYERS.md's
// argument tables in camelCase plus tfjs's LayerArgs (tfjs-layers engine/topology.ts); a
// misspelling made from a valid key (snake_case, a capital first letter, one character dropped,
// two swapped, one doubled) must be named and answered with that key.

const LAYER_ARGS = ['name', 'inputShape', 'batchInputShape', 'batchSize', 'dtype', 'trainable', 'weights', 'inputDType'];
const VARIATIONAL = ['activation', 'activityRegularizer', 'kernelPosteriorFn', 'kernelPosteriorTensorFn', 'kernelPriorFn',
  'kernelDivergenceFn', 'biasPosteriorFn', 'biasPosteriorTensorFn', 'biasPriorFn', 'biasDivergenceFn', 'seed'];
const CONV_KEYS = ['filters', 'kernelSize', 'strides', 'padding', 'dataFormat', 'dilationRate'];
const DIST_LAYER = ['convertToTensorFn', 'seed'];
type AnyFactory = (a: Record<string, unknown>) => unknown;
const ALL_LAYERS: Array<[string, AnyFactory, string[]]> = [
  ...DENSE.map(([n, f]): [string, AnyFactory, string[]] => [n, (a) => f({units: 2, ...a}), ['units', ...VARIATIONAL]]),
  ...([1, 2, 3] as const).flatMap((r) => CONV[r].map(([n, f]): [string, AnyFactory, string[]] =>
    [n, (a) => f({filters: 1, kernelSize: 1, ...a}), [...CONV_KEYS, ...VARIATIONAL]])),
  ['DenseVariational', (a) => tfp.layers.denseVariational({units: 2, makePosteriorFn: tfp.layers.posteriorMeanField,
    makePriorFn: tfp.layers.priorTrainable, ...a}),
  ['units', 'makePosteriorFn', 'makePriorFn', 'klWeight', 'klUseExact', 'activation', 'useBias', 'activityRegularizer', 'inputDim', 'seed']],
  ['VariableLayer', (a) => tfp.layers.variableLayer({shape: 2, ...a}), ['shape', 'activation', 'initializer', 'regularizer', 'constraint']],
  ['AutoregressiveNetwork', (a) => tfp.layers.autoregressiveNetwork({params: 2, ...a}),
    ['params', 'eventShape', 'conditional', 'conditionalEventShape', 'conditionalInputLayers', 'hiddenUnits', 'inputOrder',
      'hiddenDegrees', 'activation', 'useBias', 'kernelInitializer', 'biasInitializer', 'kernelRegularizer', 'biasRegularizer',
      'kernelConstraint', 'biasConstraint', 'validateArgs', 'seed']],
  ['DistributionLambda', (a) => tfp.layers.distributionLambda({makeDistributionFn: (t) => new tfp.distributions.Normal({loc: t, scale: 1}), ...a}),
    ['makeDistributionFn', ...DIST_LAYER]],
  ['IndependentNormal', (a) => tfp.layers.independentNormal({...a}), ['eventShape', ...DIST_LAYER]],
  ['IndependentBernoulli', (a) => tfp.layers.independentBernoulli({...a}), ['eventShape', ...DIST_LAYER]],
  ['OneHotCategorical', (a) => tfp.layers.oneHotCategorical({eventSize: 2, ...a}), ['eventSize', ...DIST_LAYER]],
  ['AutoregressiveTransform', (a) => tfp.layers.autoregressiveTransform({made: tfp.layers.autoregressiveNetwork({params: 2}), ...a}),
    ['made', ...DIST_LAYER]],
];

type Mutation = 'snake' | 'capital' | 'drop' | 'swap' | 'double';
/** A misspelling of `key`, or null when the mutation does not apply to it. */
function misspell(key: string, how: Mutation, at: number): string | null {
  const i = key.length > 1 ? 1 + (at % (key.length - 1)) : 0;  // never the first character
  switch (how) {
    case 'snake': return /[A-Z]/.test(key) ? key.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`) : null;
    case 'capital': return key[0]!.toUpperCase() + key.slice(1);
    case 'drop': return key.length >= 6 ? key.slice(0, i) + key.slice(i + 1) : null;
    case 'swap': return key.length >= 6 && i < key.length - 1 && key[i] !== key[i + 1] ?
      key.slice(0, i) + key[i + 1] + key[i] + key.slice(i + 2) : null;
    case 'double': return key.length >= 5 ? key.slice(0, i) + key[i] + key.slice(i) : null;
  }
}

const VALUES = fc.constantFrom<unknown>(0, 1, -1, 'x', null, true, [], {}, [1, 2], NaN);

function misspeltKeyBad(): fc.Arbitrary<Bad> {
  return fc.tuple(fc.constantFrom(...ALL_LAYERS), fc.nat(1000), fc.constantFrom<Mutation>('snake', 'capital', 'drop', 'swap', 'double'),
      fc.nat(1000), VALUES)
      .map(([[name, make, own], k, how, at, value]) => {
        const valid = [...own, ...LAYER_ARGS];
        const key = valid[k % valid.length]!;
        return {name, make, key, wrong: misspell(key, how, at), value, valid};
      })
      .filter((c) => c.wrong !== null && !c.valid.includes(c.wrong))
      .map(({name, make, key, wrong, value}): Bad => ({
        what: `${name} ${wrong}=${fmtLike(value)} (for ${key})`,
        provoke: () => make({[wrong!]: value}),
        message: new RegExp(`^${name}: unknown argument "${esc(wrong!)}" \\(did you mean ${key}\\?\\); arguments must be one of `),
      }));
}

function unknownKeyBad(): fc.Arbitrary<Bad> {
  const key = fc.oneof(fc.stringMatching(/^[a-zA-Z_$][a-zA-Z0-9_$]{0,15}$/), fc.constantFrom('__proto__', 'constructor', 'toString',
      'hasOwnProperty', 'prototype', 'valueOf', '', ' ', 'units ', 'kernel-size', '0'));
  return fc.tuple(fc.constantFrom(...ALL_LAYERS), key, VALUES)
      .filter(([[, , own], k]) => ![...own, ...LAYER_ARGS, 'customObjects'].includes(k))
      .map(([[name, make], k, value]): Bad => ({
        what: `${name} unknown key ${JSON.stringify(k)}=${fmtLike(value)}`,
        provoke: () => make(JSON.parse(`{${JSON.stringify(k)}: ${JSON.stringify(value) ?? 'null'}}`) as Record<string, unknown>),
        message: new RegExp(`^${name}: unknown argument ${esc(JSON.stringify(k))}( \\(did you mean \\w+\\?\\))?; arguments must be one of .*; got `),
      }));
}

describe('fuzz: unknown and misspelt keys of every layer are ValueErrors naming the key', () => {
  it(`misspelt keys of ${ALL_LAYERS.length} layer classes (numRuns 400): the right key is suggested`, () => {
    fc.assert(fc.property(misspeltKeyBad(), (bad) => {
      count('misspelt key');
      expectTypedError(bad);
      let error: unknown;
      try {
        bad.provoke();
      } catch (e) {
        error = e;
      }
      expect(error, bad.what).toBeInstanceOf(ValueError);
    }), {seed: SEED, numRuns: 400});
  });

  it(`unknown keys (random identifiers and hostile names) of ${ALL_LAYERS.length} layer classes (numRuns 400)`, () => {
    fc.assert(fc.property(unknownKeyBad(), (bad) => {
      count('unknown key');
      expectTypedError(bad);
    }), {seed: SEED, numRuns: 400});
  });

  it('no valid key of any layer is reported as unknown (an undefined value: required ones fail by their own check)', () => {
    for (const [name, make, own] of ALL_LAYERS) {
      for (const key of [...own, ...LAYER_ARGS]) {
        count('valid key');
        try {
          make({[key]: undefined});
        } catch (e) {
          expect((e as Error).message, `${name} ${key}`).not.toMatch(/unknown argument/);
        }
      }
    }
  });
});
