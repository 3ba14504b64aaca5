// Distribution output layers: DistributionLambda and the parameterized IndependentNormal,
// IndependentBernoulli and OneHotCategorical layers, plus the negLogLik loss.
// Port of tensorflow_probability/python/layers/distribution_layer.py.
//
// Porting note: in TFP a distribution layer returns a "distribution tensor" (a Distribution that is
// also a Tensor), and Keras hands that object to the loss, which calls `-y_pred.log_prob(y_true)`.
// tfjs layers and losses only pass tensors. Here a distribution layer returns a tensor (a sample by
// default, or the mean / mode: `convertToTensorFn`), and remembers, for that output tensor, which
// layer made it and from which input. `negLogLik(yTrue, yPred)` and `distributionOf(yPred)` look the
// output tensor up and rebuild the distribution through the layer, on the gradient tape. tfjs's
// `fit` and `evaluate` pass the model's output tensors to the loss unchanged, so
// `model.compile({loss: tfp.layers.negLogLik})` works when a distribution layer is the model's output.
// `model.predict` concatenates its batches into new tensors, so after it use
// `layer.lastDistribution()` (or `distributionOf(model.apply(x))`).
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';

import {Bernoulli} from '../distributions/bernoulli.js';
import {OneHotCategorical as OneHotCategoricalDistribution} from '../distributions/categorical.js';
import {Distribution} from '../distributions/distribution.js';
import {Independent} from '../distributions/independent.js';
import {Normal} from '../distributions/normal.js';
import {ValueError} from '../util/errors.js';
import {fmt} from '../util/format.js';
import {deserializeKerasObject, isRegularizer, serializeKerasObject} from '../util/keras_objects.js';
import type {KerasObjectJson} from '../util/keras_objects.js';
import {checkSeed, SeedStream} from '../util/seed.js';
import {sizeOf} from '../util/shape.js';

import {resolveFn, serializeFn} from './fn_registry.js';
import type {SerializedFn} from './fn_registry.js';
import type {Regularizer} from './default_fns.js';
import {checkLayerArgs} from './layer_args.js';
import {adoptWeights, recordAppliedLayers} from './sublayers.js';
import type {LayerLikeCallable} from './sublayers.js';
import type {LayerArgs} from './variational_layer.js';

/** How a distribution layer turns its distribution into its tensor output. */
export type ConvertToTensor = 'sample' | 'mean' | 'mode';

/** Arguments shared by the distribution layers. */
export interface DistributionLayerArgs extends Omit<LayerArgs, 'activityRegularizer'> {
  /** The layer's tensor output: a draw (`'sample'`, the default, as in TFP), the mean or the mode. */
  convertToTensorFn?: ConvertToTensor;
  /** Seed of the draws (fresh each call). Default: unseeded. */
  seed?: number | null;
  /**
   * A regularizer of the layer's output, added as a loss divided by the batch size (Keras's rule),
   * typically a `KLDivergenceRegularizer` (which sees the distribution behind the output). Default none.
   */
  activityRegularizer?: Regularizer | KerasObjectJson | string | null;
}

interface Origin {
  layer: DistributionLayer;
  input: tf.Tensor;
}

const origins = new WeakMap<tf.Tensor, Origin>();

/**
 * The distribution behind the output tensor of a distribution layer's latest call, rebuilt from
 * the kept input (so it is on the gradient tape when called inside one); undefined for any other
 * tensor. Its parameter tensors are made when it is built: call it inside `tf.tidy`.
 */
export function distributionOf(output: tf.Tensor): Distribution | undefined {
  const origin = origins.get(output);
  if (origin === undefined) return undefined;
  if (origin.input.isDisposed) {
    throw new ValueError(`distributionOf: the output belongs to an earlier call of layer ` +
        `"${origin.layer.name}"; only its latest output can be turned back into a distribution.`);
  }
  return origin.layer.makeDistribution(origin.input);
}

/** True when `t` is the output of a distribution layer's latest call (or linked to one) (internal). */
export function isDistributionOutput(t: tf.Tensor): boolean {
  return origins.has(t);
}

/**
 * Makes `to` resolve to the same distribution as `from` (a pass-through layer's output, a kept
 * copy); no-op when `from` is no distribution output (internal).
 */
