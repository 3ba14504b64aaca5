// The curvature of a last layer's negative log-likelihood, accumulated in float64 on the host over
// batches of features, and the three posterior structures built from it (full, diagonal,
// Kronecker-factored). Parameters θ are the head's kernel W [d, C] (row-major) followed by its bias
// b [C]: with a = [φ; 1] (D = d + 1 entries; D = d without a bias) the index of θ_(i,c) is i·C + c,
// and the logits are f = Θᵀa with Θ = [W; b] of shape [D, C].
//
// Generalized Gauss–Newton (= Fisher for these likelihoods): H = Σ_n (a_n a_nᵀ) ⊗ Λ_n with
// Λ_n = diag(p_n) − p_n p_nᵀ (softmax cross-entropy) or Λ = I / σ² (Gaussian). For a linear head
// the GGN is the exact Hessian of the NLL in θ (the logits are linear in θ).
import * as tf from '@tensorflow/tfjs-core';

import {ValueError} from '../util/errors.js';

import {symmetricEigen} from './linalg.js';
import type {SymmetricEigen} from './linalg.js';

/** How the Hessian (and so the posterior covariance) is represented. */
export type HessianStructure = 'full' | 'diagonal' | 'kron';

/** Accumulates Σ_n (a aᵀ) ⊗ Λ_n in one of the three structures, in float64. */
export class CurvatureAccumulator {
  /** Examples added. */
  count = 0;
  /** full: H [P, P] (upper blocks during accumulation); diagonal: diag H [P]; kron: A = Σ a aᵀ [D, D]. */
  private readonly h: Float64Array;
  /** kron only: Σ_n Λ_n [C, C]. */
  private readonly g: Float64Array | null;
  readonly p: number;

  constructor(readonly structure: HessianStructure, readonly d: number, readonly c: number,
      readonly regression: boolean) {
    this.p = d * c;
    // Regression: Λ = I/σ², so H = A/σ² ⊗ I exactly; only A is accumulated whatever the structure.
    const size = regression ? (structure === 'diagonal' ? d : d * d) :
        structure === 'full' ? this.p * this.p : structure === 'diagonal' ? this.p : d * d;
    this.h = new Float64Array(size);
    this.g = !regression && structure === 'kron' ? new Float64Array(c * c) : null;
  }

  /**
   * Adds a batch: `a` is [B, D] (features with the trailing 1), `probs` [B, C] (classification;
   * ignored for regression).
   */
  add(a: ArrayLike<number>, probs: ArrayLike<number> | null, batch: number): void {
    const {d, c} = this;
    const lam = new Float64Array(c * c);
    for (let n = 0; n < batch; n++) {
      const ao = n * d;
      if (this.regression || this.structure === 'kron') {
        if (this.regression && this.structure === 'diagonal') {
          for (let i = 0; i < d; i++) this.h[i]! += (a[ao + i] as number) ** 2;
        } else {
          addOuter(this.h, a, ao, d);
        }
        if (this.g !== null) {
          softmaxCurvature(probs as ArrayLike<number>, n * c, c, lam);
          for (let k = 0; k < c * c; k++) this.g[k]! += lam[k] as number;
        }
      } else if (this.structure === 'diagonal') {
        const po = n * c;
        for (let i = 0; i < d; i++) {
          const ai2 = (a[ao + i] as number) ** 2;
          if (ai2 === 0) continue;
          for (let k = 0; k < c; k++) {
            const pk = (probs as ArrayLike<number>)[po + k] as number;
            this.h[i * c + k]! += ai2 * pk * (1 - pk);
          }
        }
      } else {
        softmaxCurvature(probs as ArrayLike<number>, n * c, c, lam);
        addKronUpper(this.h, a, ao, d, lam, c);
      }
    }
    this.count += batch;
  }

