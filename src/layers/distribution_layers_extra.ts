// More distribution output layers: IndependentPoisson, IndependentLogistic, MixtureNormal,
// MixtureLogistic, MixtureSameFamily, MultivariateNormalTriL, CategoricalMixtureOfOneHotCategorical.
// Port of tensorflow_probability/python/layers/distribution_layer.py (the same file as
// distribution_layer.ts; split here to keep each file reviewable).
//
// Porting note: the mixtures have no mode (TFP's MixtureSameFamily defines none either):
// `convertToTensorFn: 'mode'` on them is a ValueError at construction, naming the argument.
// Porting note: `eventShape` defaults to `[1]` (TFP: `()`), as this package's IndependentNormal does;
// TFP's `validate_args` and `sample_dtype` are not ported (samples are float32).
import * as tf from '@tensorflow/tfjs-core';

import {Categorical, OneHotCategorical as OneHotCategoricalDistribution} from '../distributions/categorical.js';
import type {Distribution} from '../distributions/distribution.js';
import {Independent} from '../distributions/independent.js';
import {Logistic} from '../distributions/logistic.js';
import {MixtureSameFamily as MixtureSameFamilyDistribution} from '../distributions/mixture_same_family.js';
import {MultivariateNormalTriL as MultivariateNormalTriLDistribution} from '../distributions/mvn_tril.js';
import {Normal} from '../distributions/normal.js';
import {Poisson} from '../distributions/poisson.js';
import {ValueError} from '../util/errors.js';
import {fmt} from '../util/format.js';
import {sizeOf} from '../util/shape.js';

import {DISTRIBUTION_LAYER_KEYS, normalizeEventShape, ParameterizedDistributionLayer} from './distribution_layer.js';
import type {DistributionLayerArgs} from './distribution_layer.js';
import {checkLayerArgs} from './layer_args.js';

function positiveInt(owner: string, name: string, v: unknown): number {
  if (typeof v !== 'number' || !Number.isSafeInteger(v) || v <= 0) {
    throw new ValueError(`${owner}: ${name} must be a positive integer; got ${fmt(v)}.`);
  }
  return v;
}

function noMode(owner: string, args: DistributionLayerArgs): void {
  if (args.convertToTensorFn === 'mode') {
    throw new ValueError(`${owner}: convertToTensorFn must be 'sample' or 'mean' (a mixture has no mode); got 'mode'.`);
  }
}

/** `t[..., start:start+size]`. */
function lastSlice(t: tf.Tensor, start: number, size: number): tf.Tensor {
  const batch = t.shape.slice(0, -1);
  return tf.slice(t, [...batch.map(() => 0), start], [...batch, size]);
}

/** Arguments of {@link IndependentPoisson} and {@link IndependentLogistic}. */
export interface IndependentExtraArgs extends DistributionLayerArgs {
  /** Shape of one event. Default `[1]`. */
  eventShape?: number | number[];
}

const INDEPENDENT_KEYS: readonly string[] = ['eventShape'];

/**
 * `Independent(Poisson(logRate = params), rank(eventShape))` from `prod(eventShape)` inputs: the
 * input is log λ (TFP: `Poisson(log_rate=...)`), so any real input is valid.
 *
 * @example
 * const model = tf.sequential({layers: [
 *   tf.layers.dense({inputShape: [3], units: tfp.layers.IndependentPoisson.paramsSize(1)}),
 *   tfp.layers.independentPoisson({eventShape: 1})]});
 * model.compile({optimizer: 'adam', loss: tfp.layers.negLogLik});
 */
export class IndependentPoisson extends ParameterizedDistributionLayer {
  static className = 'IndependentPoisson';

  constructor(args: IndependentExtraArgs = {}) {
    checkLayerArgs('IndependentPoisson', args, [...INDEPENDENT_KEYS, ...DISTRIBUTION_LAYER_KEYS]);
    super('IndependentPoisson', normalizeEventShape('IndependentPoisson', args.eventShape ?? [1]),
        {...args, eventShape: undefined} as DistributionLayerArgs, INDEPENDENT_KEYS);
  }

