// Independent: reinterprets the rightmost batch dims of a distribution as event dims.
// Port of tensorflow_probability/python/distributions/independent.py.
import * as tf from '@tensorflow/tfjs-core';

import {NotImplementedError, ValueError} from '../util/errors.js';
import {fmt} from '../util/format.js';
import {broadcastShapes, shapesEqual} from '../util/shape.js';

import {Distribution} from './distribution.js';
import type {DistributionArgs, SampleShape, TensorLike} from './distribution.js';
import {broadcastBatch, broadcastTo, sumRightmost} from './internal.js';
import {klDivergence, registerKL} from './kl.js';

/**
 * Arguments of {@link Independent}.
 *
 * @example
 * const args: tfp.distributions.IndependentArgs = {
 *   distribution: new tfp.distributions.Normal({loc: [0, 0], scale: 1}), reinterpretedBatchNdims: 1};
 */
export interface IndependentArgs extends DistributionArgs {
  /** The base distribution `d`. */
  distribution: Distribution;
  /**
   * How many rightmost batch dims of `d` become event dims: `0 ≤ k ≤ rank(d.batchShape)`.
   * Porting note: mandatory here; TFP's default ("all but the first batch dim") is never relied on.
   */
  reinterpretedBatchNdims: number;
}

/**
 * Independent(d, k): batch `d.batch[:-k]`, event `d.batch[-k:] + d.event`. `sample`, `mean`,
 * `stddev`, `variance` and `mode` are those of `d`; `logProb` and `entropy` are `d`'s summed over
 * the reinterpreted axes.
 *
 * @example
 * const q = new tfp.distributions.Independent({
 *   distribution: new tfp.distributions.Normal({loc: [[0, 1]], scale: 1}), reinterpretedBatchNdims: 2});
 * q.logProb([[0, 1]]);  // a scalar
 */
export class Independent extends Distribution {
  readonly className: string = 'Independent';
  /** `k`, the number of reinterpreted batch dims. */
  readonly reinterpretedBatchNdims: number;
  private readonly base: Distribution;

  constructor(args: IndependentArgs) {
    super(args, `Independent${(args as Partial<IndependentArgs> | null)?.distribution?.name ?? ''}`,
        ['distribution', 'reinterpretedBatchNdims'], 'Independent');
    if (!(args.distribution instanceof Distribution)) {
      throw new TypeError(`Independent: distribution must be a Distribution; got ${fmt(args.distribution)}.`);
    }
    const k = args.reinterpretedBatchNdims;
    const batchRank = args.distribution.batchShape.length;
    if (typeof k !== 'number' || !Number.isInteger(k) || k < 0) {
      throw new ValueError(
          `Independent: reinterpretedBatchNdims must be a non-negative integer; got ${fmt(k)}.`);
    }
    if (k > batchRank) {
      throw new ValueError(`Independent: reinterpretedBatchNdims must be at most the batch rank ` +
          `${batchRank} of ${args.distribution.className} (batchShape ` +
          `${fmt(args.distribution.batchShape)}); got ${fmt(k)}.`);
    }
    this.base = args.distribution;
    this.reinterpretedBatchNdims = k;
  }

  /** The base distribution `d`. */
  get distribution(): Distribution {
    return this.base;
  }

  override get dtype(): tf.DataType {
    return this.base.dtype;
  }

  override get reparameterized(): boolean {
    return this.base.reparameterized;
  }

  get batchShape(): number[] {
    const b = this.base.batchShape;
    return b.slice(0, b.length - this.reinterpretedBatchNdims);
  }

  get eventShape(): number[] {
    const b = this.base.batchShape;
    return [...b.slice(b.length - this.reinterpretedBatchNdims), ...this.base.eventShape];
  }

  sample(sampleShape: SampleShape = [], seed?: number): tf.Tensor {
    const args = this.sampleArgs(sampleShape, seed);
    return this.base.sample(args.shape, args.seed);
  }

  logProb(x: TensorLike): tf.Tensor {
    return tf.tidy(() =>
      sumRightmost(broadcastBatch(this.base.logProb(x), this.base.batchShape, 0), this.reinterpretedBatchNdims));
  }

  override mean(): tf.Tensor {
    return this.base.mean();
  }

  override mode(): tf.Tensor {
    return this.base.mode();
  }

  override variance(): tf.Tensor {
    return this.base.variance();
  }

  override stddev(): tf.Tensor {
    return this.base.stddev();
  }

  override entropy(): tf.Tensor {
    return tf.tidy(() =>
      sumRightmost(broadcastTo(this.base.entropy(), this.base.batchShape), this.reinterpretedBatchNdims));
  }
}

/**
 * KL(Independent(q) ‖ Independent(p)) = KL(q ‖ p) summed over the reinterpreted axes. Event shapes
 * must match (`ValueError`), and so must the inner event shapes (`NotImplementedError`, as in TFP).
 */
export function klIndependentIndependent(q: Independent, p: Independent): tf.Tensor {
  if (!shapesEqual(q.eventShape, p.eventShape)) {
    throw new ValueError(`Event shapes do not match. Independent: q.eventShape ${fmt(q.eventShape)} ` +
        `and p.eventShape ${fmt(p.eventShape)}.`);
  }
  const qInner = q.distribution.eventShape;
  const pInner = p.distribution.eventShape;
  if (!shapesEqual(qInner, pInner)) {
    throw new NotImplementedError(`Independent: KL is implemented only when the inner event shapes ` +
        `match; got ${fmt(qInner)} (${q.distribution.className}) and ${fmt(pInner)} ` +
        `(${p.distribution.className}).`);
  }
  const k = q.eventShape.length - qInner.length;
  return tf.tidy(() => {
    const inner = klDivergence(q.distribution, p.distribution);
    const shape = broadcastShapes(q.distribution.batchShape, p.distribution.batchShape);
    return sumRightmost(broadcastTo(inner, broadcastShapes(inner.shape, shape)), k);
  });
}

registerKL(Independent, Independent, klIndependentIndependent);
