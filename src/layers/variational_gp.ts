// VariationalGaussianProcess: a sparse variational GP (SVGP) output layer with trainable inducing
// index points z, q(u) = N(m, S Sᵀ), kernel amplitude / length scale and observation noise.
// Port of tensorflow_probability/python/layers/distribution_layer.py (VariationalGaussianProcess)
// and python/distributions/variational_gaussian_process.py.
//
// Porting note: TFP's layer returns the joint VGP over the batch (one MVN over all index points).
// A per-example loss (negLogLik in model.fit) needs the per-example predictive marginals, so this
// layer's distribution is Independent(Normal(μ(x), √(σ²(x) + noise))) over the batch, event [1].
// Porting note: TFP takes a `kernel_provider` layer; here `kernel` names the kernel
// ('ExponentiatedQuadratic' | 'MaternFiveHalves') and the layer owns its trainable amplitude and
// length scale (softplus of unconstrained weights), so the layer saves as plain JSON.
// Porting note: TFP's `variational_loss(y, kl_weight)` adds KL(q(u) ‖ p(u)) · kl_weight to the
// expected log-likelihood; here klWeight · KL is added once as a layer loss (set klWeight =
// 1 / numExamples for a batch-mean loss), and the data term is the model's loss: TFP's expected
// log-likelihood is `vgpExpectedNegLogLik`; `negLogLik` on the marginals is the predictive-likelihood
// variant (−log N(y; μ, √(σ² + noise))), which is not TFP's ELBO.
// Porting note: the output is one GP (TFP's default event_shape [1]); other event shapes are refused.
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';

import type {Distribution} from '../distributions/distribution.js';
import {Independent} from '../distributions/independent.js';
import {Normal} from '../distributions/normal.js';
import {ExponentiatedQuadratic} from '../psd_kernels/exponentiated_quadratic.js';
import {MaternFiveHalves} from '../psd_kernels/matern.js';
import type {PositiveSemidefiniteKernel} from '../psd_kernels/positive_semidefinite_kernel.js';
import {ValueError} from '../util/errors.js';
import {fmt} from '../util/format.js';

import {deserializeKerasObject, isInitializer, serializeKerasObject} from '../util/keras_objects.js';
import type {KerasObjectJson} from '../util/keras_objects.js';

import type {Initializer} from './default_fns.js';
import {DistributionLayer, distributionOf} from './distribution_layer.js';
import type {DistributionLayerArgs} from './distribution_layer.js';

/** The kernels the layer can build. */
export type VgpKernelName = 'ExponentiatedQuadratic' | 'MaternFiveHalves';
const KERNELS: readonly VgpKernelName[] = ['ExponentiatedQuadratic', 'MaternFiveHalves'];

/** Arguments of {@link VariationalGaussianProcess}. */
export interface VariationalGaussianProcessArgs extends DistributionLayerArgs {
  /** Number of inducing points M (TFP's `num_inducing_points`). */
  numInducingPoints: number;
  /** The kernel. Default 'ExponentiatedQuadratic'. */
  kernel?: VgpKernelName;
  /** Initial amplitude (softplus⁻¹ of it is the trainable weight). Default 1. */
  amplitude?: number;
  /** Initial length scale. Default 1. */
  lengthScale?: number;
  /**
   * Initializer of the inducing index points `[M, d]` (TFP's `inducing_index_points_initializer`;
   * object, JSON form or name). Default 'randomNormal'. Scatter them over the data's range.
   */
  inducingIndexPointsInitializer?: Initializer | KerasObjectJson | string;
  /** Initial unconstrained observation noise variance; noise = softplus(it). Default −10 (TFP). */
  unconstrainedObservationNoiseVariance?: number;
  /** Added to the diagonal of K_zz before the Cholesky. Default 1e-6 (TFP). */
  jitter?: number;
  /** Multiplier of KL(q(u) ‖ p(u)) in the layer loss (TFP's `kl_weight`). Default 1. */
  klWeight?: number;
  /** Event shape; only [1] (one GP) is supported. Default [1]. */
  eventShape?: number[];
}

const OWN_KEYS = ['numInducingPoints', 'kernel', 'amplitude', 'lengthScale', 'inducingIndexPointsInitializer',
  'unconstrainedObservationNoiseVariance', 'jitter', 'klWeight', 'eventShape'];

interface VgpMarginalParts extends SvgpParts {
  noise: tf.Tensor;
}
const vgpParts = new WeakMap<Distribution, VgpMarginalParts>();