  /** `prod(eventShape)`. */
  static paramsSize(eventShape: number | number[] = [1]): number {
    return sizeOf(normalizeEventShape('IndependentPoisson', eventShape));
  }

  protected get numParams(): number {
    return IndependentPoisson.paramsSize(this.eventShape);
  }

  protected distributionFor(params: tf.Tensor): Distribution {
    return new Independent({
      distribution: new Poisson({logRate: () => this.block(params, 0)}),
      reinterpretedBatchNdims: this.eventShape.length,
    });
  }
}
tf.serialization.registerClass(IndependentPoisson);

/**
 * An `IndependentPoisson` output layer (input: log rates).
 *
 * @example
 * const layer = tfp.layers.independentPoisson({eventShape: [2], convertToTensorFn: 'mean'});
 */
export function independentPoisson(args: IndependentExtraArgs = {}): IndependentPoisson {
  return new IndependentPoisson(args);
}

/**
 * `Independent(Logistic(loc, softplus(u)), rank(eventShape))` from `2·prod(eventShape)` inputs:
 * the locs, then the untransformed scales u (TFP: `scale=tf.math.softplus(scale)`).
 *
 * @example
 * const layer = tfp.layers.independentLogistic({eventShape: [2]});   // input: 4 parameters
 */
export class IndependentLogistic extends ParameterizedDistributionLayer {
  static className = 'IndependentLogistic';

  constructor(args: IndependentExtraArgs = {}) {
    checkLayerArgs('IndependentLogistic', args, [...INDEPENDENT_KEYS, ...DISTRIBUTION_LAYER_KEYS]);
    super('IndependentLogistic', normalizeEventShape('IndependentLogistic', args.eventShape ?? [1]),
        {...args, eventShape: undefined} as DistributionLayerArgs, INDEPENDENT_KEYS);
  }

  /** `2·prod(eventShape)`. */
  static paramsSize(eventShape: number | number[] = [1]): number {
    return 2 * sizeOf(normalizeEventShape('IndependentLogistic', eventShape));
  }

  protected get numParams(): number {
    return IndependentLogistic.paramsSize(this.eventShape);
  }

  protected distributionFor(params: tf.Tensor): Distribution {
    return new Independent({
      distribution: new Logistic({loc: () => this.block(params, 0), scale: () => tf.softplus(this.block(params, 1))}),
      reinterpretedBatchNdims: this.eventShape.length,
    });
  }
}
tf.serialization.registerClass(IndependentLogistic);

/**
 * An `IndependentLogistic` output layer.
 *
 * @example
 * const layer = tfp.layers.independentLogistic({eventShape: 1});
 */
export function independentLogistic(args: IndependentExtraArgs = {}): IndependentLogistic {
  return new IndependentLogistic(args);
}

/** Arguments of {@link MixtureNormal} and {@link MixtureLogistic}. */
export interface MixtureLayerArgs extends DistributionLayerArgs {
  /** Number of mixture components K. */
  numComponents: number;
  /** Shape of one event. Default `[1]`. */
  eventShape?: number | number[];
}

const MIXTURE_KEYS: readonly string[] = ['numComponents', 'eventShape'];

/** Mixture of K `Independent(family(loc, softplus(u)))` components (internal). */
abstract class LocScaleMixture extends ParameterizedDistributionLayer {
  readonly numComponents: number;

  protected constructor(owner: string, args: MixtureLayerArgs) {
    checkLayerArgs(owner, args, [...MIXTURE_KEYS, ...DISTRIBUTION_LAYER_KEYS]);
    noMode(owner, args);
    const k = positiveInt(owner, 'numComponents', args.numComponents);
    super(owner, normalizeEventShape(owner, args.eventShape ?? [1]),
        {...args, eventShape: undefined, numComponents: undefined} as DistributionLayerArgs, MIXTURE_KEYS);
    this.numComponents = k;
  }

  protected get numParams(): number {
    return this.numComponents + this.numComponents * 2 * sizeOf(this.eventShape);
  }

