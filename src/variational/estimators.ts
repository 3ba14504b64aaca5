// The three estimators of a variational linear layer, written once for every LinearOp (dense and
// conv of any rank) and shared by tfp.layers and tfp.nn. Notation of LAYERS.md: μ kernel loc,
// σ kernel scale, ⊙ elementwise product, Rad = i.i.d. ±1.
import * as tf from '@tensorflow/tfjs-core';

import type {Distribution} from '../distributions/distribution.js';
import {rademacher} from '../util/random.js';
import type {SeedStream} from '../util/seed.js';

import type {LinearOp} from './linear_op.js';

/** Turns a distribution into a tensor (default: a sample, drawn from `seed`). */
export type TensorFn = (d: Distribution, seed?: number) => tf.Tensor;

/**
 * Where an estimator gets its randomness: sign tensors and seeds for distribution draws.
 * Layers own one built on their `SeedStream`; tests may inject fixed values (ORACLES.md's "inject").
 */
export interface NoiseSource {
  /** i.i.d. ±1 of `shape`. */
  rademacher(shape: number[]): tf.Tensor;
  /** A seed for the next distribution draw. */
  nextSeed(): number;
}

/** The noise source of a layer: every draw takes the next value of the layer's seed stream. */
export class SeededNoise implements NoiseSource {
  constructor(private readonly stream: SeedStream) {}

  rademacher(shape: number[]): tf.Tensor {
    return rademacher(shape, this.stream.next());
  }

  nextSeed(): number {
    return this.stream.next();
  }
}

/** How finely Flipout draws its signs. */
export type SignGranularity =
  /** One sign per element of the input / output (tfp.layers dense; tfp.nn conv). */
  | 'element'
  /** One sign per (example, channel), shared by all spatial positions (tfp.layers conv). */
  | 'exampleChannel';

function signShape(t: tf.Tensor, granularity: SignGranularity): number[] {
  if (granularity === 'element' || t.rank <= 2) return t.shape.slice();
  return [t.shape[0] as number, ...new Array<number>(t.rank - 2).fill(1), t.shape[t.rank - 1] as number];
}

/**
 * Backends that run kernels on the host, where a broadcasting multiply walks a per-element index:
 * `[128,28,28,6] ⊙ [128,1,1,6]` takes 2.7 ns per element on wasm and 111 on cpu, against 0.16 and
 * 4.6 for operands of one shape. There per-(example, channel) signs are expanded to the full shape
 * first — the same ±1 values, so the same products — and the multiply (forward and backward) is a
 * same-shape one. GPU backends broadcast cheaply and keep the small tensor.
 */
const HOST_BACKENDS: ReadonlySet<string> = new Set(['cpu', 'wasm']);

/** `signs` of shape `[b, 1, …, 1, c]` repeated over the middle axes of `shape` (`[b, …, c]`). */
function expandSigns(signs: tf.Tensor, shape: number[]): tf.Tensor {
  if (signs.size === tf.util.sizeFromShape(shape) || !HOST_BACKENDS.has(tf.getBackend())) return signs;
  const b = shape[0] as number;
  const c = shape[shape.length - 1] as number;
  const mid = tf.util.sizeFromShape(shape) / (b * c);
  const v = signs.dataSync();
  const out = new Float32Array(b * mid * c);
  let o = 0;
  for (let i = 0; i < b; i++) {
    for (let m = 0; m < mid; m++) {
      for (let k = 0; k < c; k++) out[o++] = v[i * c + k] as number;
    }
  }
  return tf.tensor(out, shape, 'float32');
}

/**
 * Flipout (Wen et al., 2018): `op(x, μ) + op(x ⊙ s_in, ΔW) ⊙ s_out` with `ΔW` one zero-mean
 * kernel-shaped perturbation per call and pseudo-independent signs per example. Each row has the
 * reparameterization marginal; rows are uncorrelated. Two linear maps per call.
 */
export function flipout(op: LinearOp, x: tf.Tensor, loc: tf.Tensor, deltaKernel: tf.Tensor,
    noise: NoiseSource, granularity: SignGranularity): tf.Tensor {
  return tf.tidy(() => {
    const signsIn = expandSigns(noise.rademacher(signShape(x, granularity)), x.shape);
    const perturbation = op.apply(tf.mul(x, signsIn), deltaKernel);
    const signsOut = expandSigns(noise.rademacher(signShape(perturbation, granularity)), perturbation.shape);
    return tf.add(op.apply(x, loc), tf.mul(perturbation, signsOut));
  });
}

/**
 * √v with a gradient of 0 where v = 0.
 *
 * Porting note: TFP's `sqrt` gives ∞·0 = NaN gradients for the scale when a row of x is all zeros
 * (LAYERS.md §2.5). The forward value is exactly √v.
 */
export const safeSqrt = tf.customGrad(((v: tf.Tensor, save: tf.GradSaveFunc) => {
  const value = tf.sqrt(v);
  save([value]);
  return {
    value,
    gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
      const s = saved[0] as tf.Tensor;
      const positive = tf.greater(s, 0);
      return tf.where(positive, tf.div(tf.mul(dy, 0.5), tf.where(positive, s, tf.onesLike(s))),
          tf.zerosLike(s));
    },
  };
}) as unknown as Parameters<typeof tf.customGrad>[0]) as unknown as (v: tf.Tensor) => tf.Tensor;

/** Moments of the pre-activation under local reparameterization. */
export interface LocalMoments {
  /** `op(x, μ)`. */
  mean: tf.Tensor;
  /** `√op(x ⊙ x, σ ⊙ σ)`. */
  stddev: tf.Tensor;
}

/**
 * Local reparameterization (Kingma et al., 2015): the pre-activation of a mean-field Normal kernel
 * is Normal with mean `op(x, μ)` and variance `op(x ⊙ x, σ ⊙ σ)`; sample it directly.
 */
export function localMoments(op: LinearOp, x: tf.Tensor, loc: tf.Tensor, scale: tf.Tensor): LocalMoments {
  const mean = op.apply(x, loc);
  const stddev = safeSqrt(op.apply(tf.square(x), tf.square(scale)));
  return {mean, stddev};
}

/** μ and σ of a mean-field Normal kernel posterior. */
export interface MeanFieldParts {
  loc: tf.Tensor;
  scale: tf.Tensor;
}

/**
 * Reads μ and σ from an `Independent(Normal)` posterior (Flipout and local reparameterization need
 * them); anything else is a `TypeError` naming the layer class, as in TFP.
 */
export function meanFieldNormalParts(owner: string, posterior: Distribution): MeanFieldParts {
  const inner = posterior.className === 'Independent' ?
      (posterior as unknown as {distribution: Distribution}).distribution : undefined;
  if (inner !== undefined && inner.className === 'Normal') {
    const normal = inner as unknown as {loc: tf.Tensor; scale: tf.Tensor};
    return {loc: normal.loc, scale: normal.scale};
  }
  const saw = inner !== undefined ? `Independent(${inner.className})` : posterior.className;
  throw new TypeError(`${owner}: requires kernelPosteriorFn produce an instance of ` +
      `Independent(Normal) (saw: "${saw}").`);
}
