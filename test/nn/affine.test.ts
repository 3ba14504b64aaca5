// tfp.nn affine layers: output moments against the closed forms of ORACLES.md §3–4 (5 standard
// errors), the analytic bias folding of the Local layer (NN.md §6.3), seeds (ORACLES §11), the
// Affine batch-shape grid (ORACLES §10) and argument errors.
import * as tf from '@tensorflow/tfjs';
import {describe, expect, it} from 'vitest';

import {Deterministic} from '../../src/distributions/deterministic.js';
import {Independent} from '../../src/distributions/independent.js';
import {JointDistributionSequential} from '../../src/distributions/joint_distribution_sequential.js';
import {
  Affine, AffineVariationalFlipout, AffineVariationalReparameterization, AffineVariationalReparameterizationLocal,
  posteriorMean,
} from '../../src/nn/index.js';
import type {AffineVariationalOptions} from '../../src/nn/index.js';
import {ValueError} from '../../src/util/errors.js';
import {expectClose, expectMoments, testSeed} from '../helpers/oracles.js';

import {draw, setPosterior} from './helpers.js';

// ORACLES §2 kernel example: μ and σ = softplus([[−3, −2], [−1, 0]]).
const KERNEL = {
  kernelLoc: [[0.1, -0.2], [0.3, 0.4]],
  kernelScale: [[0.04858735, 0.12692801], [0.31326169, 0.69314718]],
  biasLoc: [0.5, -0.5],
  biasScale: [0.3, 0.2],
};
// ORACLES §3: x = [1, 2] → mean x@μ + b = [1.2, 0.1], var (x⊙x)@(σ⊙σ) = [0.3948923, 1.9379228];
// a Normal bias adds σb² = [0.09, 0.04].
const MEAN = [1.2, 0.1];
const VAR = [0.3948923 + 0.09, 1.9379228 + 0.04];

type Ctor = new (i: number, o: number, opts?: AffineVariationalOptions) =>
  AffineVariationalReparameterization | AffineVariationalFlipout | AffineVariationalReparameterizationLocal;
const CLASSES: Array<[string, Ctor]> = [
  ['AffineVariationalReparameterization', AffineVariationalReparameterization],
  ['AffineVariationalFlipout', AffineVariationalFlipout],
  ['AffineVariationalReparameterizationLocal', AffineVariationalReparameterizationLocal],
];

