// MultivariateNormalTriL: logProb, entropy, covariance and the KL rules against a float64 reference
// built here with explicit matrix algebra on Σ = L Lᵀ (Gauss–Jordan inverse and LU determinant —
// not the implementation's triangular solves), plus two scipy 1.17 values; sampling at 5 SE.
import * as tf from '@tensorflow/tfjs';
import {describe, expect, it} from 'vitest';

import {klDivergence, MultivariateNormalDiag, MultivariateNormalTriL} from '../../src/distributions/index.js';
import {ValueError} from '../../src/util/errors.js';

import {expectClose, expectNoLeak, shapeOf, testSeed, values} from './helpers.js';

type Mat = number[][];
const matmul = (a: Mat, b: Mat): Mat => a.map((r) => (b[0] as number[]).map((_, j) => r.reduce((s, v, k) => s + v * (b[k] as number[])[j]!, 0)));
const transpose = (a: Mat): Mat => (a[0] as number[]).map((_, j) => a.map((r) => r[j] as number));
const matvec = (a: Mat, v: number[]): number[] => a.map((r) => r.reduce((s, x, j) => s + x * (v[j] as number), 0));
const dot = (a: number[], b: number[]): number => a.reduce((s, x, i) => s + x * (b[i] as number), 0);
const sub = (a: number[], b: number[]): number[] => a.map((x, i) => x - (b[i] as number));

/** Σ⁻¹ by Gauss–Jordan elimination with partial pivoting (float64). */
function inverse(a: Mat): Mat {
  const n = a.length;
  const m = a.map((r, i) => [...r, ...Array.from({length: n}, (_, j) => (i === j ? 1 : 0))]);
  for (let c = 0; c < n; c++) {
    let p = c;
    for (let r = c + 1; r < n; r++) if (Math.abs(m[r]![c]!) > Math.abs(m[p]![c]!)) p = r;
    [m[c], m[p]] = [m[p]!, m[c]!];
    const piv = m[c]![c]!;
    m[c] = m[c]!.map((v) => v / piv);
    for (let r = 0; r < n; r++) {
      if (r === c) continue;
      const f = m[r]![c]!;
      m[r] = m[r]!.map((v, j) => v - f * m[c]![j]!);
    }
  }
  return m.map((r) => r.slice(n));
}

/** log |det Σ| by LU elimination with partial pivoting (float64). */
function logAbsDet(a: Mat): number {
  const m = a.map((r) => r.slice());
  const n = m.length;
  let s = 0;
  for (let c = 0; c < n; c++) {
    let p = c;
    for (let r = c + 1; r < n; r++) if (Math.abs(m[r]![c]!) > Math.abs(m[p]![c]!)) p = r;
    [m[c], m[p]] = [m[p]!, m[c]!];
    s += Math.log(Math.abs(m[c]![c]!));
    for (let r = c + 1; r < n; r++) {
      const f = m[r]![c]! / m[c]![c]!;
      m[r] = m[r]!.map((v, j) => v - f * m[c]![j]!);
    }
  }
  return s;
}

const cov = (l: Mat): Mat => matmul(l, transpose(l));
const refLogPdf = (x: number[], mu: number[], c: Mat): number => {
  const d = sub(x, mu);
  return -0.5 * (mu.length * Math.log(2 * Math.PI) + logAbsDet(c) + dot(d, matvec(inverse(c), d)));
};
const refEntropy = (c: Mat): number => 0.5 * (c.length * (1 + Math.log(2 * Math.PI)) + logAbsDet(c));
/** KL(N(μq, Σq) ‖ N(μp, Σp)) = ½(tr(Σp⁻¹Σq) + (μp − μq)ᵀΣp⁻¹(μp − μq) − K + log|Σp| − log|Σq|). */
const refKL = (mq: number[], cq: Mat, mp: number[], cp: Mat): number => {
  const pinv = inverse(cp);
  const tr = matmul(pinv, cq).reduce((s, r, i) => s + (r[i] as number), 0);
  const d = sub(mp, mq);
  return 0.5 * (tr + dot(d, matvec(pinv, d)) - mq.length + logAbsDet(cp) - logAbsDet(cq));
};

const L: Mat = [[1.5, 0, 0], [0.3, 0.8, 0], [-0.6, 0.2, 1.1]];
const MU = [0.5, -1, 2];
const d = (): MultivariateNormalTriL => new MultivariateNormalTriL({loc: MU, scaleTril: L});

