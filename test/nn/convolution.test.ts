// tfp.nn convolutions (NN.md §7.1): shapes and values against tfjs's own conv ops for every rank,
// padding, stride and dilation; ORACLES.md §5.1 values; leading batch axes; output moments against
// conv closed forms (5 SE); per-element Flipout signs (ORACLES §5.3 note); argument errors.
import * as tf from '@tensorflow/tfjs';
import {describe, expect, it} from 'vitest';

import {
  Convolution, ConvolutionVariationalFlipout, ConvolutionVariationalReparameterization, posteriorMean,
} from '../../src/nn/index.js';
import {NotImplementedError, ValueError} from '../../src/util/errors.js';
import {expectClose, expectMoments, testSeed} from '../helpers/oracles.js';

import {draw, setPosterior} from './helpers.js';

/** tfjs's own conv of the given rank (with its native dilation argument): the oracle. */
function tfConv(x: tf.Tensor, k: tf.Tensor, rank: number, s: number, d: number, padding: 'valid' | 'same'): tf.Tensor {
  if (rank === 1) return tf.conv1d(x as tf.Tensor3D, k as tf.Tensor3D, s, padding, 'NWC', d);
  if (rank === 2) return tf.conv2d(x as tf.Tensor4D, k as tf.Tensor4D, s, padding, 'NHWC', d);
  return tf.conv3d(x as tf.Tensor5D, k as tf.Tensor5D, s, padding, 'NDHWC', d);
}

const SPATIAL: Record<number, number[]> = {1: [7], 2: [7, 6], 3: [5, 4, 6]};

describe('ConvolutionVariationalReparameterization with the posterior mean equals tfjs conv', () => {
  for (const rank of [1, 2, 3]) {
    for (const padding of ['VALID', 'same'] as const) {
      for (const [s, d] of [[1, 1], [2, 1], [1, 2]] as const) {
        it(`rank ${rank}, padding ${padding}, stride ${s}, dilation ${d}`, () => {
          const layer = new ConvolutionVariationalReparameterization(2, 3, 3,
              {rank, padding, strides: s, dilations: d, posteriorValueFn: posteriorMean});
          const x = tf.randomNormal([2, ...(SPATIAL[rank] as number[]), 2], 0, 1, 'float32', 7);
          const kernel = layer.trainableVariables[0] as tf.Variable;
          expect(kernel.shape).toEqual([...new Array<number>(rank).fill(3), 2, 3]);
          const want = tfConv(x, kernel, rank, s, d, padding.toLowerCase() as 'valid' | 'same');
          const y = layer.call(x);
          expect(y.shape).toEqual(want.shape);
          expectClose(y, want.dataSync(), 1e-5, 1e-4);
        });
      }
    }
  }
});

describe('output shapes (ORACLES §5.2, channels-last)', () => {
  const GRID: Array<[number[], number | number[], number | number[], string, number[]]> = [
    [[4, 5, 6], 2, 1, 'valid', [3, 4, 5]],
    [[4, 5, 6], 3, 2, 'same', [2, 3, 3]],
    [[32, 32], [3, 4], 1, 'valid', [30, 29]],
    [[8, 8], 1, [2, 3], 'valid', [4, 3]],
    [[28, 28], 7, 2, 'same', [14, 14]],
  ];
  for (const [spatial, k, s, padding, want] of GRID) {
    it(`${JSON.stringify(spatial)}, k ${JSON.stringify(k)}, s ${JSON.stringify(s)}, ${padding} → ${JSON.stringify(want)}`, () => {
      const layer = new ConvolutionVariationalFlipout(1, 2, k, {rank: spatial.length, strides: s, padding: padding as never});
      expect(layer.call(tf.ones([1, ...spatial, 1])).shape).toEqual([1, ...want, 2]);
    });
  }
});

