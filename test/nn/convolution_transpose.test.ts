// tfp.nn transposed convolutions (NN.md §7.3): ORACLES.md §5.4 values and TFP's shape grid, the
// output-size rule, ignored outputPadding, Flipout moments against the closed form, errors.
import * as tf from '@tensorflow/tfjs';
import {describe, expect, it} from 'vitest';

import {
  ConvolutionTranspose, ConvolutionTransposeVariationalFlipout, ConvolutionTransposeVariationalReparameterization,
  posteriorMean,
} from '../../src/nn/index.js';
import {NotImplementedError, ValueError} from '../../src/util/errors.js';
import {expectClose, expectMoments, testSeed} from '../helpers/oracles.js';

import {draw, setPosterior} from './helpers.js';

/** A deterministic single-channel layer whose kernel matrix [fh·fw, 1] is `k` (rows (fh, fw)). */
function singleChannel(k: number[][], strides: number | number[], padding: string, outputPadding?: number[]):
    ConvolutionTransposeVariationalReparameterization {
  const fh = k.length;
  const fw = (k[0] as number[]).length;
  const layer = new ConvolutionTransposeVariationalReparameterization(1, 1, [fh, fw],
      {strides, padding: padding as never, posteriorValueFn: posteriorMean, outputPadding});
  (layer.trainableVariables[0] as tf.Variable).assign(tf.tensor2d(k.flat(), [fh * fw, 1]));
  return layer;
}

describe('ORACLES §5.4 values (single channel)', () => {
  const X = tf.tensor4d([1, 2, 3, 4], [1, 2, 2, 1]);
  const CASES: Array<[string, number[][], number, string, number[][]]> = [
    ['K = I₂, s2 VALID', [[1, 0], [0, 1]], 2, 'VALID', [[1, 0, 2, 0], [0, 1, 0, 2], [3, 0, 4, 0], [0, 3, 0, 4]]],
    ['K = ones 2×2, s1 VALID', [[1, 1], [1, 1]], 1, 'VALID', [[1, 3, 2], [4, 10, 6], [3, 7, 4]]],
    ['K = ones 3×3, s2 SAME', [[1, 1, 1], [1, 1, 1], [1, 1, 1]], 2, 'SAME',
      [[1, 1, 3, 2], [1, 1, 3, 2], [4, 4, 10, 6], [3, 3, 7, 4]]],
  ];
  for (const [title, k, s, padding, want] of CASES) {
    it(title, () => {
      const y = singleChannel(k, s, padding).call(X);
      expect(y.shape).toEqual([1, want.length, (want[0] as number[]).length, 1]);
      expectClose(y, want, 1e-6);
    });
  }

  const ROWS: Array<[number[], number, string, number[]]> = [
    [[1, 2, 3], 2, 'VALID', [1, 2, 5, 4, 6]],
    [[1, 2, 3], 2, 'SAME', [1, 2, 5, 4]],
    [[1, 2, 3], 1, 'VALID', [1, 4, 7, 6]],
    [[1, 2, 3], 1, 'SAME', [4, 7]],
    [[1, 2], 3, 'VALID', [1, 2, 0, 2, 4, 0]],
  ];
  for (const [k, s, padding, want] of ROWS) {
    it(`row x = [1, 2], k = ${JSON.stringify(k)}, s${s} ${padding} → ${JSON.stringify(want)}`, () => {
      const y = singleChannel([k], [1, s], padding).call(tf.tensor4d([1, 2], [1, 1, 2, 1]));
      expect(y.shape).toEqual([1, 1, want.length, 1]);
      expectClose(y, want, 1e-6);
    });
  }

  it('outputPadding is accepted and ignored (TFP parity)', () => {
    const a = singleChannel([[1, 1, 1], [1, 1, 1], [1, 1, 1]], 2, 'SAME').call(X);
    const b = singleChannel([[1, 1, 1], [1, 1, 1], [1, 1, 1]], 2, 'SAME', [1, 1]).call(X);
    expect(b.shape).toEqual(a.shape);
    expectClose(b, a.dataSync(), 0);
  });
});

