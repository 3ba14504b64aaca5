// The one base class of the Keras-style variational layers (tfp.layers): a point on two axes, an
// estimator and a linear op. Port of the shared parts of
// tensorflow_probability/python/layers/{dense_variational,conv_variational}.py.
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';

import type {Distribution} from '../distributions/distribution.js';
import {lookupKL} from '../distributions/kl.js';
import {Normal} from '../distributions/normal.js';
import {flipout, meanFieldNormalParts, SeededNoise} from '../variational/estimators.js';
import type {NoiseSource, SignGranularity, TensorFn} from '../variational/estimators.js';
import {applyBiasActivation} from '../variational/linear_op.js';
import type {FusableActivation, LinearOp} from '../variational/linear_op.js';
import {NotImplementedError, ValueError} from '../util/errors.js';
import {fmt} from '../util/format.js';
import {deserializeActivation, deserializeKerasObject, isRegularizer, serializeKerasObject} from '../util/keras_objects.js';
import type {KerasObjectJson} from '../util/keras_objects.js';
import {checkSeed, SeedStream} from '../util/seed.js';
import {checkElementCount} from '../util/shape.js';

import {defaultMeanFieldNormalFn, defaultMultivariateNormalFn, klDivergenceFn, meanTensorFn, sampleTensorFn} from './default_fns.js';
import type {AddVariableFn, DistributionFn, DivergenceFn, Regularizer} from './default_fns.js';
import {resolveFn, serializedFormOf, serializeFn} from './fn_registry.js';
import type {SerializedFn} from './fn_registry.js';
import {AddedLosses, checkKLMultiplier, PinnedDraws} from './bayesian_state.js';
import {checkLayerArgs} from './layer_args.js';
import {scaledLocalMoments} from '../variational/scaled_local_moments.js';

/** tfjs's base layer arguments (name, trainable, inputShape, batchInputShape, dtype, …). */
export type LayerArgs = NonNullable<ConstructorParameters<typeof tfl.layers.Layer>[0]>;

/** tfjs's activation identifiers (`'relu'`, `'softmax'`, …), as `tf.layers.dense` types them. */
export type ActivationIdentifier = NonNullable<Parameters<typeof tfl.layers.dense>[0]['activation']>;

/** A tfjs activation: an identifier such as `'relu'`, or an activation object. */
export type ActivationArg = ActivationIdentifier | {apply(x: tf.Tensor, axis?: number): tf.Tensor; getClassName(): string};

/** The estimator of a variational layer. */
export type Estimator = 'reparameterization' | 'flipout' | 'localReparameterization';

/** Arguments shared by every dense and convolutional variational layer (LAYERS.md §2.1, §3.1). */
export interface VariationalLayerArgs extends Omit<LayerArgs, 'activityRegularizer'> {
  /** Activation after the bias. Default: linear. */
  activation?: ActivationArg | null;
  /**
   * Regularizer on the layer's output, added as a loss (divided by the batch size, as Keras does).
   * Porting note: tfjs-layers throws at apply when it is set; these layers implement it.
   */
  activityRegularizer?: Regularizer | KerasObjectJson | string | null;
  /** Default `defaultMeanFieldNormalFn()`. */
  kernelPosteriorFn?: DistributionFn | SerializedFn;
  /** Default: a sample (`sampleTensorFn`). */
  kernelPosteriorTensorFn?: TensorFn | SerializedFn;
  /** Default `defaultMultivariateNormalFn` (N(0, 1) on every weight); null for no kernel KL. */
  kernelPriorFn?: DistributionFn | SerializedFn | null;
  /** Default `klDivergenceFn()` (analytic KL); null adds no kernel loss. */
  kernelDivergenceFn?: DivergenceFn | SerializedFn | null;
  /** Default `defaultMeanFieldNormalFn({isSingular: true})` (a point estimate); null for no bias. */
  biasPosteriorFn?: DistributionFn | SerializedFn | null;
  /** Default: a sample. */
  biasPosteriorTensorFn?: TensorFn | SerializedFn;
  /** Default null (no bias prior, no bias KL). */
  biasPriorFn?: DistributionFn | SerializedFn | null;
  /** Default `klDivergenceFn()`. */
  biasDivergenceFn?: DivergenceFn | SerializedFn | null;
  /**
   * Seed of the layer's stream: signs (Flipout) and posterior draws. Same seed, same initial
   * variables and same call sequence give the same outputs; each call draws fresh noise.
   * Porting note: TFP only has `seed` on Flipout layers and draws other samples unseeded.
   */
  seed?: number | null;
  /**
   * Multiplies every divergence the layer adds (kernel and bias), e.g. `1 / N` for the per-example
   * ELBO with N training examples (`tfp.layers.scaleKLByExamples(model, N)` sets it on every
   * layer). Saved with the model. Default 1.
   * Porting note: TFP's dense and convolutional layers have no `kl_weight` (only DenseVariational
   * has); the weight there goes into the divergence fn, which works here too.
   */
  klWeight?: number;
}