describe('ORACLES §5.1 1-D values (x = [1..5], kernel [1, 0, −1], W = μ)', () => {
  const CASES: Array<[string, number, number, number[], number[]]> = [
    ['valid', 1, 1, [1, 0, -1], [-2, -2, -2]],
    ['same', 1, 1, [1, 0, -1], [-2, -2, -2, -2, 4]],
    ['valid', 2, 1, [1, 0, -1], [-2, -2]],
    ['same', 2, 1, [1, 0, -1], [-2, -2, 4]],
    ['same', 3, 1, [1, 0, -1], [-2, 4]],
    ['valid', 1, 2, [1, 0, -1], [-4]],
    ['same', 1, 2, [1, 0, -1], [-3, -4, -4, 2, 3]],
    ['same', 1, 1, [1, -1], [-1, -1, -1, -1, 5]],
  ];
  for (const [padding, s, d, k, want] of CASES) {
    it(`kernel ${JSON.stringify(k)}, ${padding}, stride ${s}, dilation ${d} → ${JSON.stringify(want)}`, () => {
      const layer = new ConvolutionVariationalReparameterization(1, 1, k.length,
          {rank: 1, padding: padding as never, strides: s, dilations: d, posteriorValueFn: posteriorMean});
      (layer.trainableVariables[0] as tf.Variable).assign(tf.tensor3d(k, [k.length, 1, 1]));
      expectClose(layer.call(tf.tensor3d([1, 2, 3, 4, 5], [1, 5, 1])), want, 1e-6);
    });
  }
});

describe('leading batch axes', () => {
  it('are flattened and restored (none, one, two)', () => {
    const layer = new ConvolutionVariationalReparameterization(2, 3, 3, {rank: 1, posteriorValueFn: posteriorMean});
    const x = tf.randomNormal([2, 3, 7, 2], 0, 1, 'float32', 3);
    const y = layer.call(x);
    expect(y.shape).toEqual([2, 3, 5, 3]);
    const flat = layer.call(tf.reshape(x, [6, 7, 2]));
    expectClose(y, flat.dataSync(), 1e-6);
    const single = layer.call(tf.reshape(x, [6, 7, 2]).slice([0, 0, 0], [1, 7, 2]).reshape([7, 2]));
    expect(single.shape).toEqual([5, 3]);
    expectClose(single, flat.slice([0, 0, 0], [1, 5, 3]).dataSync(), 1e-6);
  });
});

describe('conv output moments (rank 1, same padding)', () => {
  // μ, σ of a [3, 1, 1] kernel and a Normal bias; closed form per position: mean conv(x, μ) + μb,
  // variance conv(x², σ²) + σb², computed with tfjs's conv1d.
  const post = {kernelLoc: [[[0.2]], [[-0.1]], [[0.3]]], kernelScale: [[[0.1]], [[0.2]], [[0.3]]],
    biasLoc: [0.5], biasScale: [0.1]};
  const x = tf.tensor3d([1, 2, -1, 0.5, 3], [1, 5, 1]);
  const mean = Array.from(tf.add(tf.conv1d(x, tf.tensor3d([0.2, -0.1, 0.3], [3, 1, 1]), 1, 'same'), 0.5).dataSync());
  const variance = Array.from(tf.add(tf.conv1d(tf.square(x), tf.tensor3d([0.01, 0.04, 0.09], [3, 1, 1]), 1, 'same'),
      0.01).dataSync());
  for (const Cls of [ConvolutionVariationalReparameterization, ConvolutionVariationalFlipout]) {
    it(`${Cls.name}: every position is N(conv(x, μ) + μb, conv(x², σ²) + σb²) (5 SE, 2000 calls)`, () => {
      const layer = new Cls(1, 1, 3, {rank: 1, padding: 'same', seed: testSeed()});
      setPosterior(layer, post);
      expectMoments(draw(2000, () => layer.call(x)), {mean, variance}, 5);
    });
  }
});

describe('ConvolutionVariationalFlipout signs', () => {
  it('are per element: (y − conv(x, μ))/x = ±ΔW with signs varying across positions', () => {
    // 1 input channel, 1 filter, kernel size 1, W = μ for the bias (0): y − xμ = x·ΔW·r1·r2 at each
    // position, so |(y − xμ)/x| is one value per call while the signs differ between positions
    // (tfp.layers' Flipout would use one sign per example for all positions, ORACLES §5.3).
    const layer = new ConvolutionVariationalFlipout(1, 1, 1, {rank: 1, seed: testSeed(),
      posteriorValueFn: posteriorMean});
    setPosterior(layer, {kernelLoc: [[[0.2]]], kernelScale: [[[0.5]]], biasLoc: [0], biasScale: [0.1]});
    const xs = [1, 2, 3, 0.5, 1.5, 2.5, 4, 1];
    const x = tf.tensor3d(xs, [1, 8, 1]);
    let mixed = 0;
    for (let call = 0; call < 10; call++) {
      const y = layer.call(x).dataSync();
      const ratio = xs.map((xi, i) => ((y[i] as number) - 0.2 * xi) / xi);
      const abs = Math.abs(ratio[0] as number);
      for (const r of ratio) expect(Math.abs(Math.abs(r) - abs)).toBeLessThan(1e-4 * Math.max(1, abs));
      if (new Set(ratio.map((r) => Math.sign(r))).size > 1) mixed += 1;
    }
    // P(all 8 signs agree) = 2^−7 per call; 10 calls all agreeing would be a per-example sign.
    expect(mixed).toBeGreaterThan(5);
  });
});

