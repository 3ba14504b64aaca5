// The univariate Normal. Port of tensorflow_probability/python/distributions/normal.py.
import * as tf from '@tensorflow/tfjs-core';

import {hasKernel, KL_STANDARD_NORMAL, KL_STANDARD_NORMAL_GRAD} from '../util/fused_kernels.js';
import {broadcastShapes, shapesEqual} from '../util/shape.js';
import {randomNormal} from '../util/random.js';

import {checkSampleShape, constantValueOf, resolveSeed} from './distribution.js';
import type {DistributionArgs, ParamLike, SampleShape, TensorLike} from './distribution.js';
import {registerKL} from './kl.js';
import {LocScaleDistribution} from './loc_scale.js';
import {logNdtr, ndtr, ndtri} from './special_math.js';

const HALF_LOG_TWO_PI = 0.5 * Math.log(2 * Math.PI);

/**
 * Arguments of {@link Normal}.
 *
 * @example
 * const args: tfp.distributions.NormalArgs = {loc: [0, 1], scale: 0.5};
 */
export interface NormalArgs extends DistributionArgs {
  /** Mean μ. */
  loc: ParamLike;
  /**
   * Standard deviation σ > 0 (a number ≤ 0 is a `ValueError`; a tensor is checked when
   * `validateArgs`, and a variable or deferred function again on every use).
   */
  scale: ParamLike;
}

/**
 * The parameter shapes of {@link Normal.paramShapes}: one shape per parameter.
 *
 * @example
 * const {loc, scale} = tfp.distributions.Normal.paramShapes([3]);  // [3], [3]
 */
export interface NormalParamShapes {
  loc: number[];
  scale: number[];
}

/**
 * Normal(loc, scale): batch shape `broadcast(loc, scale)`, scalar event, reparameterized.
 * `validateArgs: true` checks σ > 0 at construction and, for a `tf.Variable` or deferred scale,
 * again whenever it is read.
 * `cdf`, `logCdf`, `survivalFunction`, `logSurvivalFunction` and `quantile` are accurate in the
 * tails (`logCdf(−20) = −203.917`, finite, with a finite gradient).
 *
 * @example
 * const n = new tfp.distributions.Normal({loc: 0, scale: 1});
 * n.logProb(0.5);   // −1.0439385
 * n.logCdf(-20);    // −203.91716
 * n.quantile(0.975);  // 1.959964
 */
export class Normal extends LocScaleDistribution {
  readonly className: string = 'Normal';

  constructor(args: NormalArgs) {
    super(args, 'Normal');
  }

  /**
   * The shapes `loc` and `scale` need for `sample()` to have shape `sampleShape`: both equal to it
   * (TFP's `param_shapes`). Porting note: plain arrays, not shape tensors (tfjs shapes are static).
   *
   * @example
   * tfp.distributions.Normal.paramShapes([2, 3]);  // {loc: [2, 3], scale: [2, 3]}
   */
  static paramShapes(sampleShape: SampleShape): NormalParamShapes {
    const shape = checkSampleShape('Normal', sampleShape);
    return {loc: shape.slice(), scale: shape.slice()};
  }

  /**
   * The static parameter shapes for `sampleShape` (TFP's `param_static_shapes`); the same as
   * {@link Normal.paramShapes} here, where every shape is static.
   *
   * @example
   * tfp.distributions.Normal.paramStaticShapes(4);  // {loc: [4], scale: [4]}
   */
  static paramStaticShapes(sampleShape: SampleShape): NormalParamShapes {
    return Normal.paramShapes(sampleShape);
  }

  /** `true` when loc is statically 0 and scale statically 1 (e.g. the layers' default prior). */
  get isStandard(): boolean {
    return constantValueOf(this.locParam) === 0 && constantValueOf(this.scaleParam) === 1;
  }

  sample(sampleShape: SampleShape = [], seed?: number): tf.Tensor {
    const args = this.sampleArgs(sampleShape, seed);
    return tf.tidy(() => {
      const eps = randomNormal([...args.shape, ...this.batchShape], resolveSeed(args.seed));
      const perturbation = tf.mul(this.scale, eps);
      // A statically zero loc (Flipout's Normal(0, σ)) needs no add, forward or backward.
      return constantValueOf(this.locParam) === 0 ? perturbation : tf.add(this.loc, perturbation);
    });
  }

  logProb(x: TensorLike): tf.Tensor {
    return tf.tidy(() => {
      const xt = this.checkedValue(x);
      const scale = this.scale;
      const z = tf.div(tf.sub(xt, this.loc), scale);
      return tf.sub(tf.sub(tf.mul(-0.5, tf.square(z)), tf.log(scale)), HALF_LOG_TWO_PI);
    });
  }

  /** Φ((x − μ)/σ); relative accuracy in the lower tail (`cdf(−10) = 7.62e-24`). */
  override cdf(x: TensorLike): tf.Tensor {
    return tf.tidy(() => ndtr(this.standardize(x)));
  }

  /** log Φ((x − μ)/σ), finite for every finite x (`logCdf(−20) = −203.917`), finite gradient. */
  override logCdf(x: TensorLike): tf.Tensor {
    return tf.tidy(() => logNdtr(this.standardize(x)));
  }