/** The fixed parts of a layer class: its estimator and linear op kind. */
export interface LayerKind {
  className: string;
  estimator: Estimator;
  /** Salt of the seed stream (TFP: "DenseFlipout", "ConvFlipout"). */
  salt: string;
  signGranularity: SignGranularity;
  /** The subclass's own argument keys (besides {@link VARIATIONAL_LAYER_KEYS} and tfjs's LayerArgs). */
  argKeys: readonly string[];
}

/** The argument keys shared by every dense and convolutional variational layer. */
export const VARIATIONAL_LAYER_KEYS: readonly string[] = ['activation', 'activityRegularizer',
  'kernelPosteriorFn', 'kernelPosteriorTensorFn', 'kernelPriorFn', 'kernelDivergenceFn',
  'biasPosteriorFn', 'biasPosteriorTensorFn', 'biasPriorFn', 'biasDivergenceFn', 'seed', 'klWeight'];

/** tfjs activation class names → the activations tfjs's fused ops take (with gradients). */
const FUSABLE: Readonly<Record<string, FusableActivation>> = {linear: 'linear', relu: 'relu'};

function singleTensor(owner: string, inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
  if (!Array.isArray(inputs)) return inputs;
  if (inputs.length !== 1) {
    throw new ValueError(`${owner}: expects exactly one input tensor; got ${inputs.length}.`);
  }
  return inputs[0] as tf.Tensor;
}

/**
 * Base of DenseReparameterization … Conv3DFlipout. Subclasses give the linear op and shapes;
 * everything else — posteriors, priors, divergences, seeds, serialization — lives here once.
 *
 * Losses: one closure per divergence is added at build (tfjs keeps every `addLoss` closure
 * forever and evaluates them inside the optimizer's tape); it evaluates
 * `divergenceFn(posterior, prior, latestPosteriorTensor)` from the most recent call, so
 * `model.fit` minimises NLL + Σ KL and `layer.losses` reflects the latest call only.
 */
export abstract class VariationalLayer extends tfl.layers.Layer {
  /** Kernel posterior q(W) (after build). */
  kernelPosterior: Distribution | null = null;
  /** Kernel prior p(W) (after build; null without a prior fn). */
  kernelPrior: Distribution | null = null;
  /** Bias posterior (after build; null without a bias). */
  biasPosterior: Distribution | null = null;
  /** Bias prior (after build). */
  biasPrior: Distribution | null = null;
  /** The kernel drawn by the latest call (Reparameterization only; null for Flipout and Local). */
  kernelPosteriorTensor: tf.Tensor | null = null;
  /** The bias drawn by the latest call. */
  biasPosteriorTensor: tf.Tensor | null = null;
  /**
   * Where signs and draw seeds come from; defaults to the layer's seed stream. Tests may replace
   * it with fixed values.
   */
  noise: NoiseSource;
  /** When true, every draw is replaced by the posterior mean (see `withPosteriorMean`). */
  usePosteriorMean = false;
  /**
   * Multiplier of every divergence this layer adds (the `klWeight` argument; saved). Set on every
   * layer of a model by `tfp.layers.scaleKLByExamples`.
   */
  klWeight: number;
  /**
   * The annealing factor β of the divergences (default 1; not saved): the loss adds
   * `β · klWeight · divergence`. Set by `tfp.layers.klAnnealing` or `tfp.layers.setKLBeta`.
   */
  klBeta = 1;
  /** Pinned draws of `withPosteriorSample`. */
  readonly pinned = new PinnedDraws();
  /** The divergences added to the latest training loss (see `addedDivergence`). */
  private readonly added = new AddedLosses();

