// Dense symmetric linear algebra in float64 on the host (row-major Float64Array), for the small
// matrices of a last-layer Laplace approximation: Cholesky, triangular solves, and the symmetric
// eigendecomposition (Householder tridiagonalisation + implicit QL, the EISPACK tred2/tql2
// algorithm as in JAMA).
import {NumericalError, ValueError} from '../util/errors.js';

/** A symmetric eigendecomposition `A = V diag(values) Vᵀ`: values ascending, `vectors[i*n + k]` = V[i][k]. */
export interface SymmetricEigen {
  n: number;
  values: Float64Array;
  /** Row-major V: column k is the eigenvector of `values[k]`. */
  vectors: Float64Array;
}

function checkSquare(owner: string, a: Float64Array, n: number): void {
  if (a.length !== n * n) {
    throw new ValueError(`${owner}: the matrix must have n·n = ${n * n} entries; got ${a.length}.`);
  }
}

/**
 * The lower Cholesky factor L of a symmetric positive definite `a` (`a = L Lᵀ`), a new row-major
 * array; throws `NumericalError` when a pivot is not positive.
 *
 * @example
 * const l = tfp.laplace.cholesky(Float64Array.from([4, 2, 2, 3]), 2);   // [2, 0, 1, √2]
 */
export function cholesky(a: Float64Array, n: number): Float64Array {
  checkSquare('cholesky', a, n);
  const l = new Float64Array(n * n);
  for (let j = 0; j < n; j++) {
    let d = a[j * n + j] as number;
    const lj = j * n;
    for (let k = 0; k < j; k++) d -= (l[lj + k] as number) ** 2;
    if (!(d > 0)) throw new NumericalError(`cholesky: the matrix is not positive definite (pivot ${j} is ${d}).`);
    const djj = Math.sqrt(d);
    l[lj + j] = djj;
    for (let i = j + 1; i < n; i++) {
      const li = i * n;
      let s = a[li + j] as number;
      for (let k = 0; k < j; k++) s -= (l[li + k] as number) * (l[lj + k] as number);
      l[li + j] = s / djj;
    }
  }
  return l;
}

/**
 * `log det A = 2 Σ log L_ii` from the Cholesky factor.
 *
 * @example
 * const logDet = tfp.laplace.logDetFromCholesky(tfp.laplace.cholesky(a, n), n);
 */
export function logDetFromCholesky(l: Float64Array, n: number): number {
  let s = 0;
  for (let i = 0; i < n; i++) s += Math.log(l[i * n + i] as number);
  return 2 * s;
}

/** Solves `L y = b` (L lower triangular) for one right-hand side, in a new array. */
export function solveLower(l: Float64Array, n: number, b: ArrayLike<number>): Float64Array {
  const y = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    let s = b[i] as number;
    for (let k = 0; k < i; k++) s -= (l[i * n + k] as number) * (y[k] as number);
    y[i] = s / (l[i * n + i] as number);
  }
  return y;
}

/** `C = A B` for row-major A [m, k] and B [k, n]. */
export function matMul(a: Float64Array, b: Float64Array, m: number, k: number, n: number): Float64Array {
  const c = new Float64Array(m * n);
  for (let i = 0; i < m; i++) {
    for (let p = 0; p < k; p++) {
      const aip = a[i * k + p] as number;
      if (aip === 0) continue;
      const bo = p * n;
      const co = i * n;
      for (let j = 0; j < n; j++) c[co + j]! += aip * (b[bo + j] as number);
    }
  }
  return c;
}

/**
 * The eigendecomposition of a symmetric `a` (only symmetric input is meaningful; `a` is not
 * changed): eigenvalues ascending and orthonormal eigenvectors. O(n³) time, O(n²) memory.
 *
 * @example
 * const {values, vectors} = tfp.laplace.symmetricEigen(Float64Array.from([2, 1, 1, 2]), 2);   // values [1, 3]
 */
export function symmetricEigen(a: Float64Array, n: number): SymmetricEigen {
  checkSquare('symmetricEigen', a, n);
  const v = Float64Array.from(a);
  const d = new Float64Array(n);
  const e = new Float64Array(n);
  if (n === 0) return {n, values: d, vectors: v};
  tred2(v, d, e, n);
  // tql2 rotates pairs of columns of V; on Vᵀ those are contiguous rows.
  const w = transpose(v, n);
  tql2(w, d, e, n);
  // Sort ascending (selection sort on values, swapping rows of W).
  for (let i = 0; i < n - 1; i++) {
    let k = i;
    let p = d[i] as number;
    for (let j = i + 1; j < n; j++) if ((d[j] as number) < p) { k = j; p = d[j] as number; }
    if (k !== i) {
      d[k] = d[i] as number;
      d[i] = p;
      const ri = w.subarray(i * n, (i + 1) * n);
      const rk = w.subarray(k * n, (k + 1) * n);
      const tmp = Float64Array.from(ri);
      ri.set(rk);
      rk.set(tmp);
    }
  }
  return {n, values: d, vectors: transpose(w, n)};
}

function transpose(a: Float64Array, n: number): Float64Array {
  const t = new Float64Array(n * n);
  for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) t[j * n + i] = a[i * n + j] as number;
  return t;
}

