// The three estimators of tfp.nn's kernel/bias variational layers, dispatched once for every linear
// op (affine, conv of rank 1–3, transposed conv). The math itself is src/variational/'s
// (flipout, localMoments, foldNormalBias); this file only wires the nn posterior into it. Port of
// the shared `_eval` logic of tensorflow_probability/python/experimental/nn/{affine,
// convolutional,convolutional_transpose}_layers.py.
import * as tf from '@tensorflow/tfjs-core';

import type {Distribution} from '../distributions/distribution.js';
import {Independent} from '../distributions/independent.js';
import {JointDistributionSequential} from '../distributions/joint_distribution_sequential.js';
import {MultivariateNormalDiag} from '../distributions/mvn_diag.js';
import {Normal} from '../distributions/normal.js';
import {flipout, meanFieldNormalParts} from '../variational/estimators.js';
import {scaledLocalMoments} from '../variational/scaled_local_moments.js';
import type {MeanFieldParts} from '../variational/estimators.js';
import type {LinearOp} from '../variational/linear_op.js';
import {foldNormalBias} from '../variational/local_bias.js';
import {ValueError} from '../util/errors.js';
import {fmt} from '../util/format.js';

import {makeKernelBiasPosteriorMvnDiag, makeKernelBiasPriorSpikeAndSlab, unpackKernelAndBias} from './util.js';
import type {MakeDistributionFn, Weights} from './util.js';
import type {Initializer} from './initializers.js';
import {VariationalLayer} from './variational_base.js';
import type {VariationalOptions} from './variational_base.js';

/** The estimator of a variational layer. */
export type Estimator = 'reparameterization' | 'flipout' | 'localReparameterization';

/** `(weights)` → `[kernel, bias | null]`. */
export type UnpackWeightsFn = (weights: Weights) => [tf.Tensor | null, tf.Tensor | null];

/** Options shared by the affine and convolutional variational layers (NN.md §6, §7). */
export interface KernelBiasVariationalOptions extends VariationalOptions {
  /** Default: nn `glorotUniform()`. */
  kernelInitializer?: Initializer | null;
  /** Default: zeros. */
  biasInitializer?: Initializer | null;
  /** Default {@link makeKernelBiasPosteriorMvnDiag}. */
  makePosteriorFn?: MakeDistributionFn;
  /** Default {@link makeKernelBiasPriorSpikeAndSlab}. */
  makePriorFn?: MakeDistributionFn;
  /** Default {@link unpackKernelAndBias}. */
  unpackWeightsFn?: UnpackWeightsFn;
}

/**
 * `(μ, σ)` of an `Independent(Normal)`, `Independent(MultivariateNormalDiag)` or
 * `MultivariateNormalDiag` weight distribution, else null.
 */
function normalParts(owner: string, d: Distribution): MeanFieldParts | null {
  if (d instanceof MultivariateNormalDiag) return {loc: d.loc, scale: d.scaleDiag};
  if (d instanceof Independent) {
    if (d.distribution instanceof Normal) return meanFieldNormalParts(owner, d);
    if (d.distribution instanceof MultivariateNormalDiag) {
      return {loc: d.distribution.loc, scale: d.distribution.scaleDiag};
    }
  }
  return null;
}

/**
 * A variational layer `y = act(op(x, K) + b)` with `[K, b] ~ posterior` and one of three
 * estimators. Subclasses give the linear op and the layout conversions.
 */
export abstract class KernelBiasVariationalLayer extends VariationalLayer {
  /** The estimator. */
  readonly estimator: Estimator;
  /** `(weights)` → `[kernel, bias]`. */
  readonly unpackWeightsFn: UnpackWeightsFn;

  protected constructor(estimator: Estimator, kernelShape: number[], biasShape: number[],
      args: KernelBiasVariationalOptions, defaultName: string) {
    const makePosterior = args.makePosteriorFn ?? makeKernelBiasPosteriorMvnDiag;
    const makePrior = args.makePriorFn ?? makeKernelBiasPriorSpikeAndSlab;
    const factoryArgs = {kernelInitializer: args.kernelInitializer ?? null,
      biasInitializer: args.biasInitializer ?? null, kernelBatchNdims: 0, biasBatchNdims: 0,
      dtype: args.dtype ?? 'float32'};
    super({...args, posterior: makePosterior(kernelShape, biasShape, factoryArgs),
      prior: makePrior(kernelShape, biasShape, factoryArgs)}, defaultName);
    this.estimator = estimator;
    this.unpackWeightsFn = args.unpackWeightsFn ?? unpackKernelAndBias;
  }

  /** The linear op on canonical tensors. */
  protected abstract get op(): LinearOp;

  /** Converts an input to the op's canonical layout (checking its shape). */
  protected abstract toCanonical(x: tf.Tensor): tf.Tensor;

  /** Converts a canonical output back, restoring the input's leading axes. */
  protected abstract fromCanonical(y: tf.Tensor, inputShape: number[]): tf.Tensor;

  /** The parts of the posterior at the drawn value (Flipout and Local need them). */
  private parts(w: tf.Tensor[]): Distribution[] {
    if (!(this.posterior instanceof JointDistributionSequential)) {
      throw new TypeError(`${this.className}: posterior must be a JointDistributionSequential for the ` +
          `${this.estimator} estimator; got ${fmt(this.posterior.className)}.`);
    }
    return this.posterior.sampleDistributions(w)[0];
  }

  private kernelParts(w: tf.Tensor[]): MeanFieldParts {
    const kernelDist = this.parts(w)[0] as Distribution;
    const parts = normalParts(this.className, kernelDist);
    if (parts === null) {
      throw new TypeError(`${this.className}: Expected kernel \`posterior\` to be spherical Normal; ` +
          `saw: ${fmt(kernelDist.className)}.`);
    }
    return parts;
  }

  protected eval(x: tf.Tensor, w: tf.Tensor[]): tf.Tensor {
    const [kernel, bias] = this.unpackWeightsFn(w);
    if (kernel === null) {
      throw new ValueError(`${this.className}: unpackWeightsFn must return a kernel; got ${fmt(w)}.`);
    }
    const op = this.op;
    const xc = this.toCanonical(x);
    let h: tf.Tensor;
    switch (this.estimator) {
      case 'reparameterization':
        h = op.apply(xc, kernel);
        if (bias !== null) h = tf.add(h, bias);
        break;
      case 'flipout': {
        // K itself is unused: the output is op(x, μ) + op(x ⊙ R1, ΔW) ⊙ R2 + b, ΔW ~ N(0, σ),
        // with signs per element of the input and of the output (tfp.nn's granularity).
        const {loc, scale} = this.kernelParts(w);
        const delta = new Normal({loc: 0, scale}).sample([], this.noise.nextSeed());
        h = flipout(op, xc, loc, delta, this.noise, 'element');
        if (bias !== null) h = tf.add(h, bias);
        break;
      }
      default: {
        const {loc, scale} = this.kernelParts(w);
        let moments = scaledLocalMoments(op, xc, loc, scale);
        if (bias !== null) {
          const biasParts = normalParts(this.className, this.parts(w)[1] as Distribution);
          // A Normal bias is folded in analytically (m + μb, √(s² + σb²)); any other bias is added
          // as drawn.
          moments = biasParts !== null ? foldNormalBias(moments, biasParts.loc, biasParts.scale) :
              {mean: tf.add(moments.mean, bias), stddev: moments.stddev};
        }
        h = new Normal({loc: moments.mean, scale: moments.stddev}).sample([], this.noise.nextSeed());
      }
    }
    return this.fromCanonical(h, x.shape);
  }
}
