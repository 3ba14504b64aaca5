// KLDivergenceRegularizer and KLDivergenceAddLoss: a KL(a ‖ b) penalty on the distribution a made by
// the preceding distribution layer, against a fixed (or layer-made) distribution b — TFP's VAE
// encoder pattern. Port of the two classes and `_make_kl_divergence_fn` of
// tensorflow_probability/python/layers/distribution_layer.py.
//
// Porting note: TFP's layers pass the distribution itself ("distribution tensor"); here the input is
// the output tensor of a tfp distribution layer and the distribution is rebuilt from it on the
// gradient tape (`distributionOf`). TFP's default test points, `tf.convert_to_tensor(a)`, are that
// same output tensor (the layer's own draw, or its mean / mode), and so they are here.
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';

import {Distribution} from '../distributions/distribution.js';
import {Independent} from '../distributions/independent.js';
import {klDivergence} from '../distributions/kl.js';
import {Normal} from '../distributions/normal.js';
import {ValueError} from '../util/errors.js';
import {fmt} from '../util/format.js';
import {checkArgsObject, checkKeys} from '../util/keys.js';

import {distributionOf, isDistributionOutput, linkDistributionOutput, normalizeEventShape} from './distribution_layer.js';
import {describeFn, registerFn, resolveFn, serializeFn} from './fn_registry.js';
import type {SerializedFn} from './fn_registry.js';
import {checkLayerArgs} from './layer_args.js';
import {adoptWeights, isLayerLike} from './sublayers.js';
import type {LayerLikeCallable} from './sublayers.js';
import type {LayerArgs} from './variational_layer.js';

/**
 * The distribution b of KL(a ‖ b): a Distribution, a function `() → Distribution` called at every
 * evaluation (TFP's deferred prior; a registered fn, e.g. {@link independentStandardNormal}, makes
 * the owner savable), or a layer-like object (a tfjs `Layer` / `LayersModel`) whose `apply(0)`
 * returns a Distribution or a tfp distribution layer's output — a trainable prior.
 */
export type DistributionB = Distribution | (() => Distribution) | LayerLikeCallable | SerializedFn;

/** Arguments of {@link KLDivergenceRegularizer}. */
export interface KLDivergenceRegularizerArgs {
  /** b in KL(a ‖ b); a is the distribution behind the regularized output. */
  distributionB: DistributionB;
  /** Analytic KL (`tfp.distributions.klDivergence`, a registered pair) instead of Monte Carlo. Default false. */
  useExactKl?: boolean;
  /**
   * Axes of the Monte Carlo estimate `log a(z) − log b(z)` to average over: `null` all, `[]`
   * none (then summed), an axis or a list. Default `[]` (TFP's default for the regularizer).
   */
  testPointsReduceAxis?: number | number[] | null;
  /**
   * `a → z`, the test points of the Monte Carlo estimate. Default: the layer's own output tensor
   * (TFP's `tf.convert_to_tensor(a)`: the draw of the forward pass, or its mean / mode).
   */
  testPointsFn?: ((a: Distribution) => tf.Tensor) | SerializedFn | null;
  /** Multiplier of the KL of each batch member. Default none (1). */
  weight?: number | null;
}

/** Arguments of {@link KLDivergenceAddLoss}: the regularizer's, with tfjs's LayerArgs. */
export interface KLDivergenceAddLossArgs extends KLDivergenceRegularizerArgs, LayerArgs {
  /** As the regularizer's, but the default is `null` (average over all axes), as in TFP's layer. */
  testPointsReduceAxis?: number | number[] | null;
}

const REGULARIZER_KEYS = ['distributionB', 'useExactKl', 'testPointsReduceAxis', 'testPointsFn', 'weight'];

function checkReduceAxis(owner: string, v: unknown): number[] | null {
  if (v === null) return null;
  const axes = typeof v === 'number' ? [v] : v;
  if (!Array.isArray(axes) || !axes.every((a) => typeof a === 'number' && Number.isSafeInteger(a))) {
    throw new ValueError(`${owner}: testPointsReduceAxis must be null (all axes), an integer or a list of ` +
        `integers; got ${fmt(v)}.`);
  }
  return axes.slice() as number[];
}

function checkDistributionB(owner: string, v: unknown): Distribution | (() => Distribution) | LayerLikeCallable {
  if (v instanceof Distribution || isLayerLike(v)) return v;
  if (typeof v === 'function' || (typeof v === 'object' && v !== null && typeof (v as SerializedFn).className === 'string')) {
    return resolveFn<() => Distribution>(owner, 'distributionB', v, null) as () => Distribution;
  }
  throw new ValueError(`${owner}: distributionB must be a Distribution, a function () → Distribution, a ` +
      `layer-like object or a registered fn {className, config}; got ${fmt(v)}.`);
}