  /**
   * The posterior structure for this curvature (consumes the accumulator). `noiseVariance` is σ²
   * (regression only).
   */
  finish(noiseVariance = 1): PosteriorStructure {
    const {d, c} = this;
    if (this.count === 0) throw new ValueError('CurvatureAccumulator: no examples were added.');
    if (this.regression) {
      const inv = 1 / noiseVariance;
      if (this.structure === 'diagonal') {
        const h = new Float64Array(this.p);
        for (let i = 0; i < d; i++) for (let k = 0; k < c; k++) h[i * c + k] = (this.h[i] as number) * inv;
        return new DiagonalStructure(h, d, c);
      }
      const g = new Float64Array(c * c);
      for (let k = 0; k < c; k++) g[k * c + k] = inv;
      return new KronStructure(this.h, g, d, c, this.structure === 'full' ? 'full' : 'kron');
    }
    if (this.structure === 'diagonal') return new DiagonalStructure(this.h, d, c);
    if (this.structure === 'kron') {
      // KFAC: H ≈ (Σ a aᵀ) ⊗ (Σ Λ / N), exact when Λ is the same for every example.
      const g = (this.g as Float64Array).map((v) => v / this.count);
      return new KronStructure(this.h, g, d, c, 'kron');
    }
    mirrorBlocks(this.h, d, c);
    return new FullStructure(this.h, d, c);
  }
}

/** Λ = diag(p) − ppᵀ of one row of probabilities into `out` [C, C]. */
function softmaxCurvature(probs: ArrayLike<number>, po: number, c: number, out: Float64Array): void {
  for (let k = 0; k < c; k++) {
    const pk = probs[po + k] as number;
    for (let l = 0; l < c; l++) out[k * c + l] = (k === l ? pk : 0) - pk * (probs[po + l] as number);
  }
}

/** `m += a aᵀ` (D × D, full). */
function addOuter(m: Float64Array, a: ArrayLike<number>, ao: number, d: number): void {
  for (let i = 0; i < d; i++) {
    const ai = a[ao + i] as number;
    if (ai === 0) continue;
    const row = i * d;
    for (let j = 0; j < d; j++) m[row + j]! += ai * (a[ao + j] as number);
  }
}

/** `H += (a aᵀ) ⊗ Λ` on the blocks (i, j) with i ≤ j only (the rest is mirrored at the end). */
function addKronUpper(h: Float64Array, a: ArrayLike<number>, ao: number, d: number, lam: Float64Array, c: number): void {
  const p = d * c;
  for (let i = 0; i < d; i++) {
    const ai = a[ao + i] as number;
    if (ai === 0) continue;
    for (let j = i; j < d; j++) {
      const s = ai * (a[ao + j] as number);
      if (s === 0) continue;
      const base = i * c * p + j * c;
      for (let k = 0; k < c; k++) {
        const row = base + k * p;
        const lk = k * c;
        for (let l = 0; l < c; l++) h[row + l]! += s * (lam[lk + l] as number);
      }
    }
  }
}

/** Copies block (i, j), i < j, transposed into block (j, i). */
function mirrorBlocks(h: Float64Array, d: number, c: number): void {
  const p = d * c;
  for (let i = 0; i < d; i++) {
    for (let j = i + 1; j < d; j++) {
      for (let k = 0; k < c; k++) {
        for (let l = 0; l < c; l++) h[(j * c + l) * p + i * c + k] = h[(i * c + k) * p + j * c + l] as number;
      }
    }
  }
}

/**
 * A Gaussian posterior N(θ*, (H + λI)⁻¹) over the head's parameters, for any prior precision λ,
 * in one of the three structures. Tensors it holds are float32; dispose it when done.
 */
export abstract class PosteriorStructure {
  constructor(readonly structure: HessianStructure, readonly d: number, readonly c: number) {}

  /** Number of parameters P = D·C. */
  get numParams(): number {
    return this.d * this.c;
  }

  /** The P eigenvalues of the (approximate) Hessian H, clamped at 0 (round-off). */
  abstract get eigenvalues(): Float64Array;

  /** Dense H [P, P] in float64 (for tests and small heads). */
  abstract hessianMatrix(): Float64Array;

  /** Diagonal of the logits' covariance J (H + λI)⁻¹ Jᵀ for each λ: [G, B, C] for features a [B, D]. */
  abstract logitVariance(a: tf.Tensor2D, lambdas: readonly number[]): tf.Tensor3D;