describe('convolution argument errors', () => {
  it('rank ∉ {1, 2, 3} is a ValueError', () => {
    expect(() => new ConvolutionVariationalFlipout(1, 1, 3, {rank: 4})).toThrowError(/rank.*got 4/);
    expect(() => new ConvolutionVariationalReparameterization(1, 1, 3, {rank: 0})).toThrowError(ValueError);
  });
  it('filterShape of the wrong length is a ValueError', () => {
    expect(() => new ConvolutionVariationalFlipout(1, 1, [3, 3, 3], {rank: 2})).toThrowError(/filterShape.*\[3,3,3\]/);
    expect(() => new ConvolutionVariationalFlipout(1, 1, [3, 3], {rank: 1})).toThrowError(ValueError);
  });
  it('a length-1 filterShape/strides/dilations is repeated', () => {
    const layer = new ConvolutionVariationalFlipout(1, 2, [3], {rank: 3, strides: [2]});
    expect(layer.convArgs.filterShape).toEqual([3, 3, 3]);
    expect(layer.convArgs.strides).toEqual([2, 2, 2]);
  });
  it('strides and dilations both ≠ 1 build (computed with the zero-inserted kernel, as TFP)', () => {
    const layer = new ConvolutionVariationalFlipout(1, 1, 3, {strides: 2, dilations: 2});
    expect(layer.convArgs.strides).toEqual([2, 2]);
    expect(layer.convArgs.dilations).toEqual([2, 2]);
    expect(() => new ConvolutionVariationalReparameterization(1, 1, 3, {strides: [1, 2], dilations: [2, 1]})).not.toThrow();
  });
  it('padding is case-insensitive VALID/SAME; CAUSAL/FULL are NotImplementedError; others ValueError', () => {
    expect(new ConvolutionVariationalFlipout(1, 1, 3, {padding: 'Same' as never}).convArgs.padding).toBe('same');
    expect(() => new ConvolutionVariationalFlipout(1, 1, 3, {padding: 'causal' as never})).toThrowError(NotImplementedError);
    expect(() => new ConvolutionVariationalFlipout(1, 1, 3, {padding: 'FULL' as never})).toThrowError(/padding.*"FULL"/);
    expect(() => new ConvolutionVariationalFlipout(1, 1, 3, {padding: 'FOO' as never})).toThrowError(ValueError);
    expect(() => new ConvolutionVariationalFlipout(1, 1, 3, {padding: 'FOO' as never})).toThrowError(/padding.*"FOO"/);
  });
  it('an input of the wrong rank or channel count is a ValueError', () => {
    const layer = new ConvolutionVariationalFlipout(2, 1, 3);
    expect(() => layer.call(tf.ones([4, 4]))).toThrowError(/inputs.*\[2\].*Tensor\[4,4\]/);
    expect(() => layer.call(tf.ones([1, 4, 4, 3]))).toThrowError(ValueError);
  });
});

describe('Convolution', () => {
  it('Convolution(1, 5, 5, strides 2, same) on [3,28,28,1] → [3,14,14,5] (ORACLES §10)', () => {
    const layer = new Convolution(1, 5, 5, {strides: 2, padding: 'same'});
    expect(layer.call(tf.zeros([3, 28, 28, 1])).shape).toEqual([3, 14, 14, 5]);
    expect(layer.variables.map((v) => v.shape)).toEqual([[5, 5, 1, 5], [5]]);
  });
  it('a kernel batchShape is not implemented (porting note)', () => {
    expect(() => new Convolution(1, 5, 5, {batchShape: [10]})).toThrowError(NotImplementedError);
  });
});