/**
 * The scalar penalty `Σ weight · KL(a ‖ b)`, estimated as TFP's `_make_kl_divergence_fn`: exact, or
 * `mean over testPointsReduceAxis of (log a(z) − log b(z))` at the test points z (internal: shared by
 * both classes).
 */
class KLPenalty {
  readonly distributionB: Distribution | (() => Distribution) | LayerLikeCallable;
  readonly useExactKl: boolean;
  readonly testPointsReduceAxis: number[] | null;
  readonly testPointsFn: ((a: Distribution) => tf.Tensor) | null;
  readonly weight: number | null;

  constructor(readonly owner: string, args: KLDivergenceRegularizerArgs, defaultReduceAxis: number[] | null) {
    this.distributionB = checkDistributionB(owner, args.distributionB);
    const exact = args.useExactKl ?? false;
    if (typeof exact !== 'boolean') throw new ValueError(`${owner}: useExactKl must be a boolean; got ${fmt(exact)}.`);
    this.useExactKl = exact;
    this.testPointsReduceAxis = args.testPointsReduceAxis === undefined ? defaultReduceAxis :
        checkReduceAxis(owner, args.testPointsReduceAxis);
    this.testPointsFn = resolveFn<(a: Distribution) => tf.Tensor>(owner, 'testPointsFn', args.testPointsFn, null);
    const w = args.weight ?? null;
    if (w !== null && (typeof w !== 'number' || !Number.isFinite(w))) {
      throw new ValueError(`${owner}: weight must be a finite number or null; got ${fmt(w)}.`);
    }
    this.weight = w;
  }

  private b(): Distribution {
    const src = this.distributionB;
    if (src instanceof Distribution) return src;
    const out: unknown = isLayerLike(src) ? src.apply(tf.scalar(0)) : src();
    if (out instanceof Distribution) return out;
    const fromLayer = out instanceof tf.Tensor ? distributionOf(out) : undefined;
    if (fromLayer !== undefined) return fromLayer;
    throw new ValueError(`${this.owner}: distributionB must give a Distribution (or a tfp distribution ` +
        `layer's output); got ${fmt(out)}.`);
  }

  /** The penalty for the distribution a behind `output` (`output` is a's tensor form). */
  penalty(a: Distribution, output: tf.Tensor): tf.Scalar {
    return tf.tidy(() => {
      const b = this.b();
      let kl: tf.Tensor;
      if (this.useExactKl) {
        kl = klDivergence(a, b);
      } else {
        const z = this.testPointsFn === null ? output : this.testPointsFn(a);
        const diff = tf.sub(a.logProb(z), b.logProb(z));
        kl = this.reduce(diff);
      }
      if (this.weight !== null) kl = tf.mul(kl, this.weight);
      return tf.sum(kl);
    });
  }

  private reduce(t: tf.Tensor): tf.Tensor {
    const axes = this.testPointsReduceAxis;
    if (axes === null) return tf.mean(t);
    if (axes.length === 0) return t;
    const r = t.rank;
    for (const a of axes) {
      if (a < -r || a >= r) {
        throw new ValueError(`${this.owner}: testPointsReduceAxis ${fmt(axes)} is out of range for ` +
            `log-density differences of shape ${fmt(t.shape)} (rank ${r}).`);
      }
    }
    return tf.mean(t, axes.map((a) => (a < 0 ? a + r : a)));
  }

  config(): tf.serialization.ConfigDict {
    const src = this.distributionB;
    if (typeof src !== 'function') {
      throw new ValueError(`${this.owner}: distributionB is a ${src instanceof Distribution ? 'Distribution instance' :
        'layer-like object'}, which cannot be saved; pass a registered fn () → Distribution (e.g. ` +
          'tfp.layers.util.independentStandardNormal) to make the model savable.');
    }
    return {
      distributionB: serializeFn(this.owner, 'distributionB', src) as unknown as tf.serialization.ConfigDictValue,
      useExactKl: this.useExactKl,
      testPointsReduceAxis: this.testPointsReduceAxis,
      testPointsFn: serializeFn(this.owner, 'testPointsFn', this.testPointsFn) as unknown as tf.serialization.ConfigDictValue,
      weight: this.weight,
    };
  }
}