  /** K draws of θ − θ* from N(0, (H + λI)⁻¹), as [K, D, C]. */
  abstract sampleDeltas(lambda: number, k: number, seed: number | undefined): tf.Tensor3D;

  abstract dispose(): void;
}

/** 1/(x + λ) for each λ: [P, G] (row-major), as a float32 tensor. */
function inverseShifted(x: Float64Array, lambdas: readonly number[]): tf.Tensor2D {
  const g = lambdas.length;
  const out = new Float32Array(x.length * g);
  for (let k = 0; k < x.length; k++) {
    for (let j = 0; j < g; j++) out[k * g + j] = 1 / (Math.max(x[k] as number, 0) + (lambdas[j] as number));
  }
  return tf.tensor2d(out, [x.length, g]);
}

/** Full P × P Hessian: eigendecomposition H = V diag(h) Vᵀ once, then any λ in O(P²). */
export class FullStructure extends PosteriorStructure {
  private readonly h: Float64Array;
  private readonly eig: SymmetricEigen;
  /** V as [D, C·P]: row i holds V[(i, c), k] for c, k. */
  private readonly vectors: tf.Tensor2D;

  constructor(h: Float64Array, d: number, c: number) {
    super('full', d, c);
    this.h = h;
    this.eig = symmetricEigen(h, d * c);
    this.vectors = tf.tensor2d(Float32Array.from(this.eig.vectors), [d, c * d * c]);
  }

  get eigenvalues(): Float64Array {
    return this.eig.values.map((v) => Math.max(v, 0));
  }

  hessianMatrix(): Float64Array {
    return Float64Array.from(this.h);
  }

  logitVariance(a: tf.Tensor2D, lambdas: readonly number[]): tf.Tensor3D {
    const {c} = this;
    const p = this.numParams;
    return tf.tidy(() => {
      const b = a.shape[0];
      // (J V)[n, c, k] = Σ_i a_ni V[(i, c), k]; var_c = Σ_k (J V)²_ck / (h_k + λ).
      const jv = tf.reshape(tf.matMul(a, this.vectors), [b * c, p]);
      const v = tf.matMul(tf.square(jv), inverseShifted(this.eigenvalues, lambdas));   // [B·C, G]
      return tf.transpose(tf.reshape(v, [b, c, lambdas.length]), [2, 0, 1]) as tf.Tensor3D;
    });
  }

  sampleDeltas(lambda: number, k: number, seed: number | undefined): tf.Tensor3D {
    const {d, c} = this;
    const p = this.numParams;
    return tf.tidy(() => {
      const z = tf.randomNormal([p, k], 0, 1, 'float32', seed);
      const scale = tf.tensor2d(Float32Array.from(this.eigenvalues, (h) => 1 / Math.sqrt(h + lambda)), [p, 1]);
      const v = tf.reshape(this.vectors, [p, p]);
      const delta = tf.matMul(v, tf.mul(z, scale));   // [P, K]
      return tf.reshape(tf.transpose(delta), [k, d, c]) as tf.Tensor3D;
    });
  }

  dispose(): void {
    this.vectors.dispose();
  }
}

/** Diagonal H: independent Gaussians per parameter. */
export class DiagonalStructure extends PosteriorStructure {
  private readonly h: Float64Array;

  constructor(h: Float64Array, d: number, c: number) {
    super('diagonal', d, c);
    this.h = h;
  }

  get eigenvalues(): Float64Array {
    return this.h.map((v) => Math.max(v, 0));
  }

  hessianMatrix(): Float64Array {
    const p = this.numParams;
    const m = new Float64Array(p * p);
    for (let i = 0; i < p; i++) m[i * p + i] = this.h[i] as number;
    return m;
  }

  logitVariance(a: tf.Tensor2D, lambdas: readonly number[]): tf.Tensor3D {
    const {d, c} = this;
    return tf.tidy(() => {
      const a2 = tf.square(a);
      const inv = inverseShifted(this.eigenvalues, lambdas);   // [P, G]
      const per = lambdas.map((_, j) => tf.matMul(a2, tf.reshape(tf.slice(inv, [0, j], [-1, 1]), [d, c])));
      return tf.stack(per) as tf.Tensor3D;
    });
  }

