// Affine (dense) layers of tfp.nn: the deterministic `Affine` and the three variational estimators
// (NN.md §3, §6). Port of tensorflow_probability/python/experimental/nn/affine_layers.py.
import * as tf from '@tensorflow/tfjs-core';

import {DenseOp} from '../variational/linear_op.js';
import type {LinearOp} from '../variational/linear_op.js';
import {ValueError} from '../util/errors.js';
import {fmt} from '../util/format.js';
import {isPositiveInt} from '../util/shape.js';

import type {Initializer} from './initializers.js';
import {KernelBiasLayer} from './kernel_bias_layer.js';
import type {LayerArgs} from './layer.js';
import {checkNnOptions} from './options.js';
import {makeKernelBias} from './util.js';
import type {KernelBiasFactory} from './util.js';
import type {ActivationFn} from './variational_base.js';
import {KernelBiasVariationalLayer} from './variational_linear.js';
import type {Estimator, KernelBiasVariationalOptions} from './variational_linear.js';

/** Checks a layer size argument. */
export function checkSize(owner: string, arg: string, value: unknown): number {
  if (!isPositiveInt(value)) throw new ValueError(`${owner}: ${arg} must be a positive integer; got ${fmt(value)}.`);
  return value;
}

/** Options of {@link Affine}. */
export interface AffineOptions extends LayerArgs {
  kernelInitializer?: Initializer | null;
  biasInitializer?: Initializer | null;
  /** Default {@link makeKernelBias}. */
  makeKernelBiasFn?: KernelBiasFactory<[tf.Tensor | null, tf.Tensor | null]>;
  dtype?: tf.DataType;
  /** Leading kernel batch axes: kernel `batchShape + [in, out]`, bias `batchShape + [out]`. */
  batchShape?: number[];
  activationFn?: ActivationFn | null;
}

/** `(x[..., None, :] @ k)[..., 0, :]`: the kernel's batch axes broadcast against the input's. */
function applyAffineKernel(x: tf.Tensor, kernel: tf.Tensor): tf.Tensor {
  const y = tf.matMul(tf.expandDims(x, -2), kernel);
  return tf.squeeze(y, [y.rank - 2]);
}

/**
 * A deterministic affine layer `y = act(x @ kernel + bias)` on the rightmost axis of `x` (rank ≥ 1;
 * a kernel batch broadcasts against the input batch).
 *
 * @example
 * const a = new tfp.nn.Affine(3, 5);
 * a.call(tf.ones([2, 3]));  // shape [2, 5]
 */
export class Affine extends KernelBiasLayer {
  override readonly className: string = 'Affine';

  constructor(inputSize: number, outputSize: number, options: AffineOptions = {}) {
    const owner = 'Affine';
    checkNnOptions(owner, options, 'affine');
    const inSize = checkSize(owner, 'inputSize', inputSize);
    const outSize = checkSize(owner, 'outputSize', outputSize);
    const batchShape = options.batchShape ?? [];
    if (!Array.isArray(batchShape) || !batchShape.every(isPositiveInt)) {
      throw new ValueError(`${owner}: batchShape must be a list of positive integers; got ${fmt(batchShape)}.`);
    }
    const make = options.makeKernelBiasFn ?? makeKernelBias;
    const [kernel, bias] = make([...batchShape, inSize, outSize], [...batchShape, outSize], {
      kernelInitializer: options.kernelInitializer ?? null, biasInitializer: options.biasInitializer ?? null,
      kernelBatchNdims: batchShape.length, biasBatchNdims: batchShape.length, dtype: options.dtype ?? 'float32'});
    super({...options, kernel, bias, applyKernelFn: applyAffineKernel}, owner);
  }
}

/** Options of the affine variational layers. */
export interface AffineVariationalOptions extends KernelBiasVariationalOptions {}

/** The shared part of the three affine variational layers. */
abstract class AffineVariational extends KernelBiasVariationalLayer {
  /** Input size. */
  readonly inputSize: number;
  /** Output size. */
  readonly outputSize: number;
  private readonly denseOp = new DenseOp();

