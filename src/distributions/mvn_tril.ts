// MultivariateNormalTriL: a multivariate Normal with covariance L Lᵀ for a lower-triangular scale L,
// and the KL rules between it and MultivariateNormalDiag. Port of
// tensorflow_probability/python/distributions/{mvn_tril,mvn_linear_operator}.py.
import * as tf from '@tensorflow/tfjs-core';

import {ValueError} from '../util/errors.js';
import {fmt} from '../util/format.js';
import {randomNormal} from '../util/random.js';
import {broadcastShapes, shapesEqual} from '../util/shape.js';

import {checkParam, Distribution, isMutableParam, isTensor, paramShape, readParam, resolveSeed, toTensor} from './distribution.js';
import type {DistributionArgs, ParamLike, SampleShape, TensorLike} from './distribution.js';
import {broadcastTo, matrixDiag, matrixDiagPart, matvec, solveLowerTriangular} from './internal.js';
import {registerKL} from './kl.js';
import {MultivariateNormalDiag} from './mvn_diag.js';

const LOG_TWO_PI = Math.log(2 * Math.PI);

/** The `[k, k]` matrix of ones on and below the diagonal. */
function lowerMask(k: number): tf.Tensor {
  const m = new Float32Array(k * k);
  for (let i = 0; i < k; i++) for (let j = 0; j <= i; j++) m[i * k + j] = 1;
  return tf.tensor2d(m, [k, k]);
}

/**
 * Arguments of {@link MultivariateNormalTriL}: at least one of `loc` and `scaleTril`.
 *
 * @example
 * const args: tfp.distributions.MultivariateNormalTriLArgs = {loc: [0, 0], scaleTril: [[1, 0], [0.5, 2]]};
 */
export interface MultivariateNormalTriLArgs extends DistributionArgs {
  /** Mean μ, shape `batch + [K]`. Default: zeros. */
  loc?: ParamLike;
  /**
   * The scale L, shape `batch + [K, K]`, lower-triangular with a non-zero diagonal (either sign);
   * entries above the diagonal are ignored, as in TFP. Covariance `L Lᵀ`. Default: the identity.
   * A 0 on the diagonal of a number array is a `ValueError`; a tensor's diagonal is checked when
   * `validateArgs` (a variable or deferred one again on every use).
   */
  scaleTril?: ParamLike;
}

/**
 * MultivariateNormalTriL(loc, scaleTril): event `[K]`, batch `broadcast(loc[:-1], scaleTril[:-2])`,
 * `X = μ + L ε` with `ε ~ N(0, I)` (reparameterized). `logProb(x) = −½‖L⁻¹(x − μ)‖² −
 * Σ log|L_ii| − (K/2) log 2π` (forward substitution: tfjs has no triangular solve), entropy
 * `(K/2)(1 + log 2π) + Σ log|L_ii|`, `covariance() = L Lᵀ`, variance its diagonal.
 * Analytic KLs are registered against itself and MultivariateNormalDiag, both ways (TFP's
 * `_kl_brute_force` for linear-operator MVNs).
 *
 * @example
 * const d = new tfp.distributions.MultivariateNormalTriL({loc: [0, 1], scaleTril: [[1, 0], [0.5, 2]]});
 * d.covariance();    // [[1, 0.5], [0.5, 4.25]]
 * d.logProb([0, 1]);  // −log(2π) − log 2 = −2.5310242
 */
export class MultivariateNormalTriL extends Distribution {
  readonly className: string = 'MultivariateNormalTriL';
  /** K, the event size. */
  readonly eventSize: number;
  private readonly locParam?: ParamLike;
  private readonly trilParam?: ParamLike;
  private readonly checkOnRead: boolean;
  private readonly batch: number[];