describe('MultivariateNormalTriL', () => {
  it('logProb = the float64 reference on Σ = LLᵀ and scipy multivariate_normal.logpdf (−6.56656539, −4.42813564)', () => {
    const xs = [[0, 0, 0], [1, -2, 2.5]];
    expectClose(d().logProb(xs), xs.map((x) => refLogPdf(x, MU, cov(L))), 1e-5);
    expectClose(d().logProb(xs), [-6.56656539, -4.42813564], 1e-5);
  });

  it('entropy = ½ log det(2πe Σ) = 4.5344473 (reference; scipy multivariate_normal.entropy)', () => {
    expectClose(d().entropy(), [refEntropy(cov(L))], 1e-6);
    expectClose(d().entropy(), [4.534447336212297], 1e-6);
  });

  it('covariance = L Lᵀ, variance its diagonal, stddev its square root, mean = mode = loc', () => {
    const c = cov(L);
    expectClose(d().covariance(), c.flat());
    expectClose(d().variance(), c.map((r, i) => r[i] as number));
    expectClose(d().stddev(), c.map((r, i) => Math.sqrt(r[i] as number)));
    expectClose(d().mean(), MU);
    expectClose(d().mode(), MU);
  });

  it('ignores the upper triangle of scaleTril (as TFP) and accepts a negative diagonal (covariance LLᵀ)', () => {
    const junk = L.map((r, i) => r.map((v, j) => (j > i ? 9 : v)));
    const x = [[0.2, 0.1, -0.3]];
    expectClose(new MultivariateNormalTriL({loc: MU, scaleTril: junk}).logProb(x), values(d().logProb(x)));
    const neg: Mat = [[-1.5, 0, 0], [0.3, 0.8, 0], [-0.6, 0.2, -1.1]];
    const dn = new MultivariateNormalTriL({loc: MU, scaleTril: neg});
    expectClose(dn.logProb(x), [refLogPdf(x[0] as number[], MU, cov(neg))], 1e-5);
    expectClose(dn.entropy(), [refEntropy(cov(neg))], 1e-6);
    expectClose(dn.covariance(), cov(neg).flat());
  });

  it('the gradient of logProb: ∂/∂μ = Σ⁻¹(x − μ), ∂/∂L = tril(L⁻ᵀ z zᵀ) − diag(1/L_ii) with z = L⁻¹(x − μ)', () => {
    const x = [1, -2, 2.5];
    const [gl, gs] = tf.grads((loc: tf.Tensor, scaleTril: tf.Tensor) =>
      new MultivariateNormalTriL({loc, scaleTril}).logProb(x))([tf.tensor1d(MU), tf.tensor2d(L)]);
    expectClose(gl as tf.Tensor, matvec(inverse(cov(L)), sub(x, MU)), 1e-5, 1e-6);
    const linv = inverse(L);
    const z = matvec(linv, sub(x, MU));
    const a = matvec(transpose(linv), z);
    const expected = L.map((r, i) => r.map((_, j) => (j > i ? 0 : (a[i] as number) * (z[j] as number) - (i === j ? 1 / (L[i]![i] as number) : 0))));
    expectClose(gs as tf.Tensor, expected.flat(), 1e-5, 1e-6);
  });

  it('sample mean and covariance within 5 SE (se(s_ij) = √((Σ_ii Σ_jj + Σ_ij²)/n)); same seed, same draw', () => {
    const n = 20000;
    const s = d().sample([n], testSeed());
    expect(s.shape).toEqual([n, 3]);
    const v = values(s);
    const rows = Array.from({length: n}, (_, i) => v.slice(3 * i, 3 * i + 3));
    const mean = [0, 1, 2].map((j) => rows.reduce((acc, r) => acc + (r[j] as number), 0) / n);
    const c = cov(L);
    mean.forEach((m, j) => expect(Math.abs(m - (MU[j] as number)), `mean ${j}`).toBeLessThanOrEqual(5 * Math.sqrt(c[j]![j]! / n)));
    for (let i = 0; i < 3; i++) {
      for (let j = 0; j <= i; j++) {
        const sij = rows.reduce((acc, r) => acc + ((r[i] as number) - (mean[i] as number)) * ((r[j] as number) - (mean[j] as number)), 0) / (n - 1);
        const se = Math.sqrt((c[i]![i]! * c[j]![j]! + c[i]![j]! ** 2) / n);
        expect(Math.abs(sij - c[i]![j]!), `cov ${i},${j}: ${sij}`).toBeLessThanOrEqual(5 * se);
      }
    }
    expect(values(d().sample([2], 3))).toEqual(values(d().sample([2], 3)));
    expect(values(d().sample([2], 3))).not.toEqual(values(d().sample([2], 4)));
  });

  it('sample is reparameterized: ∂Σ sample/∂loc = n for each coordinate', () => {
    const g = tf.grad((loc: tf.Tensor) => tf.sum(new MultivariateNormalTriL({loc, scaleTril: L}).sample([5], 1)))(tf.tensor1d(MU));
    expectClose(g, [5, 5, 5]);
  });

  it('shapes: loc [2, 3] with scaleTril [3, 3] → batch [2]; sample [4, 2, 3]; logProb [4, 2]; entropy [2]; covariance [2, 3, 3]', () => {
    const b = new MultivariateNormalTriL({loc: tf.zeros([2, 3]), scaleTril: L});
    expect(b.batchShape).toEqual([2]);
    expect(b.eventShape).toEqual([3]);
    const s = b.sample([4], testSeed());
    expect(s.shape).toEqual([4, 2, 3]);
    expect(shapeOf(b.logProb(s))).toEqual([4, 2]);
    s.dispose();
    expect(shapeOf(b.entropy())).toEqual([2]);
    expect(shapeOf(b.covariance())).toEqual([2, 3, 3]);
    expect(shapeOf(b.mean())).toEqual([2, 3]);
    const bs = new MultivariateNormalTriL({scaleTril: tf.stack([tf.tensor2d(L), tf.eye(3)])});
    expect(bs.batchShape).toEqual([2]);
    expectClose(bs.logProb([0.5, -1, 2]), [refLogPdf(MU, [0, 0, 0], cov(L)), refLogPdf(MU, [0, 0, 0], cov([[1, 0, 0], [0, 1, 0], [0, 0, 1]]))], 1e-5);
  });

  it('defaults: loc zeros when only scaleTril is given; the identity scale when only loc is given', () => {
    expectClose(new MultivariateNormalTriL({scaleTril: L}).mean(), [0, 0, 0]);
    expectClose(new MultivariateNormalTriL({loc: [1, 2]}).covariance(), [1, 0, 0, 1]);
    expectClose(new MultivariateNormalTriL({loc: [1, 2]}).logProb([1, 2]), [-Math.log(2 * Math.PI)]);
  });

  it('typed errors name the argument and the value', () => {
    expect(() => new MultivariateNormalTriL({})).toThrowError(/^MultivariateNormalTriL: one or both of loc and scaleTril must be given; got neither\.$/);
    expect(() => new MultivariateNormalTriL({scaleTril: [[1, 0, 0], [0, 1, 0]]})).toThrowError(/scaleTril must have shape batch \+ \[K, K\].*got shape \[2,3\]/);
    expect(() => new MultivariateNormalTriL({scaleTril: [1, 2]})).toThrowError(/got shape \[2\]/);
    expect(() => new MultivariateNormalTriL({loc: [0, 0], scaleTril: L})).toThrowError(/loc's last dimension must equal scaleTril's K = 3; got loc shape \[2\]/);
    expect(() => new MultivariateNormalTriL({loc: 0})).toThrowError(/loc must have rank ≥ 1/);
    expect(() => new MultivariateNormalTriL({scaleTril: [[1, 0], [2, 0]]})).toThrowError(ValueError);
    expect(() => new MultivariateNormalTriL({scaleTril: [[1, 0], [2, 0]]}))
        .toThrowError(/^MultivariateNormalTriL: the diagonal of scaleTril must be positive or negative \(non-zero\) everywhere; got 0 in \[\[1,0\],\[2,0\]\]\.$/);
    expect(() => new MultivariateNormalTriL({scaleTril: tf.tensor2d([[1, 0], [2, 0]]), validateArgs: true})).toThrowError(/diagonal of scaleTril/);
    expect(() => new MultivariateNormalTriL({loc: tf.zeros([2, 3]), scaleTril: tf.zeros([3, 3, 3]).add(tf.eye(3))}))
        .toThrowError(/batch shapes of loc and scaleTril must broadcast; got \[2\] and \[3\]/);
    expect(() => d().logProb([1, 2])).toThrowError(/x must have last dimension K = 3; got shape \[2\]/);
    expect(() => new MultivariateNormalTriL({loc: MU, scale_tril: L} as never)).toThrowError(/did you mean scaleTril/);
  });

  it('validateArgs re-checks a variable scaleTril on use', () => {
    const s = tf.variable(tf.tensor2d([[1, 0], [0.5, 2]]));
    const dv = new MultivariateNormalTriL({scaleTril: s, validateArgs: true});
    s.assign(tf.tensor2d([[1, 0], [0.5, 0]]));
    expect(() => dv.logProb([0, 0])).toThrowError(/diagonal of scaleTril must be positive or negative \(non-zero\) everywhere; got 0/);
    s.dispose();
  });

  it('keeps tf.memory().numTensors flat', () => {
    const q = d();
    const p = new MultivariateNormalDiag({loc: [0, 0, 0], scaleDiag: [1, 2, 3]});
    expectNoLeak(() => {
      const s = q.sample([3], 1);
      tf.dispose([s, q.logProb(s), q.entropy(), q.covariance(), q.stddev(), klDivergence(q, q), klDivergence(q, p), klDivergence(p, q)]);
    });
  });
});