export function linkDistributionOutput(from: tf.Tensor, to: tf.Tensor): void {
  const origin = origins.get(from);
  if (origin !== undefined) origins.set(to, origin);
}

/** The argument keys every distribution layer takes besides its own and tfjs's LayerArgs (internal). */
export const DISTRIBUTION_LAYER_KEYS: readonly string[] = ['convertToTensorFn', 'seed', 'activityRegularizer'];

const CONVERTERS: readonly ConvertToTensor[] = ['sample', 'mean', 'mode'];

/**
 * Base of the distribution layers: `call(x)` makes `d = makeDistribution(x)` and returns
 * `convertToTensorFn(d)`; the distribution stays reachable through `lastDistribution()`,
 * `distributionOf(output)` and the {@link negLogLik} loss.
 */
export abstract class DistributionLayer extends tfl.layers.Layer {
  readonly convertToTensorFn: ConvertToTensor;
  readonly seed: number | undefined;
  private readonly stream: SeedStream;
  private lastInput: tf.Tensor | null = null;
  private lastOutput: tf.Tensor | null = null;
  /** The output's regularizer, or null. */
  readonly activityRegularizerFn: Regularizer | null;

  /**
   * `ownKeys`: the subclass's own argument keys (which it removes or sets to undefined before
   * passing `args` on); with `convertToTensorFn`, `seed` and tfjs's LayerArgs the only keys allowed.
   */
  protected constructor(owner: string, args: DistributionLayerArgs, ownKeys: readonly string[] = []) {
    checkLayerArgs(owner, args, [...ownKeys, ...DISTRIBUTION_LAYER_KEYS]);
    const {convertToTensorFn, seed, activityRegularizer, ...base} = args;
    super(base);
    this.activityRegularizerFn = activityRegularizer === undefined || activityRegularizer === null ? null :
        deserializeKerasObject(owner, 'activityRegularizer', activityRegularizer, isRegularizer) as Regularizer;
    if (this.activityRegularizerFn !== null) {
      const reg = this.activityRegularizerFn;
      this.addLoss(() => tf.tidy(() => {
        const y = this.lastOutput;
        if (y === null || y.isDisposed) return tf.scalar(0);
        return tf.div(reg.apply(y), y.shape[0] ?? 1) as tf.Scalar;
      }));
    }
    const convert = convertToTensorFn ?? 'sample';
    if (!CONVERTERS.includes(convert)) {
      throw new ValueError(`${owner}: convertToTensorFn must be one of ${fmt(CONVERTERS)}; got ${fmt(convert)}.`);
    }
    this.convertToTensorFn = convert;
    this.seed = checkSeed(owner, seed);
    this.stream = new SeedStream(this.seed, owner);
  }

  /** The distribution for the parameters `params` (the layer's input). */
  abstract makeDistribution(params: tf.Tensor): Distribution;

  /** The distribution of the latest call (its tensors are made now: use inside `tf.tidy`). */
  lastDistribution(): Distribution {
    if (this.lastInput === null) {
      throw new ValueError(`${this.getClassName()}: lastDistribution() needs a call first.`);
    }
    return this.makeDistribution(this.lastInput);
  }

