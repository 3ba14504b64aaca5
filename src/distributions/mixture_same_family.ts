// MixtureSameFamily: a Categorical mixture over the last batch axis of a components distribution.
// Port of tensorflow_probability/python/distributions/mixture_same_family.py.
import * as tf from '@tensorflow/tfjs-core';

import {ValueError} from '../util/errors.js';
import {fmt} from '../util/format.js';
import {SeedStream} from '../util/seed.js';
import {broadcastShapes} from '../util/shape.js';

import {Categorical} from './categorical.js';
import {Distribution, resolveSeed, toTensor} from './distribution.js';
import type {DistributionArgs, SampleShape, TensorLike} from './distribution.js';
import {alignBatch, broadcastTo, logSumExpLast, oneHot} from './internal.js';

/**
 * Arguments of {@link MixtureSameFamily}.
 *
 * @example
 * const args: tfp.distributions.MixtureSameFamilyArgs = {
 *   mixtureDistribution: new tfp.distributions.Categorical({probs: [0.5, 0.5]}),
 *   componentsDistribution: new tfp.distributions.Normal({loc: 0, scale: [1, 2000]})};
 */
export interface MixtureSameFamilyArgs extends DistributionArgs {
  /** The mixture weights π: a Categorical over K components, batch `B`. */
  mixtureDistribution: Categorical;
  /** The K components, batch `B + [K]` (the last batch axis indexes the components), event `E`. */
  componentsDistribution: Distribution;
}

/**
 * MixtureSameFamily(π, components): batch `B`, event `E`,
 * `log p(x) = logsumexp_k(log π_k + log p_k(x))`, `mean = Σ π_k μ_k`,
 * `variance = Σ π_k σ²_k + Σ π_k (μ_k − mean)²` (law of total variance). Sampling picks a
 * component, then samples it: not reparameterized.
 *
 * @example
 * // The spike-and-slab prior of NN.md: variance 2 000 000.5.
 * const w = new tfp.distributions.MixtureSameFamily({
 *   mixtureDistribution: new tfp.distributions.Categorical({probs: [0.5, 0.5]}),
 *   componentsDistribution: new tfp.distributions.Normal({loc: 0, scale: [1, 2000]})});
 */
export class MixtureSameFamily extends Distribution {
  readonly className: string = 'MixtureSameFamily';
  /** The mixture weights. */
  readonly mixtureDistribution: Categorical;
  /** The components. */
  readonly componentsDistribution: Distribution;

  constructor(args: MixtureSameFamilyArgs) {
    super(args, 'MixtureSameFamily', ['mixtureDistribution', 'componentsDistribution']);
    if (!(args.mixtureDistribution instanceof Categorical)) {
      throw new TypeError(`MixtureSameFamily: mixtureDistribution must be a Categorical; got ` +
          `${fmt(args.mixtureDistribution)}.`);
    }
    if (!(args.componentsDistribution instanceof Distribution)) {
      throw new TypeError(`MixtureSameFamily: componentsDistribution must be a Distribution; got ` +
          `${fmt(args.componentsDistribution)}.`);
    }
    const k = args.mixtureDistribution.numClasses;
    const cb = args.componentsDistribution.batchShape;
    if (cb.length < 1 || cb[cb.length - 1] !== k) {
      throw new ValueError(`MixtureSameFamily: componentsDistribution.batchShape must end in the ` +
          `number of mixture components ${k}; got ${fmt(cb)}.`);
    }
    try {
      broadcastShapes(args.mixtureDistribution.batchShape, cb.slice(0, -1));
    } catch {
      throw new ValueError(`MixtureSameFamily: mixtureDistribution.batchShape must broadcast with ` +
          `componentsDistribution.batchShape[:-1] ${fmt(cb.slice(0, -1))}; got ` +
          `${fmt(args.mixtureDistribution.batchShape)}.`);
    }
    this.mixtureDistribution = args.mixtureDistribution;
    this.componentsDistribution = args.componentsDistribution;
  }

  override get dtype(): tf.DataType {
    return this.componentsDistribution.dtype;
  }

  get batchShape(): number[] {
    return broadcastShapes(this.mixtureDistribution.batchShape,
        this.componentsDistribution.batchShape.slice(0, -1));
  }

  get eventShape(): number[] {
    return this.componentsDistribution.eventShape;
  }

  private get eventRank(): number {
    return this.eventShape.length;
  }

  /** Mixture weights reshaped to `B + [K] + [1]·rank(E)` for weighting component moments. */
  private weights(): tf.Tensor {
    let p = tf.exp(this.mixtureDistribution.classProbabilities.logProbs());
    for (let i = 0; i < this.eventRank; i++) p = tf.expandDims(p, -1);
    return p;
  }

  sample(sampleShape: SampleShape = [], seed?: number): tf.Tensor {
    const {shape: sampleShapeList, seed: s} = this.sampleArgs(sampleShape, seed);
    return tf.tidy(() => {
      const sampleShape = sampleShapeList;
      const stream = new SeedStream(resolveSeed(s), 'MixtureSameFamily');
      const k = this.mixtureDistribution.numClasses;
      const batch = this.batchShape;
      // Every component is drawn and the chosen one kept: the K draws cost little for small K and
      // avoid a gather with batch indices.
      const cb = this.componentsDistribution.batchShape;
      const comps = alignBatch(this.componentsDistribution.sample(sampleShape, stream.next()),
          sampleShape.length, cb.length, batch.length + 1);
      const idx = this.mixtureDistribution.sample(sampleShape, stream.next());
      let mask = oneHot(idx, k, comps.dtype === 'int32' ? 'int32' : 'float32');
      // A mixture batch of lower rank than the components' is aligned to it past the sample axes.
      mask = alignBatch(mask, sampleShape.length, this.mixtureDistribution.batchShape.length, batch.length);
      mask = broadcastTo(mask, [...sampleShape, ...batch, k]);
      for (let i = 0; i < this.eventRank; i++) mask = tf.expandDims(mask, -1);
      return tf.sum(tf.mul(comps, mask), sampleShape.length + batch.length);
    });
  }

  /** `logsumexp_k(log π_k + log p_k(x))`, computed stably (the max is subtracted first). */
  logProb(x: TensorLike): tf.Tensor {
    return tf.tidy(() => {
      const xt = toTensor(x);
      const xk = tf.expandDims(xt, xt.rank - this.eventRank);  // … + [1] + E: broadcast over K
      const lp = this.componentsDistribution.logProb(xk);
      const lw = this.mixtureDistribution.classProbabilities.logProbs();
      return logSumExpLast(tf.add(lp, lw));
    });
  }

  override mean(): tf.Tensor {
    return tf.tidy(() => {
      const wm = tf.mul(this.weights(), this.componentsDistribution.mean());
      return tf.sum(wm, this.componentAxis(wm));
    });
  }

  override variance(): tf.Tensor {
    return tf.tidy(() => {
      const w = this.weights();
      const m = tf.mul(tf.onesLike(w), this.componentsDistribution.mean());
      const v = this.componentsDistribution.variance();
      const axis = this.componentAxis(m);
      const mean = tf.sum(tf.mul(w, m), axis, true);
      const within = tf.sum(tf.mul(w, v), axis);
      const between = tf.sum(tf.mul(w, tf.square(tf.sub(m, mean))), axis);
      return tf.add(within, between);
    });
  }

  /** The component axis of a `B + [K] + E` tensor. */
  private componentAxis(t: tf.Tensor): number {
    return t.rank - this.eventRank - 1;
  }
}