  constructor(args: MultivariateNormalTriLArgs) {
    super(args, 'MultivariateNormalTriL', ['loc', 'scaleTril']);
    const hasLoc = args.loc !== undefined && args.loc !== null;
    const hasTril = args.scaleTril !== undefined && args.scaleTril !== null;
    if (!hasLoc && !hasTril) {
      throw new ValueError('MultivariateNormalTriL: one or both of loc and scaleTril must be given; got neither.');
    }
    let k: number | undefined;
    let locBatch: number[] = [];
    let trilBatch: number[] = [];
    if (hasTril) {
      checkParam(this.className, 'scaleTril', args.scaleTril);
      const s = paramShape(args.scaleTril as ParamLike);
      if (s.length < 2 || s[s.length - 1] !== s[s.length - 2]) {
        throw new ValueError(`MultivariateNormalTriL: scaleTril must have shape batch + [K, K] (rank ≥ 2, ` +
            `square); got shape ${fmt(s)}.`);
      }
      k = s[s.length - 1] as number;
      trilBatch = s.slice(0, -2);
    }
    if (hasLoc) {
      checkParam(this.className, 'loc', args.loc);
      const s = paramShape(args.loc as ParamLike);
      if (s.length < 1) {
        throw new ValueError(`MultivariateNormalTriL: loc must have rank ≥ 1 (event [K]); got shape ${fmt(s)}.`);
      }
      const kl = s[s.length - 1] as number;
      if (k !== undefined && kl !== k) {
        throw new ValueError(`MultivariateNormalTriL: loc's last dimension must equal scaleTril's K = ${k}; ` +
            `got loc shape ${fmt(s)}.`);
      }
      k = kl;
      locBatch = s.slice(0, -1);
    }
    try {
      this.batch = broadcastShapes(locBatch, trilBatch);
    } catch {
      throw new ValueError(`MultivariateNormalTriL: the batch shapes of loc and scaleTril must broadcast; ` +
          `got ${fmt(locBatch)} and ${fmt(trilBatch)}.`);
    }
    this.eventSize = k as number;
    this.locParam = hasLoc ? args.loc : undefined;
    this.trilParam = hasTril ? args.scaleTril : undefined;
    if (hasTril) {
      const p = args.scaleTril as ParamLike;
      // Number arrays are always checked, a tensor only with validateArgs (as checkNonZero does).
      if (Array.isArray(p) || (this.validateArgs && isTensor(p))) {
        const t = readParam(p);
        try {
          this.checkDiagonal(t, p);
        } finally {
          if (t !== p) t.dispose();  // the tensor made from a number array
        }
      }
    }
    this.checkOnRead = hasTril && this.validateArgs && isMutableParam(args.scaleTril);
  }

  private checkDiagonal(t: tf.Tensor, given: unknown): void {
    const diag = tf.tidy(() => matrixDiagPart(t));
    const v = Array.from(diag.dataSync());
    diag.dispose();
    const bad = v.find((d) => !(d > 0 || d < 0));
    if (bad !== undefined) {
      throw new ValueError(`MultivariateNormalTriL: the diagonal of scaleTril must be positive or negative ` +
          `(non-zero) everywhere; got ${fmt(bad)} in ${fmt(given)}.`);
    }
  }

  /** μ (zeros when not given; re-read on every access). */
  get loc(): tf.Tensor {
    return this.locParam === undefined ? tf.zeros([this.eventSize]) : readParam(this.locParam);
  }

  /** L: `scaleTril` with its upper triangle zeroed (the identity when not given; re-read on every access). */
  get scaleTril(): tf.Tensor {
    if (this.trilParam === undefined) return tf.eye(this.eventSize);
    const given = readParam(this.trilParam);
    if (this.checkOnRead) this.checkDiagonal(given, given);
    // A multiply by the constant lower-triangular mask rather than tf.linalg.bandPart, whose
    // gradient fails for a single matrix (its unstack of a size-1 axis has no array gradient).
    return tf.mul(given, lowerMask(this.eventSize));
  }

  override get reparameterized(): boolean {
    return true;
  }

  get batchShape(): number[] {
    return this.batch.slice();
  }

  get eventShape(): number[] {
    return [this.eventSize];
  }

  /** `μ + L ε`, `ε ~ N(0, I)` of shape `sampleShape + batch + [K]`. */
  sample(sampleShape: SampleShape = [], seed?: number): tf.Tensor {
    const args = this.sampleArgs(sampleShape, seed);
    return tf.tidy(() => {
      const eps = randomNormal([...args.shape, ...this.batch, this.eventSize], resolveSeed(args.seed));
      return tf.add(this.loc, matvec(this.scaleTril, eps));
    });
  }

  /** `Σ log|L_ii|` (log |det L|), shape `batch` of L. */
  logAbsDetScale(): tf.Tensor {
    return tf.tidy(() => tf.sum(tf.log(tf.abs(matrixDiagPart(this.scaleTril))), -1));
  }

