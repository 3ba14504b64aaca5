// Sample: `sampleShape` i.i.d. draws of a distribution, as one event.
// Port of tensorflow_probability/python/distributions/sample.py.
import * as tf from '@tensorflow/tfjs-core';

import {ValueError} from '../util/errors.js';
import {fmt} from '../util/format.js';
import {broadcastShapes, shapesEqual, sizeOf} from '../util/shape.js';

import {Distribution, toTensor} from './distribution.js';
import type {DistributionArgs, SampleShape, TensorLike} from './distribution.js';
import {broadcastBatch, broadcastTo, range} from './internal.js';
import {klDivergence, registerKL} from './kl.js';

/**
 * Arguments of {@link Sample}.
 *
 * @example
 * const args: tfp.distributions.SampleArgs = {
 *   distribution: new tfp.distributions.Normal({loc: 0, scale: 1}), sampleShape: [3]};
 */
export interface SampleArgs extends DistributionArgs {
  /** The distribution `d` drawn i.i.d. */
  distribution: Distribution;
  /** How many draws, as a shape `n` (a number is `[n]`). Default `[]`. */
  sampleShape?: number | number[];
}

function normalizeSampleShape(v: unknown): number[] {
  if (v === undefined) return [];
  const shape = typeof v === 'number' ? [v] : v;
  if (!Array.isArray(shape) || !shape.every((d) => typeof d === 'number' && Number.isInteger(d) && d >= 0)) {
    throw new ValueError(`Sample: sampleShape must be a non-negative integer or an array of them; got ${fmt(v)}.`);
  }
  return (shape as number[]).slice();
}

/**
 * Sample(d, n): batch `d.batch`, event `n + d.event`. `logProb` sums `d.logProb` over the `n` axes;
 * `entropy = |n|·d.entropy`; moments are `d`'s broadcast over `n`.
 *
 * @example
 * const s = new tfp.distributions.Sample({distribution: new tfp.distributions.Normal({loc: 0, scale: 1}),
 *   sampleShape: [2, 3]});
 * s.sample().shape;  // [2, 3]
 */
export class Sample extends Distribution {
  readonly className: string = 'Sample';
  /** The per-event sample shape `n`. */
  readonly sampleShape: number[];
  private readonly base: Distribution;

  constructor(args: SampleArgs) {
    super(args, `Sample${(args as Partial<SampleArgs> | null)?.distribution?.name ?? ''}`,
        ['distribution', 'sampleShape'], 'Sample');
    if (!(args.distribution instanceof Distribution)) {
      throw new TypeError(`Sample: distribution must be a Distribution; got ${fmt(args.distribution)}.`);
    }
    this.base = args.distribution;
    this.sampleShape = normalizeSampleShape(args.sampleShape);
  }

  /** The distribution `d` drawn i.i.d. */
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
    return this.base.batchShape;
  }

  get eventShape(): number[] {
    return [...this.sampleShape, ...this.base.eventShape];
  }

  sample(sampleShape: SampleShape = [], seed?: number): tf.Tensor {
    const args = this.sampleArgs(sampleShape, seed);
    return tf.tidy(() => {
      // d draws `S + n + B + E`; move n behind B.
      const x = this.base.sample([...args.shape, ...this.sampleShape], args.seed);
      const s = args.shape.length;
      const n = this.sampleShape.length;
      const b = this.batchShape.length;
      const perm = [...range(0, s), ...range(s + n, s + n + b), ...range(s, s + n), ...range(s + n + b, x.rank)];
      return tf.transpose(x, perm);
    });
  }

  logProb(x: TensorLike): tf.Tensor {
    return tf.tidy(() => {
      const eventRank = this.eventShape.length;
      const xt = broadcastBatch(toTensor(x, this.dtype), this.batchShape, eventRank);
      // `S + B + n + E` → `S + n + B + E`, so that d sees its own layout.
      const n = this.sampleShape.length;
      const b = this.batchShape.length;
      const s = xt.rank - eventRank - b;
      const perm = [...range(0, s), ...range(s + b, s + b + n), ...range(s, s + b), ...range(s + b + n, xt.rank)];
      const lp = this.base.logProb(tf.transpose(xt, perm));
      const full = broadcastBatch(lp, [...this.sampleShape, ...this.batchShape], 0);
      return n === 0 ? full : tf.sum(full, range(full.rank - b - n, full.rank - b));
    });
  }

  /** `B + E` → `B + n + E`. */
  private spread(t: tf.Tensor): tf.Tensor {
    const b = this.batchShape.length;
    let out = broadcastTo(t, [...this.batchShape, ...this.base.eventShape]);
    for (let i = 0; i < this.sampleShape.length; i++) out = tf.expandDims(out, b);
    return tf.broadcastTo(out, [...this.batchShape, ...this.sampleShape, ...this.base.eventShape]);
  }

  override mean(): tf.Tensor {
    return tf.tidy(() => this.spread(this.base.mean()));
  }

  override mode(): tf.Tensor {
    return tf.tidy(() => this.spread(this.base.mode()));
  }

  override variance(): tf.Tensor {
    return tf.tidy(() => this.spread(this.base.variance()));
  }

  override stddev(): tf.Tensor {
    return tf.tidy(() => this.spread(this.base.stddev()));
  }

  override entropy(): tf.Tensor {
    return tf.tidy(() => tf.mul(broadcastTo(this.base.entropy(), this.batchShape), sizeOf(this.sampleShape)));
  }
}

/** KL(Sample(q, n) ‖ Sample(p, n)) = |n|·KL(q ‖ p); the sample shapes must be identical. */
export function klSampleSample(q: Sample, p: Sample): tf.Tensor {
  if (!shapesEqual(q.sampleShape, p.sampleShape)) {
    throw new ValueError(`Sample: sample shapes must match for KL; got ${fmt(q.sampleShape)} and ` +
        `${fmt(p.sampleShape)}.`);
  }
  return tf.tidy(() => {
    const inner = klDivergence(q.distribution, p.distribution);
    const shape = broadcastShapes(inner.shape, broadcastShapes(q.batchShape, p.batchShape));
    return tf.mul(broadcastTo(inner, shape), sizeOf(q.sampleShape));
  });
}

registerKL(Sample, Sample, klSampleSample);
