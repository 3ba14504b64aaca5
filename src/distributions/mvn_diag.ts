// MultivariateNormalDiag: a Normal with a diagonal covariance and event `[K]` (the last axis).
// Port of tensorflow_probability/python/distributions/mvn_diag.py (diagonal case of mvn_linear_operator.py).
import * as tf from '@tensorflow/tfjs-core';

import {ValueError} from '../util/errors.js';
import {fmt} from '../util/format.js';
import {randomNormal} from '../util/random.js';
import {broadcastShapes, shapesEqual} from '../util/shape.js';

import {checkNonZero, checkParam, constantValueOf, Distribution, isMutableParam, paramShape, readParam, resolveSeed} from './distribution.js';
import type {DistributionArgs, ParamLike, SampleShape, TensorLike} from './distribution.js';
import {broadcastBatch, broadcastTo, sumRightmost} from './internal.js';
import {registerKL} from './kl.js';
import {klNormalNormal, Normal} from './normal.js';

/**
 * Arguments of {@link MultivariateNormalDiag}.
 *
 * @example
 * const args: tfp.distributions.MultivariateNormalDiagArgs = {loc: [0, 0], scaleDiag: [1, -2]};
 */
export interface MultivariateNormalDiagArgs extends DistributionArgs {
  /** Mean, shape `batch + [K]`. */
  loc: ParamLike;
  /**
   * Diagonal of the scale matrix, shape `batch + [K]`, non-zero; a negative entry is allowed (the
   * covariance is `diag(scaleDiag²)` and the per-coordinate σ is `|scaleDiag|`, as in TFP). Default: ones.
   */
  scaleDiag?: ParamLike;
}

/** `|p|` as a parameter: a number or array stays one, a tensor or function becomes a deferred `tf.abs`. */
function absParam(p: ParamLike, read: () => tf.Tensor): ParamLike {
  if (typeof p === 'number') return Math.abs(p);
  if (Array.isArray(p)) {
    const abs = (v: unknown): unknown => (Array.isArray(v) ? v.map(abs) : Math.abs(v as number));
    return abs(p) as ParamLike;
  }
  const c = constantValueOf(p);
  const f = (): tf.Tensor => tf.abs(read());
  return c === undefined ? f : Object.assign(f, {constantValue: Math.abs(c)});
}

/**
 * MultivariateNormalDiag(loc, scaleDiag): event `[K]`, batch `broadcast(loc, scaleDiag)[:-1]`.
 * Equivalent to `Independent(Normal(loc, |scaleDiag|), 1)`: `logProb` and `entropy` sum the Normal
 * terms over the last axis. `sample` is `loc + scaleDiag ⊙ ε` (for a positive scaleDiag, the same
 * draw as that Normal's). Reparameterized.
 *
 * `scaleDiag` is a scale, not a standard deviation: as in TFP (whose diagonal operator is
 * `is_non_singular`, not positive definite), a negative entry is valid, the covariance is
 * `diag(scaleDiag²)`, `stddev()` is `|scaleDiag|`, and `log|det scale| = Σ log|scaleDiag|`.
 * Only 0 is refused (a singular scale).
 *
 * Porting note: TFP exposes the scale as a LinearOperator; here it is the tensor `scaleDiag`.
 *
 * @example
 * const d = new tfp.distributions.MultivariateNormalDiag({loc: [0, 0], scaleDiag: [1, 2]});
 * d.logProb([0, 0]);  // scalar −2.5310242
 */
export class MultivariateNormalDiag extends Distribution {
  readonly className: string = 'MultivariateNormalDiag';
  private readonly locParam: ParamLike;
  private readonly scaleParam: ParamLike;
  /** validateArgs with a scaleDiag that can change after construction: re-checked on every read. */
  private readonly checkScaleOnRead: boolean;
  /** Normal(loc, |scaleDiag|): the marginals, for logProb, entropy, stddev and KL. */
  private readonly normal: Normal;

