// The Distribution base class: batch/event shape semantics of DISTRIBUTIONS.md §1.
// Port of the parts of tensorflow_probability/python/distributions/distribution.py the layers need.
import * as tf from '@tensorflow/tfjs-core';

import {NotImplementedError, ValueError} from '../util/errors.js';
import {fmt} from '../util/format.js';
import {checkArgsObject, checkKeys} from '../util/keys.js';
import {checkSeed, SeedStream} from '../util/seed.js';
import {checkElementCount} from '../util/shape.js';

import {crossEntropy as crossEntropyOf, klDivergence as klDivergenceOf} from './kl.js';

/**
 * A tensor, or a number / nested number array that becomes one.
 *
 * @example
 * const x: tfp.distributions.TensorLike = [[0.5, 1]];  // or tf.tensor2d([[0.5, 1]]), or 0.5
 */
export type TensorLike = tf.Tensor | number | number[] | number[][] | number[][][] | number[][][][];

/**
 * A distribution parameter: a value, or a function re-evaluated on every read (TFP's
 * `DeferredTensor`), e.g. `() => softplus(u)` so that gradients reach the variable `u`.
 *
 * @example
 * const u = tf.variable(tf.zeros([3]));
 * const q = new tfp.distributions.Normal({loc: 0, scale: () => tf.softplus(u)});
 */
export type ParamLike = TensorLike | (() => tf.Tensor);

/** A deferred parameter known to be one constant everywhere (e.g. a prior's zero loc). */
export type ConstantParam = (() => tf.Tensor) & {readonly constantValue: number};

/**
 * A parameter of `shape` filled with `value`, made on each read, that distributions can recognise
 * as a constant (the standard-normal KL fast path uses this).
 */
export function constantParam(shape: number[], value: number, dtype: tf.DataType = 'float32'): ConstantParam {
  return Object.assign(() => tf.fill(shape, value, dtype), {constantValue: value});
}

/** The constant value of a parameter when it is statically known (a number or a constantParam). */
export function constantValueOf(p: ParamLike): number | undefined {
  if (typeof p === 'number') return p;
  if (typeof p === 'function' && typeof (p as Partial<ConstantParam>).constantValue === 'number') {
    return (p as ConstantParam).constantValue;
  }
  return undefined;
}

/**
 * `true` for a tfjs tensor (including variables).
 *
 * @example
 * tfp.distributions.isTensor(tf.scalar(1));  // true; false for 1 or [1]
 */
export function isTensor(v: unknown): v is tf.Tensor {
  return v instanceof tf.Tensor;
}

/**
 * Reads a parameter as a tensor of `dtype`. Numbers and arrays become fresh tensors and functions
 * are re-evaluated, so call this inside `tf.tidy` (every library code path does).
 *
 * @example
 * tf.tidy(() => tfp.distributions.readParam([1, 2]).shape);  // [2]
 */
export function readParam(p: ParamLike, dtype: tf.DataType = 'float32'): tf.Tensor {
  if (typeof p === 'function') return p();
  if (isTensor(p)) return p;
  return tf.tensor(p, undefined, dtype);
}

/** The static shape of a parameter without keeping any tensor alive. */
export function paramShape(p: ParamLike): number[] {
  if (typeof p === 'function') return tf.tidy(() => p().shape.slice());
  if (isTensor(p)) return p.shape.slice();
  const shape: number[] = [];
  let v: unknown = p;
  while (Array.isArray(v)) {
    shape.push(v.length);
    v = v[0];
  }
  return shape;
}

/**
 * Checks that a parameter is a tensor, a function, a number, or a rectangular nested array of
 * numbers; anything else (a string, `undefined`, a ragged array) is a `ValueError` naming it.
 */
export function checkParam(owner: string, name: string, p: unknown): void {
  if (typeof p === 'function' || p instanceof tf.Tensor || typeof p === 'number') return;
  const shapeOf = (v: unknown): number[] | null => {
    if (typeof v === 'number') return [];
    if (!Array.isArray(v) || v.length === 0) return Array.isArray(v) ? [0] : null;
    const inner = v.map(shapeOf);
    const first = inner[0] as number[] | null;
    if (first === null || inner.some((s) => s === null || s.join() !== first.join())) return null;
    return [v.length, ...first];
  };
  if (shapeOf(p) === null) {
    throw new ValueError(`${owner}: ${name} must be a tensor, a number, a rectangular array of ` +
        `numbers or a function returning a tensor; got ${fmt(p)}.`);
  }
}