describe('affine variational layers', () => {
  for (const [name, Cls] of CLASSES) {
    it(`${name}: every row is N(x@μ + μb, (x⊙x)@σ² + σb²) (5 SE, 2500 calls)`, () => {
      const layer = new Cls(2, 2, {seed: testSeed()});
      setPosterior(layer, KERNEL);
      const x = tf.tensor2d([[1, 2], [1, 2]]);
      const draws = draw(2500, () => layer.call(x));
      expectMoments(draws, {mean: [...MEAN, ...MEAN], variance: [...VAR, ...VAR]}, 5);
      // Unit 0 of two identical rows (ORACLES §4, with a Normal bias): Reparameterization shares one
      // W and b (correlation 1); Flipout decorrelates the kernel part but shares the drawn bias
      // (correlation σb²/var = 0.09/0.4848923); Local folds the bias into independent per-row
      // noise (correlation 0). Tolerance 5 SE of a correlation, 5(1 − ρ²)/√n.
      const r = correlation(draws.map((d) => d[0] as number), draws.map((d) => d[2] as number));
      const rho = name === 'AffineVariationalReparameterization' ? 1 :
          name === 'AffineVariationalFlipout' ? 0.09 / VAR[0]! : 0;
      expect(Math.abs(r - rho)).toBeLessThanOrEqual(5 * (1 - rho * rho) / Math.sqrt(draws.length) + 1e-6);
    });

    it(`${name}: default name, 4 trainable variables, posteriorValue shapes [in,out], [out]`, () => {
      const layer = new Cls(3, 5, {seed: 1});
      expect(layer.name).toBe(name);
      expect(layer.trainableVariables.map((v) => v.shape)).toEqual([[3, 5], [3, 5], [5], [5]]);
      expect(layer.posteriorValue).toBeNull();
      const y = layer.call(tf.ones([4, 7, 3]));
      expect(y.shape).toEqual([4, 7, 5]);
      expect(layer.posteriorValue?.map((t) => t.shape)).toEqual([[3, 5], [5]]);
    });

    it(`${name}: seeds — same seed and name repeat call by call; calls differ; names differ (ORACLES §11)`, () => {
      const x = tf.tensor2d([[1, 2], [0.5, -1]]);
      const a = new Cls(2, 2, {seed: 44});
      const b = new Cls(2, 2, {seed: 44});
      const c = new Cls(2, 2, {seed: 44, name: 'other'});
      for (const l of [a, b, c]) setPosterior(l, KERNEL);
      const a1 = a.call(x).arraySync();
      expect(b.call(x).arraySync()).toEqual(a1);
      expect(a.call(x).arraySync()).not.toEqual(a1);
      expect(c.call(x).arraySync()).not.toEqual(a1);
      // ORACLES §11.3: seeds 44 vs 45 with identical posteriors differ in more than `units` positions.
      const d = new Cls(2, 2, {seed: 45});
      setPosterior(d, KERNEL);
      const y44 = (a1 as number[][]).flat();
      const y45 = (d.call(x).arraySync() as number[][]).flat();
      expect(y44.filter((v, i) => v !== y45[i]).length).toBeGreaterThan(2);
    });
  }

  it('Reparameterization shares one W per call: identical rows give identical outputs (ORACLES §4)', () => {
    const layer = new AffineVariationalReparameterization(2, 2, {seed: 3});
    setPosterior(layer, KERNEL);
    const y = layer.call(tf.tensor2d([[1, 2], [1, 2]])).arraySync() as number[][];
    expect(y[0]).toEqual(y[1]);
  });

  it('Local draws rows independently: identical rows differ', () => {
    const layer = new AffineVariationalReparameterizationLocal(2, 2, {seed: 3});
    setPosterior(layer, KERNEL);
    const y = layer.call(tf.tensor2d([[1, 2], [1, 2]])).arraySync() as number[][];
    expect(y[0]).not.toEqual(y[1]);
  });

  it('Local folds a Normal bias analytically: zero input gives N(μb, σb²) per row (5 SE)', () => {
    // With x = 0 the kernel contributes nothing; the output variance is σb² only if the bias noise
    // is part of the local draw (tfp.layers' DenseLocalReparameterization would give σb² too, but
    // one shared bias draw for both rows; here rows are independent).
    const layer = new AffineVariationalReparameterizationLocal(2, 2, {seed: testSeed()});
    setPosterior(layer, KERNEL);
    const x = tf.zeros([2, 2]);
    const draws = draw(2000, () => layer.call(x));
    expectMoments(draws, {mean: [0.5, -0.5, 0.5, -0.5], variance: [0.09, 0.04, 0.09, 0.04]}, 5);
    // Rows independent: correlation of unit 0 across the two rows ≈ 0 (|r| < 5/√n).
    const r = correlation(draws.map((d) => d[0] as number), draws.map((d) => d[2] as number));
    expect(Math.abs(r)).toBeLessThan(5 / Math.sqrt(2000));
  });

  it('Local has finite gradients for every variable at an all-zero input (NaN-safe √)', () => {
    const layer = new AffineVariationalReparameterizationLocal(2, 2, {seed: 1});
    const {value, grads} = tf.variableGrads(() => tf.sum(layer.call(tf.zeros([3, 2]))) as tf.Scalar,
        layer.trainableVariables);
    value.dispose();
    for (const v of layer.trainableVariables) {
      const g = grads[v.name];
      if (g !== undefined) expect(Array.from(g.dataSync()).every(Number.isFinite)).toBe(true);
    }
    // The bias scale is reached through the folded √(s² + σb²).
    expect(grads[(layer.trainableVariables[3] as tf.Variable).name]).toBeDefined();
    tf.dispose(Object.values(grads));
  });

  it('dispose() frees the posterior variables and the kept draw', () => {
    const layer = new AffineVariationalFlipout(3, 2, {seed: 1});
    layer.call(tf.ones([1, 3])).dispose();
    const before = tf.memory().numTensors;
    layer.dispose();
    expect(before - tf.memory().numTensors).toBe(4 + 2);
    expect(layer.variables.every((v) => v.isDisposed)).toBe(true);
  });

  it('posteriorValueFn = posteriorMean makes Reparameterization deterministic: x@μ + μb (ORACLES §3)', () => {
    const layer = new AffineVariationalReparameterization(2, 2, {posteriorValueFn: posteriorMean});
    setPosterior(layer, KERNEL);
    expectClose(layer.call(tf.tensor2d([[1, 2]])), [[1.2, 0.1]], 1e-5);
  });

  it('activationFn is applied to the output', () => {
    const layer = new AffineVariationalReparameterization(2, 2, {posteriorValueFn: posteriorMean, activationFn: tf.relu});
    setPosterior(layer, KERNEL);
    expectClose(layer.call(tf.tensor2d([[1, -3]])), [[0, 0]], 1e-6);  // x@μ + b = [0.1, −1.9]
  });

  it('Flipout and Local refuse a kernel posterior that is not Normal (TypeError)', () => {
    const makePosteriorFn = (k: number[], b: number[]): JointDistributionSequential =>
      new JointDistributionSequential({model: [
        new Independent({distribution: new Deterministic({loc: tf.zeros(k)}), reinterpretedBatchNdims: k.length}),
        new Independent({distribution: new Deterministic({loc: tf.zeros(b)}), reinterpretedBatchNdims: 1})]});
    const priorFn = makePosteriorFn;
    for (const Cls of [AffineVariationalFlipout, AffineVariationalReparameterizationLocal]) {
      const layer = new Cls(2, 2, {makePosteriorFn, makePriorFn: priorFn});
      expect(() => layer.call(tf.ones([1, 2]))).toThrowError(/spherical Normal.*Independent/);
    }
  });

  it('a prior whose dtype structure differs from the posterior is a ValueError', () => {
    const makePriorFn = (): Independent =>
      new Independent({distribution: new Deterministic({loc: tf.zeros([2])}), reinterpretedBatchNdims: 1});
    expect(() => new AffineVariationalFlipout(2, 2, {makePriorFn: makePriorFn as never}))
        .toThrowError(/prior.*dtype structure.*\["float32","float32"\].*\["float32"\]/);
  });

  it('errors: non-integer sizes, wrong input width, int inputs', () => {
    expect(() => new AffineVariationalFlipout(0, 2)).toThrowError(ValueError);
    expect(() => new AffineVariationalFlipout(2.5, 2)).toThrowError(/inputSize.*2\.5/);
    const layer = new AffineVariationalFlipout(3, 2);
    expect(() => layer.call(tf.ones([2, 4]))).toThrowError(/last axis 3.*Tensor\[2,4\]/);
    expect(() => layer.call(tf.ones([2, 3], 'int32'))).toThrowError(/dtype float32.*int32/);
  });
});