/**
 * A regularizer that adds `KL(a ‖ b)` for the distribution a behind the output it is applied to —
 * the output of a tfp distribution layer, given as that layer's `activityRegularizer`. As for any
 * activity regularizer, the layer divides it by the batch size (Keras's rule, kept by this
 * package's layers), so with the default `testPointsReduceAxis: []` the loss is the batch mean of
 * `weight · (log a(z) − log b(z))`.
 *
 * Porting note: given a layer-like `distributionB`, the distribution layer that holds the
 * regularizer adopts its weights (TFP relies on `tf.Module` tracking for the same effect).
 *
 * @example
 * const prior = new tfp.distributions.Independent({distribution: new tfp.distributions.Normal(
 *   {loc: tf.zeros([2]), scale: 1}), reinterpretedBatchNdims: 1});
 * const encoder = tf.sequential({layers: [
 *   tf.layers.dense({inputShape: [4], units: tfp.layers.IndependentNormal.paramsSize(2)}),
 *   tfp.layers.independentNormal({eventShape: 2,
 *     activityRegularizer: new tfp.layers.KLDivergenceRegularizer({distributionB: prior})})]});
 */
export class KLDivergenceRegularizer extends tf.serialization.Serializable {
  static className = 'KLDivergenceRegularizer';
  private readonly kl: KLPenalty;

  constructor(args: KLDivergenceRegularizerArgs) {
    super();
    const owner = 'KLDivergenceRegularizer';
    checkArgsObject(owner, args);
    checkKeys(owner, args, {own: REGULARIZER_KEYS, hidden: ['customObjects']});
    const {customObjects: _unused, ...rest} = args as KLDivergenceRegularizerArgs & {customObjects?: unknown};
    this.kl = new KLPenalty(owner, rest, []);
  }

  /** b of KL(a ‖ b) as given. */
  get distributionB(): Distribution | (() => Distribution) | LayerLikeCallable { return this.kl.distributionB; }
  /** Whether the KL is analytic. */
  get useExactKl(): boolean { return this.kl.useExactKl; }
  /** Axes averaged in the Monte Carlo estimate (null: all). */
  get testPointsReduceAxis(): number[] | null { return this.kl.testPointsReduceAxis; }
  /** The test-point fn, or null for the layer's output. */
  get testPointsFn(): ((a: Distribution) => tf.Tensor) | null { return this.kl.testPointsFn; }
  /** The KL multiplier, or null. */
  get weight(): number | null { return this.kl.weight; }

  /** The penalty (a scalar) for `x`, the output tensor of a tfp distribution layer's latest call. */
  apply(x: tf.Tensor): tf.Scalar {
    if (!isDistributionOutput(x)) {
      throw new ValueError(`KLDivergenceRegularizer: the regularized output must be a tfp distribution ` +
          `layer's output (use it as that layer's activityRegularizer); got ${fmt(x)}.`);
    }
    return tf.tidy(() => this.kl.penalty(distributionOf(x) as Distribution, x));
  }

  /** The layer-like objects whose weights the regularizer's owner must adopt (internal). */
  sublayers(): LayerLikeCallable[] {
    return isLayerLike(this.kl.distributionB) ? [this.kl.distributionB] : [];
  }

  override getConfig(): tf.serialization.ConfigDict {
    return this.kl.config();
  }

  static override fromConfig<T extends tf.serialization.Serializable>(
      cls: tf.serialization.SerializableConstructor<T>, config: tf.serialization.ConfigDict): T {
    return new cls(config);
  }
}
tf.serialization.registerClass(KLDivergenceRegularizer);

/**
 * A pass-through layer that adds `KL(a ‖ b)` for the distribution a behind its input (the output
 * of the preceding tfp distribution layer) as a loss of the model: with the default
 * `testPointsReduceAxis: null` the loss is `weight · mean(log a(z) − log b(z))` over the batch, z the
 * preceding layer's output. Its output is its input, still usable by `negLogLik`.
 *
 * @example
 * const encoder = tf.sequential({layers: [
 *   tf.layers.dense({inputShape: [4], units: tfp.layers.IndependentNormal.paramsSize(2)}),
 *   tfp.layers.independentNormal({eventShape: 2}),
 *   tfp.layers.klDivergenceAddLoss({distributionB: tfp.layers.util.independentStandardNormal({eventShape: 2})})]});
 */
export class KLDivergenceAddLoss extends tfl.layers.Layer {
  static className = 'KLDivergenceAddLoss';
  private readonly kl: KLPenalty;
  private lastInput: tf.Tensor | null = null;

