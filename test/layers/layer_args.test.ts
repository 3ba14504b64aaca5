// The argument checks every tfp.layers constructor makes (issue 20, items 5, 6 and 8). Oracles:
// TFP raises on an unknown keyword argument; tfjs's LayerArgs keys are those of its LayerArgs
// interface (tfjs-layers engine/topology.ts); tfjs's deserializer adds `customObjects` to a config
// before `fromConfig` (utils/generic_utils.ts); tfjs activations are its registered Activation
// subclasses ('relu', 'softmax', …).
import * as tf from '@tensorflow/tfjs';
import {describe, expect, it} from 'vitest';

import * as tfp from '../../src/index.js';
import {ValueError} from '../../src/util/errors.js';

const L = tfp.layers;
type Make = (extra: Record<string, unknown>) => tf.layers.Layer;
/** Every layer class with its smallest valid arguments, extended by `extra`. */
const LAYERS: Array<[string, Make]> = [
  ['DenseReparameterization', (e) => L.denseReparameterization({units: 2, ...e})],
  ['DenseFlipout', (e) => L.denseFlipout({units: 2, ...e})],
  ['DenseLocalReparameterization', (e) => L.denseLocalReparameterization({units: 2, ...e})],
  ['Conv1DReparameterization', (e) => L.conv1dReparameterization({filters: 1, kernelSize: 1, ...e})],
  ['Conv2DReparameterization', (e) => L.conv2dReparameterization({filters: 1, kernelSize: 1, ...e})],
  ['Conv3DReparameterization', (e) => L.conv3dReparameterization({filters: 1, kernelSize: 1, ...e})],
  ['Conv1DFlipout', (e) => L.conv1dFlipout({filters: 1, kernelSize: 1, ...e})],
  ['Conv1DLocalReparameterization', (e) => L.conv1dLocalReparameterization({filters: 1, kernelSize: 1, ...e})],
  ['Conv2DFlipout', (e) => L.conv2dFlipout({filters: 1, kernelSize: 1, ...e})],
  ['Conv2DLocalReparameterization', (e) => L.conv2dLocalReparameterization({filters: 1, kernelSize: 1, ...e})],
  ['Conv3DFlipout', (e) => L.conv3dFlipout({filters: 1, kernelSize: 1, ...e})],
  ['Conv3DLocalReparameterization', (e) => L.conv3dLocalReparameterization({filters: 1, kernelSize: 1, ...e})],
  ['Conv1DTransposeReparameterization', (e) => L.conv1dTransposeReparameterization({filters: 1, kernelSize: 1, ...e})],
  ['Conv2DTransposeFlipout', (e) => L.conv2dTransposeFlipout({filters: 1, kernelSize: 1, ...e})],
  ['Conv3DTransposeFlipout', (e) => L.conv3dTransposeFlipout({filters: 1, kernelSize: 1, ...e})],
  ['DenseVariational', (e) => L.denseVariational({units: 2, makePosteriorFn: L.posteriorMeanField,
    makePriorFn: L.priorTrainable, ...e})],
  ['VariableLayer', (e) => L.variableLayer({shape: 2, ...e})],
  ['AutoregressiveNetwork', (e) => L.autoregressiveNetwork({params: 2, ...e})],
  ['DistributionLambda', (e) => L.distributionLambda({makeDistributionFn: (t) => new tfp.distributions.Normal({loc: t, scale: 1}), ...e})],
  ['IndependentNormal', (e) => L.independentNormal({eventShape: 1, ...e})],
  ['IndependentBernoulli', (e) => L.independentBernoulli({eventShape: 1, ...e})],
  ['OneHotCategorical', (e) => L.oneHotCategorical({eventSize: 2, ...e})],
  ['AutoregressiveTransform', (e) => L.autoregressiveTransform({made: L.autoregressiveNetwork({params: 2}), ...e})],
];

const esc = (s: string): string => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