  readonly activation: {apply(x: tf.Tensor, axis?: number): tf.Tensor; getClassName(): string};
  readonly activityRegularizerFn: Regularizer | null;
  readonly kernelPosteriorFn: DistributionFn;
  readonly kernelPosteriorTensorFn: TensorFn;
  readonly kernelPriorFn: DistributionFn | null;
  readonly kernelDivergenceFn: DivergenceFn | null;
  readonly biasPosteriorFn: DistributionFn | null;
  readonly biasPosteriorTensorFn: TensorFn;
  readonly biasPriorFn: DistributionFn | null;
  readonly biasDivergenceFn: DivergenceFn | null;
  readonly seed: number | undefined;
  protected readonly kind: LayerKind;
  private lastOutput: tf.Tensor | null = null;
  private builtKernelShape: number[] | null = null;

  protected constructor(kind: LayerKind, args: VariationalLayerArgs) {
    checkLayerArgs(kind.className, args, [...kind.argKeys, ...VARIATIONAL_LAYER_KEYS]);
    const {activityRegularizer, activation, seed, kernelPosteriorFn, kernelPosteriorTensorFn,
      kernelPriorFn, kernelDivergenceFn, biasPosteriorFn, biasPosteriorTensorFn, biasPriorFn,
      biasDivergenceFn, klWeight, ...base} = args;
    super(base as LayerArgs);
    const owner = kind.className;
    this.kind = kind;
    this.activation = deserializeActivation(owner, 'activation', activation);
    this.activityRegularizerFn = activityRegularizer === undefined || activityRegularizer === null ?
        null : deserializeKerasObject(owner, 'activityRegularizer', activityRegularizer, isRegularizer) as
            unknown as Regularizer;
    const kernelPosterior = resolveFn<DistributionFn>(owner, 'kernelPosteriorFn', kernelPosteriorFn,
        defaultMeanFieldNormalFn());
    if (kernelPosterior === null) {
      throw new ValueError(`${owner}: kernelPosteriorFn is required; got null.`);
    }
    this.kernelPosteriorFn = kernelPosterior;
    this.kernelPosteriorTensorFn = resolveFn<TensorFn>(owner, 'kernelPosteriorTensorFn',
        kernelPosteriorTensorFn, sampleTensorFn) ?? sampleTensorFn;
    this.kernelPriorFn = resolveFn(owner, 'kernelPriorFn', kernelPriorFn, defaultMultivariateNormalFn);
    this.kernelDivergenceFn = resolveFn(owner, 'kernelDivergenceFn', kernelDivergenceFn, klDivergenceFn());
    this.biasPosteriorFn = resolveFn(owner, 'biasPosteriorFn', biasPosteriorFn,
        defaultMeanFieldNormalFn({isSingular: true}));
    this.biasPosteriorTensorFn = resolveFn<TensorFn>(owner, 'biasPosteriorTensorFn',
        biasPosteriorTensorFn, sampleTensorFn) ?? sampleTensorFn;
    this.biasPriorFn = resolveFn<DistributionFn>(owner, 'biasPriorFn', biasPriorFn, null);
    this.biasDivergenceFn = resolveFn(owner, 'biasDivergenceFn', biasDivergenceFn, klDivergenceFn());
    this.seed = checkSeed(owner, seed);
    this.noise = new SeededNoise(new SeedStream(this.seed, kind.salt));
    this.klWeight = klWeight === undefined ? 1 : checkKLMultiplier(owner, 'klWeight', klWeight);
  }

  /** The linear op (configured from the constructor's arguments). */
  protected abstract get op(): LinearOp;

  /** Number of output units / filters. */
  protected abstract get outChannels(): number;

  /** Checks the input shape, returns the kernel shape and sets the input spec. */
  protected abstract kernelShapeFor(inputShape: ReadonlyArray<number | null>): number[];