  /** `−½‖L⁻¹(x − μ)‖² − log|det L| − (K/2) log 2π`; shape `broadcast(x.shape[:-1], batch)`. */
  logProb(x: TensorLike): tf.Tensor {
    return tf.tidy(() => {
      const xt = toTensor(x);
      const k = this.eventSize;
      if (xt.rank < 1 || xt.shape[xt.rank - 1] !== k) {
        throw new ValueError(`MultivariateNormalTriL: x must have last dimension K = ${k}; got shape ${fmt(xt.shape)}.`);
      }
      let out: number[];
      try {
        out = broadcastShapes(xt.shape.slice(0, -1), this.batch);
      } catch {
        throw new ValueError(`MultivariateNormalTriL: x.shape[:-1] must broadcast against batchShape ` +
            `${fmt(this.batch)}; got shape ${fmt(xt.shape)}.`);
      }
      const l = this.scaleTril;
      const y = tf.sub(xt, this.loc);
      const z = matvec(solveLowerTriangular(l, tf.eye(k)), y);
      const logDet = tf.sum(tf.log(tf.abs(matrixDiagPart(l))), -1);
      const lp = tf.sub(tf.sub(tf.mul(-0.5, tf.sum(tf.square(z), -1)), logDet), 0.5 * k * LOG_TWO_PI);
      return broadcastTo(lp, out);
    });
  }

  override mean(): tf.Tensor {
    return tf.tidy(() => broadcastTo(tf.add(this.loc, tf.zeros([this.eventSize])), [...this.batch, this.eventSize]));
  }

  override mode(): tf.Tensor {
    return this.mean();
  }

  /** `L Lᵀ`, shape `batch + [K, K]`. */
  covariance(): tf.Tensor {
    return tf.tidy(() => {
      const l = this.scaleTril;
      const c = tf.matMul(l, l, false, true);
      return broadcastTo(c, [...this.batch, this.eventSize, this.eventSize]);
    });
  }

  /** The diagonal of `L Lᵀ`: `Σ_j L_ij²`, shape `batch + [K]`. */
  override variance(): tf.Tensor {
    return tf.tidy(() => broadcastTo(tf.sum(tf.square(this.scaleTril), -1), [...this.batch, this.eventSize]));
  }

  override stddev(): tf.Tensor {
    return tf.tidy(() => tf.sqrt(this.variance()));
  }

  /** `(K/2)(1 + log 2π) + log|det L|`, shape `batch`. */
  override entropy(): tf.Tensor {
    return tf.tidy(() => broadcastTo(tf.add(this.logAbsDetScale(), 0.5 * this.eventSize * (1 + LOG_TWO_PI)),
        this.batch));
  }
}

/** A multivariate Normal as (μ, dense lower-triangular L, batch, K), for the KL rules below. */
interface MvnParts {
  loc: tf.Tensor;
  scale: tf.Tensor;
  batch: number[];
  k: number;
}

function partsOf(d: MultivariateNormalTriL | MultivariateNormalDiag): MvnParts {
  if (d instanceof MultivariateNormalTriL) {
    return {loc: d.loc, scale: d.scaleTril, batch: d.batchShape, k: d.eventSize};
  }
  return {loc: d.loc, scale: matrixDiag(d.scaleDiag), batch: d.batchShape, k: d.eventShape[0] as number};
}

/**
 * `KL(q ‖ p) = log|det Lp| − log|det Lq| + ½(‖Lp⁻¹ Lq‖²_F + ‖Lp⁻¹(μp − μq)‖² − K)` for multivariate
 * Normals with scales Lq, Lp (TFP's `_kl_brute_force`), shape `broadcast(q.batch, p.batch)`.
 * Event sizes must match (`ValueError`).
 */
export function klMvnTriL(q: MultivariateNormalTriL | MultivariateNormalDiag,
    p: MultivariateNormalTriL | MultivariateNormalDiag): tf.Tensor {
  if (!shapesEqual(q.eventShape, p.eventShape)) {
    throw new ValueError(`Event shapes do not match. ${q.className}: q.eventShape ${fmt(q.eventShape)} and ` +
        `${p.className}: p.eventShape ${fmt(p.eventShape)}.`);
  }
  return tf.tidy(() => {
    const a = partsOf(q);
    const b = partsOf(p);
    const logDet = (l: tf.Tensor): tf.Tensor => tf.sum(tf.log(tf.abs(matrixDiagPart(l))), -1);
    const frob = tf.sum(tf.square(solveLowerTriangular(b.scale, a.scale)), [-2, -1]);
    const diff = tf.expandDims(tf.sub(b.loc, a.loc), -1);
    const maha = tf.sum(tf.square(solveLowerTriangular(b.scale, diff)), [-2, -1]);
    const kl = tf.add(tf.sub(logDet(b.scale), logDet(a.scale)), tf.mul(0.5, tf.sub(tf.add(frob, maha), a.k)));
    return broadcastTo(kl, broadcastShapes(kl.shape, broadcastShapes(a.batch, b.batch)));
  });
}

registerKL(MultivariateNormalTriL, MultivariateNormalTriL, klMvnTriL);
registerKL(MultivariateNormalTriL, MultivariateNormalDiag, klMvnTriL);
registerKL(MultivariateNormalDiag, MultivariateNormalTriL, klMvnTriL);