describe('unknown and misspelt keys', () => {
  // [the misspelt key, the layers it applies to (by name prefix), the suggestion]
  const typos: Array<[string, RegExp, string]> = [
    ['dilation_rate', /^Conv/, 'dilationRate'], ['stride', /^Conv/, 'strides'], ['kernel_size', /^Conv/, 'kernelSize'],
    ['kernel_divergence_fn', /^(Dense(Rep|Fl|Lo)|Conv)/, 'kernelDivergenceFn'], ['unit', /^Dense/, 'units'],
    ['input_shape', /./, 'inputShape'], ['batch_input_shape', /./, 'batchInputShape'], ['trainble', /./, 'trainable'],
    ['activaton', /^(Dense|Conv|Variable|Autoreg.*Network)/, 'activation'], ['sed', /^(Dense|Conv|Autoreg|Distribution|Indep|OneHot)/, 'seed'],
  ];
  for (const [name, make] of LAYERS) {
    for (const [key, applies, suggestion] of typos) {
      if (!applies.test(name)) continue;
      it(`${name}: ${key} is a ValueError suggesting ${suggestion}`, () => {
        let error: unknown;
        try {
          make({[key]: 2});
        } catch (e) {
          error = e;
        }
        expect(error).toBeInstanceOf(ValueError);
        expect((error as Error).message).toMatch(new RegExp(
            `^${name}: unknown argument "${esc(key)}" \\(did you mean ${suggestion}\\?\\); arguments must be one of .*${esc(suggestion)}.*; got "${esc(key)}": 2\\.$`));
      });
    }
    it(`${name}: a key far from every valid one is named, with the valid keys listed`, () => {
      expect(() => make({zzzzzz: true})).toThrowError(
          new RegExp(`^${name}: unknown argument "zzzzzz"; arguments must be one of .*tfjs's LayerArgs name, inputShape, batchInputShape, batchSize, dtype, trainable, weights, inputDType; got "zzzzzz": true\\.$`));
    });
    it(`${name}: tfjs's LayerArgs keys, undefined values and tfjs's customObjects are accepted`, () => {
      const layer = make({name: `${name.toLowerCase()}_args_test`, trainable: true, batchSize: 4, inputShape: [3],
        dtype: 'float32', stride: undefined, customObjects: {}});
      expect(layer.name).toBe(`${name.toLowerCase()}_args_test`);
      expect(layer.batchInputShape).toEqual([4, 3]);
    });
    it(`${name}: null args is a ValueError`, () => {
      const cls = make({}).constructor as new (a: unknown) => unknown;
      expect(() => new cls(null)).toThrowError(new RegExp(`^${name}: args must be an object; got null\\.$`));
      expect(() => new cls(3)).toThrowError(ValueError);
    });
  }
});

describe('the getConfig → constructor round trip keeps working', () => {
  // DistributionLambda's fn here is a closure, which cannot be saved.
  for (const [name, make] of LAYERS.filter(([n]) => n !== 'DistributionLambda')) {
    it(`${name}: new Cls({...getConfig(), customObjects}) rebuilds the layer with the same config`, () => {
      const layer = make({inputShape: [2]});
      const cls = layer.constructor as new (a: unknown) => tf.layers.Layer;
      const config = layer.getConfig();
      const copy = new cls({...config, customObjects: {}});
      const strip = (c: tf.serialization.ConfigDict): unknown => JSON.parse(JSON.stringify({...c, name: null}));
      expect(strip(copy.getConfig())).toEqual(strip(config));
    });
  }

  it('a model of every dense and conv layer survives tf.serialization through tfjs (fromConfig path)', () => {
    const model = tf.sequential({layers: [
      L.conv2dFlipout({filters: 2, kernelSize: 2, dilationRate: 1, inputShape: [4, 4, 1], seed: 1}),
      tf.layers.flatten(), L.denseLocalReparameterization({units: 2})]});
    const json = JSON.parse(JSON.stringify(model.toJSON(null, false))) as tf.serialization.ConfigDict;
    const copy = tf.models.modelFromJSON({modelTopology: json} as unknown as Parameters<typeof tf.models.modelFromJSON>[0]);
    return copy.then((m) => {
      expect(m.layers.map((l) => l.getClassName())).toEqual(['Conv2DFlipout', 'Flatten', 'DenseLocalReparameterization']);
    });
  });
});