  sampleDeltas(lambda: number, k: number, seed: number | undefined): tf.Tensor3D {
    const {d, c} = this;
    return tf.tidy(() => {
      const sd = tf.tensor2d(Float32Array.from(this.eigenvalues, (h) => 1 / Math.sqrt(h + lambda)), [d, c]);
      return tf.mul(tf.randomNormal([k, d, c], 0, 1, 'float32', seed), sd) as tf.Tensor3D;
    });
  }

  dispose(): void {}
}

/**
 * Kronecker-factored H = A ⊗ G (A [D, D] over features, G [C, C] over outputs): eigenvalues
 * s_i·t_j, eigenvectors u_i ⊗ g_j. Exact for Gaussian regression (G = I/σ²); KFAC for softmax.
 */
export class KronStructure extends PosteriorStructure {
  private readonly ea: SymmetricEigen;
  private readonly eg: SymmetricEigen;
  private readonly ua: tf.Tensor2D;
  private readonly ug: tf.Tensor2D;

  constructor(private readonly a: Float64Array, private readonly g: Float64Array, d: number, c: number,
      structure: 'full' | 'kron') {
    super(structure, d, c);
    this.ea = symmetricEigen(a, d);
    this.eg = symmetricEigen(g, c);
    this.ua = tf.tensor2d(Float32Array.from(this.ea.vectors), [d, d]);
    this.ug = tf.tensor2d(Float32Array.from(this.eg.vectors), [c, c]);
  }

  /** The factors' eigenvalues (clamped at 0): s (of A) and t (of G). */
  private factorValues(): [Float64Array, Float64Array] {
    return [this.ea.values.map((v) => Math.max(v, 0)), this.eg.values.map((v) => Math.max(v, 0))];
  }

  get eigenvalues(): Float64Array {
    const [s, t] = this.factorValues();
    const out = new Float64Array(this.numParams);
    for (let i = 0; i < this.d; i++) for (let j = 0; j < this.c; j++) out[i * this.c + j] = (s[i] as number) * (t[j] as number);
    return out;
  }

  hessianMatrix(): Float64Array {
    const {d, c} = this;
    const p = d * c;
    const m = new Float64Array(p * p);
    for (let i = 0; i < d; i++) for (let k = 0; k < c; k++) {
      for (let j = 0; j < d; j++) for (let l = 0; l < c; l++) {
        m[(i * c + k) * p + j * c + l] = (this.a[i * d + j] as number) * (this.g[k * c + l] as number);
      }
    }
    return m;
  }

  logitVariance(a: tf.Tensor2D, lambdas: readonly number[]): tf.Tensor3D {
    const {d, c} = this;
    return tf.tidy(() => {
      // b = U_Aᵀ a; w_l = Σ_k b_k² / (s_k t_l + λ); var_c = Σ_l U_G[c, l]² w_l.
      const b2 = tf.square(tf.matMul(a, this.ua));
      const inv = inverseShifted(this.eigenvalues, lambdas);   // [(k, l), G]
      const ug2t = tf.transpose(tf.square(this.ug));
      const per = lambdas.map((_, j) => tf.matMul(tf.matMul(b2, tf.reshape(tf.slice(inv, [0, j], [-1, 1]), [d, c])), ug2t));
      return tf.stack(per) as tf.Tensor3D;
    });
  }

  sampleDeltas(lambda: number, k: number, seed: number | undefined): tf.Tensor3D {
    const {d, c} = this;
    return tf.tidy(() => {
      const sd = tf.tensor2d(Float32Array.from(this.eigenvalues, (h) => 1 / Math.sqrt(h + lambda)), [d, c]);
      const z = tf.mul(tf.randomNormal([k, d, c], 0, 1, 'float32', seed), sd);
      // Θ − Θ* = U_A (Z ⊙ sd) U_Gᵀ for each draw.
      const left = tf.matMul(tf.broadcastTo(this.ua, [k, d, d]), z);
      return tf.matMul(left, tf.broadcastTo(this.ug, [k, c, c]), false, true) as tf.Tensor3D;
    });
  }

  dispose(): void {
    this.ua.dispose();
    this.ug.dispose();
  }
}