  protected abstract component(loc: tf.Tensor, scale: tf.Tensor): Distribution;

  /** Input `[..., K + K·2n]`: K logits, then per component its n locs and n untransformed scales. */
  protected distributionFor(params: tf.Tensor): Distribution {
    const k = this.numComponents;
    const n = sizeOf(this.eventShape);
    const batch = params.shape.slice(0, -1);
    const logits = lastSlice(params, 0, k);
    const comp = tf.reshape(lastSlice(params, k, 2 * n * k), [...batch, k, 2 * n]);
    const loc = tf.reshape(lastSlice(comp, 0, n), [...batch, k, ...this.eventShape]);
    const scale = tf.softplus(tf.reshape(lastSlice(comp, n, n), [...batch, k, ...this.eventShape]));
    return new MixtureSameFamilyDistribution({
      mixtureDistribution: new Categorical({logits}),
      componentsDistribution: new Independent({distribution: this.component(loc, scale),
        reinterpretedBatchNdims: this.eventShape.length}),
    });
  }

  override getConfig(): tf.serialization.ConfigDict {
    return {...super.getConfig(), numComponents: this.numComponents};
  }
}

function mixtureParamsSize(owner: string, numComponents: number, eventShape: number | number[]): number {
  const k = positiveInt(owner, 'numComponents', numComponents);
  return k + k * 2 * sizeOf(normalizeEventShape(owner, eventShape));
}

/**
 * `MixtureSameFamily(Categorical(logits), Independent(Normal(loc, softplus(u))))` over K components:
 * a mixture density network's output layer. Input per example: K logits, then per component
 * `IndependentNormal.paramsSize(eventShape)` parameters. `convertToTensorFn`: 'sample' or 'mean'.
 *
 * @example
 * const k = 3;
 * const model = tf.sequential({layers: [
 *   tf.layers.dense({inputShape: [1], units: 16, activation: 'tanh'}),
 *   tf.layers.dense({units: tfp.layers.MixtureNormal.paramsSize(k, [1])}),
 *   tfp.layers.mixtureNormal({numComponents: k, eventShape: [1]})]});
 * model.compile({optimizer: tf.train.adam(0.02), loss: tfp.layers.negLogLik});
 */
export class MixtureNormal extends LocScaleMixture {
  static className = 'MixtureNormal';

  constructor(args: MixtureLayerArgs) {
    super('MixtureNormal', args);
  }

  /** `numComponents + numComponents·2·prod(eventShape)`. */
  static paramsSize(numComponents: number, eventShape: number | number[] = [1]): number {
    return mixtureParamsSize('MixtureNormal', numComponents, eventShape);
  }

  protected component(loc: tf.Tensor, scale: tf.Tensor): Distribution {
    return new Normal({loc, scale});
  }
}
tf.serialization.registerClass(MixtureNormal);

/**
 * A `MixtureNormal` output layer.
 *
 * @example
 * const layer = tfp.layers.mixtureNormal({numComponents: 2, eventShape: [1]});   // input: 6
 */
export function mixtureNormal(args: MixtureLayerArgs): MixtureNormal {
  return new MixtureNormal(args);
}

/**
 * `MixtureSameFamily(Categorical(logits), Independent(Logistic(loc, softplus(u))))` over K components.
 * `convertToTensorFn`: 'sample' or 'mean'.
 *
 * @example
 * const layer = tfp.layers.mixtureLogistic({numComponents: 2});   // input: MixtureLogistic.paramsSize(2) = 6
 */
export class MixtureLogistic extends LocScaleMixture {
  static className = 'MixtureLogistic';

  constructor(args: MixtureLayerArgs) {
    super('MixtureLogistic', args);
  }

  /** `numComponents + numComponents·2·prod(eventShape)`. */
  static paramsSize(numComponents: number, eventShape: number | number[] = [1]): number {
    return mixtureParamsSize('MixtureLogistic', numComponents, eventShape);
  }

  protected component(loc: tf.Tensor, scale: tf.Tensor): Distribution {
    return new Logistic({loc, scale});
  }
}
tf.serialization.registerClass(MixtureLogistic);