const softplusInverse = (y: number): number => y + Math.log(-Math.expm1(-y));

/**
 * Lower Cholesky factor of a symmetric positive definite `[n, n]` matrix, column by column with tf
 * ops, so it is differentiable (tfjs has no linalg.cholesky). O(n) ops: meant for the small K_zz.
 *
 * @example
 * choleskyTf(tf.tensor2d([[4, 2], [2, 3]]));   // [[2, 0], [1, √2]]
 */
export function choleskyTf(a: tf.Tensor2D): tf.Tensor2D {
  return tf.tidy(() => {
    const n = a.shape[0];
    const cols: tf.Tensor[] = [];
    const rowIdx = tf.range(0, n, 1, 'int32');
    for (let j = 0; j < n; j++) {
      let v = tf.slice(a, [0, j], [n, 1]);
      if (j > 0) {
        // concat, not stack: tfjs's Unpack gradient fails when some slices get no gradient.
        const prev = tf.concat(cols, 1);                   // [n, j]
        v = tf.sub(v, tf.matMul(prev, tf.transpose(tf.slice(prev, [j, 0], [1, j]))));
      }
      const d = tf.sqrt(tf.slice(v, [j, 0], [1, 1]));
      const mask = tf.reshape(tf.cast(tf.greaterEqual(rowIdx, j), 'float32'), [n, 1]);
      cols.push(tf.mul(tf.div(v, d), mask));
    }
    return tf.concat(cols, 1) as tf.Tensor2D;
  });
}

/**
 * X = L⁻¹ B for lower-triangular `[n, n]` L and `[n, k]` B (forward substitution, differentiable).
 *
 * @example
 * solveLowerTf(tf.tensor2d([[2, 0], [1, 1]]), tf.tensor2d([[2], [3]]));   // [[1], [2]]
 */
export function solveLowerTf(l: tf.Tensor2D, b: tf.Tensor2D): tf.Tensor2D {
  return tf.tidy(() => {
    const n = l.shape[0];
    const k = b.shape[1];
    const rows: tf.Tensor[] = [];
    for (let i = 0; i < n; i++) {
      let r = tf.slice(b, [i, 0], [1, k]);
      if (i > 0) r = tf.sub(r, tf.matMul(tf.slice(l, [i, 0], [1, i]), tf.concat(rows, 0)));
      rows.push(tf.div(r, tf.slice(l, [i, i], [1, 1])));
    }
    return tf.concat(rows, 0) as tf.Tensor2D;
  });
}

/** The latent SVGP predictive moments at inputs x. */
export interface SvgpParts {
  /** μ(x), shape [n]. */
  mean: tf.Tensor;
  /** σ²(x) of the latent f (no observation noise), shape [n]. */
  variance: tf.Tensor;
}

/**
 * SVGP output layer: for a batch x `[n, d]`, the predictive marginals of a GP with q(u) = N(m, S Sᵀ)
 * at inducing points z, μ(x) = c + K_xz K_zz⁻¹ m and σ²(x) = k(x,x) − diag(K_xz K_zz⁻¹ K_zx) +
 * ‖Sᵀ K_zz⁻¹ K_zx‖², plus the observation noise; adds klWeight · KL(q(u) ‖ N(0, K_zz)) to the loss.
 * The uncertainty comes in one forward pass, with no Monte-Carlo draws.
 *
 * @example
 * const model = tf.sequential({layers: [
 *   tfp.layers.variationalGaussianProcess({inputShape: [1], numInducingPoints: 8,
 *     inducingIndexPointsInitializer: tf.initializers.randomUniform({minval: -1, maxval: 1}),
 *     klWeight: 1 / 100, convertToTensorFn: 'mean'})]});
 * model.compile({optimizer: tf.train.adam(0.05), loss: tfp.layers.negLogLik});
 */
export class VariationalGaussianProcess extends DistributionLayer {
  static className = 'VariationalGaussianProcess';
  readonly numInducingPoints: number;
  readonly kernelName: VgpKernelName;
  readonly initialAmplitude: number;
  readonly initialLengthScale: number;
  readonly inducingIndexPointsInitializer: Initializer;
  readonly unconstrainedObservationNoiseVariance: number;
  readonly jitter: number;
  /** Multiplier of the KL term (saved). */
  klWeight: number;
  private wZ: tfl.LayerVariable | null = null;
  private wLoc: tfl.LayerVariable | null = null;
  private wScale: tfl.LayerVariable | null = null;
  private wAmp: tfl.LayerVariable | null = null;
  private wLen: tfl.LayerVariable | null = null;
  private wNoise: tfl.LayerVariable | null = null;
  private wMean: tfl.LayerVariable | null = null;

