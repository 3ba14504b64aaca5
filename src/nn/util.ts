// tfp.nn utilities: the weight factories (kernel/bias variables, the default mean-field posterior
// and spike-and-slab prior), weight unpacking and small functional helpers (NN.md §5, §10). Port of
// tensorflow_probability/python/experimental/nn/util/{kernel_bias,utils}.py.
import * as tf from '@tensorflow/tfjs-core';

import {Categorical} from '../distributions/categorical.js';
import type {Distribution} from '../distributions/distribution.js';
import {Independent} from '../distributions/independent.js';
import {JointDistributionSequential} from '../distributions/joint_distribution_sequential.js';
import {MixtureSameFamily} from '../distributions/mixture_same_family.js';
import {Normal} from '../distributions/normal.js';
import {Sample} from '../distributions/sample.js';
import {ValueError} from '../util/errors.js';
import {fmt} from '../util/format.js';
import {tapeMemo} from '../util/tape_memo.js';

import {callInitializer, glorotUniform, zeros} from './initializers.js';
import type {Initializer} from './initializers.js';
import {makeVariable, trackVariables, variablesLoad, variablesSave, variablesSummary} from './layer.js';

export {variablesLoad, variablesSave, variablesSummary};
// NN.md §10: TFP's convolution argument helpers (convolution_util.py).
export {prepareConvArgs, prepareTupleArgument} from './convolution_util.js';
export type {PreparedConvArgs} from './convolution_util.js';

/** Arguments of a weight factory (NN.md §5), after `(kernelShape, biasShape)`. */
export interface KernelBiasFactoryArgs {
  /** Default: `glorotUniform()` (nn fans). */
  kernelInitializer?: Initializer | null;
  /** Default: zeros. */
  biasInitializer?: Initializer | null;
  /** Leading kernel axes that are batch axes (excluded from the fans). Default 0. */
  kernelBatchNdims?: number;
  /** Leading bias axes that are batch axes. Default 0. */
  biasBatchNdims?: number;
  /** Only `'float32'` (tfjs has no float64 on most backends). */
  dtype?: tf.DataType;
  /** Name of the kernel part (variables are named `<kernelName>_loc`, … by the posterior maker). */
  kernelName?: string;
  /** Name of the bias part. */
  biasName?: string;
}

/**
 * A weight factory: `(kernelShape, biasShape, args)` → `[kernel, bias]` variables
 * ({@link makeKernelBias}) or a 2-part `JointDistributionSequential` (posterior / prior makers).
 */
export type KernelBiasFactory<T> = (kernelShape: number[], biasShape: number[], args?: KernelBiasFactoryArgs) => T;

/** A factory of posterior or prior distributions over `[kernel, bias]`. */
export type MakeDistributionFn = KernelBiasFactory<Distribution<tf.Tensor[]>>;

function checkFloat(owner: string, dtype: unknown): tf.DataType {
  const d = dtype ?? 'float32';
  if (d !== 'float32') throw new TypeError(`${owner}: dtype must be "float32"; got ${fmt(dtype)}.`);
  return d;
}

function checkShape(owner: string, arg: string, shape: unknown): number[] {
  if (!Array.isArray(shape) || !shape.every((d) => Number.isSafeInteger(d) && (d as number) >= 0)) {
    throw new ValueError(`${owner}: ${arg} must be a list of non-negative integers; got ${fmt(shape)}.`);
  }
  return shape.slice() as number[];
}

/**
 * The non-Bayesian weights: `[kernel, bias]` variables named `kernel` and `bias` (or the given
 * names), kernel from `kernelInitializer` (default nn `glorotUniform()`), bias from
 * `biasInitializer` (default zeros).
 *
 * @example
 * const [kernel, bias] = tfp.nn.util.makeKernelBias([3, 5], [5]);
 */
export function makeKernelBias(kernelShape: number[], biasShape: number[],
    args: KernelBiasFactoryArgs = {}): [tf.Variable, tf.Variable] {
  const owner = 'makeKernelBias';
  const dtype = checkFloat(owner, args.dtype);
  const ks = checkShape(owner, 'kernelShape', kernelShape);
  const bs = checkShape(owner, 'biasShape', biasShape);
  const kernel = tf.tidy(() => callInitializer(args.kernelInitializer ?? glorotUniform(), ks, dtype,
      args.kernelBatchNdims ?? 0));
  const bias = tf.tidy(() => callInitializer(args.biasInitializer ?? zeros, bs, dtype, args.biasBatchNdims ?? 0));
  const out: [tf.Variable, tf.Variable] = [
    makeVariable(kernel, args.kernelName ?? 'kernel'), makeVariable(bias, args.biasName ?? 'bias')];
  tf.dispose([kernel, bias]);
  return out;
}

