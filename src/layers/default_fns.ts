// The distribution-factory protocol of tfp.layers (LAYERS.md §1) and its default functions.
// Port of tensorflow_probability/python/layers/util.py.
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';

import {Deterministic} from '../distributions/deterministic.js';
import {constantParam} from '../distributions/distribution.js';
import type {Distribution} from '../distributions/distribution.js';
import {Independent} from '../distributions/independent.js';
import {klDivergence} from '../distributions/kl.js';
import {Normal} from '../distributions/normal.js';
import type {TensorFn} from '../variational/estimators.js';
import {ValueError} from '../util/errors.js';
import {fmt} from '../util/format.js';
import {deserializeKerasObject, isConstraint, isInitializer, isRegularizer, serializeKerasObject} from '../util/keras_objects.js';
import type {KerasObjectJson} from '../util/keras_objects.js';
import {checkArgsObject, checkKeys} from '../util/keys.js';

import {tapeMemo} from '../util/tape_memo.js';
import {describeFn, registerFn} from './fn_registry.js';

// tfjs-layers exports these classes only through its factories; their types come from there, so
// that the published .d.ts never deep-imports @tensorflow/tfjs-layers/dist/… (TS2307 under
// moduleResolution NodeNext, whose package "exports" hide those files).
/** A tfjs initializer (what `tf.initializers.*` return). */
export type Initializer = ReturnType<typeof tfl.initializers.zeros>;
/** A tfjs regularizer (what `tf.regularizers.*` return). */
export type Regularizer = ReturnType<typeof tfl.regularizers.l2>;
/** A tfjs constraint (what `tf.constraints.*` return). */
export type Constraint = ReturnType<typeof tfl.constraints.maxNorm>;

/**
 * Keras `addWeight` of the owning layer: `(name, shape, initializer, regularizer, constraint,
 * dtype, trainable)`; the created variable belongs to the layer, in creation order.
 */
export type AddVariableFn = (name: string, shape: number[], initializer: Initializer,
    regularizer: Regularizer | null, constraint: Constraint | null, dtype: tf.DataType,
    trainable: boolean) => tfl.LayerVariable;

/**
 * Makes a posterior or prior at build: `(dtype, shape, name, trainable, addVariable)` → a
 * distribution with `eventShape == shape`.
 */
export type DistributionFn = (dtype: tf.DataType, shape: number[], name: string, trainable: boolean,
    addVariable: AddVariableFn) => Distribution;

/** `(posterior, prior, posteriorTensor)` → the loss added for this parameter (a scalar). */
export type DivergenceFn = (q: Distribution, p: Distribution, qTensor: tf.Tensor | null) => tf.Tensor;

/** Machine epsilon of float32, added to σ so that it stays positive where softplus underflows. */
export const EPS_FLOAT32 = 1.1920929e-7;

/** Arguments of {@link defaultMeanFieldNormalFn}. */
export interface MeanFieldNormalArgs {
  /** A point mass (Deterministic) at the loc instead of a Normal. Default false. */
  isSingular?: boolean;
  /** Default `randomNormal({mean: 0, stddev: 0.1})`. */
  locInitializer?: Initializer | KerasObjectJson | string;
  /** Default `randomNormal({mean: -3, stddev: 0.1})` (σ ≈ softplus(−3) ≈ 0.0486). */
  untransformedScaleInitializer?: Initializer | KerasObjectJson | string;
  locRegularizer?: Regularizer | KerasObjectJson | string | null;
  untransformedScaleRegularizer?: Regularizer | KerasObjectJson | string | null;
  locConstraint?: Constraint | KerasObjectJson | string | null;
  untransformedScaleConstraint?: Constraint | KerasObjectJson | string | null;
}

const OWNER = 'defaultMeanFieldNormalFn';

function init(arg: string, v: unknown, fallback: () => Initializer): Initializer {
  return v === undefined || v === null ? fallback() :
      deserializeKerasObject(OWNER, arg, v, isInitializer) as unknown as Initializer;
}

function optional<T>(arg: string, v: unknown, check: (x: unknown) => boolean): T | null {
  return v === undefined || v === null ? null :
      deserializeKerasObject(OWNER, arg, v, check as (x: unknown) => x is T);
}

function read(v: tfl.LayerVariable, constraint: Constraint | null): tf.Tensor {
  return constraint === null ? v.read() : constraint.apply(v.read());
}

/**
 * A factory for a mean-field posterior: `Independent(Normal(loc, σ), rank(shape))` with
 * `σ = eps + softplus(u)` computed from the variable `u` on every read (so gradients reach `u`) —
 * once per gradient tape (`tapeMemo`): the forward pass and the KL term of a step share it —
 * or `Independent(Deterministic(loc), rank(shape))` when `isSingular`.
 *
 * Porting note: tfjs optimizers never apply constraints, so a loc / untransformed-scale constraint
 * is applied to the variable's value whenever the distribution reads it (same values as TFP's
 * projection after each step; no gradient flows through a clipped coordinate).
 *
 * @example
 * const posterior = tfp.layers.util.defaultMeanFieldNormalFn({
 *   untransformedScaleInitializer: tf.initializers.randomNormal({mean: -9, stddev: 0.1})});
 */
