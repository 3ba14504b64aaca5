// PSD kernels: apply and matrix against the closed forms, computed here in float64; bad input.
import * as tf from '@tensorflow/tfjs';
import {describe, expect, it} from 'vitest';

import {ExponentiatedQuadratic, MaternFiveHalves} from '../../src/psd_kernels/index.js';
import {ValueError} from '../../src/util/errors.js';

import {expectClose} from '../helpers/oracles.js';

const X1 = [[0, 0.5], [1, -1], [0.3, 2]];
const X2 = [[0, 0.5], [-0.7, 0.2]];
const dist = (a: number[], b: number[]): number => Math.sqrt(a.reduce((s, v, i) => s + (v - b[i]!) ** 2, 0));
// Closed forms (Rasmussen & Williams 2006, eqs. 4.9 and 4.17).
const eq = (r: number, amp: number, ls: number): number => amp * amp * Math.exp(-0.5 * (r / ls) ** 2);
const m52 = (r: number, amp: number, ls: number): number => {
  const s = Math.sqrt(5) * r / ls;
  return amp * amp * (1 + s + s * s / 3) * Math.exp(-s);
};

const cases = [
  {name: 'ExponentiatedQuadratic', make: (a: number, l: number) => new ExponentiatedQuadratic({amplitude: a, lengthScale: l}), ref: eq},
  {name: 'MaternFiveHalves', make: (a: number, l: number) => new MaternFiveHalves({amplitude: a, lengthScale: l}), ref: m52},
] as const;

for (const c of cases) {
  describe(c.name, () => {
    it('matrix(x1, x2)[i, j] equals the closed form k(‖x1_i − x2_j‖)', () => {
      const k = c.make(1.7, 0.8);
      const expected = X1.map((a) => X2.map((b) => c.ref(dist(a, b), 1.7, 0.8)));
      expectClose(k.matrix(tf.tensor2d(X1), tf.tensor2d(X2)), expected, 1e-5);
    });

    it('apply(x1, x2) pairs rows and equals the closed form; k(x, x) = amplitude²', () => {
      const k = c.make(2, 1.3);
      const b = [X2[0]!, X2[1]!, X2[0]!];
      expectClose(k.apply(tf.tensor2d(X1), tf.tensor2d(b)), X1.map((a, i) => c.ref(dist(a, b[i]!), 2, 1.3)), 1e-5);
      expectClose(k.apply(tf.tensor1d([0.2, 0.1]), tf.tensor1d([0.2, 0.1])), [4], 1e-6);
    });

    it('accepts a tensor lengthScale and has a finite gradient at r = 0 (the diagonal)', () => {
      const Cls = c.name === 'ExponentiatedQuadratic' ? ExponentiatedQuadratic : MaternFiveHalves;
      const g = tf.grad((ls: tf.Tensor) => new Cls({lengthScale: ls}).matrix(tf.tensor2d(X1), tf.tensor2d(X1)).sum());
      expect(Number.isFinite(g(tf.scalar(0.9)).dataSync()[0]!)).toBe(true);
    });

    it('keeps tensors flat', () => {
      const k = c.make(1, 1);
      const a = tf.tensor2d(X1);
      const before = tf.memory().numTensors;
      for (let i = 0; i < 5; i++) k.matrix(a, a).dispose();
      expect(tf.memory().numTensors).toBe(before);
    });

    it('refuses bad parameters and inputs by name', () => {
      expect(() => c.make(-1, 1)).toThrowError(ValueError);
      expect(() => c.make(-1, 1)).toThrowError(/amplitude.*got -1/);
      expect(() => c.make(1, 0)).toThrowError(/lengthScale.*got 0/);
      expect(() => c.make(1, 1).matrix(tf.tensor2d([[1, 2]]), tf.tensor2d([[1, 2, 3]])))
          .toThrowError(/same d.*\[1,2\].*\[1,3\]/);
    });
  });
}