/**
 * A `MixtureLogistic` output layer.
 *
 * @example
 * const layer = tfp.layers.mixtureLogistic({numComponents: 3, eventShape: 2});
 */
export function mixtureLogistic(args: MixtureLayerArgs): MixtureLogistic {
  return new MixtureLogistic(args);
}

/** A saved component layer: its registered class name and config. */
export interface SerializedComponentLayer {
  className: string;
  config: tf.serialization.ConfigDict;
}

/** Arguments of the {@link MixtureSameFamily} layer. */
export interface MixtureSameFamilyLayerArgs extends DistributionLayerArgs {
  /** Number of mixture components K. */
  numComponents: number;
  /** The component layer (e.g. `independentNormal({eventShape: [2]})`), or its saved form. */
  componentLayer: ParameterizedDistributionLayer | SerializedComponentLayer;
}

function componentParams(layer: ParameterizedDistributionLayer): number {
  // `numParams` is protected on the base; read through the index form (one place).
  return layer['numParams'];
}

function resolveComponent(arg: unknown): ParameterizedDistributionLayer {
  if (arg instanceof ParameterizedDistributionLayer) return arg;
  if (typeof arg === 'object' && arg !== null && typeof (arg as {className?: unknown}).className === 'string') {
    const {className, config} = arg as SerializedComponentLayer;
    const entry = tf.serialization.SerializationMap.getMap().classNameMap[className];
    if (entry !== undefined) {
      const made: unknown = entry[1](entry[0], config ?? {});
      if (made instanceof ParameterizedDistributionLayer) return made;
    }
  }
  throw new ValueError(`MixtureSameFamily: componentLayer must be a parameterized distribution layer ` +
      `(IndependentNormal, IndependentPoisson, MultivariateNormalTriL, …) or its saved {className, config}; got ${fmt(arg)}.`);
}

/**
 * `MixtureSameFamily(Categorical(logits), componentLayer(componentParams))`: input per example K
 * logits, then K blocks of `componentParamsSize` parameters, each read by `componentLayer`.
 * `convertToTensorFn`: 'sample' or 'mean'.
 *
 * @example
 * const comp = tfp.layers.independentNormal({eventShape: [2]});
 * const units = tfp.layers.MixtureSameFamily.paramsSize(3, tfp.layers.IndependentNormal.paramsSize([2]));
 * const layer = tfp.layers.mixtureSameFamily({numComponents: 3, componentLayer: comp});   // input: units = 15
 */
export class MixtureSameFamily extends ParameterizedDistributionLayer {
  static className = 'MixtureSameFamily';
  readonly numComponents: number;
  readonly componentLayer: ParameterizedDistributionLayer;

  constructor(args: MixtureSameFamilyLayerArgs) {
    const owner = 'MixtureSameFamily';
    checkLayerArgs(owner, args, ['numComponents', 'componentLayer', ...DISTRIBUTION_LAYER_KEYS]);
    noMode(owner, args);
    const k = positiveInt(owner, 'numComponents', args.numComponents);
    const component = resolveComponent(args.componentLayer);
    super(owner, component.eventShape.slice(),
        {...args, numComponents: undefined, componentLayer: undefined} as DistributionLayerArgs,
        ['numComponents', 'componentLayer']);
    this.numComponents = k;
    this.componentLayer = component;
  }

  /** `numComponents + numComponents·componentParamsSize`. */
  static paramsSize(numComponents: number, componentParamsSize: number): number {
    const k = positiveInt('MixtureSameFamily', 'numComponents', numComponents);
    return k + k * positiveInt('MixtureSameFamily', 'componentParamsSize', componentParamsSize);
  }

  protected get numParams(): number {
    return MixtureSameFamily.paramsSize(this.numComponents, componentParams(this.componentLayer));
  }

  protected distributionFor(params: tf.Tensor): Distribution {
    const k = this.numComponents;
    const c = componentParams(this.componentLayer);
    const batch = params.shape.slice(0, -1);
    return new MixtureSameFamilyDistribution({
      mixtureDistribution: new Categorical({logits: lastSlice(params, 0, k)}),
      componentsDistribution: this.componentLayer.makeDistribution(tf.reshape(lastSlice(params, k, k * c), [...batch, k, c])),
    });
  }