  constructor(args: MultivariateNormalDiagArgs) {
    super(args, 'MultivariateNormalDiag', ['loc', 'scaleDiag']);
    const scaleDiag = args.scaleDiag ?? 1;
    checkParam(this.className, 'loc', args.loc);
    checkParam(this.className, 'scaleDiag', scaleDiag);
    checkNonZero(this.className, 'scaleDiag', scaleDiag, this.validateArgs);
    let shape: number[];
    try {
      shape = broadcastShapes(paramShape(args.loc), paramShape(scaleDiag));
    } catch {
      throw new ValueError(`MultivariateNormalDiag: loc and scaleDiag must have broadcastable shapes; ` +
          `got ${fmt(paramShape(args.loc))} and ${fmt(paramShape(scaleDiag))}.`);
    }
    if (shape.length < 1) {
      throw new ValueError(`MultivariateNormalDiag: loc and scaleDiag must have rank ≥ 1 (event [K]); ` +
          `got shape ${fmt(shape)}.`);
    }
    this.locParam = args.loc;
    this.scaleParam = scaleDiag;
    this.checkScaleOnRead = this.validateArgs && isMutableParam(scaleDiag);
    this.normal = new Normal({loc: args.loc, scale: absParam(scaleDiag, () => this.scaleDiag)});
  }

  /** Mean μ (re-read on every access). */
  get loc(): tf.Tensor {
    return readParam(this.locParam);
  }

  /**
   * The scale's diagonal as given (either sign; re-read on every access). With `validateArgs`, a
   * variable or deferred scaleDiag is checked to be non-zero here, i.e. by every method using it.
   */
  get scaleDiag(): tf.Tensor {
    const scaleDiag = readParam(this.scaleParam);
    if (this.checkScaleOnRead) checkNonZero(this.className, 'scaleDiag', scaleDiag, true);
    return scaleDiag;
  }

  override get reparameterized(): boolean {
    return true;
  }

  get batchShape(): number[] {
    return this.normal.batchShape.slice(0, -1);
  }

  get eventShape(): number[] {
    return this.normal.batchShape.slice(-1);
  }

  /** `loc + scaleDiag ⊙ ε`, `ε ~ N(0, I)` (TFP's `loc + scale.matvec(ε)`), gradients to both. */
  sample(sampleShape: SampleShape = [], seed?: number): tf.Tensor {
    const args = this.sampleArgs(sampleShape, seed);
    return tf.tidy(() => {
      const eps = randomNormal([...args.shape, ...this.normal.batchShape], resolveSeed(args.seed));
      return tf.add(this.loc, tf.mul(this.scaleDiag, eps));
    });
  }

  logProb(x: TensorLike): tf.Tensor {
    return tf.tidy(() => sumRightmost(broadcastBatch(this.normal.logProb(x), this.normal.batchShape, 0), 1));
  }

  override mean(): tf.Tensor {
    return this.normal.mean();
  }

  override mode(): tf.Tensor {
    return this.normal.mean();
  }

  override stddev(): tf.Tensor {
    return this.normal.stddev();
  }

  /** The covariance `diag(scaleDiag²)`, shape `batchShape + [K, K]`. */
  covariance(): tf.Tensor {
    return tf.tidy(() => {
      const k = this.eventShape[0] as number;
      const v = broadcastTo(tf.square(this.normal.stddev()), this.normal.batchShape);
      return tf.mul(tf.expandDims(v, -1), tf.eye(k));
    });
  }

  override entropy(): tf.Tensor {
    return tf.tidy(() => sumRightmost(broadcastTo(this.normal.entropy(), this.normal.batchShape), 1));
  }

  /**
   * The marginal `Normal(loc, |scaleDiag|)` with batch `batch + [K]` (reads this distribution's
   * parameters on every use).
   */
  get marginals(): Normal {
    return this.normal;
  }
}

/** KL(MVNDiag ‖ MVNDiag) = Σ over the last axis of the elementwise Normal‖Normal KL. */
export function klMvnDiagMvnDiag(q: MultivariateNormalDiag, p: MultivariateNormalDiag): tf.Tensor {
  if (!shapesEqual(q.eventShape, p.eventShape)) {
    throw new ValueError(`Event shapes do not match. MultivariateNormalDiag: q.eventShape ` +
        `${fmt(q.eventShape)} and p.eventShape ${fmt(p.eventShape)}.`);
  }
  return tf.tidy(() => {
    const shape = broadcastShapes(q.marginals.batchShape, p.marginals.batchShape);
    return sumRightmost(broadcastTo(klNormalNormal(q.marginals, p.marginals), shape), 1);
  });
}

registerKL(MultivariateNormalDiag, MultivariateNormalDiag, klMvnDiagMvnDiag);
