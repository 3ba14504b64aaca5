// Deterministic: a point mass at `loc`. Port of tensorflow_probability/python/distributions/deterministic.py.
import * as tf from '@tensorflow/tfjs-core';

import {ValueError} from '../util/errors.js';
import {fmt} from '../util/format.js';
import {broadcastShapes} from '../util/shape.js';

import {checkParam, Distribution, paramShape, readParam, toTensor} from './distribution.js';
import type {DistributionArgs, ParamLike, SampleShape, TensorLike} from './distribution.js';
import {registerKL} from './kl.js';

/**
 * Arguments of {@link Deterministic}.
 *
 * @example
 * const args: tfp.distributions.DeterministicArgs = {loc: [0.3, -0.2], atol: 1e-6};
 */
export interface DeterministicArgs extends DistributionArgs {
  /** The point where the mass sits. */
  loc: ParamLike;
  /** Absolute tolerance of `prob` (≥ 0). Default 0. */
  atol?: number;
  /** Relative tolerance of `prob` (≥ 0). Default 0. */
  rtol?: number;
}

function checkTolerance(name: string, v: unknown): number {
  if (v === undefined) return 0;
  if (typeof v !== 'number' || !(v >= 0) || !Number.isFinite(v)) {
    throw new ValueError(`Deterministic: ${name} must be a non-negative finite number; got ${fmt(v)}.`);
  }
  return v;
}

/**
 * Deterministic(loc): the point mass at `loc`. Batch shape `loc.shape`, scalar event;
 * `prob(x) = 1` if `|x − loc| ≤ atol + rtol·|loc|`, else 0. Defaults: `atol = rtol = 0`.
 *
 * @example
 * const d = new tfp.distributions.Deterministic({loc: [0.3, -0.2]});
 * d.sample([5]);  // shape [5, 2], every row [0.3, -0.2]
 */
export class Deterministic extends Distribution {
  readonly className: string = 'Deterministic';
  /** Absolute tolerance. */
  readonly atol: number;
  /** Relative tolerance. */
  readonly rtol: number;
  private readonly locParam: ParamLike;

  constructor(args: DeterministicArgs) {
    super(args, 'Deterministic', ['loc', 'atol', 'rtol']);
    this.atol = checkTolerance('atol', args.atol);
    this.rtol = checkTolerance('rtol', args.rtol);
    checkParam('Deterministic', 'loc', args.loc);
    this.locParam = args.loc;
  }

  /** The point (re-read on every access). */
  get loc(): tf.Tensor {
    return readParam(this.locParam);
  }

  /**
   * `false`, as in TFP (`NOT_REPARAMETERIZED`), although `sample` is `loc` itself and its gradient
   * does reach `loc`.
   */
  override get reparameterized(): boolean {
    return false;
  }

  get batchShape(): number[] {
    return paramShape(this.locParam);
  }

  get eventShape(): number[] {
    return [];
  }

  /** `loc` broadcast to `sampleShape + batchShape`; the seed is checked, then ignored. */
  sample(sampleShape: SampleShape = [], seed?: number): tf.Tensor {
    const args = this.sampleArgs(sampleShape, seed);
    return tf.tidy(() => tf.add(tf.zeros([...args.shape, ...this.batchShape]), this.loc));
  }

  /** `1` where `|x − loc| ≤ atol + rtol·|loc|`, else `0`. */
  override prob(x: TensorLike): tf.Tensor {
    return tf.tidy(() => tf.cast(this.inside(x), 'float32'));
  }

  /** `log prob(x)`: 0 or −∞. */
  logProb(x: TensorLike): tf.Tensor {
    return tf.tidy(() => {
      const inside = this.inside(x);
      return tf.where(inside, tf.zeros(inside.shape), tf.fill(inside.shape, -Infinity));
    });
  }

  private inside(x: TensorLike): tf.Tensor {
    const loc = this.loc;
    const xt = toTensor(x);
    const shape = broadcastShapes(xt.shape, loc.shape);
    const tol = tf.add(this.atol, tf.mul(this.rtol, tf.abs(loc)));
    // tol ≥ |x − loc| rather than lessEqual: tfjs has a (zero) gradient for GreaterEqual only, so
    // logProb can sit on a gradient tape (e.g. a Monte Carlo KL with a Deterministic posterior).
    return tf.broadcastTo(tf.greaterEqual(tol, tf.abs(tf.sub(xt, loc))), shape);
  }

  override mean(): tf.Tensor {
    return tf.tidy(() => tf.add(this.loc, 0));
  }

  override mode(): tf.Tensor {
    return this.mean();
  }

  override variance(): tf.Tensor {
    return tf.zeros(this.batchShape);
  }

  override stddev(): tf.Tensor {
    return tf.zeros(this.batchShape);
  }

  override entropy(): tf.Tensor {
    return tf.zeros(this.batchShape);
  }
}

/** KL(Deterministic(a) ‖ p) = −log p(a) (DISTRIBUTIONS.md §3), for any `p` with a `logProb`. */
export function klDeterministicDistribution(q: Deterministic, p: Distribution): tf.Tensor {
  return tf.tidy(() => tf.neg(p.logProb(q.loc)));
}

// `Distribution`'s constructor is protected, which TypeScript will not match against a constructor
// type; the registry only uses the class's prototype, so this cast is safe.
const ANY_DISTRIBUTION = Distribution as unknown as abstract new (...args: unknown[]) => Distribution;
registerKL(Deterministic, ANY_DISTRIBUTION, klDeterministicDistribution);
