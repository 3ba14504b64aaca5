// Oracles: ORACLES.md §5 (values, shapes, Flipout signs), §9, §12, and tfjs's own conv layers/ops.
import * as tf from '@tensorflow/tfjs';
import {describe, expect, it} from 'vitest';

import * as tfp from '../../src/index.js';
import {convOutputLength} from '../../src/variational/conv_args.js';
import {expectClose, expectMoments, fixedNoise, testSeed} from '../helpers/oracles.js';

type ConvFactory = (args: tfp.layers.ConvVariationalArgs) => tfp.layers.VariationalConv;
const BY_RANK: Record<1 | 2 | 3, Array<[string, ConvFactory]>> = {
  1: [['Conv1DReparameterization', tfp.layers.conv1dReparameterization], ['Conv1DFlipout', tfp.layers.conv1dFlipout]],
  2: [['Conv2DReparameterization', tfp.layers.conv2dReparameterization], ['Conv2DFlipout', tfp.layers.conv2dFlipout]],
  3: [['Conv3DReparameterization', tfp.layers.conv3dReparameterization], ['Conv3DFlipout', tfp.layers.conv3dFlipout]],
};
const TFJS_CONV = {1: tf.layers.conv1d, 2: tf.layers.conv2d, 3: tf.layers.conv3d} as const;
const SPATIAL = {1: [7], 2: [7, 6], 3: [5, 4, 6]} as const;

function inputShape(rank: 1 | 2 | 3, format: 'channelsLast' | 'channelsFirst', batch = 2, channels = 3): number[] {
  return format === 'channelsLast' ? [batch, ...SPATIAL[rank], channels] : [batch, channels, ...SPATIAL[rank]];
}

describe('convolution layers: output shapes equal tfjs conv layers', () => {
  for (const rank of [1, 2, 3] as const) {
    for (const [name, factory] of BY_RANK[rank]) {
      for (const padding of ['valid', 'same']) {
        for (const [strides, dilationRate] of [[1, 1], [2, 1], [1, 2]]) {
          for (const dataFormat of ['channelsLast', 'channelsFirst'] as const) {
            it(`${name} padding=${padding} strides=${strides} dilation=${dilationRate} ${dataFormat}`, () => {
              const shape = inputShape(rank, dataFormat);
              const args = {filters: 4, kernelSize: 3, padding, strides, dilationRate, dataFormat};
              const ours = factory({...args, seed: 1} as never);
              const reference = TFJS_CONV[rank](args as Parameters<typeof tf.layers.conv2d>[0]);
              const expected = reference.computeOutputShape(shape);
              const y = tf.tidy(() => (ours.apply(tf.ones(shape)) as tf.Tensor).shape);
              expect(y).toEqual(expected);
              expect(ours.computeOutputShape([null, ...shape.slice(1)])).toEqual([null, ...(expected as number[]).slice(1)]);
              expect(ours.kernelPosterior?.eventShape).toEqual([...new Array(rank).fill(3), 3, 4]);
            });
          }
        }
      }
    }
  }

  it('matches the ORACLES §5.2 output-size rule, including mixed strides and dilations', () => {
    const cases: Array<[number, number, number, number, 'valid' | 'same', number]> = [
      [28, 7, 2, 1, 'valid', 11], [28, 7, 2, 1, 'same', 14], [32, 4, 1, 1, 'valid', 29],
      [28, 3, 2, 2, 'valid', 12], [8, 1, 3, 1, 'valid', 3], [6, 3, 2, 1, 'same', 3],
    ];
    for (const [n, k, s, d, p, out] of cases) expect(convOutputLength(n, k, s, d, p)).toBe(out);
  });
});