/** The floor added to softplus in the nn posterior scale: `σ = softplus(u) + 1e-5`. */
export const SCALE_SHIFT = 1e-5;
/** The initial posterior σ of every weight. */
export const INITIAL_SCALE = 1e-3;

/** `u` with `softplus(u) + 1e-5 = σ` (`log(expm1(σ − 1e-5))`, stable for large σ). */
export function scaleToUntransformed(scale: number): number {
  const y = scale - SCALE_SHIFT;
  return y + Math.log(-Math.expm1(-y));
}

/**
 * The default nn posterior: `JDS[Independent(Normal(Kloc, Kσ), rank(kernelShape)),
 * Independent(Normal(Bloc, Bσ), rank(biasShape))]` with 4 trainable variables, in this order:
 * `<kernelName>_loc` (from `kernelInitializer`, default nn `glorotUniform()`), `<kernelName>_scale`
 * (the untransformed `u`), `<biasName>_loc` (default zeros), `<biasName>_scale`.
 * `σ = softplus(u) + 1e-5`, initially `1e-3` everywhere (`u₀ = −6.9173106`).
 *
 * Porting note: as in TFP, the bias loc is initialised with `kernelBatchNdims` (harmless at 0).
 */
export function makeKernelBiasPosteriorMvnDiag(kernelShape: number[], biasShape: number[],
    args: KernelBiasFactoryArgs = {}): JointDistributionSequential {
  const owner = 'makeKernelBiasPosteriorMvnDiag';
  const dtype = checkFloat(owner, args.dtype);
  const kernelName = args.kernelName ?? 'posterior_kernel';
  const biasName = args.biasName ?? 'posterior_bias';
  const batchNdims = args.kernelBatchNdims ?? 0;
  const variables: tf.Variable[] = [];
  const part = (shape: number[], init: Initializer, name: string): Independent => {
    const locInit = tf.tidy(() => callInitializer(init, shape, dtype, batchNdims));
    const loc = makeVariable(locInit, `${name}_loc`);
    locInit.dispose();
    const uInit = tf.fill(shape, scaleToUntransformed(INITIAL_SCALE));
    const u = makeVariable(uInit, `${name}_scale`);
    uInit.dispose();
    variables.push(loc, u);
    // σ = softplus(u) + 1e-5: the shift keeps σ > 0 where softplus underflows. Computed once per
    // gradient tape: the sample and the penalty's log-densities of one step share it.
    const normal = new Normal({loc, scale: tapeMemo(() => tf.add(tf.softplus(u), SCALE_SHIFT), () => [u])});
    return new Independent({distribution: normal, reinterpretedBatchNdims: shape.length, name});
  };
  const kernel = part(checkShape(owner, 'kernelShape', kernelShape), args.kernelInitializer ?? glorotUniform(),
      kernelName);
  const bias = part(checkShape(owner, 'biasShape', biasShape), args.biasInitializer ?? zeros, biasName);
  return trackVariables(new JointDistributionSequential({model: [kernel, bias]}), variables);
}

/** The spike-and-slab scalar law `½N(0, 1) + ½N(0, 2000²)` (sd ≈ 1414.2). */
export function spikeAndSlab(): MixtureSameFamily {
  return new MixtureSameFamily({
    mixtureDistribution: new Categorical({probs: [0.5, 0.5]}),
    componentsDistribution: new Normal({loc: 0, scale: [1, 2000]}),
  });
}

/**
 * The default nn prior: `JDS[Sample(w, kernelShape), Sample(w, biasShape)]` with `w` the
 * spike-and-slab mixture ½N(0,1) + ½N(0,2000²): a very weak prior (like an L2 weight ≈ 2.5e-7).
 * Initializers and batch ndims are ignored; it has no variables. It has no analytic KL against
 * the posterior, so use `klDivergenceMonteCarlo`.
 */