  override getConfig(): tf.serialization.ConfigDict {
    const {eventShape: _unused, ...config} = super.getConfig();
    return {...config, numComponents: this.numComponents,
      componentLayer: {className: this.componentLayer.getClassName(), config: this.componentLayer.getConfig()}};
  }
}
tf.serialization.registerClass(MixtureSameFamily);

/**
 * A `MixtureSameFamily` output layer over `numComponents` copies of `componentLayer`.
 *
 * @example
 * const layer = tfp.layers.mixtureSameFamily({numComponents: 2,
 *   componentLayer: tfp.layers.independentPoisson({eventShape: [1]})});   // input: 2 + 2·1 = 4
 */
export function mixtureSameFamily(args: MixtureSameFamilyLayerArgs): MixtureSameFamily {
  return new MixtureSameFamily(args);
}

/**
 * TFP's `fill_triangular` (lower): the n(n+1)/2 last-axis entries of `x` into an n×n lower-triangular
 * matrix, in TFP's order (`[1..6]` → `[[4,0,0],[6,5,0],[3,2,1]]`).
 */
function fillTriangular(x: tf.Tensor, n: number): tf.Tensor {
  const batch = x.shape.slice(0, -1);
  const m = n * (n + 1) / 2;
  const full = tf.concat([lastSlice(x, n, m - n), tf.reverse(x, -1)], -1);
  return tf.linalg.bandPart(tf.reshape(full, [...batch, n, n]), -1, 0);
}

/** FillScaleTriL's default diagonal shift: keeps the scale invertible where softplus underflows. */
const DIAG_SHIFT = 1e-5;

/** Arguments of the {@link MultivariateNormalTriL} layer. */
export interface MultivariateNormalTriLLayerArgs extends DistributionLayerArgs {
  /** The event size n. */
  eventSize: number;
}

/**
 * `MultivariateNormalTriL(loc, scaleTril)` from `n + n(n+1)/2` inputs: n locs, then the scale's
 * lower triangle through TFP's `FillScaleTriL` (fill_triangular, diagonal `softplus(d) + 1e-5`).
 *
 * @example
 * const layer = tfp.layers.multivariateNormalTriL({eventSize: 2});   // input: 2 + 3 = 5
 */
export class MultivariateNormalTriL extends ParameterizedDistributionLayer {
  static className = 'MultivariateNormalTriL';

  constructor(args: MultivariateNormalTriLLayerArgs) {
    checkLayerArgs('MultivariateNormalTriL', args, ['eventSize', ...DISTRIBUTION_LAYER_KEYS]);
    const n = positiveInt('MultivariateNormalTriL', 'eventSize', args.eventSize);
    super('MultivariateNormalTriL', [n], {...args, eventSize: undefined} as DistributionLayerArgs, ['eventSize']);
  }

  /** `eventSize + eventSize(eventSize + 1)/2`. */
  static paramsSize(eventSize: number): number {
    const n = positiveInt('MultivariateNormalTriL', 'eventSize', eventSize);
    return n + n * (n + 1) / 2;
  }

  /** n. */
  get eventSize(): number {
    return this.eventShape[0] as number;
  }

  protected get numParams(): number {
    return MultivariateNormalTriL.paramsSize(this.eventSize);
  }

  protected distributionFor(params: tf.Tensor): Distribution {
    const n = this.eventSize;
    const loc = lastSlice(params, 0, n);
    const tril = fillTriangular(lastSlice(params, n, n * (n + 1) / 2), n);
    const eye = tf.eye(n);
    const diag = tf.sum(tf.mul(tril, eye), -1);
    const scaleTril = tf.add(tf.mul(tril, tf.sub(1, eye)),
        tf.mul(eye, tf.expandDims(tf.add(tf.softplus(diag), DIAG_SHIFT), -1)));
    return new MultivariateNormalTriLDistribution({loc, scaleTril});
  }