  override build(inputShape: tfl.Shape | tfl.Shape[]): void {
    const shape = (Array.isArray(inputShape[0]) ? inputShape[0] : inputShape) as Array<number | null>;
    const kernelShape = this.checkedKernelShape(shape);
    this.builtKernelShape = kernelShape;
    const dtype: tf.DataType = 'float32';
    const addVariable: AddVariableFn = (name, varShape, initializer, regularizer, constraint,
        varDtype, trainable) => this.addWeight(name, varShape, varDtype, initializer,
        regularizer ?? undefined, trainable, constraint ?? undefined);
    const trainable = this.trainable;
    this.kernelPosterior = this.kernelPosteriorFn(dtype, kernelShape, 'kernel_posterior', trainable,
        addVariable);
    this.kernelPrior = this.kernelPriorFn?.(dtype, kernelShape, 'kernel_prior', trainable, addVariable) ?? null;
    const biasShape = [this.outChannels];
    this.biasPosterior = this.biasPosteriorFn?.(dtype, biasShape, 'bias_posterior', trainable, addVariable) ?? null;
    this.biasPrior = this.biasPriorFn?.(dtype, biasShape, 'bias_prior', trainable, addVariable) ?? null;
    this.checkAnalyticKL('kernel', this.kernelPosterior, this.kernelPrior, this.kernelDivergenceFn);
    this.checkAnalyticKL('bias', this.biasPosterior, this.biasPrior, this.biasDivergenceFn);
    if (this.kernelDivergenceFn !== null && this.kernelPrior !== null) {
      this.addLoss(() => this.added.record('kernel', this.divergence('kernel') as tf.Scalar));
    }
    if (this.biasDivergenceFn !== null && this.biasPosterior !== null && this.biasPrior !== null) {
      this.addLoss(() => this.added.record('bias', this.divergence('bias') as tf.Scalar));
    }
    if (this.activityRegularizerFn !== null) {
      const reg = this.activityRegularizerFn;
      this.addLoss(() => tf.tidy(() => {
        const y = this.lastOutput;
        if (y === null) return tf.scalar(0);
        return tf.div(reg.apply(y), y.shape[0] ?? 1) as tf.Scalar;
      }));
    }
    this.built = true;
  }

  /** {@link kernelShapeFor}, refusing a kernel of more than 2^31 − 1 elements (tfjs's limit). */
  private checkedKernelShape(inputShape: ReadonlyArray<number | null>): number[] {
    const kernelShape = this.kernelShapeFor(inputShape);
    checkElementCount(this.kind.className, this.op.rank === 0 ? 'the kernel ([in, units])' :
        'the kernel (kernelSize + [in channels, filters])', kernelShape);
    return kernelShape;
  }

  /** TFP fails at the first call when the analytic KL of the pair is not registered; so do we. */
  private checkAnalyticKL(which: string, q: Distribution | null, p: Distribution | null,
      fn: DivergenceFn | null): void {
    if (q === null || p === null || fn === null) return;
    if (serializedFormOf(fn)?.className === 'KLDivergence' && lookupKL(q, p) === undefined) {
      throw new NotImplementedError(`${this.kind.className}: ${which}DivergenceFn is the analytic KL, ` +
          `but no KL(distribution_a || distribution_b) is registered for distribution_a type ` +
          `${q.className} and distribution_b type ${p.className}; pass a Monte-Carlo divergence ` +
          `(tfp.layers.util.monteCarloDivergenceFn) or register the pair.`);
    }
  }

  /**
   * The divergence of one parameter for the latest call, as a scalar:
   * `klBeta · klWeight · Σ divergenceFn(q, p, tensor)`, the term the layer adds to the loss.
   * Throws if that parameter has no prior or divergence fn.
   */
  divergence(which: 'kernel' | 'bias'): tf.Tensor {
    const q = which === 'kernel' ? this.kernelPosterior : this.biasPosterior;
    const p = which === 'kernel' ? this.kernelPrior : this.biasPrior;
    const fn = which === 'kernel' ? this.kernelDivergenceFn : this.biasDivergenceFn;
    const sample = which === 'kernel' ? this.kernelPosteriorTensor : this.biasPosteriorTensor;
    if (q === null || p === null || fn === null) {
      throw new ValueError(`${this.kind.className}: the ${which} has no divergence (posterior, ` +
          `prior and divergence fn are needed; is the layer built?).`);
    }
    // Porting note: tfjs adds losses to a scalar total, so a non-scalar divergence is summed.
    const scale = this.klBeta * this.klWeight;
    return tf.tidy(() => {
      const d = tf.sum(fn(q, p, sample));
      return scale === 1 ? d : tf.mul(d, scale);
    });
  }

  /**
   * The divergence this layer added to the loss of the latest training step (as evaluated inside
   * that step, before the optimizer moved the weights), a new scalar; null before the first step.
   * `tfp.layers.elboLogger` reads it.
   */
  addedDivergence(): tf.Scalar | null {
    return this.added.total();
  }