export function makeKernelBiasPriorSpikeAndSlab(kernelShape: number[], biasShape: number[],
    args: KernelBiasFactoryArgs = {}): JointDistributionSequential {
  const owner = 'makeKernelBiasPriorSpikeAndSlab';
  checkFloat(owner, args.dtype);
  const w = spikeAndSlab();
  return new JointDistributionSequential({model: [
    new Sample({distribution: w, sampleShape: checkShape(owner, 'kernelShape', kernelShape),
      name: args.kernelName ?? 'prior_kernel'}),
    new Sample({distribution: w, sampleShape: checkShape(owner, 'biasShape', biasShape),
      name: args.biasName ?? 'prior_bias'}),
  ]});
}

/** Weights as drawn from a posterior: a list `[kernel, bias]`, `[kernel]`, or a `{kernel, bias}` map. */
export type Weights = tf.Tensor | tf.Tensor[] | {kernel?: tf.Tensor | null; bias?: tf.Tensor | null};

/**
 * `[kernel, bias | null]` from drawn weights: a map → `(kernel ?? null, bias ?? null)`; a length-1
 * list or a single tensor → `(w, null)`; a length-2 list → the pair; else
 * `ValueError('Unable to unpack weights: …')`.
 *
 * Porting note: TFP returns the 1-element list itself as the kernel (a quirk); this returns its
 * element.
 */
export function unpackKernelAndBias(weights: Weights): [tf.Tensor | null, tf.Tensor | null] {
  if (weights instanceof tf.Tensor) return [weights, null];
  if (Array.isArray(weights)) {
    if (weights.length === 1) return [weights[0] as tf.Tensor, null];
    if (weights.length === 2) return [weights[0] as tf.Tensor, weights[1] as tf.Tensor];
  } else if (typeof weights === 'object' && weights !== null) {
    return [weights.kernel ?? null, weights.bias ?? null];
  }
  throw new ValueError(`Unable to unpack weights: ${fmt(weights)}.`);
}

/**
 * A function reshaping the rightmost `ndims` axes of its input into one (default 3, e.g.
 * `[b, h, w, c]` → `[b, h·w·c]`).
 *
 * @example
 * tfp.nn.util.flattenRightmost(3)(tf.zeros([2, 4, 4, 8])).shape;  // [2, 128]
 */
export function flattenRightmost(ndims = 3): (x: tf.Tensor) => tf.Tensor {
  if (!Number.isSafeInteger(ndims) || ndims < 1) {
    throw new ValueError(`flattenRightmost: ndims must be a positive integer; got ${fmt(ndims)}.`);
  }
  const flattenRightmost = (x: tf.Tensor): tf.Tensor => {
    if (x.rank < ndims) {
      throw new ValueError(`flattenRightmost: x must have rank ≥ ${ndims}; got ${fmt(x)}.`);
    }
    return tf.reshape(x, [...x.shape.slice(0, x.rank - ndims), -1]);
  };
  return flattenRightmost;
}

/**
 * A function inserting size-1 axes at every (possibly negative) position of `axis`, positions
 * referring to the output.
 */
export function expandDims(axis: number | number[]): (x: tf.Tensor) => tf.Tensor {
  const axes = Array.isArray(axis) ? axis.slice() : [axis];
  const expandDims = (x: tf.Tensor): tf.Tensor => {
    const outRank = x.rank + axes.length;
    const positions = new Set(axes.map((a) => (a < 0 ? a + outRank : a)));
    const shape: number[] = [];
    let j = 0;
    for (let i = 0; i < outRank; i++) shape.push(positions.has(i) ? 1 : x.shape[j++] as number);
    return tf.reshape(x, shape);
  };
  return expandDims;
}

/** An identity function that logs the shape and dtype of what passes through it. */
export function trace(name?: string): <T>(x: T) => T {
  const prefix = name === undefined ? '' : `name:${name.padEnd(10)}  `;
  const trace = <T>(x: T): T => {
    if (x instanceof tf.Tensor) {
      console.log(`--- TRACE:  ${prefix}shape:${JSON.stringify(x.shape).padEnd(16)}  dtype:${x.dtype.padEnd(10)}`);
    } else {
      console.log(`--- TRACE:  ${prefix}value:${fmt(x)}`);
    }
    return x;
  };
  return trace;
}

/** `final + (initial − final)·0.5^(t / halfLife)`: exponential decay from `initial` to `final`. */
export function halflifeDecay(timeStep: number | tf.Tensor, halfLife: number | tf.Tensor,
    initial: number | tf.Tensor, final: number | tf.Tensor = 0): tf.Tensor {
  return tf.tidy(() => {
    const t = tf.cast(timeStep instanceof tf.Tensor ? timeStep : tf.scalar(timeStep), 'float32');
    const ratio = tf.div(t, halfLife);
    return tf.add(final, tf.mul(tf.sub(initial, final), tf.pow(0.5, ratio)));
  });
}

