// tfp.nn.util and tfp.nn.initializers: initializer bounds and variances (ORACLES.md §7), weight
// factories (NN.md §5, ORACLES §1, §8, §10), unpacking, small helpers and makeFitOp.
import * as tf from '@tensorflow/tfjs';
import {describe, expect, it} from 'vitest';

import {glorotNormal, glorotUniform, heNormal, heUniform} from '../../src/nn/initializers.js';
import {
  batchifyOp, expandDims, flattenRightmost, halflifeDecay, makeFitOp, makeKernelBias,
  makeKernelBiasPosteriorMvnDiag, makeKernelBiasPriorSpikeAndSlab, spikeAndSlab, unpackKernelAndBias,
} from '../../src/nn/util.js';
import {collectVariables, variableName} from '../../src/nn/layer.js';
import {ValueError} from '../../src/util/errors.js';
import {expectClose} from '../helpers/oracles.js';

function stats(t: tf.Tensor): {max: number; variance: number; n: number} {
  const v = Array.from(t.dataSync());
  const n = v.length;
  const mean = v.reduce((a, b) => a + b, 0) / n;
  return {max: Math.max(...v.map(Math.abs)), variance: v.reduce((a, b) => a + (b - mean) ** 2, 0) / (n - 1), n};
}

describe('nn.initializers (ORACLES §7)', () => {
  const UNIFORM: Array<[string, () => tf.Tensor, number]> = [
    ['glorotUniform [784, 10]', () => glorotUniform(1)([784, 10]), 0.0869291],
    ['glorotUniform v1 conv [5,5,1,6]', () => glorotUniform(2)([5, 5, 1, 6]), 0.1851640],
    ['glorotUniform v2 conv matrix [25, 6]', () => glorotUniform(3)([25, 6]), 0.4399413],
    ['glorotUniform bias [10] (repeated to [10] × 400 batch)', () => glorotUniform(4)([400, 10], 'float32', 1), 0.7385489],
    ['glorotUniform [2, 3, 784, 10] with batchNdims 2', () => glorotUniform(5)([2, 3, 784, 10], 'float32', 2), 0.0869291],
    ['heUniform [5,5,1,32]', () => heUniform(6)([5, 5, 1, 32]), 0.4898979],
  ];
  for (const [title, make, bound] of UNIFORM) {
    it(`${title}: samples in ±${bound}, variance bound²/3 (5 SE)`, () => {
      const {max, variance, n} = stats(make());
      expect(max).toBeLessThanOrEqual(bound * (1 + 1e-6));
      expect(max).toBeGreaterThan(bound * 0.9);
      // Var of the sample variance of U(−b, b): (b⁴/5 − b⁴/9)/n.
      const se = Math.sqrt((bound ** 4 / 5 - bound ** 4 / 9) / n);
      expect(Math.abs(variance - bound ** 2 / 3)).toBeLessThan(5 * se);
    });
  }

  it('heNormal, fanIn 25: truncated at ±2·0.3215490, variance 2/fanIn (5 SE)', () => {
    const {max, variance, n} = stats(heNormal(7)([5, 5, 1, 400]));
    expect(max).toBeLessThanOrEqual(2 * 0.3215490 * (1 + 1e-6));
    expect(Math.abs(variance - 2 / 25)).toBeLessThan(5 * (2 / 25) * Math.sqrt(2 / n));
  });

  it('glorotNormal [784, 10]: variance 2/(fanIn + fanOut) (5 SE), truncated at 2 sd', () => {
    const want = 2 / 794;
    const {max, variance, n} = stats(glorotNormal(8)([784, 10]));
    expect(max).toBeLessThanOrEqual(2 * Math.sqrt(want) / 0.87962566103423978 * (1 + 1e-6));
    expect(Math.abs(variance - want)).toBeLessThan(5 * want * Math.sqrt(2 / n));
  });

  it('a non-float dtype is a TypeError; seeded initializers repeat, successive calls differ', () => {
    expect(() => glorotUniform()([2, 2], 'int32')).toThrowError(TypeError);
    expect(glorotUniform(9)([3, 3]).arraySync()).toEqual(glorotUniform(9)([3, 3]).arraySync());
    const init = glorotUniform(9);
    expect(init([3, 3]).arraySync()).not.toEqual(init([3, 3]).arraySync());
  });
});

