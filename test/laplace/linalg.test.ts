// Host float64 linear algebra of tfp.laplace: eigendecomposition residual and orthonormality,
// Cholesky reconstruction, log-determinants agreeing between the two, closed-form 2×2 eigenvalues.
import {describe, expect, it} from 'vitest';

import * as tfp from '../../src/index.js';
import {NumericalError} from '../../src/util/errors.js';

/** A seeded symmetric positive definite n × n matrix B Bᵀ + 0.1 I. */
function spd(n: number, seed: number): Float64Array {
  let s = seed;
  const r = (): number => { s = (s * 1103515245 + 12345) % 2147483648; return s / 2147483648 - 0.5; };
  const b = Float64Array.from({length: n * n}, r);
  const a = new Float64Array(n * n);
  for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) {
    let v = i === j ? 0.1 : 0;
    for (let k = 0; k < n; k++) v += (b[i * n + k] as number) * (b[j * n + k] as number);
    a[i * n + j] = v;
  }
  return a;
}

describe('symmetricEigen', () => {
  it('2×2 [[2, 1], [1, 2]] has eigenvalues 1 and 3 with vectors (1, ∓1)/√2', () => {
    const {values, vectors} = tfp.laplace.symmetricEigen(Float64Array.from([2, 1, 1, 2]), 2);
    expect(values[0]).toBeCloseTo(1, 14);
    expect(values[1]).toBeCloseTo(3, 14);
    expect(Math.abs((vectors[0] as number) * (vectors[2] as number))).toBeCloseTo(0.5, 14);
  });

  for (const n of [1, 3, 17, 60]) {
    it(`n = ${n}: A V = V diag(λ) (1e-11·‖A‖), VᵀV = I (1e-12), ascending, Σ log λ = log det from Cholesky`, () => {
      const a = spd(n, n + 7);
      const {values, vectors} = tfp.laplace.symmetricEigen(a, n);
      const norm = Math.max(...Array.from(a, Math.abs));
      for (let i = 0; i < n; i++) for (let k = 0; k < n; k++) {
        let av = 0;
        for (let j = 0; j < n; j++) av += (a[i * n + j] as number) * (vectors[j * n + k] as number);
        expect(Math.abs(av - (values[k] as number) * (vectors[i * n + k] as number))).toBeLessThan(1e-11 * norm * n);
      }
      for (let k = 0; k < n; k++) for (let l = 0; l < n; l++) {
        let dot = 0;
        for (let j = 0; j < n; j++) dot += (vectors[j * n + k] as number) * (vectors[j * n + l] as number);
        expect(Math.abs(dot - (k === l ? 1 : 0))).toBeLessThan(1e-12);
      }
      for (let k = 1; k < n; k++) expect(values[k]).toBeGreaterThanOrEqual(values[k - 1] as number);
      const l = tfp.laplace.cholesky(a, n);
      const logDet = Array.from(values).reduce((s, v) => s + Math.log(v), 0);
      expect(tfp.laplace.logDetFromCholesky(l, n)).toBeCloseTo(logDet, 9);
    });
  }
});

describe('cholesky', () => {
  it('L Lᵀ reconstructs A (1e-12) and L is lower triangular', () => {
    const n = 9;
    const a = spd(n, 3);
    const l = tfp.laplace.cholesky(a, n);
    for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) {
      if (j > i) expect(l[i * n + j]).toBe(0);
      let v = 0;
      for (let k = 0; k < n; k++) v += (l[i * n + k] as number) * (l[j * n + k] as number);
      expect(Math.abs(v - (a[i * n + j] as number))).toBeLessThan(1e-12);
    }
  });

  it('refuses a matrix that is not positive definite (NumericalError) and a wrong size (ValueError)', () => {
    expect(() => tfp.laplace.cholesky(Float64Array.from([1, 2, 2, 1]), 2)).toThrow(NumericalError);
    expect(() => tfp.laplace.cholesky(Float64Array.from([1, 2, 2]), 2)).toThrow(/must have n·n = 4 entries; got 3/);
  });
});