/**
 * Flattens the leading axes of `x` to one so that it has rank `minNdims + 1`, applies `op`, and
 * restores the leading axes.
 */
export function batchifyOp(op: (x: tf.Tensor) => tf.Tensor, minNdims: number, x: tf.Tensor): tf.Tensor {
  if (x.rank === minNdims + 1) return op(x);
  if (x.rank < minNdims) {
    throw new ValueError(`batchifyOp: x must have rank ≥ ${minNdims}; got ${fmt(x)}.`);
  }
  const lead = x.shape.slice(0, x.rank - minNdims);
  return tf.tidy(() => {
    const y = op(tf.reshape(x, [-1, ...x.shape.slice(x.rank - minNdims)]));
    return tf.reshape(y, [...lead, ...y.shape.slice(1)]);
  });
}

/** What a `makeFitOp` loss function returns: the loss and any other result. */
export type FitLoss<O> = [tf.Scalar | tf.Tensor, O] | {loss: tf.Scalar | tf.Tensor; other?: O};

/** The result of one fit step. */
export interface FitResult<O> {
  /** The loss (caller owns it). */
  loss: tf.Scalar;
  /** The loss function's other result (its tensors are kept; caller owns them). */
  other: O | undefined;
  /** `gradSummaryFn(grads)`, when given. */
  gradSummary?: unknown;
}

/** A tfjs optimizer (anything with `applyGradients`). */
export interface OptimizerLike {
  applyGradients(grads: tf.NamedTensorMap | Array<{name: string; tensor: tf.Tensor}>): void;
}

function keepTensors(o: unknown): void {
  if (o instanceof tf.Tensor) tf.keep(o);
  else if (Array.isArray(o)) o.forEach(keepTensors);
  else if (typeof o === 'object' && o !== null) Object.values(o).forEach(keepTensors);
}

/**
 * One training step: `fitOp(...args)` evaluates `lossFn(...args)` under a gradient tape watching
 * only `trainableVariables`, applies the gradients that exist (one optimizer, or a list aligned
 * with the variables), and returns the loss, the other result and `gradSummaryFn(grads)`.
 *
 * Porting note: no `tf.function`/XLA compilation (`tfFunction`, `xlaCompile` do not exist here).
 *
 * @example
 * const fit = tfp.nn.util.makeFitOp((x, y) => [loss(x, y), null], tf.train.adam(1e-2), bnn.trainableVariables);
 * for (let i = 0; i < steps; i++) tf.dispose(fit(x, y).loss);
 */
export function makeFitOp<A extends unknown[], O>(lossFn: (...args: A) => FitLoss<O>,
    optimizer: OptimizerLike | OptimizerLike[], trainableVariables: tf.Variable[],
    gradSummaryFn?: (grads: Array<tf.Tensor | null>) => unknown): (...args: A) => FitResult<O> {
  if (Array.isArray(optimizer) && optimizer.length !== trainableVariables.length) {
    throw new ValueError(`makeFitOp: a list of optimizers must have one entry per variable ` +
        `(${trainableVariables.length}); got ${optimizer.length}.`);
  }
  return (...args: A): FitResult<O> => {
    let other: O | undefined;
    const {value, grads} = tf.variableGrads(() => {
      const out = lossFn(...args);
      const [loss, o] = Array.isArray(out) ? out : [out.loss, out.other];
      keepTensors(o);
      other = o;
      return tf.sum(loss) as tf.Scalar;
    }, trainableVariables);
    const ordered = trainableVariables.map((v) => grads[v.name] ?? null);
    try {
      if (Array.isArray(optimizer)) {
        optimizer.forEach((opt, i) => {
          const g = ordered[i];
          const v = trainableVariables[i] as tf.Variable;
          if (g !== null && g !== undefined) opt.applyGradients({[v.name]: g});
        });
      } else {
        optimizer.applyGradients(grads);
      }
      const result: FitResult<O> = {loss: value, other};
      if (gradSummaryFn !== undefined) result.gradSummary = gradSummaryFn(ordered);
      return result;
    } finally {
      tf.dispose(Object.values(grads));
    }
  };
}