describe('weight factories', () => {
  it('makeKernelBias: shapes (ORACLES §10, batch ndims 2), names, zeros bias', () => {
    const [k, b] = makeKernelBias([2, 3, 3, 2], [3], {kernelBatchNdims: 2, biasBatchNdims: 0});
    expect(k.shape).toEqual([2, 3, 3, 2]);
    expect(b.shape).toEqual([3]);
    expect([variableName(k), variableName(b)]).toEqual(['kernel', 'bias']);
    expect(Array.from(b.dataSync())).toEqual([0, 0, 0]);
  });

  it('makeKernelBiasPosteriorMvnDiag: 4 variables, u₀ = −6.9173106 and σ = 1e-3 (ORACLES §1), sample shapes', () => {
    const q = makeKernelBiasPosteriorMvnDiag([2, 3, 3, 2], [3], {kernelBatchNdims: 2});
    const vars = collectVariables(q);
    expect(vars.map(variableName)).toEqual(
        ['posterior_kernel_loc', 'posterior_kernel_scale', 'posterior_bias_loc', 'posterior_bias_scale']);
    expect(vars.map((v) => v.shape)).toEqual([[2, 3, 3, 2], [2, 3, 3, 2], [3], [3]]);
    expectClose(vars[1] as tf.Variable, new Array<number>(36).fill(-6.9173105740), 1e-5, 1e-6);
    const [sk, sb] = q.stddev();
    expectClose(sk as tf.Tensor, new Array<number>(36).fill(1e-3), 1e-9, 1e-5);
    expectClose(sb as tf.Tensor, [1e-3, 1e-3, 1e-3], 1e-9, 1e-5);
    expect(q.sample([], 1).map((t) => t.shape)).toEqual([[2, 3, 3, 2], [3]]);
    expect(q.logProb(q.sample([], 2)).shape).toEqual([]);
  });

  it('spike-and-slab log p(w) (ORACLES §8); the prior has no variables and sums over weights', () => {
    expectClose(spikeAndSlab().logProb([0, 1, 3, 10]), [-1.6115858, -2.1112617, -6.0680607, -9.2130007], 1e-5);
    const p = makeKernelBiasPriorSpikeAndSlab([2, 1], [1]);
    expect(collectVariables(p)).toEqual([]);
    const lp = p.logProb([tf.tensor2d([[0], [1]]), tf.tensor1d([3])]);
    expectClose(lp, [-1.6115858 - 2.1112617 - 6.0680607], 1e-4);
    expect(p.sample([], 3).map((t) => t.shape)).toEqual([[2, 1], [1]]);
  });
});

describe('initializer call protocol (NN.md §5)', () => {
  it('accepts Keras/tfjs initializers (two-argument apply) and retries f(shape, dtype) on a TypeError', () => {
    const [k] = makeKernelBias([2, 2], [2], {kernelInitializer: tf.initializers.ones()});
    expect(Array.from(k.dataSync())).toEqual([1, 1, 1, 1]);
    const strict = function (this: unknown, shape: number[], dtype?: tf.DataType): tf.Tensor {
      // A Keras-style initializer refusing the third (batchNdims) argument.
      if (arguments.length > 2) throw new TypeError('two arguments only');
      return tf.fill(shape, 2, dtype);
    };
    const [, b] = makeKernelBias([2, 2], [3], {biasInitializer: strict});
    expect(Array.from(b.dataSync())).toEqual([2, 2, 2]);
  });
});

describe('unpackKernelAndBias', () => {
  it('map, length 1, length 2, others', () => {
    const k = tf.ones([2, 2]);
    const b = tf.zeros([2]);
    expect(unpackKernelAndBias({kernel: k})).toEqual([k, null]);
    expect(unpackKernelAndBias({kernel: k, bias: b})).toEqual([k, b]);
    expect(unpackKernelAndBias([k])).toEqual([k, null]);
    expect(unpackKernelAndBias([k, b])).toEqual([k, b]);
    expect(() => unpackKernelAndBias([k, b, b])).toThrowError(ValueError);
    expect(() => unpackKernelAndBias([k, b, b])).toThrowError(/Unable to unpack weights/);
  });
});

describe('small helpers', () => {
  it('flattenRightmost, expandDims, batchifyOp', () => {
    expect(flattenRightmost(3)(tf.zeros([2, 4, 4, 8])).shape).toEqual([2, 128]);
    expect(flattenRightmost(2)(tf.zeros([5, 2, 4, 3])).shape).toEqual([5, 2, 12]);
    expect(expandDims([0, -1])(tf.zeros([2, 3])).shape).toEqual([1, 2, 3, 1]);
    const y = batchifyOp((x) => tf.sum(x, -1), 1, tf.ones([2, 3, 4]));
    expect(y.shape).toEqual([2, 3]);
  });

  it('halflifeDecay = final + (initial − final)·0.5^(t/halfLife)', () => {
    expectClose(halflifeDecay(10, 10, 1), [0.5]);
    expectClose(halflifeDecay(0, 10, 3, 1), [3]);
    expectClose(halflifeDecay(20, 10, 2, 1), [1.25]);
  });

  it('makeFitOp minimises (v − 3)², returns loss/other/gradSummary, applies only non-null grads', () => {
    const v = tf.variable(tf.scalar(0));
    const unused = tf.variable(tf.scalar(7));
    const fit = makeFitOp((c: number) => [tf.square(tf.sub(v, c)), tf.mul(v, 2)], tf.train.sgd(0.1), [v, unused],
        (grads) => grads.map((g) => (g === null ? null : g.shape)));
    let last = Infinity;
    for (let i = 0; i < 50; i++) {
      const r = fit(3);
      last = r.loss.dataSync()[0] as number;
      expect(r.gradSummary).toEqual([[], null]);
      tf.dispose([r.loss, r.other as tf.Tensor]);
    }
    expect(last).toBeLessThan(1e-6);
    expectClose(v, [3], 1e-3);
    expect(unused.dataSync()[0]).toBe(7);
  });

  it('makeFitOp with a list of optimizers aligned with the variables', () => {
    const a = tf.variable(tf.scalar(0));
    const b = tf.variable(tf.scalar(0));
    const fit = makeFitOp(() => [tf.add(tf.mul(a, -1), tf.mul(b, -1)), null], [tf.train.sgd(0.1), tf.train.sgd(1)], [a, b]);
    tf.dispose(fit().loss);
    expectClose(a, [0.1], 1e-6);
    expectClose(b, [1], 1e-6);
  });
});