  override call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
    const y = tf.tidy(() => {
      const x = Array.isArray(inputs) ? inputs[0] as tf.Tensor : inputs;
      const d = this.makeDistribution(x);
      const out = this.convertToTensorFn === 'sample' ? d.sample([], this.stream.next()) :
          this.convertToTensorFn === 'mean' ? d.mean() : d.mode();
      if (this.lastInput !== null && !this.lastInput.isDisposed) this.lastInput.dispose();
      this.lastInput = tf.keep(tf.clone(x));
      // An input that is itself a distribution layer's output (AutoregressiveTransform) stays
      // resolvable through the kept copy.
      const inputOrigin = origins.get(x);
      if (inputOrigin !== undefined) origins.set(this.lastInput, inputOrigin);
      return out;
    });
    const origin = {layer: this, input: this.lastInput as tf.Tensor};
    origins.set(y, origin);
    if (this.activityRegularizerFn !== null) {
      // The regularizer's loss runs after the call, on the same gradient tape: it sees this copy.
      if (this.lastOutput !== null && !this.lastOutput.isDisposed) this.lastOutput.dispose();
      this.lastOutput = tf.keep(tf.clone(y));
      origins.set(this.lastOutput, origin);
    }
    return y;
  }

  override build(inputShape: tfl.Shape | tfl.Shape[]): void {
    // A regularizer with a layer-made prior (KLDivergenceRegularizer) lends its weights to this layer.
    const reg = this.activityRegularizerFn as unknown as {sublayers?: () => LayerLikeCallable[]} | null;
    for (const inner of reg?.sublayers?.() ?? []) {
      tf.tidy(() => { inner.apply(tf.scalar(0)); });
      adoptWeights(this, inner);
    }
    super.build(inputShape);
  }

  override getConfig(): tf.serialization.ConfigDict {
    const config: tf.serialization.ConfigDict = {...super.getConfig(), convertToTensorFn: this.convertToTensorFn,
      seed: this.seed ?? null};
    if (this.activityRegularizerFn !== null) {
      config['activityRegularizer'] = serializeKerasObject(this.activityRegularizerFn) as unknown as
          tf.serialization.ConfigDictValue;
    }
    return config;
  }

  override dispose(): ReturnType<tfl.layers.Layer['dispose']> {
    if (this.lastInput !== null && !this.lastInput.isDisposed) this.lastInput.dispose();
    this.lastInput = null;
    if (this.lastOutput !== null && !this.lastOutput.isDisposed) this.lastOutput.dispose();
    this.lastOutput = null;
    return super.dispose();
  }
}

/** A function from the layer's input to a distribution. */
export type MakeDistributionFromTensor = (t: tf.Tensor) => Distribution;

/** Arguments of {@link DistributionLambda}. */
export interface DistributionLambdaArgs extends DistributionLayerArgs {
  /** `t → Distribution`. A registered fn (see `tfp.layers.util.registerFn`) makes the layer savable. */
  makeDistributionFn: MakeDistributionFromTensor | SerializedFn;
}

/**
 * Wraps `makeDistributionFn(t) → Distribution` as a layer whose tensor output is a sample (or the
 * mean / mode) of that distribution; `negLogLik` and `distributionOf` recover the distribution.
 * Layers that the fn applies (e.g. a loc and a scale network) are tracked: their weights become
 * this layer's, trained by `model.fit` (TFP gets this from Keras's automatic tracking).
 *
 * Porting note: tracking records the tfjs layers whose `apply` runs inside the fn; a layer whose
 * `call` the fn invokes directly is not seen. Saving such a model needs a registered fn that
 * rebuilds the sub-layers, with the same weight names, on load.
 *
 * @example
 * const layer = tfp.layers.distributionLambda({makeDistributionFn: (t) =>
 *   new tfp.distributions.Normal({loc: t, scale: 1}), convertToTensorFn: 'mean'});
 */
export class DistributionLambda extends DistributionLayer {
  static className = 'DistributionLambda';
  readonly makeDistributionFn: MakeDistributionFromTensor;

  constructor(args: DistributionLambdaArgs) {
    super('DistributionLambda', args, ['makeDistributionFn']);
    const {makeDistributionFn} = args;
    const fn = resolveFn<MakeDistributionFromTensor>('DistributionLambda', 'makeDistributionFn',
        makeDistributionFn, null);
    if (fn === null) {
      throw new ValueError(`DistributionLambda: makeDistributionFn is required; got ${fmt(makeDistributionFn)}.`);
    }
    this.makeDistributionFn = fn;
  }

  override makeDistribution(params: tf.Tensor): Distribution {
    // The layers the fn applies (a loc net, a scale net, …) lend their weights to this layer, so
    // `model.fit` trains them and `model.save` stores them. They are found when the model is built
    // (computeOutputShape runs the fn once), before `compile` collects the trainable weights.
    const {result: d, layers} = recordAppliedLayers((): unknown => this.makeDistributionFn(params));
    for (const inner of layers) if (inner !== this) adoptWeights(this, inner);
    if (!(d instanceof Distribution)) {
      throw new ValueError(`DistributionLambda: makeDistributionFn must return a Distribution; got ${fmt(d)}.`);
    }
    return d;
  }