/**
 * A sample shape: a list of non-negative integers, or one non-negative integer `n` (`[n]`).
 *
 * @example
 * new tfp.distributions.Normal({loc: 0, scale: 1}).sample(3, 7);  // the same as sample([3], 7)
 */
export type SampleShape = number | number[];

/**
 * Checks a `sampleShape` argument — a list of non-negative integers, or one such integer `n`,
 * read as `[n]` (as TFP users pass an int) — and returns it as a list. With `rest` (the batch and
 * event shape that follow it), a draw of more than 2^31 − 1 elements is refused up front.
 */
export function checkSampleShape(owner: string, sampleShape: unknown, rest: readonly number[] = []): number[] {
  const isDim = (d: unknown): d is number => typeof d === 'number' && Number.isSafeInteger(d) && d >= 0;
  const shape = isDim(sampleShape) ? [sampleShape] : sampleShape;
  if (!Array.isArray(shape) || !shape.every(isDim)) {
    throw new ValueError(`${owner}: sampleShape must be a non-negative integer or a list of ` +
        `non-negative integers; got ${fmt(sampleShape)}.`);
  }
  checkElementCount(owner, 'a sample (sampleShape + batchShape + eventShape)', [...shape, ...rest]);
  return shape.slice();
}

/**
 * Checks every value of a parameter against `ok` (`expectation` names the rule in the message). A
 * number or nested array is always checked; a tensor (variables included) only when `validate`
 * (the distribution's `validateArgs`) is true, reading its values synchronously.
 */
function checkParamValues(owner: string, name: string, p: ParamLike, validate: boolean,
    ok: (v: number) => boolean, expectation: string): void {
  if (validate && p instanceof tf.Tensor) {
    const bad = Array.from(p.dataSync()).find((v) => !ok(v));
    if (bad !== undefined) {
      throw new ValueError(`${owner}: ${name} must be ${expectation} everywhere; got ${fmt(bad)} in ${fmt(p)}.`);
    }
    return;
  }
  if (typeof p === 'number') {
    if (!ok(p)) throw new ValueError(`${owner}: ${name} must be ${expectation}; got ${fmt(p)}.`);
  } else if (Array.isArray(p)) {
    const flat = (p as unknown[]).flat(4) as number[];
    const bad = flat.find((v) => !ok(v));
    if (bad !== undefined) {
      throw new ValueError(`${owner}: ${name} must be ${expectation} everywhere; got ${fmt(bad)} in ${fmt(p)}.`);
    }
  }
}

/**
 * Checks that a numeric scale parameter is positive; a tensor is checked (synchronously, reading
 * its values) only when `validate` (the distribution's `validateArgs`) is true.
 */
export function checkPositive(owner: string, name: string, p: ParamLike, validate = false): void {
  checkParamValues(owner, name, p, validate, (v) => v > 0, 'positive');
}

/** As {@link checkPositive}, for a parameter that may be 0 but not negative (a Poisson rate). */
export function checkNonNegative(owner: string, name: string, p: ParamLike, validate = false): void {
  checkParamValues(owner, name, p, validate, (v) => v >= 0, 'non-negative');
}

/**
 * As {@link checkPositive}, for a scale that may have either sign but not be 0 (TFP's
 * `is_non_singular` scale operators: MultivariateNormalDiag's scaleDiag, a scaleTril diagonal).
 */
export function checkNonZero(owner: string, name: string, p: ParamLike, validate = false): void {
  checkParamValues(owner, name, p, validate, (v) => v > 0 || v < 0, 'positive or negative (non-zero)');
}

/**
 * Whether a parameter can change after construction — a `tf.Variable` or a deferred function — so
 * that `validateArgs` must re-check it when it is used, not only at construction (TFP asserts a
 * variable parameter's constraints in every method that reads it).
 */