  /** `P(X > x) = Φ(−(x − μ)/σ)`, accurate in the upper tail. */
  override survivalFunction(x: TensorLike): tf.Tensor {
    return tf.tidy(() => ndtr(tf.neg(this.standardize(x))));
  }

  /** `log P(X > x) = log Φ(−(x − μ)/σ)`, finite for every finite x. */
  override logSurvivalFunction(x: TensorLike): tf.Tensor {
    return tf.tidy(() => logNdtr(tf.neg(this.standardize(x))));
  }

  /**
   * `μ + σ·Φ⁻¹(p)` (Wichura's AS241, relative error ≲ 4e-7 in float32): ±∞ at p = 0 / 1, NaN
   * outside [0, 1]; shape `broadcast(p, batchShape)`.
   */
  override quantile(p: TensorLike): tf.Tensor {
    return tf.tidy(() => tf.add(this.loc, tf.mul(this.scale, ndtri(this.checkedValue(p, 'p')))));
  }

  override mean(): tf.Tensor {
    return tf.tidy(() => tf.add(this.loc, tf.zerosLike(this.scale)));
  }

  override mode(): tf.Tensor {
    return this.mean();
  }

  override stddev(): tf.Tensor {
    return tf.tidy(() => tf.add(this.scale, tf.zerosLike(this.loc)));
  }

  override entropy(): tf.Tensor {
    return tf.tidy(() => tf.add(tf.add(tf.log(this.scale), tf.zerosLike(this.loc)), 0.5 + HALF_LOG_TWO_PI));
  }
}

/**
 * Elementwise KL(N(μ, σ) ‖ N(0, 1)) = ½(μ² + σ²) − log σ − ½ with its closed-form gradients
 * (∂/∂μ = μ, ∂/∂σ = σ − 1/σ): a handful of kernels instead of the general rule's ~30 forward and
 * backward, for the layers' default prior.
 */
const klStandardNormal = tf.customGrad(((loc: tf.Tensor, scale: tf.Tensor, save: tf.GradSaveFunc) => {
  save([loc, scale]);
  // A backend's fused kernel (wasm: one SIMD pass, src/backends/wasm_fused.ts), else tfjs ops.
  if (hasKernel(KL_STANDARD_NORMAL) && loc.dtype === 'float32') {
    return {
      value: tf.engine().runKernel(KL_STANDARD_NORMAL, {loc, scale}) as tf.Tensor,
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
        const [l, s] = saved as [tf.Tensor, tf.Tensor];
        return tf.engine().runKernel(KL_STANDARD_NORMAL_GRAD, {loc: l, scale: s, dy}) as unknown as tf.Tensor[];
      },
    };
  }
  // With d = σ − 1 (exact for σ ∈ [½, 2]): ½(σ² − 1) − log σ = ½d(d + 2) − log1p(d); near σ = 1
  // its absolute error is a float32 ulp of d (the wasm kernel also keeps the relative precision of
  // the ≈ d² result there).
  const d = tf.sub(scale, 1);
  const value = tf.sub(tf.mul(0.5, tf.add(tf.square(loc), tf.mul(d, tf.add(d, 2)))), tf.log1p(d));
  return {
    value,
    gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
      const [l, s] = saved as [tf.Tensor, tf.Tensor];
      return [tf.mul(dy, l), tf.mul(dy, tf.sub(s, tf.reciprocal(s)))];
    },
  };
}) as unknown as Parameters<typeof tf.customGrad>[0]) as unknown as (loc: tf.Tensor, scale: tf.Tensor) => tf.Tensor;

/**
 * KL(N(μq, σq) ‖ N(μp, σp)) = ½((μq−μp)/σp)² + ½·expm1(2(log σq − log σp)) − (log σq − log σp),
 * the expm1 form is accurate when σq ≈ σp (DISTRIBUTIONS.md §3).
 * A standard-normal p (statically loc 0, scale 1) takes the fused path.
 */
export function klNormalNormal(q: Normal, p: Normal): tf.Tensor {
  return tf.tidy(() => {
    if (p.isStandard) {
      const shape = broadcastShapes(q.batchShape, p.batchShape);
      const fit = (t: tf.Tensor): tf.Tensor => (shapesEqual(t.shape, shape) ? t : tf.broadcastTo(t, shape));
      return klStandardNormal(fit(q.loc), fit(q.scale));
    }
    const sp = p.scale;
    const diffLogScale = tf.sub(tf.log(q.scale), tf.log(sp));
    const z = tf.div(tf.sub(q.loc, p.loc), sp);
    // tf.expm1 has a gradient; a tf.where on tf.less(|t|, …) would not (tfjs has no gradient for
    // Less, so backpropagation through this KL would throw).
    const expm1 = tf.expm1(tf.mul(2, diffLogScale));
    return tf.sub(tf.add(tf.mul(0.5, tf.square(z)), tf.mul(0.5, expm1)), diffLogScale);
  });
}

registerKL(Normal, Normal, klNormalNormal);