  /** Found by running the fn once on zeros of the input shape (batch size 1). */
  override computeOutputShape(inputShape: tfl.Shape | tfl.Shape[]): tfl.Shape {
    const shape = (Array.isArray(inputShape[0]) ? inputShape[0] : inputShape) as Array<number | null>;
    const out = tf.tidy(() => this.makeDistribution(tf.zeros(shape.map((d) => d ?? 1))).mean().shape);
    return out.map((d, i) => (i < shape.length && shape[i] === null ? null : d));
  }

  override getConfig(): tf.serialization.ConfigDict {
    return {
      ...super.getConfig(),
      makeDistributionFn: serializeFn(`DistributionLambda "${this.name}"`, 'makeDistributionFn',
          this.makeDistributionFn) as unknown as tf.serialization.ConfigDictValue,
    };
  }
}
tf.serialization.registerClass(DistributionLambda);

/**
 * A layer whose output is a distribution made by `makeDistributionFn` (converted to a tensor).
 *
 * @example
 * const layer = tfp.layers.distributionLambda({makeDistributionFn: (t) =>
 *   new tfp.distributions.Bernoulli({logits: t})});
 */
export function distributionLambda(args: DistributionLambdaArgs): DistributionLambda {
  return new DistributionLambda(args);
}

/** Validates `eventShape` (a positive integer or a list of them) and returns it as a list (internal). */
export function normalizeEventShape(owner: string, eventShape: unknown): number[] {
  const shape = typeof eventShape === 'number' ? [eventShape] : eventShape;
  if (!Array.isArray(shape) || !shape.every((d) => typeof d === 'number' && Number.isSafeInteger(d) && d > 0)) {
    throw new ValueError(`${owner}: eventShape must be a positive integer or a list of them; got ${fmt(eventShape)}.`);
  }
  return shape.slice() as number[];
}

/** Base of the layers whose input holds `paramsSize(eventShape)` parameters on its last axis (internal: not re-exported from tfp.layers). */
export abstract class ParameterizedDistributionLayer extends DistributionLayer {
  readonly eventShape: number[];

  protected constructor(owner: string, eventShape: number[], args: DistributionLayerArgs,
      ownKeys: readonly string[]) {
    super(owner, args, ownKeys);
    this.eventShape = eventShape;
  }

  /** Parameters per example. */
  protected abstract get numParams(): number;

  private checkShape(shape: ReadonlyArray<number | null>): void {
    const last = shape[shape.length - 1];
    if (shape.length < 1 || (last !== null && last !== this.numParams)) {
      throw new ValueError(`${this.getClassName()}: the last input dimension must be ` +
          `paramsSize(eventShape ${fmt(this.eventShape)}) = ${this.numParams}; got input shape ${fmt(shape)}.`);
    }
  }

  override build(inputShape: tfl.Shape | tfl.Shape[]): void {
    this.checkShape((Array.isArray(inputShape[0]) ? inputShape[0] : inputShape) as Array<number | null>);
    super.build(inputShape);
  }

  /** Splits the last axis into `parts` blocks of `prod(eventShape)`, each reshaped to `batch + eventShape`. */
  protected block(params: tf.Tensor, index: number): tf.Tensor {
    return tf.tidy(() => {
      const n = sizeOf(this.eventShape);
      const batch = params.shape.slice(0, -1);
      const start = [...batch.map(() => 0), index * n];
      return tf.reshape(tf.slice(params, start, [...batch, n]), [...batch, ...this.eventShape]);
    });
  }

  override makeDistribution(params: tf.Tensor): Distribution {
    this.checkShape(params.shape);
    return this.distributionFor(params);
  }

  protected abstract distributionFor(params: tf.Tensor): Distribution;

  override computeOutputShape(inputShape: tfl.Shape | tfl.Shape[]): tfl.Shape {
    const shape = (Array.isArray(inputShape[0]) ? inputShape[0] : inputShape) as Array<number | null>;
    this.checkShape(shape);
    return [...shape.slice(0, -1), ...this.eventShape];
  }

  override getConfig(): tf.serialization.ConfigDict {
    return {...super.getConfig(), eventShape: this.eventShape};
  }
}

const INDEPENDENT_KEYS: readonly string[] = ['eventShape', ...DISTRIBUTION_LAYER_KEYS];