  constructor(args: VariationalGaussianProcessArgs) {
    if (typeof args !== 'object' || args === null) {
      throw new ValueError(`VariationalGaussianProcess: args must be an object; got ${fmt(args)}.`);
    }
    const {numInducingPoints, kernel, amplitude, lengthScale, inducingIndexPointsInitializer,
      unconstrainedObservationNoiseVariance, jitter, klWeight, eventShape, ...rest} = args;
    super('VariationalGaussianProcess', {...rest, ...Object.fromEntries(OWN_KEYS.map((k) => [k, undefined]))},
        OWN_KEYS);
    const owner = 'VariationalGaussianProcess';
    if (typeof numInducingPoints !== 'number' || !Number.isSafeInteger(numInducingPoints) || numInducingPoints < 1) {
      throw new ValueError(`${owner}: numInducingPoints must be a positive integer; got ${fmt(numInducingPoints)}.`);
    }
    // Case-insensitive: tfjs's model loader camel-cases string config values.
    const k = KERNELS.find((name) => typeof kernel === 'string' && name.toLowerCase() === kernel.toLowerCase()) ??
        (kernel === undefined ? 'ExponentiatedQuadratic' : undefined);
    if (k === undefined) throw new ValueError(`${owner}: kernel must be one of ${fmt(KERNELS)}; got ${fmt(kernel)}.`);
    const pos = (name: string, v: unknown, def: number): number => {
      const x = v ?? def;
      if (typeof x !== 'number' || !(x > 0) || !Number.isFinite(x)) {
        throw new ValueError(`${owner}: ${name} must be a positive finite number; got ${fmt(v)}.`);
      }
      return x;
    };
    const finite = (name: string, v: unknown, def: number): number => {
      const x = v ?? def;
      if (typeof x !== 'number' || !Number.isFinite(x)) {
        throw new ValueError(`${owner}: ${name} must be a finite number; got ${fmt(v)}.`);
      }
      return x;
    };
    const ev = eventShape ?? [1];
    if (!Array.isArray(ev) || ev.length !== 1 || ev[0] !== 1) {
      throw new ValueError(`${owner}: eventShape must be [1] (one GP output); got ${fmt(eventShape)}.`);
    }
    this.numInducingPoints = numInducingPoints;
    this.kernelName = k;
    this.initialAmplitude = pos('amplitude', amplitude, 1);
    this.initialLengthScale = pos('lengthScale', lengthScale, 1);
    this.jitter = pos('jitter', jitter, 1e-6);
    this.unconstrainedObservationNoiseVariance = finite('unconstrainedObservationNoiseVariance',
        unconstrainedObservationNoiseVariance, -10);
    const kw = klWeight ?? 1;
    if (typeof kw !== 'number' || !(kw >= 0) || !Number.isFinite(kw)) {
      throw new ValueError(`${owner}: klWeight must be a finite number >= 0; got ${fmt(klWeight)}.`);
    }
    this.klWeight = kw;
    this.inducingIndexPointsInitializer = deserializeKerasObject(owner, 'inducingIndexPointsInitializer',
        inducingIndexPointsInitializer ?? 'randomNormal', isInitializer) as unknown as Initializer;
  }

  override build(inputShape: tfl.Shape | tfl.Shape[]): void {
    const shape = (Array.isArray(inputShape[0]) ? inputShape[0] : inputShape) as Array<number | null>;
    const d = shape[shape.length - 1];
    if (shape.length !== 2 || typeof d !== 'number') {
      throw new ValueError(`VariationalGaussianProcess: the input must be [batch, features] with known ` +
          `features; got shape ${fmt(shape)}.`);
    }
    const m = this.numInducingPoints;
    const c = (v: number): Initializer => tfl.initializers.constant({value: v});
    this.wZ = this.addWeight('inducing_index_points', [m, d], 'float32', this.inducingIndexPointsInitializer);
    this.wLoc = this.addWeight('variational_inducing_observations_loc', [m], 'float32', tfl.initializers.zeros());
    // TFP's initial S = 1e-5 · I.
    this.wScale = this.addWeight('variational_inducing_observations_scale', [m, m], 'float32',
        tfl.initializers.identity({gain: 1e-5}));
    this.wAmp = this.addWeight('amplitude', [], 'float32', c(softplusInverse(this.initialAmplitude)));
    this.wLen = this.addWeight('length_scale', [], 'float32', c(softplusInverse(this.initialLengthScale)));
    this.wNoise = this.addWeight('observation_noise_variance', [], 'float32',
        c(this.unconstrainedObservationNoiseVariance));
    this.wMean = this.addWeight('mean', [], 'float32', tfl.initializers.zeros());
    // Added once: tfjs keeps every addLoss thunk and evaluates it in the optimizer's tape.
    this.addLoss(() => tf.tidy(() => tf.mul(this.kl(), this.klWeight) as tf.Scalar));
    super.build(inputShape);
  }

