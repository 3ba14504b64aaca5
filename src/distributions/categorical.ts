// Categorical (class indices) and OneHotCategorical (one-hot vectors) over K classes, the last axis
// of `logits` / `probs`. Port of tensorflow_probability/python/distributions/{categorical,onehot_categorical}.py.
import * as tf from '@tensorflow/tfjs-core';

import {ValueError} from '../util/errors.js';
import {fmt} from '../util/format.js';
import {broadcastShapes} from '../util/shape.js';
import {randomUniform} from '../util/random.js';

import {Distribution, paramShape, resolveSeed, toTensor} from './distribution.js';
import type {DistributionArgs, SampleShape, TensorLike} from './distribution.js';
import {broadcastTo, mulZeroSafe, oneHot} from './internal.js';
import {registerKL} from './kl.js';
import {parseLogitsOrProbs, readGiven} from './logits_probs.js';
import type {LogitsOrProbs, LogitsOrProbsArgs} from './logits_probs.js';

/**
 * Arguments of {@link Categorical} and {@link OneHotCategorical}: exactly one of `logits`, `probs`.
 *
 * @example
 * const args: tfp.distributions.CategoricalArgs = {probs: [0.2, 0.3, 0.5]};
 */
export interface CategoricalArgs extends DistributionArgs, LogitsOrProbsArgs {}

/**
 * The parameter logic shared by Categorical and OneHotCategorical (composition, not inheritance,
 * so that the KL registry keeps the two classes apart, as TFP does). Internal: not re-exported.
 */
export class ClassProbabilities {
  /** The parameter as given. */
  readonly given: LogitsOrProbs;
  /** Its static shape, `batch + [K]`. */
  readonly shape: number[];

  constructor(owner: string, args: CategoricalArgs) {
    this.given = parseLogitsOrProbs(owner, args, 1);
    this.shape = paramShape(this.given.param);
    if (args.validateArgs === true && this.given.kind === 'probs' && Array.isArray(this.given.param)) {
      const sums = tf.tidy(() => tf.sum(readGiven(this.given), -1).arraySync());
      const flat = [sums].flat(4) as number[];
      const bad = flat.find((s) => Math.abs(s - 1) > 1e-5);
      if (bad !== undefined) {
        throw new ValueError(`${owner}: probs must sum to 1 along the last axis; got a sum of ${fmt(bad)}.`);
      }
    }
  }

  /** K, the size of the last axis. */
  get numClasses(): number {
    return this.shape[this.shape.length - 1] as number;
  }

  /** The parameter shape without its last axis. */
  get batchShape(): number[] {
    return this.shape.slice(0, -1);
  }

  /** The logits as given, or `log probs`. */
  logits(): tf.Tensor {
    return this.given.kind === 'logits' ? readGiven(this.given) : tf.log(readGiven(this.given));
  }

  /** The probabilities as given, or `softmax(logits)`. */
  probs(): tf.Tensor {
    return this.given.kind === 'probs' ? readGiven(this.given) : tf.softmax(readGiven(this.given));
  }

  /** Normalized log-probabilities, `batch + [K]`. */
  logProbs(): tf.Tensor {
    const g = readGiven(this.given);
    return this.given.kind === 'logits' ? tf.logSoftmax(g) : tf.sub(tf.log(g), tf.log(tf.sum(g, -1, true)));
  }

  /**
   * Class indices, int32 of shape `sampleShape + batch` (a checked shape and seed), by inverting
   * the cumulative probabilities.
   * Porting note: TF draws with `multinomial` (Gumbel-max); inverse-CDF needs one uniform per draw
   * instead of K, and the law is the same (streams are not bit-compatible anyway, LAYERS.md §8).
   */
  sampleIndices(sampleShape: number[], seed?: number): tf.Tensor {
    const p = tf.exp(this.logProbs());
    const cdf = tf.cumsum(p, p.rank - 1);  // tf.cumsum does not accept a negative axis
    const u = tf.expandDims(randomUniform([...sampleShape, ...this.batchShape], resolveSeed(seed)), -1);
    // Index = #{k : cdf_k ≤ u}; clipped because rounding can leave cdf_{K−1} a hair below 1.
    const count = tf.sum(tf.cast(tf.greaterEqual(u, cdf), 'int32'), -1);
    return tf.minimum(count, tf.scalar(this.numClasses - 1, 'int32'));
  }