describe('base layer arguments', () => {
  const [, make] = LAYERS[1] as [string, Make];
  for (const inputShape of [[-3], [2.5], [NaN], ['2'], 'x', [2, -1]]) {
    it(`inputShape ${JSON.stringify(inputShape)} is a ValueError naming it`, () => {
      expect(() => make({inputShape})).toThrowError(ValueError);
      expect(() => make({inputShape})).toThrowError(
          /DenseFlipout: inputShape must be a list of non-negative integers or null \(unknown\) dimensions; got/);
    });
  }
  it('inputShape with null (unknown) dimensions and batchInputShape are accepted', () => {
    expect(make({inputShape: [null, 3]}).batchInputShape).toEqual([null, null, 3]);
    expect(make({batchInputShape: [5, 3]}).batchInputShape).toEqual([5, 3]);
  });
  it('batchInputShape [-1, 2], batchSize 0 / 1.5, name 3, trainable "yes", dtype "float64" are ValueErrors', () => {
    expect(() => make({batchInputShape: [-1, 2]})).toThrowError(/DenseFlipout: batchInputShape must be a list of non-negative integers.*got \[-1,2\]/);
    expect(() => make({batchSize: 0})).toThrowError(/DenseFlipout: batchSize must be a positive integer; got 0/);
    expect(() => make({batchSize: 1.5})).toThrowError(/DenseFlipout: batchSize must be a positive integer; got 1.5/);
    expect(() => make({name: 3})).toThrowError(/DenseFlipout: name must be a string; got 3/);
    expect(() => make({trainable: 'yes'})).toThrowError(/DenseFlipout: trainable must be a boolean; got "yes"/);
    expect(() => make({dtype: 'float64'})).toThrowError(/DenseFlipout: dtype must be one of .*\(tfjs has no float64\); got "float64"/);
  });
});

describe('activation must be an activation', () => {
  const withActivation: Array<[string, Make]> = LAYERS.filter(([n]) => /^(Dense|Conv|Variable|AutoregressiveNetwork)/.test(n));
  for (const [name, make] of withActivation) {
    it(`${name}: a layer's JSON {className: "Dense"} is refused before anything is built`, () => {
      expect(() => make({activation: {className: 'Dense', config: {units: 5}}})).toThrowError(new RegExp(
          `^${name}: activation must be a tfjs activation, not a layer or another tfjs object; got .*"Dense".* \\("Dense" is not an activation\\)\\. An activation is one of .*"relu"`));
    });
    it(`${name}: an initializer's name, a function and a Dense layer object are refused; "relu" and its JSON are accepted`, () => {
      expect(() => make({activation: 'Zeros'})).toThrowError(/activation must be a tfjs activation.*"Zeros" is not an activation/);
      expect(() => make({activation: tf.relu})).toThrowError(/activation must be a registered tfjs object or its name; got function/);
      expect(() => make({activation: tf.layers.dense({units: 5})})).toThrowError(/activation must be a registered tfjs object or its name; got <Dense>/);
      expect((make({activation: 'relu'}).getConfig() as {activation: string}).activation).toBe('relu');
      expect((make({activation: {className: 'softmax', config: {}}}).getConfig() as {activation: string}).activation).toBe('softmax');
    });
  }

  it('the issue\'s case: denseFlipout({activation: Dense JSON}) no longer predicts a wrong shape', () => {
    expect(() => L.denseFlipout({units: 2, activation: {className: 'Dense', config: {units: 5}}} as never))
        .toThrowError(ValueError);
  });
});

describe('null conv settings are errors, undefined is the default', () => {
  const conv: Array<[string, Make]> = LAYERS.filter(([n]) => n.startsWith('Conv'));
  for (const [name, make] of conv) {
    for (const [arg, message] of [
      ['strides', 'strides must be a positive integer or a list of'], ['dilationRate', 'dilationRate must be a positive integer or a list of'],
      ['padding', 'padding must be one of "valid", "same" \\(case-insensitive\\)'], ['dataFormat', 'dataFormat must be one of "channelsLast", "channelsFirst"'],
    ] as const) {
      it(`${name}: ${arg} null is a ValueError; undefined is the default`, () => {
        expect(() => make({[arg]: null})).toThrowError(new RegExp(`^${name}: ${message}.*; got null\\.$`));
        const config = make({[arg]: undefined}).getConfig();
        const defaults: Record<string, unknown> = {padding: 'valid', dataFormat: 'channelsLast'};
        if (arg in defaults) expect(config[arg]).toBe(defaults[arg]);
        else expect((config[arg] as number[]).every((v) => v === 1)).toBe(true);
      });
    }
  }
});