  private weightsOrThrow(): tfl.LayerVariable[] {
    const ws = [this.wZ, this.wLoc, this.wScale, this.wAmp, this.wLen, this.wNoise, this.wMean];
    if (ws.some((w) => w === null)) {
      throw new ValueError(`VariationalGaussianProcess: layer "${this.name}" must be built (called) first.`);
    }
    return ws as tfl.LayerVariable[];
  }

  /** The kernel with the current (softplus-constrained) amplitude and length scale. */
  kernel(): PositiveSemidefiniteKernel {
    const [, , , a, l] = this.weightsOrThrow();
    const args = {amplitude: tf.softplus(a!.read()), lengthScale: tf.softplus(l!.read())};
    return this.kernelName === 'MaternFiveHalves' ? new MaternFiveHalves(args) : new ExponentiatedQuadratic(args);
  }

  /** The observation noise variance softplus(u). */
  observationNoiseVariance(): tf.Scalar {
    return tf.softplus(this.weightsOrThrow()[5]!.read()) as tf.Scalar;
  }

  /** Cholesky L of K_zz + jitter·I, and the lower-triangular S. */
  private factors(kernel: PositiveSemidefiniteKernel): {z: tf.Tensor2D; l: tf.Tensor2D; s: tf.Tensor2D} {
    const [z, , s] = this.weightsOrThrow();
    const m = this.numInducingPoints;
    const zz = z!.read() as tf.Tensor2D;
    const kzz = tf.add(kernel.matrix(zz, zz), tf.mul(tf.eye(m), this.jitter)) as tf.Tensor2D;
    // TFP reads the scale as LinearOperatorLowerTriangular: the upper triangle is ignored. A
    // constant mask, not tf.linalg.bandPart, whose unstack-based gradient fails in tfjs.
    const lower = tf.tensor2d(Array.from({length: m * m}, (_, i) => (i % m <= Math.floor(i / m) ? 1 : 0)), [m, m]);
    const tril = tf.mul(s!.read(), lower) as tf.Tensor2D;
    return {z: zz, l: choleskyTf(kzz), s: tril};
  }

  /** KL(q(u) ‖ p(u)) = KL(N(m, S Sᵀ) ‖ N(0, K_zz)), a scalar on the tape. */
  kl(): tf.Scalar {
    return tf.tidy(() => {
      const kernel = this.kernel();
      const {l, s} = this.factors(kernel);
      const m = this.numInducingPoints;
      const loc = tf.reshape(this.weightsOrThrow()[1]!.read(), [m, 1]) as tf.Tensor2D;
      // 2·KL = ‖L⁻¹S‖²_F + ‖L⁻¹m‖² − M + 2Σ log L_ii − 2Σ log|S_ii|
      const ls = solveLowerTf(l, s);
      const lm = solveLowerTf(l, loc);
      const eye = tf.eye(m);
      const logDetL = tf.sum(tf.log(tf.sum(tf.mul(l, eye), 0)));
      const logDetS = tf.sum(tf.log(tf.abs(tf.sum(tf.mul(s, eye), 0))));
      return tf.mul(tf.add(tf.sub(tf.add(tf.sum(tf.square(ls)), tf.sum(tf.square(lm))), m), tf.mul(tf.sub(logDetL, logDetS), 2)), 0.5) as tf.Scalar;
    });
  }

