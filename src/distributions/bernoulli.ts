// Bernoulli(logits | probs): float32 samples in {0, 1}.
// Port of tensorflow_probability/python/distributions/bernoulli.py.
import * as tf from '@tensorflow/tfjs-core';

import {randomUniform} from '../util/random.js';

import {Distribution, paramShape, resolveSeed, toTensor} from './distribution.js';
import type {DistributionArgs, SampleShape, TensorLike} from './distribution.js';
import {mulZeroSafe} from './internal.js';
import {registerKL} from './kl.js';
import {parseLogitsOrProbs, readGiven} from './logits_probs.js';
import type {LogitsOrProbs, LogitsOrProbsArgs} from './logits_probs.js';

/**
 * Arguments of {@link Bernoulli}: exactly one of `logits` (log-odds) and `probs` (P(x = 1)).
 *
 * @example
 * const args: tfp.distributions.BernoulliArgs = {logits: [0, 2]};
 */
export interface BernoulliArgs extends DistributionArgs, LogitsOrProbsArgs {}

/**
 * Bernoulli(logits | probs): batch = the parameter's shape, scalar event, float32 samples 0/1.
 * With logits, `log p = −softplus(−l)` and `log(1 − p) = −softplus(l)`, finite for every finite
 * logit (no `log(sigmoid(l))`, which underflows to −∞). Not reparameterized.
 *
 * Porting note: TFP's default sample dtype is int32; float32 here.
 *
 * @example
 * const b = new tfp.distributions.Bernoulli({probs: 0.3});
 * b.logProb(1);  // log 0.3
 */
export class Bernoulli extends Distribution {
  readonly className: string = 'Bernoulli';
  private readonly given: LogitsOrProbs;

  constructor(args: BernoulliArgs) {
    super(args, 'Bernoulli', ['logits', 'probs']);
    this.given = parseLogitsOrProbs(this.className, args, 0);
  }

  /** The logits as given, or `log p − log(1 − p)`. */
  get logits(): tf.Tensor {
    return tf.tidy(() => {
      const g = readGiven(this.given);
      return this.given.kind === 'logits' ? g : tf.sub(tf.log(g), tf.log1p(tf.neg(g)));
    });
  }

  /** The probabilities as given, or `sigmoid(logits)`. */
  get probs(): tf.Tensor {
    return tf.tidy(() => {
      const g = readGiven(this.given);
      return this.given.kind === 'probs' ? g : tf.sigmoid(g);
    });
  }

  get batchShape(): number[] {
    return paramShape(this.given.param);
  }

  get eventShape(): number[] {
    return [];
  }

  /** `[log p, log(1 − p)]`, stable for logits. */
  logProbs(): [tf.Tensor, tf.Tensor] {
    return tf.tidy(() => {
      const g = readGiven(this.given);
      if (this.given.kind === 'logits') return [tf.neg(tf.softplus(tf.neg(g))), tf.neg(tf.softplus(g))];
      return [tf.log(g), tf.log1p(tf.neg(g))];
    });
  }

  /** `[p, 1 − p]`; with logits `1 − p = sigmoid(−l)` keeps precision near p = 1. */
  private probPair(): [tf.Tensor, tf.Tensor] {
    const g = readGiven(this.given);
    if (this.given.kind === 'logits') return [tf.sigmoid(g), tf.sigmoid(tf.neg(g))];
    return [g, tf.sub(1, g)];
  }

  /** 1 where `u ≤ p` for `u ~ U(0, 1)`, else 0 (float32, `sampleShape + batch`). */
  sample(sampleShape: SampleShape = [], seed?: number): tf.Tensor {
    const args = this.sampleArgs(sampleShape, seed);
    return tf.tidy(() => {
      const [p] = this.probPair();
      const u = randomUniform([...args.shape, ...this.batchShape], resolveSeed(args.seed));
      return tf.cast(tf.greaterEqual(p, u), 'float32');
    });
  }

  /** `x log p + (1 − x) log(1 − p)`; shape `broadcast(x.shape, batch)`. */
  logProb(x: TensorLike): tf.Tensor {
    return tf.tidy(() => {
      const xt = tf.cast(toTensor(x), 'float32');
      const [lp1, lp0] = this.logProbs();
      if (this.given.kind === 'logits') return tf.add(tf.mul(xt, lp1), tf.mul(tf.sub(1, xt), lp0));
      // With probs, log p may be −∞: 0·(−∞) must count as 0.
      return tf.add(mulZeroSafe(xt, lp1), mulZeroSafe(tf.sub(1, xt), lp0));
    });
  }

  override mean(): tf.Tensor {
    return tf.tidy(() => tf.add(this.probPair()[0], 0));
  }

  override variance(): tf.Tensor {
    return tf.tidy(() => {
      const [p1, p0] = this.probPair();
      return tf.mul(p1, p0);
    });
  }

  /** 1 where p > ½, else 0 (TFP's convention: 0 at p = ½). */
  override mode(): tf.Tensor {
    return tf.tidy(() => tf.sub(1, tf.cast(tf.greaterEqual(0.5, this.probPair()[0]), 'float32')));
  }

  /** `−p log p − (1 − p) log(1 − p)`. */
  override entropy(): tf.Tensor {
    return tf.tidy(() => {
      const [p1, p0] = this.probPair();
      const [lp1, lp0] = this.logProbs();
      return tf.neg(tf.add(mulZeroSafe(p1, lp1), mulZeroSafe(p0, lp0)));
    });
  }

  /** @internal `[p, 1 − p]` for KL. */
  get probabilityPair(): [tf.Tensor, tf.Tensor] {
    return tf.tidy(() => this.probPair());
  }
}

/** KL(Bernoulli(q) ‖ Bernoulli(p)) = q log(q/p) + (1 − q) log((1 − q)/(1 − p)). */
export function klBernoulliBernoulli(q: Bernoulli, p: Bernoulli): tf.Tensor {
  return tf.tidy(() => {
    const [q1, q0] = q.probabilityPair;
    const [lq1, lq0] = q.logProbs();
    const [lp1, lp0] = p.logProbs();
    return tf.add(mulZeroSafe(q1, tf.sub(lq1, lp1)), mulZeroSafe(q0, tf.sub(lq0, lp0)));
  });
}

registerKL(Bernoulli, Bernoulli, klBernoulliBernoulli);