/** Householder reduction of symmetric V (in place) to tridiagonal form: diagonal d, subdiagonal e; V becomes Q. */
function tred2(V: Float64Array, d: Float64Array, e: Float64Array, n: number): void {
  for (let j = 0; j < n; j++) d[j] = V[(n - 1) * n + j] as number;
  for (let i = n - 1; i > 0; i--) {
    let scale = 0;
    let h = 0;
    for (let k = 0; k < i; k++) scale += Math.abs(d[k] as number);
    if (scale === 0) {
      e[i] = d[i - 1] as number;
      for (let j = 0; j < i; j++) {
        d[j] = V[(i - 1) * n + j] as number;
        V[i * n + j] = 0;
        V[j * n + i] = 0;
      }
    } else {
      for (let k = 0; k < i; k++) {
        d[k] = (d[k] as number) / scale;
        h += (d[k] as number) ** 2;
      }
      let f = d[i - 1] as number;
      let g = Math.sqrt(h);
      if (f > 0) g = -g;
      e[i] = scale * g;
      h -= f * g;
      d[i - 1] = f - g;
      for (let j = 0; j < i; j++) e[j] = 0;
      for (let j = 0; j < i; j++) {
        f = d[j] as number;
        V[j * n + i] = f;
        g = (e[j] as number) + (V[j * n + j] as number) * f;
        for (let k = j + 1; k <= i - 1; k++) {
          const vkj = V[k * n + j] as number;
          g += vkj * (d[k] as number);
          e[k] = (e[k] as number) + vkj * f;
        }
        e[j] = g;
      }
      f = 0;
      for (let j = 0; j < i; j++) {
        e[j] = (e[j] as number) / h;
        f += (e[j] as number) * (d[j] as number);
      }
      const hh = f / (h + h);
      for (let j = 0; j < i; j++) e[j] = (e[j] as number) - hh * (d[j] as number);
      for (let j = 0; j < i; j++) {
        f = d[j] as number;
        g = e[j] as number;
        for (let k = j; k <= i - 1; k++) {
          V[k * n + j] = (V[k * n + j] as number) - (f * (e[k] as number) + g * (d[k] as number));
        }
        d[j] = V[(i - 1) * n + j] as number;
        V[i * n + j] = 0;
      }
    }
    d[i] = h;
  }
  // Accumulate the transformations.
  for (let i = 0; i < n - 1; i++) {
    V[(n - 1) * n + i] = V[i * n + i] as number;
    V[i * n + i] = 1;
    const h = d[i + 1] as number;
    if (h !== 0) {
      for (let k = 0; k <= i; k++) d[k] = (V[k * n + i + 1] as number) / h;
      for (let j = 0; j <= i; j++) {
        let g = 0;
        for (let k = 0; k <= i; k++) g += (V[k * n + i + 1] as number) * (V[k * n + j] as number);
        for (let k = 0; k <= i; k++) V[k * n + j] = (V[k * n + j] as number) - g * (d[k] as number);
      }
    }
    for (let k = 0; k <= i; k++) V[k * n + i + 1] = 0;
  }
  for (let j = 0; j < n; j++) {
    d[j] = V[(n - 1) * n + j] as number;
    V[(n - 1) * n + j] = 0;
  }
  V[(n - 1) * n + n - 1] = 1;
  e[0] = 0;
}

/** Implicit QL on the tridiagonal (d, e); W = Qᵀ (rows = vectors) is rotated in place. */
function tql2(W: Float64Array, d: Float64Array, e: Float64Array, n: number): void {
  for (let i = 1; i < n; i++) e[i - 1] = e[i] as number;
  e[n - 1] = 0;
  let f = 0;
  let tst1 = 0;
  const eps = 2 ** -52;
  for (let l = 0; l < n; l++) {
    tst1 = Math.max(tst1, Math.abs(d[l] as number) + Math.abs(e[l] as number));
    let m = l;
    while (m < n) {
      if (Math.abs(e[m] as number) <= eps * tst1) break;
      m++;
    }
    if (m > l) {
      let iter = 0;
      do {
        if (++iter > 60) throw new NumericalError('symmetricEigen: the QL iteration did not converge.');
        let g = d[l] as number;
        let p = ((d[l + 1] as number) - g) / (2 * (e[l] as number));
        let r = Math.hypot(p, 1);
        if (p < 0) r = -r;
        d[l] = (e[l] as number) / (p + r);
        d[l + 1] = (e[l] as number) * (p + r);
        const dl1 = d[l + 1] as number;
        let h = g - (d[l] as number);
        for (let i = l + 2; i < n; i++) d[i] = (d[i] as number) - h;
        f += h;
        p = d[m] as number;
        let c = 1;
        let c2 = c;
        let c3 = c;
        const el1 = e[l + 1] as number;
        let s = 0;
        let s2 = 0;
        for (let i = m - 1; i >= l; i--) {
          c3 = c2;
          c2 = c;
          s2 = s;
          g = c * (e[i] as number);
          h = c * p;
          r = Math.hypot(p, e[i] as number);
          e[i + 1] = s * r;
          s = (e[i] as number) / r;
          c = p / r;
          p = c * (d[i] as number) - s * g;
          d[i + 1] = h + s * (c * g + s * (d[i] as number));
          const r0 = i * n;
          const r1 = (i + 1) * n;
          for (let k = 0; k < n; k++) {
            const hk = W[r1 + k] as number;
            const wk = W[r0 + k] as number;
            W[r1 + k] = s * wk + c * hk;
            W[r0 + k] = c * wk - s * hk;
          }
        }
        p = -s * s2 * c3 * el1 * (e[l] as number) / dl1;
        e[l] = s * p;
        d[l] = c * p;
      } while (Math.abs(e[l] as number) > eps * tst1);
    }
    d[l] = (d[l] as number) + f;
    e[l] = 0;
  }
}