export function defaultMeanFieldNormalFn(args: MeanFieldNormalArgs = {}): DistributionFn {
  checkArgsObject(OWNER, args);
  checkKeys(OWNER, args, {own: ['isSingular', 'locInitializer', 'untransformedScaleInitializer',
    'locRegularizer', 'untransformedScaleRegularizer', 'locConstraint', 'untransformedScaleConstraint']});
  const isSingular = args.isSingular ?? false;
  if (typeof isSingular !== 'boolean') {
    throw new ValueError(`${OWNER}: isSingular must be a boolean; got ${fmt(isSingular)}.`);
  }
  const locInit = init('locInitializer', args.locInitializer,
      () => tfl.initializers.randomNormal({mean: 0, stddev: 0.1}));
  const scaleInit = init('untransformedScaleInitializer', args.untransformedScaleInitializer,
      () => tfl.initializers.randomNormal({mean: -3, stddev: 0.1}));
  const locReg = optional<Regularizer>('locRegularizer', args.locRegularizer, isRegularizer);
  const scaleReg = optional<Regularizer>('untransformedScaleRegularizer',
      args.untransformedScaleRegularizer, isRegularizer);
  const locCon = optional<Constraint>('locConstraint', args.locConstraint, isConstraint);
  const scaleCon = optional<Constraint>('untransformedScaleConstraint',
      args.untransformedScaleConstraint, isConstraint);

  const fn: DistributionFn = (dtype, shape, name, trainable, addVariable) => {
    const loc = addVariable(`${name}_loc`, shape, locInit, locReg, locCon, dtype, trainable);
    const locFn = (): tf.Tensor => read(loc, locCon);
    if (isSingular) {
      return new Independent({distribution: new Deterministic({loc: locFn}),
        reinterpretedBatchNdims: shape.length});
    }
    const u = addVariable(`${name}_untransformed_scale`, shape, scaleInit, scaleReg, scaleCon,
        dtype, trainable);
    // One softplus per training step: the estimator and the KL term share it (tapeMemo).
    const scale = tapeMemo(() => tf.add(EPS_FLOAT32, tf.softplus(read(u, scaleCon))), () => [u.read()]);
    return new Independent({distribution: new Normal({loc: locFn, scale}),
      reinterpretedBatchNdims: shape.length});
  };
  const config: tf.serialization.ConfigDict = {
    isSingular,
    locInitializer: serializeKerasObject(locInit) as unknown as tf.serialization.ConfigDictValue,
    untransformedScaleInitializer: serializeKerasObject(scaleInit) as unknown as tf.serialization.ConfigDictValue,
    locRegularizer: serializeKerasObject(locReg) as unknown as tf.serialization.ConfigDictValue,
    untransformedScaleRegularizer: serializeKerasObject(scaleReg) as unknown as tf.serialization.ConfigDictValue,
    locConstraint: serializeKerasObject(locCon) as unknown as tf.serialization.ConfigDictValue,
    untransformedScaleConstraint: serializeKerasObject(scaleCon) as unknown as tf.serialization.ConfigDictValue,
  };
  return describeFn(fn, 'MeanFieldNormal', config);
}
registerFn('MeanFieldNormal', (c) => defaultMeanFieldNormalFn(c as MeanFieldNormalArgs));

/**
 * A fixed standard-normal prior `Independent(Normal(0, 1), rank(shape))` with `eventShape == shape`;
 * creates no variables.
 */
export const defaultMultivariateNormalFn: DistributionFn = describeFn(
    (dtype: tf.DataType, shape: number[]): Distribution => new Independent({
      distribution: new Normal({loc: constantParam(shape, 0, dtype), scale: 1}),
      reinterpretedBatchNdims: shape.length,
    }), 'MultivariateStandardNormal');
registerFn('MultivariateStandardNormal', () => defaultMultivariateNormalFn);

/** Options of {@link trainableNormalPriorFn}. */
export interface TrainableNormalPriorArgs {
  /** The prior's σ at initialisation. Default 1 (the standard-normal prior). */
  initialScale?: number;
}

/**
 * An empirical-Bayes prior: `Independent(Normal(0, s), rank(shape))` with ONE trainable scale
 * `s = softplus(v)` per parameter tensor (the variable `<name>_untransformed_scale`, a scalar),
 * learned with the ELBO (type-II maximum likelihood of the prior's width, as in Wu et al. 2019's
 * "empirical Bayes" priors). With `initialScale: 1` it starts as the default N(0, 1) prior. The KL
 * stays analytic. Serializable as `'TrainableNormalPrior'`.
 *
 * @example
 * tfp.layers.denseFlipout({units: 50, kernelPriorFn: tfp.layers.util.trainableNormalPriorFn()});
 */