describe('convolution values (ORACLES §5.1): x = [1..5], kernel [1, 0, −1], W = μ', () => {
  const table: Array<[string, number, number, number[], number[]]> = [
    ['valid', 1, 1, [1, 0, -1], [-2, -2, -2]],
    ['same', 1, 1, [1, 0, -1], [-2, -2, -2, -2, 4]],
    ['valid', 2, 1, [1, 0, -1], [-2, -2]],
    ['same', 2, 1, [1, 0, -1], [-2, -2, 4]],
    ['same', 3, 1, [1, 0, -1], [-2, 4]],
    ['valid', 1, 2, [1, 0, -1], [-4]],
    ['same', 1, 2, [1, 0, -1], [-3, -4, -4, 2, 3]],
    ['same', 1, 1, [1, -1], [-1, -1, -1, -1, 5]],
  ];
  for (const [padding, strides, dilationRate, kernel, expected] of table) {
    for (const dataFormat of ['channelsLast', 'channelsFirst'] as const) {
      it(`${padding} s=${strides} d=${dilationRate} k=${JSON.stringify(kernel)} ${dataFormat} → ${JSON.stringify(expected)}`, () => {
        const layer = tfp.layers.conv1dReparameterization({filters: 1, kernelSize: kernel.length, padding: padding as never,
          strides, dilationRate, dataFormat, kernelPosteriorTensorFn: tfp.layers.util.meanTensorFn});
        const x = dataFormat === 'channelsLast' ? tf.tensor3d([1, 2, 3, 4, 5], [1, 5, 1]) : tf.tensor3d([1, 2, 3, 4, 5], [1, 1, 5]);
        layer.build(x.shape);
        layer.setWeights([tf.tensor3d(kernel, [kernel.length, 1, 1]), tf.zeros([kernel.length, 1, 1]), tf.zeros([1])]);
        const y = layer.apply(x) as tf.Tensor;
        expect(y.shape).toEqual(dataFormat === 'channelsLast' ? [1, expected.length, 1] : [1, 1, expected.length]);
        expectClose(y, expected);
      });
    }
  }

  it('strides 2 with dilation 2 is a ValueError at construction (ORACLES §5.1, §12)', () => {
    expect(() => tfp.layers.conv1dFlipout({filters: 1, kernelSize: 3, strides: 2, dilationRate: 2}))
        .toThrowError(/strides > 1 not supported in conjunction with dilationRate > 1; got strides \[2\] and dilationRate \[2\]/);
  });

  it('trains through a dilated kernel: ∂Σy/∂μ[a] = x[a·d] (valid, d = 2)', () => {
    const layer = tfp.layers.conv1dReparameterization({filters: 1, kernelSize: 3, dilationRate: 2,
      kernelPosteriorTensorFn: tfp.layers.util.meanTensorFn});
    const x = tf.tensor3d([1, 2, 3, 4, 5], [1, 5, 1]);
    layer.build(x.shape);
    const loc = layer.trainableWeights[0]!.read() as tf.Variable;
    const {grads} = tf.variableGrads(() => tf.sum(layer.apply(x) as tf.Tensor) as tf.Scalar, [loc]);
    expectClose(grads[loc.name] as tf.Tensor, [1, 3, 5]);
  });
});