  override getConfig(): tf.serialization.ConfigDict {
    const {eventShape: _unused, ...config} = super.getConfig();
    return {...config, eventSize: this.eventSize};
  }
}
tf.serialization.registerClass(MultivariateNormalTriL);

/**
 * A `MultivariateNormalTriL` output layer.
 *
 * @example
 * const layer = tfp.layers.multivariateNormalTriL({eventSize: 3, convertToTensorFn: 'mean'});
 */
export function multivariateNormalTriL(args: MultivariateNormalTriLLayerArgs): MultivariateNormalTriL {
  return new MultivariateNormalTriL(args);
}

/** Arguments of {@link CategoricalMixtureOfOneHotCategorical}. */
export interface CategoricalMixtureOfOneHotCategoricalArgs extends DistributionLayerArgs {
  /** Classes per one-hot event. */
  eventSize: number;
  /** Number of mixture components K. */
  numComponents: number;
}

/**
 * `MixtureSameFamily(Categorical(logits[:K]), OneHotCategorical(logits[K:] as [K, eventSize]))`.
 * `convertToTensorFn`: 'sample' or 'mean'.
 *
 * @example
 * const layer = tfp.layers.categoricalMixtureOfOneHotCategorical({eventSize: 4, numComponents: 2});   // input: 10
 */
export class CategoricalMixtureOfOneHotCategorical extends ParameterizedDistributionLayer {
  static className = 'CategoricalMixtureOfOneHotCategorical';
  readonly numComponents: number;

  constructor(args: CategoricalMixtureOfOneHotCategoricalArgs) {
    const owner = 'CategoricalMixtureOfOneHotCategorical';
    checkLayerArgs(owner, args, ['eventSize', 'numComponents', ...DISTRIBUTION_LAYER_KEYS]);
    noMode(owner, args);
    const size = positiveInt(owner, 'eventSize', args.eventSize);
    const k = positiveInt(owner, 'numComponents', args.numComponents);
    super(owner, [size], {...args, eventSize: undefined, numComponents: undefined} as DistributionLayerArgs,
        ['eventSize', 'numComponents']);
    this.numComponents = k;
  }

  /** `numComponents + numComponents·eventSize` (TFP's argument order: eventSize, numComponents). */
  static paramsSize(eventSize: number, numComponents: number): number {
    const owner = 'CategoricalMixtureOfOneHotCategorical';
    const k = positiveInt(owner, 'numComponents', numComponents);
    return k + k * positiveInt(owner, 'eventSize', eventSize);
  }

  /** Classes per event. */
  get eventSize(): number {
    return this.eventShape[0] as number;
  }

  protected get numParams(): number {
    return CategoricalMixtureOfOneHotCategorical.paramsSize(this.eventSize, this.numComponents);
  }

  protected distributionFor(params: tf.Tensor): Distribution {
    const k = this.numComponents;
    const e = this.eventSize;
    const batch = params.shape.slice(0, -1);
    return new MixtureSameFamilyDistribution({
      mixtureDistribution: new Categorical({logits: lastSlice(params, 0, k)}),
      componentsDistribution: new OneHotCategoricalDistribution({
        logits: tf.reshape(lastSlice(params, k, k * e), [...batch, k, e])}),
    });
  }

  override getConfig(): tf.serialization.ConfigDict {
    const {eventShape: _unused, ...config} = super.getConfig();
    return {...config, eventSize: this.eventSize, numComponents: this.numComponents};
  }
}
tf.serialization.registerClass(CategoricalMixtureOfOneHotCategorical);

/**
 * A `CategoricalMixtureOfOneHotCategorical` output layer.
 *
 * @example
 * const layer = tfp.layers.categoricalMixtureOfOneHotCategorical({eventSize: 3, numComponents: 2});
 */
export function categoricalMixtureOfOneHotCategorical(
    args: CategoricalMixtureOfOneHotCategoricalArgs): CategoricalMixtureOfOneHotCategorical {
  return new CategoricalMixtureOfOneHotCategorical(args);
}