describe('TFP shape grid (ORACLES §5.4)', () => {
  const GRID: Array<[number[], number[], number, number[], string, number[], number[]]> = [
    [[2, 16, 16, 3], [3, 3], 4, [2, 2], 'SAME', [1, 1], [2, 32, 32, 4]],
    [[2, 16, 16, 3], [4, 4], 3, [2, 2], 'SAME', [1, 1], [2, 32, 32, 3]],
    [[2, 8, 8, 2], [3, 3], 3, [1, 2], 'SAME', [1, 1], [2, 8, 16, 3]],
    [[4, 9, 9, 3], [3, 3], 2, [1, 1], 'SAME', [2, 2], [4, 9, 9, 2]],
    [[4, 12, 9, 3], [3, 3], 1, [3, 3], 'VALID', [1, 1], [4, 36, 27, 1]],
    [[2, 12, 12, 2], [2, 3], 1, [2, 2], 'VALID', [1, 1], [2, 24, 25, 1]],
    [[4, 9, 9, 3], [1, 1], 2, [2, 2], 'VALID', [1, 1], [4, 18, 18, 2]],
    [[4, 9, 9, 3], [1, 2], 2, [3, 3], 'VALID', [1, 1], [4, 27, 27, 2]],
    [[4, 8, 7, 1], [3, 4], 1, [2, 2], 'SAME', [1, 1], [4, 16, 14, 1]],
    [[4, 8, 7, 1], [4, 2], 1, [3, 3], 'SAME', [1, 1], [4, 24, 21, 1]],
    [[2, 1, 1, 2], [7, 7], 64, [1, 1], 'VALID', [1, 1], [2, 7, 7, 64]],
    [[2, 7, 7, 64], [4, 4], 32, [4, 4], 'SAME', [1, 1], [2, 28, 28, 32]],
  ];
  for (const [input, filter, out, strides, padding, dilations, want] of GRID) {
    it(`${JSON.stringify(input)}, filter ${JSON.stringify(filter)}, ${out} out, s${JSON.stringify(strides)}, ${padding}, d${JSON.stringify(dilations)} → ${JSON.stringify(want)}`, () => {
      const layer = new ConvolutionTransposeVariationalFlipout(input[3] as number, out, filter,
          {strides, padding: padding as never, dilations, seed: 1});
      expect(layer.trainableVariables[0]?.shape).toEqual([(filter[0] as number) * (filter[1] as number) *
          (input[3] as number), out]);
      expect(layer.call(tf.ones(input)).shape).toEqual(want);
    });
  }

  it('dilated kernel follows y[i + a·d − padBefore] += x[i]·K[a] (d = 2, SAME, padBefore 2)', () => {
    // k = [1, 2, 3], d = 2 ⇒ kEff = 5, padBefore = ⌊(5 − 1)/2⌋ = 2; x = [1, 2, 0, 0, 0].
    const layer = new ConvolutionTransposeVariationalReparameterization(1, 1, [1, 3],
        {dilations: [1, 2], padding: 'SAME', posteriorValueFn: posteriorMean});
    (layer.trainableVariables[0] as tf.Variable).assign(tf.tensor2d([1, 2, 3], [3, 1]));
    const y = layer.call(tf.tensor4d([1, 2, 0, 0, 0], [1, 1, 5, 1]));
    // y[j] = Σ x[i]·k[a] over i + 2a − 2 = j: y0 = x0·k1 = 2, y1 = x1·k1 = 4, y2 = x0·k2 = 3,
    // y3 = x1·k2 = 6, y4 = 0.
    expectClose(y, [2, 4, 3, 6, 0], 1e-6);
  });
});

describe('transposed variational layers: output moments', () => {
  it('Flipout: y[2i+a, 2j+b] ~ N(x[i,j]·μ[a,b] + μb, x[i,j]²·σ[a,b]² + σb²) (s2, k2, 5 SE)', () => {
    const mu = [[0.1, 0.2], [0.3, 0.4]];
    const sigma = [[0.1, 0.2], [0.3, 0.4]];
    const layer = new ConvolutionTransposeVariationalFlipout(1, 1, 2, {strides: 2, seed: testSeed()});
    setPosterior(layer, {kernelLoc: mu.flat().map((v) => [v]), kernelScale: sigma.flat().map((v) => [v]),
      biasLoc: [0.5], biasScale: [0.1]});
    const x = [[1, 2], [3, -1]];
    const mean: number[] = [];
    const variance: number[] = [];
    for (let r = 0; r < 4; r++) {
      for (let c = 0; c < 4; c++) {
        const xi = (x[r >> 1] as number[])[c >> 1] as number;
        const m = (mu[r & 1] as number[])[c & 1] as number;
        const s = (sigma[r & 1] as number[])[c & 1] as number;
        mean.push(xi * m + 0.5);
        variance.push(xi * xi * s * s + 0.01);
      }
    }
    const input = tf.tensor4d(x.flat(), [1, 2, 2, 1]);
    expectMoments(draw(2000, () => layer.call(input)), {mean, variance}, 5);
  });
});

describe('transposed convolution errors and ConvolutionTranspose', () => {
  it('strides and dilations both > 1 is a NotImplementedError', () => {
    expect(() => new ConvolutionTransposeVariationalFlipout(1, 1, 3, {strides: 2, dilations: 2}))
        .toThrowError(NotImplementedError);
    expect(() => new ConvolutionTranspose(1, 1, 3, {strides: [2, 1], dilations: [1, 2]}))
        .toThrowError(/strides.*dilations/);
  });
  it('rank other than 2, unknown method, subkernel_matrix with unequal strides are ValueErrors', () => {
    expect(() => new ConvolutionTransposeVariationalFlipout(1, 1, 3, {rank: 1})).toThrowError(/rank.*got 1/);
    expect(() => new ConvolutionTransposeVariationalFlipout(1, 1, 3, {method: 'foo' as 'auto'}))
        .toThrowError(/method.*"foo"/);
    expect(() => new ConvolutionTransposeVariationalFlipout(1, 1, 3, {strides: [1, 2], method: 'subkernel_matrix'}))
        .toThrowError(ValueError);
  });
  it('padding CAUSAL is NotImplementedError, FOO is ValueError', () => {
    expect(() => new ConvolutionTranspose(1, 1, 3, {padding: 'CAUSAL' as never})).toThrowError(NotImplementedError);
    expect(() => new ConvolutionTranspose(1, 1, 3, {padding: 'FOO' as never})).toThrowError(/padding.*"FOO"/);
  });
  it('ConvolutionTranspose(64, 32, 4, s4, same) on [2,7,7,64] → [2,28,28,32] with a kernel matrix', () => {
    const layer = new ConvolutionTranspose(64, 32, 4, {strides: 4, padding: 'same'});
    expect(layer.variables.map((v) => v.shape)).toEqual([[4 * 4 * 64, 32], [32]]);
    expect(layer.call(tf.zeros([2, 7, 7, 64])).shape).toEqual([2, 28, 28, 32]);
  });
});
