// Mixture: a Categorical choice among K component distributions of any types sharing one event
// shape. Port of tensorflow_probability/python/distributions/mixture.py.
import * as tf from '@tensorflow/tfjs-core';

import {NotImplementedError, ValueError} from '../util/errors.js';
import {fmt} from '../util/format.js';
import {SeedStream} from '../util/seed.js';
import {broadcastShapes, shapesEqual} from '../util/shape.js';

import {Categorical} from './categorical.js';
import {Distribution, resolveSeed, toTensor} from './distribution.js';
import type {DistributionArgs, SampleShape, TensorLike} from './distribution.js';
import {alignBatch, broadcastTo, logSumExpLast} from './internal.js';

/**
 * Arguments of {@link Mixture}.
 *
 * @example
 * const args: tfp.distributions.MixtureArgs = {
 *   cat: new tfp.distributions.Categorical({probs: [0.5, 0.5]}),
 *   components: [new tfp.distributions.Normal({loc: 0, scale: 1}), new tfp.distributions.Poisson({rate: 3})]};
 */
export interface MixtureArgs extends DistributionArgs {
  /** The mixture weights π: a Categorical over K classes, one per component. */
  cat: Categorical;
  /** The K components: any distributions with the same event shape and dtype. */
  components: Distribution[];
}

/**
 * Mixture(cat, components): `p(x) = Σ_k π_k p_k(x)` with components of any types (a Normal and a
 * Logistic, say) that share an event shape `E` and a dtype; batch = the broadcast of `cat`'s and
 * every component's batch shape. `logProb = logsumexp_k(log π_k + log p_k(x))` (stable),
 * `mean = Σ π_k μ_k`, `variance = Σ π_k σ²_k + Σ π_k (μ_k − mean)²` (law of total variance),
 * `cdf = Σ π_k F_k`, `logCdf = logsumexp_k(log π_k + log F_k)`. Sampling draws the class, then the
 * chosen component (every component is drawn and one kept): not reparameterized. The entropy has
 * no closed form: {@link Mixture.entropyLowerBound} gives `Σ π_k H_k` (TFP's `entropy_lower_bound`).
 *
 * Porting note: TFP requires every batch shape to equal `cat`'s; here they need only broadcast.
 *
 * @example
 * const m = new tfp.distributions.Mixture({
 *   cat: new tfp.distributions.Categorical({probs: [0.3, 0.7]}),
 *   components: [new tfp.distributions.Normal({loc: -1, scale: 0.5}),
 *                new tfp.distributions.Logistic({loc: 2, scale: 1})]});
 * m.mean();  // 0.3·(−1) + 0.7·2 = 1.1
 */
export class Mixture extends Distribution {
  readonly className: string = 'Mixture';
  /** The mixture weights. */
  readonly cat: Categorical;
  /** The components. */
  readonly components: readonly Distribution[];
  private readonly batch: number[];
  private readonly event: number[];

  constructor(args: MixtureArgs) {
    super(args, 'Mixture', ['cat', 'components']);
    if (!(args.cat instanceof Categorical)) {
      throw new TypeError(`Mixture: cat must be a Categorical; got ${fmt(args.cat)}.`);
    }
    if (!Array.isArray(args.components)) {
      throw new TypeError(`Mixture: components must be an array of distributions; got ${fmt(args.components)}.`);
    }
    if (args.components.length === 0) {
      throw new ValueError('Mixture: components must be a non-empty array; got [].');
    }
    const comps = args.components as unknown[];
    comps.forEach((c, i) => {
      if (!(c instanceof Distribution)) {
        throw new TypeError(`Mixture: components[${i}] must be a Distribution; got ${fmt(c)}.`);
      }
    });
    const first = args.components[0] as Distribution;
    args.components.forEach((c, i) => {
      if (c.dtype !== first.dtype) {
        throw new TypeError(`Mixture: every component must have the dtype of components[0] ` +
            `(${first.className}, ${fmt(first.dtype)}); got components[${i}] (${c.className}) of ${fmt(c.dtype)}.`);
      }
      if (!shapesEqual(c.eventShape, first.eventShape)) {
        throw new ValueError(`Mixture: every component must have the eventShape of components[0] ` +
            `${fmt(first.eventShape)}; got components[${i}].eventShape ${fmt(c.eventShape)}.`);
      }
    });
    const k = args.cat.numClasses;
    if (k !== args.components.length) {
      throw new ValueError(`Mixture: cat.numClasses must equal the number of components ` +
          `${args.components.length}; got ${k}.`);
    }
    let batch = args.cat.batchShape;
    args.components.forEach((c, i) => {
      try {
        batch = broadcastShapes(batch, c.batchShape);
      } catch {
        throw new ValueError(`Mixture: components[${i}].batchShape must broadcast with cat.batchShape ` +
            `${fmt(args.cat.batchShape)} and the other components'; got ${fmt(c.batchShape)}.`);
      }
    });
    this.cat = args.cat;
    this.components = args.components.slice();
    this.batch = batch;
    this.event = first.eventShape;
  }