  /** Σ of this layer's divergences for the latest call (0 when it has none); a scalar. */
  kl(): tf.Scalar {
    return tf.tidy(() => {
      let total: tf.Tensor = tf.scalar(0);
      if (this.kernelPrior !== null && this.kernelDivergenceFn !== null) {
        total = tf.add(total, this.divergence('kernel'));
      }
      if (this.biasPosterior !== null && this.biasPrior !== null && this.biasDivergenceFn !== null) {
        total = tf.add(total, this.divergence('bias'));
      }
      return total as tf.Scalar;
    });
  }

  private replaceKept(which: 'kernel' | 'bias' | 'output', value: tf.Tensor | null): void {
    const old = which === 'kernel' ? this.kernelPosteriorTensor :
        which === 'bias' ? this.biasPosteriorTensor : this.lastOutput;
    if (old !== null && old !== value && !old.isDisposed) old.dispose();
    // A clone, never the tensor itself: a tensor fn may return a variable (e.g. a Deterministic's
    // loc), which must not be disposed by the next call.
    const kept = value === null ? null : tf.keep(tf.clone(value));
    if (which === 'kernel') this.kernelPosteriorTensor = kept;
    else if (which === 'bias') this.biasPosteriorTensor = kept;
    else this.lastOutput = kept;
  }

  /**
   * The kernel pre-activation `h = applyKernel(x)` of the per-example estimators, Flipout and local
   * reparameterization (canonical layout); the one-kernel cases go through {@link wholeKernel}.
   */
  private applyKernel(x: tf.Tensor): tf.Tensor {
    const posterior = this.kernelPosterior as Distribution;
    const tensorFn = this.usePosteriorMean ? meanTensorFn : this.kernelPosteriorTensorFn;
    const op = this.op;
    switch (this.kind.estimator) {
      case 'flipout': {
        const {loc, scale} = meanFieldNormalParts(this.kind.className, posterior);
        const delta = tensorFn(new Normal({loc: 0, scale}), this.noise.nextSeed());
        this.replaceKept('kernel', null);
        return flipout(op, x, loc, delta, this.noise, this.kind.signGranularity);
      }
      case 'localReparameterization': {
        const {loc, scale} = meanFieldNormalParts(this.kind.className, posterior);
        const {mean, stddev} = scaledLocalMoments(op, x, loc, scale);
        this.replaceKept('kernel', null);
        return tensorFn(new Normal({loc: mean, scale: stddev}), this.noise.nextSeed());
      }
      default:
        throw new ValueError(`${this.kind.className}: the ${this.kind.estimator} estimator draws one ` +
            `kernel per call (internal error: it has no per-example path).`);
    }
  }

  /**
   * Inside `withPosteriorSample` (and not in posterior-mean mode): the scope's one kernel draw,
   * `kernelPosteriorTensorFn(q)` — a whole kernel, for every estimator, so all calls of the scope
   * compute one function. Otherwise null.
   */
  private pinnedKernel(tensorFn: TensorFn): tf.Tensor | null {
    if (!this.pinned.active || this.usePosteriorMean) return null;
    const posterior = this.kernelPosterior as Distribution;
    return this.pinned.get('kernel', () => tensorFn(posterior, this.noise.nextSeed()));
  }

  /**
   * Checks the input's shape with this library's `ValueError` (naming the layer, the expected
   * channels and the shape) before tfjs's own input-spec check, which throws an untyped-looking
   * error, and before any kernel runs (a too-small dilated input would crash inside conv1d).
   */
  override apply(...args: Parameters<tfl.layers.Layer['apply']>): ReturnType<tfl.layers.Layer['apply']> {
    const [inputs] = args;
    const first: unknown = Array.isArray(inputs) ? inputs[0] : inputs;
    const shape = (first as {shape?: unknown} | undefined)?.shape;
    if (Array.isArray(shape)) {
      const kernelShape = this.checkedKernelShape(shape as Array<number | null>);
      checkElementCount(this.kind.className, 'the output', this.op.outputShape(shape as Array<number | null>,
          this.outChannels), ` for input shape ${fmt(shape)}`);
      const built = this.builtKernelShape;
      if (built !== null && kernelShape[kernelShape.length - 2] !== built[built.length - 2]) {
        throw new ValueError(`${this.kind.className}: input channels must be ` +
            `${built[built.length - 2]} (the layer "${this.name}" was built for them); ` +
            `got shape ${fmt(shape)}.`);
      }
    }
    return super.apply(...args);
  }

