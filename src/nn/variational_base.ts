// The base of tfp.nn's variational layers: a posterior and a prior over `[kernel, bias]`, one
// seed stream salted by the layer name, the posterior draw of the latest call, and the legacy
// (TFP ≤ 0.12) penalty `extraLoss` (NN.md §4, §9.2). Port of
// tensorflow_probability/python/experimental/nn/variational_base.py.
import * as tf from '@tensorflow/tfjs-core';

import type {Distribution, TensorLike} from '../distributions/distribution.js';
import {JointDistributionSequential} from '../distributions/joint_distribution_sequential.js';
import {SeededNoise} from '../variational/estimators.js';
import type {NoiseSource} from '../variational/estimators.js';
import {ValueError} from '../util/errors.js';
import {fmt} from '../util/format.js';
import {checkSeed, SeedStream} from '../util/seed.js';

import {klDivergenceMonteCarlo} from './kl.js';
import type {PenaltyFn} from './kl.js';
import {collectVariables, Layer} from './layer.js';
import type {CallOptions, LayerArgs} from './layer.js';

/** Draws the weights used by one call: `(posterior, seed)` → `[kernel, bias]`. */
export type PosteriorValueFn = (posterior: Distribution<tf.Tensor[]>, seed?: number) => tf.Tensor[];

/** The default {@link PosteriorValueFn}: one sample (TFP's `Distribution.sample`). */
export const samplePosterior: PosteriorValueFn = (posterior, seed) => posterior.sample([], seed);

/** The posterior mean as the weights (deterministic layers; handy for tests and evaluation). */
export const posteriorMean: PosteriorValueFn = (posterior) => posterior.mean();

/** An activation: a tensor function such as `tf.relu`. */
export type ActivationFn = (x: tf.Tensor) => tf.Tensor;

/** Arguments of {@link VariationalLayer} besides the distributions. */
export interface VariationalOptions extends LayerArgs {
  /** Applied to the output. Default: none. */
  activationFn?: ActivationFn | null;
  /** Default {@link samplePosterior}; called with the next seed of the layer's stream. */
  posteriorValueFn?: PosteriorValueFn;
  /**
   * Seed of the layer's stream `SeedStream(seed, name)`: the same seed with a different layer
   * name gives different draws. Default: unseeded.
   */
  seed?: number | null;
  /** Only `'float32'`. */
  dtype?: tf.DataType;
  /**
   * Legacy API (TFP ≤ 0.12): when set, each training call sets
   * `extraLoss = posteriorPenaltyFn(posterior, prior, posteriorValue) · penaltyWeight`
   * (use `1/N` with a batch-mean NLL, `B/N` with a batch-sum NLL). Default null (no penalty).
   */
  penaltyWeight?: number | null;
  /** Legacy API: the penalty. Default `klDivergenceMonteCarlo`. */
  posteriorPenaltyFn?: PenaltyFn;
}

/** Arguments of {@link VariationalLayer}. */
export interface VariationalLayerArgs extends VariationalOptions {
  /** q(kernel, bias): a list-valued distribution (usually a 2-part JointDistributionSequential). */
  posterior: Distribution<tf.Tensor[]>;
  /** p(kernel, bias), with the same dtype structure as the posterior. */
  prior: Distribution<tf.Tensor[]>;
}

function dtypeStructure(d: Distribution<tf.Tensor[]>): tf.DataType[] {
  return d instanceof JointDistributionSequential ? d.dtypeParts : [d.dtype];
}

/**
 * Base of the variational layers. Each call: draws `w = posteriorValueFn(posterior, seed)`
 * (stored as `posteriorValue`, used later by `computeExtraLoss`), computes the output with the
 * subclass's estimator, applies `activationFn`, and (legacy API) sets `extraLoss`.
 *
 * `posteriorValue` and `extraLoss` belong to the layer: the next call disposes them.
 */
export abstract class VariationalLayer extends Layer {
  /** q(kernel, bias). */
  readonly posterior: Distribution<tf.Tensor[]>;
  /** p(kernel, bias). */
  readonly prior: Distribution<tf.Tensor[]>;
  /** The output activation, or null. */
  readonly activationFn: ActivationFn | null;
  /** How the weights of a call are drawn. */
  readonly posteriorValueFn: PosteriorValueFn;
  /** The layer dtype (`'float32'`). */
  readonly dtype: tf.DataType;
  /** The user's seed (undefined = unseeded). */
  readonly seed: number | undefined;
  /** Legacy penalty weight, or null. */
  readonly penaltyWeight: number | null;
  /** Legacy penalty function. */
  readonly posteriorPenaltyFn: PenaltyFn;
  /**
   * Where seeds and Flipout signs come from: the layer's stream `SeedStream(seed, name)`, built
   * once. Tests may replace it with fixed values.
   */
  noise: NoiseSource;
  private value: tf.Tensor[] | null = null;