export function isMutableParam(p: unknown): boolean {
  return p instanceof tf.Variable || typeof p === 'function';
}

/** Converts a sample value to a tensor. */
export function toTensor(x: TensorLike, dtype: tf.DataType = 'float32'): tf.Tensor {
  return isTensor(x) ? x : tf.tensor(x, undefined, dtype);
}

/** A global stream for draws made without a seed. */
const unseeded = new SeedStream(undefined, 'unseeded');

/** Resolves an optional seed to a concrete one (fresh from the global RNG when undefined). */
export function resolveSeed(seed?: number): number {
  return seed ?? unseeded.next();
}

/**
 * Common constructor options.
 *
 * @example
 * new tfp.distributions.Normal({loc: 0, scale: tf.scalar(2), validateArgs: true, name: 'prior'});
 */
export interface DistributionArgs {
  /** Check parameters eagerly where possible. Default false. */
  validateArgs?: boolean;
  /** Name, used in messages. Default: the class name. */
  name?: string;
}

/**
 * Base class of every distribution. `sample(sampleShape)` has shape
 * `sampleShape + batchShape + eventShape`; `logProb(x)` has shape `sampleShape + batchShape`;
 * moments have `batchShape + eventShape`; `entropy()` has `batchShape`.
 *
 * Every method returns new tensors: call them inside `tf.tidy` and dispose what you keep.
 * `cdf`, `logCdf`, `survivalFunction`, `logSurvivalFunction` and `quantile` exist where a subclass
 * defines them (else `NotImplementedError`); `klDivergence(other)` and `crossEntropy(other)` use
 * the KL registry.
 *
 * @example
 * const d: tfp.distributions.Distribution = new tfp.distributions.Normal({loc: 0, scale: 1});
 * tf.tidy(() => d.logProb(d.sample([4], 1)));  // shape [4]
 */
export abstract class Distribution<V = tf.Tensor> {
  /** The class name as a string literal (minifiers rename classes). */
  abstract readonly className: string;
  readonly name: string;
  readonly validateArgs: boolean;

  /**
   * Checks `args`: an object whose keys are `keys` (the subclass's own arguments) or `validateArgs`
   * / `name` (a misspelt or unknown key is a `ValueError` suggesting the closest valid one).
   * `owner` names the class in messages (default: `defaultName`).
   */
  protected constructor(args: DistributionArgs, defaultName: string, keys: readonly string[] = [],
      owner = defaultName) {
    checkArgsObject(owner, args);
    checkKeys(owner, args, {own: [...keys, 'validateArgs', 'name']});
    if (args.name !== undefined && typeof args.name !== 'string') {
      throw new ValueError(`${owner}: name must be a string; got ${fmt(args.name)}.`);
    }
    if (args.validateArgs !== undefined && typeof args.validateArgs !== 'boolean') {
      throw new ValueError(`${owner}: validateArgs must be a boolean; got ${fmt(args.validateArgs)}.`);
    }
    this.name = args.name ?? defaultName;
    this.validateArgs = args.validateArgs ?? false;
  }

  /**
   * The checked arguments of `sample`: the sample shape as a list (an int `n` is `[n]`; the whole
   * draw, `sampleShape + batchShape + eventShape + extra`, at most 2^31 − 1 elements) and the seed
   * (a safe integer, or undefined / null for unseeded; NaN, 1.5 or a string is a `ValueError`).
   */
  protected sampleArgs(sampleShape: unknown, seed: unknown, extra: readonly number[] = []):
      {shape: number[]; seed: number | undefined} {
    const s = checkSeed(this.className, seed);
    return {shape: checkSampleShape(this.className, sampleShape,
        [...this.batchShape, ...this.eventShape, ...extra]), seed: s};
  }

  /** The dtype of a sample. */
  get dtype(): tf.DataType {
    return 'float32';
  }

  /** Shape of independent, non-identical draws (not summed in `logProb`). */
  abstract get batchShape(): number[];

  /** Shape of one draw (summed in `logProb`). */
  abstract get eventShape(): number[];