export function trainableNormalPriorFn(args: TrainableNormalPriorArgs = {}): DistributionFn {
  const owner = 'trainableNormalPriorFn';
  checkArgsObject(owner, args);
  checkKeys(owner, args, {own: ['initialScale']});
  const s0 = args.initialScale ?? 1;
  if (typeof s0 !== 'number' || !Number.isFinite(s0) || s0 <= 0) {
    throw new ValueError(`${owner}: initialScale must be a finite number > 0; got ${fmt(args.initialScale)}.`);
  }
  const v0 = s0 + Math.log(-Math.expm1(-s0));   // softplus⁻¹(s0)
  const fn: DistributionFn = (dtype, shape, name, trainable, addVariable) => {
    const v = addVariable(`${name}_untransformed_scale`, [], tfl.initializers.constant({value: v0}), null, null,
        dtype, trainable);
    return new Independent({
      distribution: new Normal({loc: constantParam(shape, 0, dtype), scale: () => tf.softplus(v.read())}),
      reinterpretedBatchNdims: shape.length,
    });
  };
  return describeFn(fn, 'TrainableNormalPrior', {initialScale: s0});
}
registerFn('TrainableNormalPrior', (c) => trainableNormalPriorFn(c as TrainableNormalPriorArgs));

/** Arguments of {@link klDivergenceFn} and {@link monteCarloDivergenceFn}. */
export interface DivergenceFnArgs {
  /** Multiplier, e.g. `1 / numTrainExamples` for the per-example ELBO. Default 1. */
  weight?: number;
}

/**
 * The weight of a divergence fn's options `{weight}`. A bare number (`klDivergenceFn(1 / 60000)`)
 * is refused with the object to pass instead: TFP's fns take no weight argument, and reading a
 * number as "no options" would silently use weight 1.
 */
function checkWeight(owner: string, args: unknown): number {
  if (typeof args === 'number') {
    throw new ValueError(`${owner}: args must be an object {weight}; got the number ${fmt(args)} ` +
        `(did you mean {weight: ${fmt(args)}}?).`);
  }
  checkArgsObject(owner, args);
  checkKeys(owner, args, {own: ['weight']});
  const weight = (args as DivergenceFnArgs).weight;
  if (weight === undefined) return 1;
  if (typeof weight !== 'number' || !Number.isFinite(weight) || weight < 0) {
    throw new ValueError(`${owner}: weight must be a finite number ≥ 0; got ${fmt(weight)}.`);
  }
  return weight;
}

/**
 * The analytic divergence `KL(q ‖ p) · weight` (the layers' default with weight 1). Serializable.
 *
 * @example
 * tfp.layers.denseFlipout({units: 10, kernelDivergenceFn: tfp.layers.util.klDivergenceFn({weight: 1 / 60000})});
 */
export function klDivergenceFn(args: DivergenceFnArgs = {}): DivergenceFn {
  const weight = checkWeight('klDivergenceFn', args);
  const fn: DivergenceFn = (q, p) => tf.tidy(() => {
    const kl = klDivergence(q, p);
    return weight === 1 ? kl : tf.mul(kl, weight);
  });
  return describeFn(fn, 'KLDivergence', {weight});
}
registerFn('KLDivergence', (c) => klDivergenceFn(c as DivergenceFnArgs));

/**
 * The single-sample Monte-Carlo divergence `(log q(w) − log p(w)) · weight` at the posterior tensor
 * `w` used by the forward pass. Only Reparameterization layers pass `w` (Flipout and local
 * reparameterization pass null, as in TFP), so it is an error there. Serializable.
 */
export function monteCarloDivergenceFn(args: DivergenceFnArgs = {}): DivergenceFn {
  const weight = checkWeight('monteCarloDivergenceFn', args);
  const fn: DivergenceFn = (q, p, w) => {
    if (w === null) {
      throw new ValueError('monteCarloDivergenceFn: needs the posterior sample, which this layer ' +
          'does not draw (Flipout and local reparameterization pass null); use klDivergenceFn.');
    }
    return tf.tidy(() => tf.mul(tf.sub(q.logProb(w), p.logProb(w)), weight));
  };
  return describeFn(fn, 'KLMonteCarlo', {weight});
}
registerFn('KLMonteCarlo', (c) => monteCarloDivergenceFn(c as DivergenceFnArgs));

/** The default tensor fn: one draw `d.sample([], seed)` per call. */
export const sampleTensorFn: TensorFn = describeFn(
    (d: Distribution, seed?: number): tf.Tensor => d.sample([], seed), 'Sample');
registerFn('Sample', () => sampleTensorFn);

/** The posterior mean `d.mean()`: makes every estimator deterministic. */
export const meanTensorFn: TensorFn = describeFn((d: Distribution): tf.Tensor => d.mean(), 'Mean');
registerFn('Mean', () => meanTensorFn);