describe('Conv Flipout signs (ORACLES §5.3)', () => {
  it('with injected ΔW and per-(example, channel) signs gives [0.15, 0.45, 0.075]', () => {
    const layer = tfp.layers.conv1dFlipout({filters: 1, kernelSize: 1, biasPosteriorFn: null,
      kernelPosteriorTensorFn: () => tf.tensor3d([[[0.05], [0.1]]])});
    layer.build([1, 3, 2]);
    layer.setWeights([tf.tensor3d([[[0.2], [-0.1]]]), tf.fill([1, 2, 1], -3)]);
    layer.noise = fixedNoise([tf.tensor3d([[[1, -1]]]), tf.tensor3d([[[-1]]])]);
    expectClose(layer.apply(tf.tensor3d([[[1, 2], [3, -1], [0.5, 0.5]]])) as tf.Tensor, [[[0.15], [0.45], [0.075]]]);
  });

  it('perturbs each example by ±conv(x, ΔW) with one sign for all positions (1 channel, 1 filter)', () => {
    const layer = tfp.layers.conv1dFlipout({filters: 1, kernelSize: 2, biasPosteriorFn: null, seed: testSeed(),
      kernelPosteriorTensorFn: () => tf.tensor3d([[[0.3]], [[-0.7]]])});
    const x = tf.randomUniform([16, 6, 1], 0.5, 2, 'float32', 3);
    layer.build(x.shape);
    layer.setWeights([tf.tensor3d([[[0.2]], [[0.1]]]), tf.fill([2, 1, 1], -3)]);
    const y = layer.apply(x) as tf.Tensor;
    const perturbation = tf.sub(y, tf.conv1d(x as tf.Tensor3D, tf.tensor3d([[[0.2]], [[0.1]]]), 1, 'valid'));
    const reference = tf.conv1d(x as tf.Tensor3D, tf.tensor3d([[[0.3]], [[-0.7]]]), 1, 'valid');
    const ratio = (tf.div(perturbation, reference).arraySync() as number[][][]);
    const signs = ratio.map((row) => {
      const s = Math.sign(row[0]![0]!);
      row.forEach(([v]) => expect(v!).toBeCloseTo(s, 4));
      return s;
    });
    expect(new Set(signs).size).toBe(2);   // both signs occur among 16 examples
  });
});

describe('convolution moments and limits', () => {
  for (const [name, factory] of BY_RANK[2]) {
    it(`${name}: per-position moments equal conv(x, μ) + b and conv(x², σ²) within 5 SE`, () => {
      const x = tf.tensor4d([1, -0.5, 2, 0.3, 0, 1.5, -1, 0.7, 0.2], [1, 3, 3, 1]);
      const layer = factory({filters: 2, kernelSize: 2, seed: testSeed()});
      layer.build(x.shape);
      const loc = tf.tensor4d([0.1, -0.2, 0.3, 0.4, -0.3, 0.2, 0.05, 0.1], [2, 2, 1, 2]);
      const sigma = tf.tensor4d([0.3, 0.1, 0.5, 0.2, 0.4, 0.3, 0.2, 0.6], [2, 2, 1, 2]);
      const u = tf.log(tf.expm1(sigma));                // softplus⁻¹(σ); eps32 shifts σ by 1e-7
      layer.setWeights([loc, u, tf.tensor1d([0.5, -0.5])]);
      const mean = tf.add(tf.conv2d(x as tf.Tensor4D, loc as tf.Tensor4D, 1, 'valid'), tf.tensor1d([0.5, -0.5]));
      const variance = tf.conv2d(tf.square(x) as tf.Tensor4D, tf.square(sigma) as tf.Tensor4D, 1, 'valid');
      const n = 1500;
      const draws = Array.from({length: n}, () => tf.tidy(() => (layer.apply(x) as tf.Tensor).dataSync()));
      expectMoments(draws, {mean: Array.from(mean.dataSync()), variance: Array.from(variance.dataSync())}, 5);
    });
  }

  for (const rank of [1, 2, 3] as const) {
    for (const [name, factory] of BY_RANK[rank]) {
      for (const dataFormat of ['channelsLast', 'channelsFirst'] as const) {
        it(`${name} ${dataFormat}: with σ → 0 equals tfjs's conv layer with kernel μ (to 1e-5)`, () => {
          const shape = inputShape(rank, dataFormat, 2, 2);
          const args = {filters: 3, kernelSize: 2, padding: 'same', dataFormat};
          const ours = factory({...args, seed: 5} as never);
          const reference = TFJS_CONV[rank]({...args, activation: 'linear'} as Parameters<typeof tf.layers.conv2d>[0]);
          const x = tf.randomNormal(shape, 0, 1, 'float32', 11);
          ours.build(shape);
          reference.build(shape);
          const [kernel, bias] = reference.getWeights();
          ours.setWeights([kernel!, tf.fill(kernel!.shape, -30), tf.randomNormal(bias!.shape, 0, 1, 'float32', 2)]);
          reference.setWeights([kernel!, ours.getWeights()[2]!]);
          let expected = reference.apply(x) as tf.Tensor;
          if (rank === 1 && dataFormat === 'channelsFirst') {
            // tfjs's Conv1D layer leaves a channelsFirst result in NWC layout (it transposes the
            // input only); the reference is its channels-last result moved to NCW.
            expected = tf.transpose(expected, [0, 2, 1]);
          }
          expectClose(ours.apply(x) as tf.Tensor, expected.dataSync(), 1e-5, 1e-4);
        });
      }
    }
  }

  for (const dataFormat of ['channelsLast', 'channelsFirst'] as const) {
    it(`gradients reach all 6 variables of [Conv1DFlipout, Conv1DReparameterization] on zeros (${dataFormat}, ORACLES §9)`, () => {
      const layers = [tfp.layers.conv1dFlipout({filters: 1, kernelSize: 1, dataFormat}),
        tfp.layers.conv1dReparameterization({filters: 1, kernelSize: 1, dataFormat})];
      const x = tf.zeros([1, 1, 1]);
      layers.forEach((l) => l.apply(x));
      const vars = layers.flatMap((l) => l.trainableWeights.map((w) => w.read() as tf.Variable));
      const {grads} = tf.variableGrads(() => layers.reduce((s: tf.Tensor, l) =>
        tf.add(s, tf.add(tf.sum(l.apply(x) as tf.Tensor), l.kl())), tf.scalar(0)) as tf.Scalar, vars);
      expect(Object.keys(grads).length).toBe(6);
    });
  }

  it('maps [2,3,1]→[2,1,2], [2,3,3,1]→[2,1,1,2], [2,3,3,3,1]→[2,1,1,1,2] with k3 then k1 (ORACLES §9)', () => {
    for (const rank of [1, 2, 3] as const) {
      for (const [, factory] of BY_RANK[rank]) {
        const first = factory({filters: 2, kernelSize: 3});
        const second = factory({filters: 2, kernelSize: 1});
        const y = second.apply(first.apply(tf.ones([2, ...new Array(rank).fill(3), 1]))) as tf.Tensor;
        expect(y.shape).toEqual([2, ...new Array(rank).fill(1), 2]);
      }
    }
  });
});