  protected constructor(estimator: Estimator, inputSize: number, outputSize: number,
      options: AffineVariationalOptions, owner: string) {
    checkNnOptions(owner, options, 'affineVariational');
    const inSize = checkSize(owner, 'inputSize', inputSize);
    const outSize = checkSize(owner, 'outputSize', outputSize);
    super(estimator, [inSize, outSize], [outSize], options, owner);
    this.inputSize = inSize;
    this.outputSize = outSize;
  }

  protected get op(): LinearOp {
    return this.denseOp;
  }

  protected toCanonical(x: tf.Tensor): tf.Tensor {
    if (x.rank < 1 || x.shape[x.rank - 1] !== this.inputSize) {
      throw new ValueError(`${this.className}: inputs must have last axis ${this.inputSize}; got ${fmt(x)}.`);
    }
    // Porting note: TFP needs rank ≥ 2 (`x @ K`); a rank-1 input is treated as one row here.
    return x.rank === 1 ? tf.reshape(x, [1, this.inputSize]) : this.denseOp.toCanonical(x);
  }

  protected fromCanonical(y: tf.Tensor, inputShape: number[]): tf.Tensor {
    return this.denseOp.fromCanonical(y, inputShape);
  }
}

/**
 * Bayesian affine layer, reparameterization estimator: one `[K, b] ~ q` per call shared by all
 * rows, `y = act(x @ K + b)`.
 *
 * Defaults (NN.md §6): posterior {@link makeKernelBiasPosteriorMvnDiag} (mean-field Normal on
 * kernel **and** bias, σ = 1e-3 initially), prior spike-and-slab, no KL added during the call: use
 * `tfp.nn.losses.computeExtraLoss(layer)` afterwards, or the legacy `penaltyWeight`.
 *
 * @example
 * const layer = new tfp.nn.AffineVariationalReparameterization(784, 10, {seed: 1});
 * const logits = layer.call(x);
 * const kl = tfp.nn.losses.computeExtraLoss(layer);
 */
export class AffineVariationalReparameterization extends AffineVariational {
  readonly className: string = 'AffineVariationalReparameterization';

  constructor(inputSize: number, outputSize: number, options: AffineVariationalOptions = {}) {
    super('reparameterization', inputSize, outputSize, options, 'AffineVariationalReparameterization');
  }
}

/**
 * Bayesian affine layer, Flipout estimator: `y = act(((x ⊙ R1) @ ΔW) ⊙ R2 + x @ μ + b)` with
 * `ΔW ~ N(0, σ)` once per call and Rademacher signs per element; the drawn kernel itself is only
 * used by the KL. Needs an (Independent) Normal kernel posterior (`TypeError` otherwise).
 */
export class AffineVariationalFlipout extends AffineVariational {
  readonly className: string = 'AffineVariationalFlipout';

  constructor(inputSize: number, outputSize: number, options: AffineVariationalOptions = {}) {
    super('flipout', inputSize, outputSize, options, 'AffineVariationalFlipout');
  }
}

/**
 * Bayesian affine layer, local reparameterization: `y = act(m + s ⊙ ε)` with `m = x @ μK + μb`,
 * `s = √((x⊙x) @ σK² + σb²)` — a Normal bias is folded in analytically (unlike
 * `tfp.layers.DenseLocalReparameterization`), any other bias is added as drawn.
 */
export class AffineVariationalReparameterizationLocal extends AffineVariational {
  readonly className: string = 'AffineVariationalReparameterizationLocal';

  constructor(inputSize: number, outputSize: number, options: AffineVariationalOptions = {}) {
    // Porting note: TFP's docs name the default 'AffineVariationalFlipout' (a doc bug); the class
    // name is used, as TFP's code does.
    super('localReparameterization', inputSize, outputSize, options, 'AffineVariationalReparameterizationLocal');
  }
}