  /** K, the number of components. */
  get numComponents(): number {
    return this.components.length;
  }

  override get dtype(): tf.DataType {
    return (this.components[0] as Distribution).dtype;
  }

  get batchShape(): number[] {
    return this.batch.slice();
  }

  get eventShape(): number[] {
    return this.event.slice();
  }

  /** π_k as a tensor of shape `cat.batch + [1]·rank(E)`, for weighting moments. */
  private weight(k: number, probs: tf.Tensor): tf.Tensor {
    let w = tf.gather(probs, k, probs.rank - 1);
    for (let i = 0; i < this.event.length; i++) w = tf.expandDims(w, -1);
    return w;
  }

  sample(sampleShape: SampleShape = [], seed?: number): tf.Tensor {
    const {shape: sample, seed: s} = this.sampleArgs(sampleShape, seed);
    return tf.tidy(() => {
      const stream = new SeedStream(resolveSeed(s), 'Mixture');
      const target = [...sample, ...this.batch, ...this.event];
      const rank = this.batch.length;
      let idx = alignBatch(this.cat.sample(sample, stream.next()), sample.length, this.cat.batchShape.length, rank);
      for (let i = 0; i < this.event.length; i++) idx = tf.expandDims(idx, -1);
      idx = broadcastTo(idx, target);
      let out: tf.Tensor | undefined;
      this.components.forEach((c, k) => {
        const draw = broadcastTo(alignBatch(c.sample(sample, stream.next()), sample.length, c.batchShape.length, rank), target);
        out = out === undefined ? draw : tf.where(tf.equal(idx, k), draw, out);
      });
      return out as tf.Tensor;
    });
  }

  /** `logsumexp_k(log π_k + log p_k(x))`, shape `broadcast(x.shape[:-rank(E)], batch)`. */
  logProb(x: TensorLike): tf.Tensor {
    return tf.tidy(() => this.logMix(this.components.map((c) => c.logProb(toTensor(x)))));
  }

  /** `logsumexp_k(log π_k + t_k)` for per-component terms `t_k`, stacked on a last axis. */
  private logMix(terms: tf.Tensor[]): tf.Tensor {
    const shape = terms.reduce((s, t) => broadcastShapes(s, t.shape), this.batch);
    const stacked = tf.stack(terms.map((t) => broadcastTo(t, shape)), shape.length);
    return logSumExpLast(tf.add(stacked, this.cat.classProbabilities.logProbs()));
  }

  /** `Σ_k π_k F_k(x)` (each component must define `cdf`). */
  override cdf(x: TensorLike): tf.Tensor {
    return tf.tidy(() => {
      const probs = this.cat.probs;
      const terms = this.components.map((c, k) => tf.mul(tf.gather(probs, k, probs.rank - 1), c.cdf(toTensor(x))));
      return terms.reduce((a, b) => tf.add(a, b));
    });
  }

  /** `logsumexp_k(log π_k + log F_k(x))`, accurate where every F_k is tiny. */
  override logCdf(x: TensorLike): tf.Tensor {
    return tf.tidy(() => this.logMix(this.components.map((c) => c.logCdf(toTensor(x)))));
  }

  override mean(): tf.Tensor {
    return tf.tidy(() => {
      const probs = tf.exp(this.cat.classProbabilities.logProbs());
      const terms = this.components.map((c, k) => tf.mul(this.weight(k, probs), c.mean()));
      return broadcastTo(terms.reduce((a, b) => tf.add(a, b)), [...this.batch, ...this.event]);
    });
  }

  override variance(): tf.Tensor {
    return tf.tidy(() => {
      const probs = tf.exp(this.cat.classProbabilities.logProbs());
      const means = this.components.map((c) => c.mean());
      const mean = means.map((m, k) => tf.mul(this.weight(k, probs), m)).reduce((a, b) => tf.add(a, b));
      const terms = this.components.map((c, k) =>
        tf.mul(this.weight(k, probs), tf.add(c.variance(), tf.square(tf.sub(means[k] as tf.Tensor, mean)))));
      return broadcastTo(terms.reduce((a, b) => tf.add(a, b)), [...this.batch, ...this.event]);
    });
  }

  /** `Σ_k π_k H_k ≤ H` (concavity of entropy), shape `batch`: TFP's `entropy_lower_bound`. */
  entropyLowerBound(): tf.Tensor {
    return tf.tidy(() => {
      const probs = tf.exp(this.cat.classProbabilities.logProbs());
      const terms = this.components.map((c, k) => tf.mul(tf.gather(probs, k, probs.rank - 1), c.entropy()));
      return broadcastTo(terms.reduce((a, b) => tf.add(a, b)), this.batch);
    });
  }

  /** No closed form (TFP has none either): a `NotImplementedError`; see {@link Mixture.entropyLowerBound}. */
  override entropy(): tf.Tensor {
    throw new NotImplementedError('Mixture: entropy has no closed form and is not implemented; ' +
        'entropyLowerBound() gives Σ π_k H_k.');
  }
}