describe('convolution argument errors (ORACLES §12)', () => {
  const make = (args: Partial<tfp.layers.ConvVariationalArgs>): unknown =>
    tfp.layers.conv2dFlipout({filters: 2, kernelSize: 3, ...args});
  it('padding "causal"', () => expect(() => make({padding: 'causal' as never})).toThrowError(/Conv2DFlipout: padding must be one of "valid", "same".*got "causal"/));
  it('dataFormat "nhwc"', () => expect(() => make({dataFormat: 'nhwc' as never})).toThrowError(/dataFormat must be one of.*got "nhwc"/));
  it('kernelSize of the wrong length', () => expect(() => make({kernelSize: [3, 3, 3]})).toThrowError(/kernelSize must be .*2 positive integers; got \[3,3,3\]/));
  it('strides of the wrong length', () => expect(() => make({strides: [1]})).toThrowError(/strides must be .*got \[1\]/));
  it('non-positive filters', () => expect(() => make({filters: 0})).toThrowError(/filters must be a positive integer; got 0/));
  it('input of the wrong rank', () => expect(() => (make({}) as tfp.layers.VariationalConv).apply(tf.ones([2, 5, 1]))).toThrowError(/rank 4.*got shape \[2,5,1\]/));
  it('unknown channel dimension', () => expect(() => (make({}) as tfp.layers.VariationalConv).build([null, 5, 5, null])).toThrowError(/channel dimension.*should be defined/));
  it('padding is case-insensitive', () => expect((make({padding: 'SAME'}) as tfp.layers.VariationalConv).padding).toBe('same'));
});