describe('Affine', () => {
  // ORACLES §10: (in, out, batch_shape, input batch) → broadcast(kernel batch, input batch) + [out].
  const GRID: Array<[number, number, number[], number[], number[]]> = [
    [12, 3, [], [1], [1, 3]],
    [6, 4, [2, 3], [1], [2, 3, 4]],
    [3, 5, [], [2, 2], [2, 2, 5]],
    [3, 3, [2, 3], [8, 1, 1], [8, 2, 3, 3]],
    [3, 3, [2, 2], [4, 2, 2], [4, 2, 2, 3]],
  ];
  for (const [i, o, batch, inBatch, want] of GRID) {
    it(`Affine(${i}, ${o}, batchShape ${JSON.stringify(batch)}) on ${JSON.stringify([...inBatch, i])} → ${JSON.stringify(want)}`, () => {
      const layer = new Affine(i, o, {batchShape: batch});
      expect(layer.call(tf.ones([...inBatch, i])).shape).toEqual(want);
      expect(layer.variables.map((v) => v.shape)).toEqual([[...batch, i, o], [...batch, o]]);
    });
  }

  it('computes x @ kernel + bias (tfjs matMul oracle); rank-1 input allowed', () => {
    const layer = new Affine(2, 3, {activationFn: null});
    const [k, b] = layer.variables as [tf.Variable, tf.Variable];
    b.assign(tf.tensor1d([1, 2, 3]));
    const x = tf.tensor2d([[1, 2], [3, 4]]);
    expectClose(layer.call(x), tf.add(tf.matMul(x, k), b).dataSync());
    expect(layer.call(tf.tensor1d([1, 2])).shape).toEqual([3]);
  });
});

function correlation(a: number[], b: number[]): number {
  const n = a.length;
  const ma = a.reduce((s, v) => s + v, 0) / n;
  const mb = b.reduce((s, v) => s + v, 0) / n;
  let sab = 0;
  let saa = 0;
  let sbb = 0;
  for (let i = 0; i < n; i++) {
    sab += ((a[i] as number) - ma) * ((b[i] as number) - mb);
    saa += ((a[i] as number) - ma) ** 2;
    sbb += ((b[i] as number) - mb) ** 2;
  }
  return sab / Math.sqrt(saa * sbb);
}