/** Arguments of {@link IndependentNormal} and {@link IndependentBernoulli}. */
export interface IndependentDistributionLayerArgs extends DistributionLayerArgs {
  /** Shape of one event. Default `[1]`. */
  eventShape?: number | number[];
}

/** Arguments of {@link IndependentNormal}. */
export interface IndependentNormalArgs extends IndependentDistributionLayerArgs {
  /**
   * σ = scaleFloor + softplus(u): a floor that keeps the learned noise from collapsing (e.g. 1e-3
   * of the target's scale). Default 0 (TFP's plain softplus).
   */
  scaleFloor?: number;
  /**
   * Homoscedastic noise: the layer owns one trainable untransformed scale per event element
   * (weight `untransformed_scale`, shape eventShape) and its input holds only the locs
   * (`paramsSize(eventShape, {learnedScale: true})` = prod(eventShape)). Default false: the input
   * holds locs then untransformed scales, so the noise depends on the input (heteroscedastic).
   */
  learnedScale?: boolean;
  /** With `learnedScale`: the initial σ (> scaleFloor). Default 1. */
  initialScale?: number;
}

const NORMAL_KEYS: readonly string[] = [...INDEPENDENT_KEYS, 'scaleFloor', 'learnedScale', 'initialScale'];

/** softplus⁻¹(v) = v + log(−expm1(−v)), for v > 0. */
function softplusInverse(v: number): number {
  return v + Math.log(-Math.expm1(-v));
}

/**
 * `Independent(Normal(loc, scaleFloor + softplus(u)), rank(eventShape))` from an input whose last
 * axis holds `2·prod(eventShape)` parameters: the locs, then the untransformed scales `u` — or,
 * with `learnedScale`, only the locs and one trainable `u` per event element (one observation
 * noise learned with the model).
 *
 * Why the learned noise is an option of this layer rather than a layer of its own: the noise is a
 * parameter of the likelihood, and the likelihood is this layer. Here it drops into any
 * `tf.sequential` after a `dense(D)` with no batch-axis tricks (TFP's `VariableLayer` has no batch
 * axis, so concatenating it to the locs fails), `initialScale` is σ₀ exactly whatever the floor,
 * and save/load carries one weight in one layer. A separate "append a scale" layer would have to
 * repeat the floor to hit σ₀ and would make `paramsSize` depend on a neighbouring layer.
 *
 * Porting note: `scaleFloor`, `learnedScale` and `initialScale` are not in TFP (whose scale is a
 * plain softplus of the input); with their defaults the layer is TFP's, and its config has TFP's
 * keys only (`scaleFloor` is saved when non-zero, `learnedScale`/`initialScale` when learned).
 *
 * @example
 * // Heteroscedastic: the net predicts loc and scale.
 * const model = tf.sequential({layers: [
 *   tf.layers.dense({inputShape: [1], units: tfp.layers.IndependentNormal.paramsSize(1)}),
 *   tfp.layers.independentNormal({eventShape: 1, scaleFloor: 1e-3})]});
 * // Homoscedastic: one learned noise scale.
 * const model2 = tf.sequential({layers: [
 *   tf.layers.dense({inputShape: [1], units: 1}),
 *   tfp.layers.independentNormal({eventShape: 1, learnedScale: true, scaleFloor: 1e-3})]});
 * model.compile({optimizer: 'adam', loss: tfp.layers.negLogLik});
 */
export class IndependentNormal extends ParameterizedDistributionLayer {
  static className = 'IndependentNormal';
  readonly scaleFloor: number;
  readonly learnedScale: boolean;
  readonly initialScale: number;
  private untransformedScale: tfl.LayerVariable | null = null;

