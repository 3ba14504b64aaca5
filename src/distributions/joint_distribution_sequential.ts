// JointDistributionSequential over independent parts: a list-valued distribution.
// Port of the independent-parts case of
// tensorflow_probability/python/distributions/joint_distribution_sequential.py.
import * as tf from '@tensorflow/tfjs-core';

import {ValueError} from '../util/errors.js';
import {fmt} from '../util/format.js';
import {SeedStream} from '../util/seed.js';
import {broadcastShapes} from '../util/shape.js';

import {Distribution, resolveSeed, toTensor} from './distribution.js';
import type {DistributionArgs, SampleShape, TensorLike} from './distribution.js';
import {klDivergence, registerKL} from './kl.js';

/**
 * Arguments of {@link JointDistributionSequential}.
 *
 * @example
 * const args: tfp.distributions.JointDistributionSequentialArgs = {model: [kernelDist, biasDist]};
 */
export interface JointDistributionSequentialArgs extends DistributionArgs {
  /**
   * The parts, each a Distribution.
   * Porting note: TFP also accepts functions of earlier parts (dependent parts); only independent
   * parts are supported here (NN.md needs `[kernel, bias]`), and a function is a `ValueError`.
   */
  model: Distribution[];
}

/**
 * JointDistributionSequential([d1, …, dm]) with independent parts: `sample()` → `[s1, …, sm]`,
 * `logProb([x1, …, xm]) = Σ logProb_i(x_i)`, `entropy = Σ entropy_i`, moments part-wise.
 *
 * Porting note: TFP's `batchShape`, `eventShape` and `dtype` are lists; here those are
 * `batchShapeParts`, `eventShapeParts` and `dtypeParts`, while `batchShape` is the broadcast of the
 * parts' batch shapes (the shape of `logProb`) and `eventShape` is `[]`.
 *
 * @example
 * const jd = new tfp.distributions.JointDistributionSequential({model: [kernelDist, biasDist]});
 * const [kernel, bias] = jd.sample();
 */
export class JointDistributionSequential extends Distribution<tf.Tensor[]> {
  readonly className: string = 'JointDistributionSequential';
  private readonly parts: Distribution[];

  constructor(args: JointDistributionSequentialArgs) {
    super(args, 'JointDistributionSequential', ['model']);
    const model: unknown = args.model;
    if (!Array.isArray(model) || model.length === 0) {
      throw new ValueError(`JointDistributionSequential: model must be a non-empty array of ` +
          `Distributions; got ${fmt(model)}.`);
    }
    model.forEach((d: unknown, i) => {
      if (!(d instanceof Distribution)) {
        throw new ValueError(`JointDistributionSequential: model[${i}] must be a Distribution ` +
            `(dependent parts are not supported); got ${fmt(d)}.`);
      }
    });
    this.parts = (model as Distribution[]).slice();
  }

  /** The parts, in order (a copy of the list). */
  get model(): Distribution[] {
    return this.parts.slice();
  }

  /** The parts' sample dtypes. */
  get dtypeParts(): tf.DataType[] {
    return this.parts.map((d) => d.dtype);
  }

  /** The parts' batch shapes. */
  get batchShapeParts(): number[][] {
    return this.parts.map((d) => d.batchShape);
  }

  /** The parts' event shapes. */
  get eventShapeParts(): number[][] {
    return this.parts.map((d) => d.eventShape);
  }

  /** The broadcast of the parts' batch shapes: the shape of `logProb` without sample dims. */
  get batchShape(): number[] {
    return this.parts.reduce<number[]>((acc, d) => broadcastShapes(acc, d.batchShape), []);
  }

  /** `[]`: see the porting note; the parts' event shapes are `eventShapeParts`. */
  get eventShape(): number[] {
    return [];
  }

  override get reparameterized(): boolean {
    return this.parts.every((d) => d.reparameterized);
  }

  /** One draw per part, each from its own seed of a stream built from `seed`. */
  sample(sampleShape: SampleShape = [], seed?: number): tf.Tensor[] {
    const args = this.sampleArgs(sampleShape, seed);
    return tf.tidy(() => {
      const stream = new SeedStream(resolveSeed(args.seed), 'JointDistributionSequential');
      return this.parts.map((d) => d.sample(args.shape, stream.next()));
    });
  }

  /** `Σ_i logProb_i(x_i)`; `x` must have one entry per part. */
  logProb(x: readonly (tf.Tensor | TensorLike)[] | TensorLike): tf.Tensor {
    if (!Array.isArray(x) || x.length !== this.parts.length) {
      throw new ValueError(`JointDistributionSequential: value must be an array of ` +
          `${this.parts.length} parts; got ${fmt(x)}.`);
    }
    const xs = x as TensorLike[];
    return tf.tidy(() => {
      const terms = this.parts.map((d, i) => d.logProb(toTensor(xs[i] as TensorLike, d.dtype)));
      return terms.reduce((a, b) => tf.add(a, b));
    });
  }

  /**
   * The parts and a value: `[model, value]`, drawing `value` (with `sampleShape`, `seed`) when it is
   * not given. A given value is returned as is (the same tensors).
   */
  sampleDistributions(value?: tf.Tensor[], sampleShape: SampleShape = [], seed?: number):
      [Distribution[], tf.Tensor[]] {
    if (value !== undefined && (!Array.isArray(value) || value.length !== this.parts.length)) {
      throw new ValueError(`JointDistributionSequential: value must be an array of ` +
          `${this.parts.length} parts; got ${fmt(value)}.`);
    }
    return [this.model, value ?? this.sample(sampleShape, seed)];
  }

  override mean(): tf.Tensor[] {
    return this.parts.map((d) => d.mean());
  }

  override mode(): tf.Tensor[] {
    return this.parts.map((d) => d.mode());
  }

  override variance(): tf.Tensor[] {
    return this.parts.map((d) => d.variance());
  }

  override stddev(): tf.Tensor[] {
    return this.parts.map((d) => d.stddev());
  }

  /** `Σ_i entropy_i` (independent parts). */
  override entropy(): tf.Tensor {
    return tf.tidy(() => this.parts.map((d) => d.entropy()).reduce((a, b) => tf.add(a, b)));
  }
}

/** KL(JDS(q) ‖ JDS(p)) = Σ_i KL(q_i ‖ p_i); the part counts must match. */
export function klJointJoint(q: JointDistributionSequential, p: JointDistributionSequential): tf.Tensor {
  const qs = q.model;
  const ps = p.model;
  if (qs.length !== ps.length) {
    throw new ValueError(`JointDistributionSequential: KL needs the same number of parts; got ` +
        `${qs.length} and ${ps.length}.`);
  }
  return tf.tidy(() => qs.map((qi, i) => klDivergence(qi, ps[i] as Distribution)).reduce((a, b) => tf.add(a, b)));
}

registerKL(JointDistributionSequential, JointDistributionSequential, klJointJoint);
