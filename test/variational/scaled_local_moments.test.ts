// Oracles: the closed-form local-reparameterization moments m = x@μ, s = √((x⊙x)@(σ⊙σ)) computed
// in float64 from the float32 inputs (where float32's x ⊙ x over- or underflows), and tfjs's own
// float32 ops for ordinary inputs (where the scaled moments must be identical to the last bit).
import * as tf from '@tensorflow/tfjs';
import {describe, expect, it} from 'vitest';

import {scaledLocalMoments, scaledLocalMomentsHost, scaledLocalMomentsOps} from '../../src/variational/scaled_local_moments.js';
import {DenseOp} from '../../src/variational/linear_op.js';
import {expectClose} from '../helpers/oracles.js';

const op = new DenseOp();
const LOC = [[0.1, -0.2], [0.3, 0.4]];
const SCALE = [[0.05, 0.1], [0.3, 2]];

function reference(rows: number[][]): {mean: number[]; sd: number[]} {
  const xs = Array.from(tf.tensor2d(rows).dataSync());
  const mu = Array.from(tf.tensor2d(LOC).dataSync());
  const sigma = Array.from(tf.tensor2d(SCALE).dataSync());
  const mean: number[] = [];
  const sd: number[] = [];
  rows.forEach((_, r) => {
    for (let j = 0; j < 2; j++) {
      let m = 0;
      let v = 0;
      for (let i = 0; i < 2; i++) {
        m += (xs[2 * r + i] as number) * (mu[2 * i + j] as number);
        v += ((xs[2 * r + i] as number) * (sigma[2 * i + j] as number)) ** 2;
      }
      mean.push(m);
      sd.push(Math.sqrt(v));
    }
  });
  return {mean, sd};
}

const PATHS = [['host (read-back)', scaledLocalMomentsHost], ['tensor ops', scaledLocalMomentsOps],
  ['dispatch', scaledLocalMoments]] as const;

describe('scaledLocalMoments', () => {
  for (const [path, fn] of PATHS) {
    it(`${path}: exact moments from |x| = 1e-30 to 2.5e38 (float64 reference)`, () => {
      const rows = [[1e20, -3e19], [3e-30, 1e-30], [1, 2], [0, 0], [-2.5e38, 1e38], [1e20, 1e-20], [1e-38, 0]];
      tf.tidy(() => {
        const {mean, stddev} = fn(op, tf.tensor2d(rows), tf.tensor2d(LOC), tf.tensor2d(SCALE));
        const want = reference(rows);
        expectClose(mean, want.mean, 0, 1e-6);
        expectClose(stddev, want.sd, 0, 1e-6);
      });
    });

    it(`${path}: bit-identical to the unscaled float32 formula on ordinary inputs`, () => {
      tf.tidy(() => {
        const x = tf.tensor2d([[1, 2], [0.3, -7], [123.456, 1e-3], [3e10, -1], [0, 0]]);
        const {mean, stddev} = fn(op, x, tf.tensor2d(LOC), tf.tensor2d(SCALE));
        expect(Array.from(mean.dataSync())).toEqual(Array.from(tf.matMul(x, tf.tensor2d(LOC)).dataSync()));
        expect(Array.from(stddev.dataSync())).toEqual(
            Array.from(tf.sqrt(tf.matMul(tf.square(x), tf.square(tf.tensor2d(SCALE)))).dataSync()));
      });
    });

    it(`${path}: gradients w.r.t. x, μ and σ are those of the unscaled formula, and finite at 1e20`, () => {
      const grads = (x: tf.Tensor, f: (x: tf.Tensor, l: tf.Tensor, s: tf.Tensor) => tf.Tensor[]): number[][] => tf.tidy(() => {
        const g = tf.grads((a: tf.Tensor, l: tf.Tensor, s: tf.Tensor) => tf.addN(f(a, l, s).map((t) => tf.sum(t))));
        return g([x, tf.tensor2d(LOC), tf.tensor2d(SCALE)]).map((t) => Array.from(t.dataSync()));
      });
      const scaled = (a: tf.Tensor, l: tf.Tensor, s: tf.Tensor): tf.Tensor[] => {
        const m = fn(op, a, l, s);
        return [m.mean, m.stddev];
      };
      const plain = (a: tf.Tensor, l: tf.Tensor, s: tf.Tensor): tf.Tensor[] =>
        [tf.matMul(a, l), tf.sqrt(tf.matMul(tf.square(a), tf.square(s)))];
      const x = tf.tensor2d([[1, 2], [0.5, -3]]);
      grads(x, scaled).forEach((g, i) => expectClose(g, grads(x, plain)[i]!, 1e-6, 1e-6));
      for (const g of grads(tf.tensor2d([[1e20, -3e19], [1, 2]]), scaled)) expect(g.every(Number.isFinite)).toBe(true);
    });
  }

  it('tensors made inside a tidy are all released (no leak per call)', () => {
    for (const [, fn] of PATHS) {
      const before = tf.memory().numTensors;
      tf.tidy(() => {
        fn(op, tf.tensor2d([[1e20, 1], [1, 2]]), tf.tensor2d(LOC), tf.tensor2d(SCALE));
      });
      expect(tf.memory().numTensors).toBe(before);
    }
  });
});