  /** `−Σ p log p` over the last axis (0·log 0 = 0). */
  entropy(): tf.Tensor {
    const lp = this.logProbs();
    return tf.neg(tf.sum(mulZeroSafe(tf.exp(lp), lp), -1));
  }
}

/** Σ_k q_k (log q_k − log p_k) over the last axis, shape `broadcast(q.batch, p.batch)`. */
function klClasses(owner: string, q: ClassProbabilities, p: ClassProbabilities): tf.Tensor {
  if (q.numClasses !== p.numClasses) {
    throw new ValueError(`${owner}: the numbers of classes must match for KL; got ${q.numClasses} ` +
        `and ${p.numClasses}.`);
  }
  return tf.tidy(() => {
    const lq = q.logProbs();
    const lp = p.logProbs();
    return tf.sum(mulZeroSafe(tf.exp(lq), tf.sub(lq, lp)), -1);
  });
}

/**
 * Categorical(logits | probs) over K classes (the last parameter axis): batch `shape[:-1]`, scalar
 * event, int32 samples `0 … K−1`. Not reparameterized.
 *
 * @example
 * const c = new tfp.distributions.Categorical({probs: [0.2, 0.8]});
 * c.logProb(1);  // log 0.8
 */
export class Categorical extends Distribution {
  readonly className: string = 'Categorical';
  private readonly params: ClassProbabilities;

  constructor(args: CategoricalArgs) {
    super(args, 'Categorical', ['logits', 'probs']);
    this.params = new ClassProbabilities(this.className, args);
  }

  /** The logits as given, or `log probs` when built from probs. */
  get logits(): tf.Tensor {
    return tf.tidy(() => this.params.logits());
  }

  /** The probabilities as given, or `softmax(logits)` when built from logits. */
  get probs(): tf.Tensor {
    return tf.tidy(() => this.params.probs());
  }

  /** K, the number of classes. */
  get numClasses(): number {
    return this.params.numClasses;
  }

  override get dtype(): tf.DataType {
    return 'int32';
  }

  get batchShape(): number[] {
    return this.params.batchShape;
  }

  get eventShape(): number[] {
    return [];
  }

  sample(sampleShape: SampleShape = [], seed?: number): tf.Tensor {
    // The inverse-CDF comparison makes a `sampleShape + batch + [K]` tensor.
    const args = this.sampleArgs(sampleShape, seed, [this.numClasses]);
    return tf.tidy(() => this.params.sampleIndices(args.shape, args.seed));
  }

  /** `log p_k` for class indices `k` (−∞ outside `0 … K−1`); shape `broadcast(k.shape, batch)`. */
  logProb(k: TensorLike): tf.Tensor {
    return tf.tidy(() => {
      const kt = toTensor(k, 'int32');
      const idx = kt.dtype === 'int32' ? kt : tf.cast(kt, 'int32');
      const K = this.numClasses;
      const lp = this.params.logProbs();
      const out = tf.sum(mulZeroSafe(oneHot(idx, K), lp), -1);
      const valid = broadcastTo(tf.logicalAnd(tf.greaterEqual(idx, 0), tf.less(idx, K)), out.shape);
      return tf.where(valid, out, tf.fill(out.shape, -Infinity));
    });
  }

  /** Not defined for class labels (as in TFP): a `ValueError` (the base class would recurse). */
  override variance(): tf.Tensor {
    throw new ValueError(`${this.className}: variance is not defined for class labels.`);
  }

  /** Not defined for class labels (as in TFP): a `ValueError`. */
  override stddev(): tf.Tensor {
    throw new ValueError(`${this.className}: stddev is not defined for class labels.`);
  }

  /** The most probable class (int32, shape `batch`). */
  override mode(): tf.Tensor {
    return tf.tidy(() => tf.argMax(this.params.logProbs(), -1));
  }