  override call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
    return tf.tidy(() => this.forward(inputs));
  }

  private forward(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
    const input = tf.cast(singleTensor(this.kind.className, inputs), 'float32');
    const op = this.op;
    const x = op.toCanonical(input);
    let y: tf.Tensor;
    const kernel = this.wholeKernel();
    const fused = FUSABLE[this.activation.getClassName()];
    if (kernel !== null && fused !== undefined) {
      // One drawn kernel for the whole batch: matmul / conv2d, bias and activation as one tfjs op.
      y = op.fromCanonical(applyBiasActivation(op, x, kernel, this.drawBias(), fused), input.shape);
    } else {
      let h = kernel !== null ? op.apply(x, kernel) : this.applyKernel(x);
      const bias = this.drawBias();
      if (bias !== null) h = tf.add(h, bias);
      y = this.activation.apply(op.fromCanonical(h, input.shape));
    }
    if (this.activityRegularizerFn !== null) this.replaceKept('output', y);
    return y;
  }

  /**
   * The kernel of this call when one kernel serves the whole batch — the reparameterization
   * estimator's draw (or mean), or the pinned draw of `withPosteriorSample` — kept as
   * `kernelPosteriorTensor`; null for Flipout and local reparameterization outside a pinned scope.
   */
  private wholeKernel(): tf.Tensor | null {
    const tensorFn = this.usePosteriorMean ? meanTensorFn : this.kernelPosteriorTensorFn;
    const kernel = this.pinnedKernel(tensorFn) ?? (this.kind.estimator === 'reparameterization' ?
        tensorFn(this.kernelPosterior as Distribution, this.noise.nextSeed()) : null);
    if (kernel !== null) this.replaceKept('kernel', kernel);
    return kernel;
  }

  /** This call's bias (a draw, the mean, or the pinned draw), kept; null without a bias. */
  private drawBias(): tf.Tensor | null {
    if (this.biasPosterior === null) return null;
    const tensorFn = this.usePosteriorMean ? meanTensorFn : this.biasPosteriorTensorFn;
    const biasPosterior = this.biasPosterior;
    const draw = (): tf.Tensor => tensorFn(biasPosterior, this.noise.nextSeed());
    const bias = this.pinned.active && !this.usePosteriorMean ? this.pinned.get('bias', draw) : draw();
    this.replaceKept('bias', bias);
    return bias;
  }

  override computeOutputShape(inputShape: tfl.Shape | tfl.Shape[]): tfl.Shape {
    const shape = (Array.isArray(inputShape[0]) ? inputShape[0] : inputShape) as Array<number | null>;
    this.kernelShapeFor(shape);
    return this.op.outputShape(shape, this.outChannels);
  }

  override getConfig(): tf.serialization.ConfigDict {
    const owner = `${this.kind.className} "${this.name}"`;
    const fns: Array<[string, Parameters<typeof serializeFn>[2]]> = [
      ['kernelPosteriorFn', this.kernelPosteriorFn],
      ['kernelPosteriorTensorFn', this.kernelPosteriorTensorFn],
      ['kernelPriorFn', this.kernelPriorFn],
      ['kernelDivergenceFn', this.kernelDivergenceFn],
      ['biasPosteriorFn', this.biasPosteriorFn],
      ['biasPosteriorTensorFn', this.biasPosteriorTensorFn],
      ['biasPriorFn', this.biasPriorFn],
      ['biasDivergenceFn', this.biasDivergenceFn],
    ];
    const config: tf.serialization.ConfigDict = {
      ...super.getConfig(),
      activation: this.activation.getClassName(),
      activityRegularizer: serializeKerasObject(this.activityRegularizerFn) as unknown as
          tf.serialization.ConfigDictValue,
      seed: this.seed ?? null,
    };
    // Only when set, so the config of a default layer keeps TFP's keys.
    if (this.klWeight !== 1) config['klWeight'] = this.klWeight;
    for (const [arg, fn] of fns) {
      config[arg] = serializeFn(owner, arg, fn) as unknown as tf.serialization.ConfigDictValue;
    }
    return config;
  }

  override dispose(): tfl.layers.Layer['dispose'] extends () => infer R ? R : never {
    this.replaceKept('kernel', null);
    this.replaceKept('bias', null);
    this.replaceKept('output', null);
    this.pinned.clear();
    this.added.clear();
    return super.dispose();
  }
}

/** Checks a value is a positive integer, naming the argument. */
export function checkPositiveInt(owner: string, arg: string, value: unknown): number {
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value <= 0) {
    throw new ValueError(`${owner}: ${arg} must be a positive integer; got ${fmt(value)}.`);
  }
  return value;
}