  /** The latent predictive mean and variance at x `[n, d]`. */
  predictiveMoments(x: tf.Tensor): SvgpParts {
    return tf.tidy(() => {
      const kernel = this.kernel();
      const {z, l, s} = this.factors(kernel);
      const m = this.numInducingPoints;
      const [, locW, , , , , meanW] = this.weightsOrThrow();
      const x2 = x as tf.Tensor2D;
      const a = solveLowerTf(l, kernel.matrix(z, x2) as tf.Tensor2D);           // L⁻¹ K_zx, [M, n]
      const lm = solveLowerTf(l, tf.reshape(locW!.read(), [m, 1]) as tf.Tensor2D);    // L⁻¹ m
      const ls = solveLowerTf(l, s);                                              // L⁻¹ S
      const mean = tf.add(tf.reshape(tf.matMul(tf.transpose(a), lm), [-1]), meanW!.read());
      const kxx = kernel.apply(x2, x2);
      const q = tf.sum(tf.square(a), 0);                             // diag(K_xz K_zz⁻¹ K_zx)
      const extra = tf.sum(tf.square(tf.matMul(tf.transpose(a), ls)), 1);   // ‖Sᵀ L⁻ᵀ L⁻¹ K_zx‖²
      const variance = tf.add(tf.relu(tf.sub(kxx, q)), extra);
      return {mean, variance};
    });
  }

  override makeDistribution(params: tf.Tensor): Distribution {
    if (params.rank !== 2 || params.shape[1] !== (this.wZ?.shape[1] ?? params.shape[1])) {
      throw new ValueError(`VariationalGaussianProcess: the input must be [batch, ${this.wZ?.shape[1]}]; ` +
          `got ${fmt(params.shape)}.`);
    }
    const {mean, variance} = this.predictiveMoments(params);
    const noise = this.observationNoiseVariance();
    const scale = tf.sqrt(tf.add(variance, noise));
    const d = new Independent({distribution: new Normal({loc: tf.expandDims(mean, -1), scale: tf.expandDims(scale, -1)}),
      reinterpretedBatchNdims: 1});
    vgpParts.set(d, {mean, variance, noise});
    return d;
  }

  override computeOutputShape(inputShape: tfl.Shape | tfl.Shape[]): tfl.Shape {
    const shape = (Array.isArray(inputShape[0]) ? inputShape[0] : inputShape) as Array<number | null>;
    return [shape[0] ?? null, 1];
  }

  override getConfig(): tf.serialization.ConfigDict {
    return {
      ...super.getConfig(),
      numInducingPoints: this.numInducingPoints,
      kernel: this.kernelName,
      amplitude: this.initialAmplitude,
      lengthScale: this.initialLengthScale,
      inducingIndexPointsInitializer: serializeKerasObject(this.inducingIndexPointsInitializer) as
          unknown as tf.serialization.ConfigDictValue,
      unconstrainedObservationNoiseVariance: this.unconstrainedObservationNoiseVariance,
      jitter: this.jitter,
      klWeight: this.klWeight,
      eventShape: [1],
    };
  }
}
tf.serialization.registerClass(VariationalGaussianProcess);

/**
 * A sparse variational Gaussian process output layer (see {@link VariationalGaussianProcess}).
 *
 * @example
 * const layer = tfp.layers.variationalGaussianProcess({inputShape: [1], numInducingPoints: 8,
 *   kernel: 'MaternFiveHalves', klWeight: 1 / 500});
 */
export function variationalGaussianProcess(args: VariationalGaussianProcessArgs): VariationalGaussianProcess {
  return new VariationalGaussianProcess(args);
}

/**
 * TFP's expected log-likelihood term of the VGP's `variational_loss`, per example:
 * −E_q(f)[log N(y; f, noise)] = ½ log(2π·noise) + ((y − μ)² + σ²) / (2·noise). With the layer's
 * `klWeight · KL` this is the negative ELBO (Hensman et al. 2013). `negLogLik` on the marginals
 * instead gives −log N(y; μ, √(σ² + noise)), the predictive-likelihood objective, which leaves the
 * latent band wider at the data.
 *
 * @example
 * model.compile({optimizer: tf.train.adam(0.05), loss: tfp.layers.vgpExpectedNegLogLik});
 */
export function vgpExpectedNegLogLik(yTrue: tf.Tensor, yPred: tf.Tensor): tf.Tensor {
  return tf.tidy(() => {
    const d = distributionOf(yPred);
    const parts = d === undefined ? undefined : vgpParts.get(d);
    if (parts === undefined) {
      throw new ValueError(`vgpExpectedNegLogLik: yPred must be the output of a VariationalGaussianProcess ` +
          `layer as the model's output; got ${fmt(yPred)}.`);
    }
    const {mean, variance, noise} = parts;
    const y = tf.reshape(yTrue, [-1]);
    return tf.add(tf.div(tf.add(tf.square(tf.sub(y, mean)), variance), tf.mul(noise, 2)), tf.mul(tf.log(tf.mul(noise, 2 * Math.PI)), 0.5));
  });
}