describe('KL with MultivariateNormalTriL (TFP _kl_brute_force)', () => {
  const L2: Mat = [[0.7, 0, 0], [-0.4, 1.3, 0], [0.1, 0.5, 0.9]];
  const MU2 = [-0.2, 0.4, 1];
  const q = (): MultivariateNormalTriL => new MultivariateNormalTriL({loc: MU2, scaleTril: L2});
  const diag = [0.5, 2, 1.5];
  const D: Mat = diag.map((v, i) => diag.map((_, j) => (i === j ? v : 0)));
  const md = (): MultivariateNormalDiag => new MultivariateNormalDiag({loc: [0.3, 0, -1], scaleDiag: diag});

  it('TriL ‖ TriL = ½(tr(Σp⁻¹Σq) + Δᵀ Σp⁻¹ Δ − K + log|Σp| − log|Σq|) (float64 reference); KL(d ‖ d) = 0', () => {
    expectClose(klDivergence(q(), d()), [refKL(MU2, cov(L2), MU, cov(L))], 1e-5);
    expectClose(klDivergence(d(), q()), [refKL(MU, cov(L), MU2, cov(L2))], 1e-5);
    expectClose(klDivergence(d(), d()), [0], 0, 2e-6);
  });

  it('TriL ‖ Diag and Diag ‖ TriL (TFP registers the linear-operator pair, so both directions exist)', () => {
    expectClose(klDivergence(q(), md()), [refKL(MU2, cov(L2), [0.3, 0, -1], cov(D))], 1e-5);
    expectClose(klDivergence(md(), q()), [refKL([0.3, 0, -1], cov(D), MU2, cov(L2))], 1e-5);
  });

  it('agrees with the MVNDiag ‖ MVNDiag rule when L is diagonal', () => {
    const t = new MultivariateNormalTriL({loc: [0.3, 0, -1], scaleTril: D});
    const other = new MultivariateNormalDiag({loc: [0, 1, 0], scaleDiag: [1, 0.5, 2]});
    expectClose(klDivergence(t, other), values(klDivergence(md(), other)), 1e-5, 1e-6);
  });

  it('has shape broadcast(q.batch, p.batch) and is differentiable in both scales', () => {
    const qb = new MultivariateNormalTriL({loc: tf.zeros([2, 3]), scaleTril: L});
    expect(shapeOf(klDivergence(qb, q()))).toEqual([2]);
    const g = tf.grad((s: tf.Tensor) => klDivergence(new MultivariateNormalTriL({loc: MU2, scaleTril: s}), q()))(tf.tensor2d(L2));
    expectClose(g, new Array(9).fill(0), 0, 1e-5);  // the minimum at q itself
  });

  it('different event sizes are a ValueError', () => {
    expect(() => klDivergence(q(), new MultivariateNormalDiag({loc: [0, 0]}))).toThrowError(/Event shapes do not match/);
  });
});