  protected constructor(args: VariationalLayerArgs, defaultName: string) {
    super(args, defaultName);
    const owner = defaultName;
    const {posterior, prior} = args;
    const isDist = (d: unknown): boolean => typeof d === 'object' && d !== null &&
        typeof (d as {sample?: unknown}).sample === 'function' && typeof (d as {logProb?: unknown}).logProb === 'function';
    if (!isDist(posterior)) throw new ValueError(`${owner}: posterior must be a Distribution; got ${fmt(posterior)}.`);
    if (!isDist(prior)) throw new ValueError(`${owner}: prior must be a Distribution; got ${fmt(prior)}.`);
    const qs = dtypeStructure(posterior);
    const ps = dtypeStructure(prior);
    if (qs.length !== ps.length || qs.some((d, i) => d !== ps[i])) {
      throw new ValueError(`${owner}: prior must have the dtype structure of the posterior ${fmt(qs)}; ` +
          `got ${fmt(ps)}.`);
    }
    const dtype = args.dtype ?? 'float32';
    if (dtype !== 'float32') throw new TypeError(`${owner}: dtype must be "float32"; got ${fmt(args.dtype)}.`);
    const weight = args.penaltyWeight ?? null;
    if (weight !== null && (typeof weight !== 'number' || !Number.isFinite(weight))) {
      throw new ValueError(`${owner}: penaltyWeight must be a finite number or null; got ${fmt(weight)}.`);
    }
    this.posterior = posterior;
    this.prior = prior;
    this.activationFn = args.activationFn ?? null;
    this.posteriorValueFn = args.posteriorValueFn ?? samplePosterior;
    this.dtype = dtype;
    this.seed = checkSeed(owner, args.seed);
    this.penaltyWeight = weight;
    this.posteriorPenaltyFn = args.posteriorPenaltyFn ?? klDivergenceMonteCarlo;
    this.noise = new SeededNoise(new SeedStream(this.seed, this.name));
  }

  /** The weights drawn by the latest call (`null` before the first call). */
  get posteriorValue(): tf.Tensor[] | null {
    return this.value;
  }

  /** The posterior's variables, then the prior's. */
  protected override ownVariables(): tf.Variable[] {
    return [...collectVariables(this.posterior), ...collectVariables(this.prior)];
  }

  /** The pre-activation output for a converted input `x` and drawn weights `w`. */
  protected abstract eval(x: tf.Tensor, w: tf.Tensor[]): tf.Tensor;

  /** Converts an input with the layer's exact dtype (another dtype is a `TypeError`). */
  protected convertInput(x: unknown): tf.Tensor {
    if (x instanceof tf.Tensor) {
      if (x.dtype !== this.dtype) {
        throw new TypeError(`${this.className}: inputs must have dtype ${this.dtype}; got ${fmt(x)}.`);
      }
      return x;
    }
    return tf.tensor(x as TensorLike as number[], undefined, this.dtype);
  }

  private keepValue(w: tf.Tensor[] | null): void {
    const old = this.value;
    // Clones, so that a value fn returning variables (e.g. a point mass) never has them disposed.
    this.value = w === null ? null : w.map((t) => tf.keep(tf.clone(t)));
    if (old !== null) tf.dispose(old);
  }

  /**
   * Applies the layer: draws the weights, computes the estimator's output and the activation.
   * With `penaltyWeight` set and `isTraining` (default true), sets `extraLoss`.
   */
  override call(inputs: unknown, options: CallOptions = {}): tf.Tensor {
    this.setExtraLoss(null);
    return tf.tidy(() => {
      const x = this.convertInput(inputs);
      const w = this.posteriorValueFn(this.posterior, this.noise.nextSeed());
      if (!Array.isArray(w)) {
        throw new ValueError(`${this.className}: posteriorValueFn must return a list of tensors; got ${fmt(w)}.`);
      }
      this.keepValue(w);
      const y = this.eval(x, this.value as tf.Tensor[]);
      if ((options.isTraining ?? true) && this.penaltyWeight !== null) {
        const penalty = tf.sum(this.posteriorPenaltyFn(this.posterior, this.prior, this.value as tf.Tensor[]));
        this.setExtraLoss(tf.mul(penalty, this.penaltyWeight));
      }
      return this.activationFn === null ? y : this.activationFn(y);
    });
  }

  /** Disposes the variables and the kept draw. */
  override dispose(): void {
    this.keepValue(null);
    super.dispose();
  }
}