  constructor(args: IndependentNormalArgs = {}) {
    checkLayerArgs('IndependentNormal', args, NORMAL_KEYS);
    super('IndependentNormal', normalizeEventShape('IndependentNormal', args.eventShape ?? [1]),
        {...args, eventShape: undefined, scaleFloor: undefined, learnedScale: undefined, initialScale: undefined} as
            DistributionLayerArgs, NORMAL_KEYS);
    const owner = 'IndependentNormal';
    const floor = args.scaleFloor ?? 0;
    if (typeof floor !== 'number' || !Number.isFinite(floor) || floor < 0) {
      throw new ValueError(`${owner}: scaleFloor must be a finite number ≥ 0; got ${fmt(args.scaleFloor)}.`);
    }
    if (args.learnedScale !== undefined && typeof args.learnedScale !== 'boolean') {
      throw new ValueError(`${owner}: learnedScale must be a boolean; got ${fmt(args.learnedScale)}.`);
    }
    this.scaleFloor = floor;
    this.learnedScale = args.learnedScale ?? false;
    if (args.initialScale !== undefined && !this.learnedScale) {
      throw new ValueError(`${owner}: initialScale applies with learnedScale: true only; got ${fmt(args.initialScale)}.`);
    }
    const init = args.initialScale ?? 1;
    if (typeof init !== 'number' || !Number.isFinite(init) || init <= floor) {
      throw new ValueError(`${owner}: initialScale must be a finite number > scaleFloor (${floor}); got ${fmt(args.initialScale)}.`);
    }
    this.initialScale = init;
  }

  /** `2·prod(eventShape)`, or `prod(eventShape)` with `{learnedScale: true}`. */
  static paramsSize(eventShape: number | number[] = [1], options: {learnedScale?: boolean} = {}): number {
    return (options.learnedScale === true ? 1 : 2) * sizeOf(normalizeEventShape('IndependentNormal', eventShape));
  }

  protected get numParams(): number {
    return IndependentNormal.paramsSize(this.eventShape, {learnedScale: this.learnedScale});
  }

  override build(inputShape: tfl.Shape | tfl.Shape[]): void {
    super.build(inputShape);
    if (this.learnedScale && this.untransformedScale === null) {
      this.untransformedScale = this.addWeight('untransformed_scale', this.eventShape, 'float32',
          tfl.initializers.constant({value: softplusInverse(this.initialScale - this.scaleFloor)}));
    }
  }

  protected distributionFor(params: tf.Tensor): Distribution {
    // Deferred parameters: read inside each method's tidy, so no tensor outlives its use.
    const floor = this.scaleFloor;
    const withFloor = (u: tf.Tensor): tf.Tensor => (floor === 0 ? tf.softplus(u) : tf.add(floor, tf.softplus(u)));
    const scale = (): tf.Tensor => {
      if (!this.learnedScale) return withFloor(this.block(params, 1));
      if (this.untransformedScale === null) {
        throw new ValueError(`IndependentNormal: the learned scale needs the layer built (call it on an input first).`);
      }
      const loc = this.block(params, 0);
      return tf.add(tf.zerosLike(loc), withFloor(this.untransformedScale.read()));
    };
    return new Independent({
      distribution: new Normal({loc: () => this.block(params, 0), scale}),
      reinterpretedBatchNdims: this.eventShape.length,
    });
  }

  override getConfig(): tf.serialization.ConfigDict {
    const config = super.getConfig();
    if (this.scaleFloor !== 0) config['scaleFloor'] = this.scaleFloor;
    if (this.learnedScale) {
      config['learnedScale'] = true;
      config['initialScale'] = this.initialScale;
    }
    return config;
  }
}
tf.serialization.registerClass(IndependentNormal);

/**
 * An `IndependentNormal` output layer.
 *
 * @example
 * const layer = tfp.layers.independentNormal({eventShape: [2]});   // input: 4 parameters
 */
export function independentNormal(args: IndependentNormalArgs = {}): IndependentNormal {
  return new IndependentNormal(args);
}

/**
 * `Independent(Bernoulli(logits), rank(eventShape))` from an input whose last axis holds
 * `prod(eventShape)` logits. Samples are float32 0/1.
 *
 * @example
 * const layer = tfp.layers.independentBernoulli({eventShape: [28, 28]});
 */
export class IndependentBernoulli extends ParameterizedDistributionLayer {
  static className = 'IndependentBernoulli';

  constructor(args: IndependentDistributionLayerArgs = {}) {
    checkLayerArgs('IndependentBernoulli', args, INDEPENDENT_KEYS);
    super('IndependentBernoulli', normalizeEventShape('IndependentBernoulli', args.eventShape ?? [1]),
        {...args, eventShape: undefined} as DistributionLayerArgs, INDEPENDENT_KEYS);
  }