describe('sizes that cannot fit a tfjs tensor (> 2^31 − 1 elements) are refused up front', () => {
  it('Conv2D/3D kernelSize 1e5 is a ValueError at construction (no RangeError at build)', () => {
    expect(() => L.conv2dFlipout({filters: 1, kernelSize: 1e5})).toThrowError(ValueError);
    expect(() => L.conv2dFlipout({filters: 1, kernelSize: 1e5})).toThrowError(
        /Conv2DFlipout: the kernel \(kernelSize \+ \[in channels, filters\]\) must have at most 2\^31 − 1 = 2147483647 elements .*got shape \[100000,100000,1,1\] \(10000000000 elements\)/);
    expect(() => L.conv3dReparameterization({filters: 2, kernelSize: 1e4})).toThrowError(/Conv3DReparameterization: the kernel/);
  });

  it('Conv1D kernelSize 1e5 with 1e5 channels is refused at build, naming the input channels', () => {
    const layer = L.conv1dReparameterization({filters: 1000, kernelSize: 1e5, padding: 'same'});
    const x = tf.input({shape: [4, 30]});
    expect(() => layer.apply(x)).toThrowError(/Conv1DReparameterization: the kernel .*got shape \[100000,30,1000\] \(3000000000 elements\)/);
  });

  it('dense units 2^31 is refused at build: the kernel [in, units] cannot exist', () => {
    const layer = L.denseReparameterization({units: 2 ** 31});
    expect(() => layer.apply(tf.input({shape: [3]}))).toThrowError(/DenseReparameterization: the kernel \(\[in, units\]\) must have at most 2\^31 − 1/);
  });

  it('an output too large is refused before the kernel runs (units 2^28 on a batch of 16)', () => {
    const layer = L.denseFlipout({units: 2 ** 28, kernelPosteriorFn: L.util.defaultMeanFieldNormalFn(), kernelPriorFn: null});
    expect(() => layer.apply(tf.zeros([16, 1]))).toThrowError(/DenseFlipout: the output must have at most .* for input shape \[16,1\]; got shape \[16,268435456\]/);
  });

  it('VariableLayer, DenseVariational and AutoregressiveNetwork refuse weights over the limit', () => {
    expect(() => L.variableLayer({shape: [1e5, 1e5]})).toThrowError(/VariableLayer: the weight \(shape\) must have at most/);
    const dv = L.denseVariational({units: 2 ** 30, makePosteriorFn: L.posteriorMeanField, makePriorFn: L.priorTrainable});
    expect(() => dv.apply(tf.input({shape: [4]}))).toThrowError(/DenseVariational: the weight vector \(in·units \+ units\) must have at most/);
    const made = L.autoregressiveNetwork({params: 2, hiddenUnits: [2 ** 30]});
    expect(() => made.apply(tf.input({shape: [4]}))).toThrowError(/AutoregressiveNetwork: the kernel of dense layer 0 must have at most/);
  });
});

describe('seeds', () => {
  for (const seed of [NaN, 'x', 1.5, Infinity, 2 ** 53, {}]) {
    it(`seed ${String(seed)} is a ValueError for every layer with a seed`, () => {
      for (const [name, make] of LAYERS.filter(([n]) => !/^(VariableLayer)$/.test(n))) {
        expect(() => make({seed}), name).toThrowError(new RegExp(`^${name}: seed must be an integer`));
      }
    });
  }
  it('negative and large safe-integer seeds are accepted and saved as given', () => {
    for (const seed of [-5, 0, 2 ** 53 - 1]) {
      expect(L.denseFlipout({units: 1, seed}).getConfig()['seed']).toBe(seed);
    }
  });
});