  /** Whether `sample` is differentiable w.r.t. the parameters. */
  get reparameterized(): boolean {
    return false;
  }

  /**
   * Draws `sampleShape` samples (a list, or an int `n` for `[n]`). The same seed (a safe integer)
   * gives the same draw.
   */
  abstract sample(sampleShape?: SampleShape, seed?: number): V;

  /** Log density (or mass) of `x`. */
  abstract logProb(x: V | TensorLike): tf.Tensor;

  /** Density (or mass) of `x`. */
  prob(x: V | TensorLike): tf.Tensor {
    return tf.tidy(() => tf.exp(this.logProb(x)));
  }

  /** Mean. */
  mean(): V {
    throw new ValueError(`${this.className}: mean is not defined.`);
  }

  /** Mode. */
  mode(): V {
    throw new ValueError(`${this.className}: mode is not defined.`);
  }

  /** Variance (default: stddev²). */
  variance(): V {
    return tf.tidy(() => tf.square(this.stddev() as unknown as tf.Tensor)) as unknown as V;
  }

  /** Standard deviation (default: √variance). */
  stddev(): V {
    return tf.tidy(() => tf.sqrt(this.variance() as unknown as tf.Tensor)) as unknown as V;
  }

  /** Shannon entropy in nats, shape `batchShape`. */
  entropy(): tf.Tensor {
    throw new ValueError(`${this.className}: entropy is not defined.`);
  }

  /**
   * The cumulative distribution function `P(X ≤ x)`, shape `sampleShape + batchShape`.
   * A `NotImplementedError` unless the subclass defines it (as in TFP).
   */
  cdf(x: V | TensorLike): tf.Tensor {
    void x;
    throw new NotImplementedError(`${this.className}: cdf is not implemented.`);
  }

  /** `log P(X ≤ x)` (default: `log cdf(x)`; subclasses override it with a tail-accurate form). */
  logCdf(x: V | TensorLike): tf.Tensor {
    return tf.tidy(() => tf.log(this.cdf(x)));
  }

  /** The survival function `P(X > x)` (default: `1 − cdf(x)`). */
  survivalFunction(x: V | TensorLike): tf.Tensor {
    return tf.tidy(() => tf.sub(1, this.cdf(x)));
  }

  /** `log P(X > x)` (default: `log1p(−cdf(x))`). */
  logSurvivalFunction(x: V | TensorLike): tf.Tensor {
    return tf.tidy(() => tf.log1p(tf.neg(this.cdf(x))));
  }

  /**
   * The quantile function (inverse CDF) at probabilities `p`: shape `broadcast(p, batchShape)`.
   * A `NotImplementedError` unless the subclass defines it.
   */
  quantile(p: TensorLike): tf.Tensor {
    void p;
    throw new NotImplementedError(`${this.className}: quantile is not implemented.`);
  }

  /**
   * The analytic `KL(this ‖ other)` from the KL registry (TFP's `Distribution.kl_divergence`):
   * shape `broadcast(this.batchShape, other.batchShape)`; a `NotImplementedError` naming both
   * classes when no rule is registered.
   *
   * @example
   * const q = new tfp.distributions.Normal({loc: 1, scale: 2});
   * q.klDivergence(new tfp.distributions.Normal({loc: 0, scale: 1}));  // 1.3068528
   */
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  klDivergence(other: Distribution<any>): tf.Tensor {
    return klDivergenceOf(this, other);
  }

  /**
   * The cross entropy `H[this, other] = H[this] + KL(this ‖ other)` (TFP's
   * `Distribution.cross_entropy`, computed the same way).
   *
   * @example
   * const q = new tfp.distributions.Normal({loc: 0, scale: 1});
   * q.crossEntropy(new tfp.distributions.Normal({loc: 1, scale: 2}));  // 1.8620857
   */
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  crossEntropy(other: Distribution<any>): tf.Tensor {
    return crossEntropyOf(this, other);
  }

  /** `<ClassName batchShape=[…] eventShape=[…]>` */
  toString(): string {
    return `<${this.className} name=${this.name} batchShape=${fmt(this.batchShape)} ` +
        `eventShape=${fmt(this.eventShape)}>`;
  }
}