  /** `prod(eventShape)`. */
  static paramsSize(eventShape: number | number[] = [1]): number {
    return sizeOf(normalizeEventShape('IndependentBernoulli', eventShape));
  }

  protected get numParams(): number {
    return IndependentBernoulli.paramsSize(this.eventShape);
  }

  protected distributionFor(params: tf.Tensor): Distribution {
    return new Independent({
      distribution: new Bernoulli({logits: () => this.block(params, 0)}),
      reinterpretedBatchNdims: this.eventShape.length,
    });
  }
}
tf.serialization.registerClass(IndependentBernoulli);

/**
 * An `IndependentBernoulli` output layer.
 *
 * @example
 * const layer = tfp.layers.independentBernoulli({eventShape: 3});
 */
export function independentBernoulli(args: IndependentDistributionLayerArgs = {}): IndependentBernoulli {
  return new IndependentBernoulli(args);
}

/** Arguments of the {@link OneHotCategorical} layer. */
export interface OneHotCategoricalLayerArgs extends DistributionLayerArgs {
  /** Number of classes K (the input's last dimension: K logits). */
  eventSize: number;
}

/**
 * `OneHotCategorical(logits)` from an input whose last axis holds `eventSize` logits; samples are
 * float32 one-hot vectors.
 *
 * @example
 * const layer = tfp.layers.oneHotCategorical({eventSize: 10, convertToTensorFn: 'mean'});
 */
export class OneHotCategorical extends ParameterizedDistributionLayer {
  static className = 'OneHotCategorical';

  constructor(args: OneHotCategoricalLayerArgs) {
    checkLayerArgs('OneHotCategorical', args, ['eventSize', ...DISTRIBUTION_LAYER_KEYS]);
    const size = args.eventSize;
    if (typeof size !== 'number' || !Number.isSafeInteger(size) || size <= 0) {
      throw new ValueError(`OneHotCategorical: eventSize must be a positive integer; got ${fmt(size)}.`);
    }
    super('OneHotCategorical', [size], {...args, eventSize: undefined} as DistributionLayerArgs, ['eventSize']);
  }

  /** `eventSize`. */
  static paramsSize(eventSize: number): number {
    return normalizeEventShape('OneHotCategorical', eventSize)[0] as number;
  }

  /** K. */
  get eventSize(): number {
    return this.eventShape[0] as number;
  }

  protected get numParams(): number {
    return this.eventSize;
  }

  protected distributionFor(params: tf.Tensor): Distribution {
    return new OneHotCategoricalDistribution({logits: () => params});
  }

  override getConfig(): tf.serialization.ConfigDict {
    const {eventShape: _unused, ...config} = super.getConfig();
    return {...config, eventSize: this.eventSize};
  }
}
tf.serialization.registerClass(OneHotCategorical);

/**
 * A `OneHotCategorical` output layer over `eventSize` classes.
 *
 * @example
 * const layer = tfp.layers.oneHotCategorical({eventSize: 3});
 */
export function oneHotCategorical(args: OneHotCategoricalLayerArgs): OneHotCategorical {
  return new OneHotCategorical(args);
}

/**
 * The negative log-likelihood loss `−log p(yTrue)` under the distribution that produced `yPred`
 * (the output of a tfp distribution layer), per example; tfjs averages it over the batch.
 *
 * @example
 * model.compile({optimizer: tf.train.adam(0.01), loss: tfp.layers.negLogLik});
 */
export function negLogLik(yTrue: tf.Tensor, yPred: tf.Tensor): tf.Tensor {
  return tf.tidy(() => {
    const d = distributionOf(yPred);
    if (d === undefined) {
      throw new ValueError(`negLogLik: yPred must be the output of a tfp distribution layer ` +
          `(DistributionLambda, IndependentNormal, IndependentBernoulli, IndependentPoisson, ` +
          `IndependentLogistic, OneHotCategorical, MixtureNormal, MixtureLogistic, MixtureSameFamily, ` +
          `MultivariateNormalTriL, CategoricalMixtureOfOneHotCategorical, VariationalGaussianProcess, or a ` +
          `KLDivergenceAddLoss after one) as the model's output; got ${fmt(yPred)}.`);
    }
    return tf.neg(d.logProb(yTrue));
  });
}