  override entropy(): tf.Tensor {
    return tf.tidy(() => this.params.entropy());
  }

  /** @internal The shared parameter logic (for KL). */
  get classProbabilities(): ClassProbabilities {
    return this.params;
  }
}

/**
 * OneHotCategorical(logits | probs): event `[K]`, float32 one-hot samples; `mean = probs`,
 * `variance = p(1 − p)`. Not reparameterized.
 *
 * Porting note: TFP's default sample dtype is int32; float32 here, so samples feed straight into
 * float math (the usual use in tfjs).
 *
 * @example
 * const c = new tfp.distributions.OneHotCategorical({logits: [0, 0, 0]});
 * c.sample([2]);  // e.g. [[0, 1, 0], [1, 0, 0]]
 */
export class OneHotCategorical extends Distribution {
  readonly className: string = 'OneHotCategorical';
  private readonly params: ClassProbabilities;

  constructor(args: CategoricalArgs) {
    super(args, 'OneHotCategorical', ['logits', 'probs']);
    this.params = new ClassProbabilities(this.className, args);
  }

  /** The logits as given, or `log probs`. */
  get logits(): tf.Tensor {
    return tf.tidy(() => this.params.logits());
  }

  /** The probabilities as given, or `softmax(logits)`. */
  get probs(): tf.Tensor {
    return tf.tidy(() => this.params.probs());
  }

  /** K, the number of classes. */
  get numClasses(): number {
    return this.params.numClasses;
  }

  get batchShape(): number[] {
    return this.params.batchShape;
  }

  get eventShape(): number[] {
    return [this.params.numClasses];
  }

  sample(sampleShape: SampleShape = [], seed?: number): tf.Tensor {
    const args = this.sampleArgs(sampleShape, seed);
    return tf.tidy(() => oneHot(this.params.sampleIndices(args.shape, args.seed), this.numClasses));
  }

  /** `Σ_k x_k log p_k` for one-hot `x` (shape `… + [K]`); shape `broadcast(x.shape[:-1], batch)`. */
  logProb(x: TensorLike): tf.Tensor {
    return tf.tidy(() => {
      const xt = toTensor(x);
      if (xt.shape[xt.rank - 1] !== this.numClasses) {
        throw new ValueError(`OneHotCategorical: x must have last dimension ${this.numClasses}; ` +
            `got shape ${fmt(xt.shape)}.`);
      }
      const lp = this.params.logProbs();
      const out = tf.sum(mulZeroSafe(xt, lp), -1);
      return broadcastTo(out, broadcastShapes(out.shape, this.batchShape));
    });
  }

  override mean(): tf.Tensor {
    return tf.tidy(() => tf.exp(this.params.logProbs()));
  }

  override variance(): tf.Tensor {
    return tf.tidy(() => {
      const p = tf.exp(this.params.logProbs());
      return tf.mul(p, tf.sub(1, p));
    });
  }

  /** One-hot of the most probable class (float32, `batch + [K]`). */
  override mode(): tf.Tensor {
    return tf.tidy(() => oneHot(tf.argMax(this.params.logProbs(), -1), this.numClasses));
  }

  override entropy(): tf.Tensor {
    return tf.tidy(() => this.params.entropy());
  }

  /** @internal The shared parameter logic (for KL). */
  get classProbabilities(): ClassProbabilities {
    return this.params;
  }
}

/** KL(Categorical ‖ Categorical) = Σ_k q_k (log q_k − log p_k). */
export function klCategoricalCategorical(q: Categorical, p: Categorical): tf.Tensor {
  return klClasses('Categorical', q.classProbabilities, p.classProbabilities);
}

/** KL(OneHotCategorical ‖ OneHotCategorical) = Σ_k q_k (log q_k − log p_k). */
export function klOneHotCategoricalOneHotCategorical(q: OneHotCategorical, p: OneHotCategorical): tf.Tensor {
  return klClasses('OneHotCategorical', q.classProbabilities, p.classProbabilities);
}

registerKL(Categorical, Categorical, klCategoricalCategorical);
registerKL(OneHotCategorical, OneHotCategorical, klOneHotCategoricalOneHotCategorical);