  constructor(args: KLDivergenceAddLossArgs) {
    const owner = 'KLDivergenceAddLoss';
    checkLayerArgs(owner, args, REGULARIZER_KEYS);
    const {distributionB, useExactKl, testPointsReduceAxis, testPointsFn, weight, ...base} = args;
    super(base);
    this.kl = new KLPenalty(owner, {distributionB, useExactKl, testPointsReduceAxis, testPointsFn, weight}, null);
    this.addLoss(() => tf.tidy(() => {
      const x = this.lastInput;
      if (x === null || x.isDisposed) return tf.scalar(0);
      return this.kl.penalty(distributionOf(x) as Distribution, x);
    }));
  }

  /** b of KL(a ‖ b) as given. */
  get distributionB(): Distribution | (() => Distribution) | LayerLikeCallable { return this.kl.distributionB; }
  /** Whether the KL is analytic. */
  get useExactKl(): boolean { return this.kl.useExactKl; }
  /** Axes averaged in the Monte Carlo estimate (null: all). */
  get testPointsReduceAxis(): number[] | null { return this.kl.testPointsReduceAxis; }
  /** The KL multiplier, or null. */
  get weight(): number | null { return this.kl.weight; }

  override build(inputShape: tfl.Shape | tfl.Shape[]): void {
    const b = this.kl.distributionB;
    if (isLayerLike(b)) {
      tf.tidy(() => { b.apply(tf.scalar(0)); });   // builds a layer-made prior's weights
      adoptWeights(this, b);
    }
    super.build(inputShape);
  }

  override call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
    const x = Array.isArray(inputs) ? inputs[0] as tf.Tensor : inputs;
    if (!isDistributionOutput(x)) {
      throw new ValueError(`KLDivergenceAddLoss: its input must be the output of a tfp distribution layer ` +
          `(IndependentNormal, MultivariateNormalTriL, DistributionLambda, …); got ${fmt(x)}.`);
    }
    if (this.lastInput !== null && !this.lastInput.isDisposed) this.lastInput.dispose();
    this.lastInput = tf.keep(tf.clone(x));
    linkDistributionOutput(x, this.lastInput);
    const y = tf.clone(x);
    linkDistributionOutput(x, y);
    return y;
  }

  override computeOutputShape(inputShape: tfl.Shape | tfl.Shape[]): tfl.Shape | tfl.Shape[] {
    return inputShape;
  }

  override getConfig(): tf.serialization.ConfigDict {
    return {...super.getConfig(), ...this.kl.config()};
  }

  override dispose(): ReturnType<tfl.layers.Layer['dispose']> {
    if (this.lastInput !== null && !this.lastInput.isDisposed) this.lastInput.dispose();
    this.lastInput = null;
    return super.dispose();
  }
}
tf.serialization.registerClass(KLDivergenceAddLoss);

/**
 * A pass-through layer adding KL(a ‖ distributionB) for the preceding distribution layer's a.
 *
 * @example
 * const layer = tfp.layers.klDivergenceAddLoss({distributionB: prior, weight: 1});
 */
export function klDivergenceAddLoss(args: KLDivergenceAddLossArgs): KLDivergenceAddLoss {
  return new KLDivergenceAddLoss(args);
}

/** Options of {@link independentStandardNormal}. */
export interface IndependentStandardNormalArgs {
  /** Shape of one event (a positive integer or a list). */
  eventShape: number | number[];
}

/**
 * A registered, savable `() → Independent(Normal(0, 1), rank(eventShape))`: the usual prior of a
 * variational autoencoder's code, for `distributionB`.
 *
 * @example
 * tfp.layers.util.independentStandardNormal({eventShape: 2})().logProb(tf.zeros([2]));  // −1.8378771
 */
export function independentStandardNormal(args: IndependentStandardNormalArgs): () => Distribution {
  const owner = 'independentStandardNormal';
  checkArgsObject(owner, args);
  checkKeys(owner, args, {own: ['eventShape']});
  const shape = normalizeEventShape(owner, args.eventShape);
  const fn = (): Distribution => new Independent({
    distribution: new Normal({loc: tf.zeros(shape), scale: 1}), reinterpretedBatchNdims: shape.length});
  return describeFn(fn, 'IndependentStandardNormal', {eventShape: shape});
}
registerFn('IndependentStandardNormal', (c) => independentStandardNormal(c as unknown as IndependentStandardNormalArgs));
