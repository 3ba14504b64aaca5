// Bayesian recurrent layers: {LSTM,GRU,SimpleRNN}{Reparameterization,Flipout}. The sequence loop
// and its flags (returnSequences, returnState, goBackwards, stateful, masking) are tfjs's own RNN
// layer; the cell's gate equations are tfjs's LSTMCell / GRUCell / SimpleRNNCell (implementation
// 2), written against the sequence kernels of src/variational/recurrent_op.ts, so that with σ → 0
// each layer equals tfjs's. Not in TFP (tfp#548).
//
// Semantics: one weight draw per sequence (per call): the same sampled kernels — or, for Flipout,
// the same perturbation and per-example signs — at every time step; the KL is added once per call.
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';

import type {Distribution} from '../distributions/distribution.js';
import {Normal} from '../distributions/normal.js';
import {meanFieldNormalParts, SeededNoise} from '../variational/estimators.js';
import type {TensorFn} from '../variational/estimators.js';
import {flipoutSequenceKernel, wholeSequenceKernel} from '../variational/recurrent_op.js';
import type {SequenceKernel} from '../variational/recurrent_op.js';
import {ValueError} from '../util/errors.js';
import {fmt} from '../util/format.js';
import {deserializeActivation} from '../util/keras_objects.js';
import {checkSeed, SeedStream} from '../util/seed.js';

import {AddedLosses, checkKLMultiplier, PinnedDraws} from './bayesian_state.js';
import {defaultMeanFieldNormalFn, defaultMultivariateNormalFn, klDivergenceFn, meanTensorFn, sampleTensorFn} from './default_fns.js';
import type {AddVariableFn, DistributionFn, DivergenceFn} from './default_fns.js';
import {resolveFn, serializeFn} from './fn_registry.js';
import type {SerializedFn} from './fn_registry.js';
import {checkLayerArgs} from './layer_args.js';
import {checkPositiveInt} from './variational_layer.js';
import type {ActivationArg, LayerArgs} from './variational_layer.js';

type Part = 'kernel' | 'recurrentKernel' | 'bias';
const PARTS: readonly Part[] = ['kernel', 'recurrentKernel', 'bias'];
type CellKind = 'lstm' | 'gru' | 'simpleRNN';
const GATES: Readonly<Record<CellKind, number>> = {lstm: 4, gru: 3, simpleRNN: 1};
type RecurrentEstimator = 'reparameterization' | 'flipout';

/** Arguments of the Bayesian recurrent layers. */
export interface RecurrentVariationalArgs extends LayerArgs {
  /** Number of units (the size of h). */
  units: number;
  /** Default `'tanh'` (tfjs's). */
  activation?: ActivationArg | null;
  /** LSTM and GRU: the gates' activation. Default `'hardSigmoid'` (tfjs's default). */
  recurrentActivation?: ActivationArg | null;
  /** Default true. */
  useBias?: boolean;
  /** Return the whole output sequence (default false: the last output). */
  returnSequences?: boolean;
  /** Also return the last state(s). Default false. */
  returnState?: boolean;
  /** Process the sequence backwards. Default false. */
  goBackwards?: boolean;
  /** Keep the last state of each batch as the next batch's initial state. Default false. */
  stateful?: boolean;
  /** Accepted for tfjs compatibility; tfjs ignores it (imperative backend). */
  unroll?: boolean;
  /** Input kernel `[in, gates·units]`: posterior (default mean-field Normal, TFP's init). */
  kernelPosteriorFn?: DistributionFn | SerializedFn;
  kernelPosteriorTensorFn?: TensorFn | SerializedFn;
  /** Default N(0, 1) on every weight; null for no KL. */
  kernelPriorFn?: DistributionFn | SerializedFn | null;
  kernelDivergenceFn?: DivergenceFn | SerializedFn | null;
  /** Recurrent kernel `[units, gates·units]`: as the kernel's. */
  recurrentKernelPosteriorFn?: DistributionFn | SerializedFn;
  recurrentKernelPosteriorTensorFn?: TensorFn | SerializedFn;
  recurrentKernelPriorFn?: DistributionFn | SerializedFn | null;
  recurrentKernelDivergenceFn?: DivergenceFn | SerializedFn | null;
  /** Bias `[gates·units]`: default a point estimate (zeros), no prior, as the dense layers. */
  biasPosteriorFn?: DistributionFn | SerializedFn | null;
  biasPosteriorTensorFn?: TensorFn | SerializedFn;
  biasPriorFn?: DistributionFn | SerializedFn | null;
  biasDivergenceFn?: DivergenceFn | SerializedFn | null;
  /** Seed of the layer's draws and signs. */
  seed?: number | null;
  /** Multiplier of the layer's divergences (saved when not 1). Default 1. */
  klWeight?: number;
}

const OWN_KEYS: readonly string[] = ['units', 'activation', 'recurrentActivation', 'useBias',
  'returnSequences', 'returnState', 'goBackwards', 'stateful', 'unroll', 'seed', 'klWeight',
  ...PARTS.flatMap((p) => [`${p}PosteriorFn`, `${p}PosteriorTensorFn`, `${p}PriorFn`, `${p}DivergenceFn`])];

interface PartFns {
  posterior: DistributionFn | null;
  tensor: TensorFn;
  prior: DistributionFn | null;
  divergence: DivergenceFn | null;
}

type Activation = ReturnType<typeof deserializeActivation>;

/** The layer-level state the cell reads (the layer is the Bayesian layer models see). */
interface Owner {
  usePosteriorMean: boolean;
  readonly pinned: PinnedDraws;
}

/** The drawn kernels of one sequence. */
interface SequenceDraw {
  kernel: SequenceKernel;
  recurrent: SequenceKernel;
  bias: tf.Tensor | null;
}

/**
 * The cell: holds the posteriors and priors of the three parts and computes one time step with
 * the current sequence's draws. Not registered: it is rebuilt from its layer's config.
 */
class VariationalCell extends tfl.layers.Layer {
  readonly stateSize: number | number[];
  readonly fns: Readonly<Record<Part, PartFns>>;
  readonly posteriors: Record<Part, Distribution | null> = {kernel: null, recurrentKernel: null, bias: null};
  readonly priors: Record<Part, Distribution | null> = {kernel: null, recurrentKernel: null, bias: null};
  /** The kernels drawn by the latest call (reparameterization or pinned; null for Flipout). */
  readonly samples: Record<Part, tf.Tensor | null> = {kernel: null, recurrentKernel: null, bias: null};
  /** tfjs's RNN disposes these between calls (dropout masks; this cell has none). */
  dropoutMask = null as unknown as tf.Tensor;
  recurrentDropoutMask = null as unknown as tf.Tensor;
  private draw: SequenceDraw | null = null;
  private readonly noise: SeededNoise;

  constructor(readonly owner: string, readonly kind: CellKind, readonly estimator: RecurrentEstimator,
      readonly units: number, readonly activation: Activation, readonly recurrentActivation: Activation,
      readonly useBias: boolean, fns: Record<Part, PartFns>, seed: number | undefined, private readonly layer: Owner) {
    super({name: `${owner}_cell`});
    this.stateSize = kind === 'lstm' ? [units, units] : units;
    this.fns = fns;
    this.noise = new SeededNoise(new SeedStream(seed, owner));
  }

  get width(): number {
    return GATES[this.kind] * this.units;
  }

  override build(inputShape: tfl.Shape | tfl.Shape[]): void {
    const shape = (Array.isArray(inputShape[0]) ? inputShape[0] : inputShape) as Array<number | null>;
    const inDim = shape[shape.length - 1];
    if (inDim === null || inDim === undefined) {
      throw new ValueError(`${this.owner}: the last input dimension must be defined; got shape ${fmt(shape)}.`);
    }
    const addVariable: AddVariableFn = (name, varShape, initializer, regularizer, constraint, dtype, trainable) =>
      this.addWeight(name, varShape, dtype, initializer, regularizer ?? undefined, trainable, constraint ?? undefined);
    const shapes: Record<Part, number[]> = {kernel: [inDim, this.width], recurrentKernel: [this.units, this.width],
      bias: [this.width]};
    for (const part of PARTS) {
      if (part === 'bias' && !this.useBias) continue;
      const f = this.fns[part];
      this.posteriors[part] = f.posterior?.('float32', shapes[part], `${part}_posterior`, this.trainable, addVariable) ?? null;
      this.priors[part] = f.prior?.('float32', shapes[part], `${part}_prior`, this.trainable, addVariable) ?? null;
    }
    this.built = true;
  }

  private keepSample(part: Part, t: tf.Tensor | null): void {
    const old = this.samples[part];
    if (old !== null && !old.isDisposed) old.dispose();
    this.samples[part] = t === null ? null : tf.keep(tf.clone(t));
  }

  /** A whole-kernel draw of `part` for this sequence (mean, pinned draw or reparameterization draw). */
  private whole(part: Part, q: Distribution): tf.Tensor {
    const tensorFn = this.layer.usePosteriorMean ? meanTensorFn : this.fns[part].tensor;
    const draw = (): tf.Tensor => tensorFn(q, this.noise.nextSeed());
    return this.layer.pinned.active && !this.layer.usePosteriorMean ? this.layer.pinned.get(part, draw) : draw();
  }

  /** Draws this sequence's kernels (call inside the layer call's tidy). */
  beginSequence(batch: number): void {
    const kernels: SequenceKernel[] = [];
    for (const part of ['kernel', 'recurrentKernel'] as const) {
      const q = this.posteriors[part] as Distribution;
      if (this.estimator === 'flipout' && !this.layer.usePosteriorMean && !this.layer.pinned.active) {
        const {loc, scale} = meanFieldNormalParts(this.owner, q);
        const delta = this.fns[part].tensor(new Normal({loc: 0, scale}), this.noise.nextSeed());
        const signsIn = this.noise.rademacher([batch, loc.shape[0] as number]);
        const signsOut = this.noise.rademacher([batch, this.width]);
        this.keepSample(part, null);
        kernels.push(flipoutSequenceKernel(loc, delta, signsIn, signsOut));
      } else {
        const w = this.whole(part, q);
        this.keepSample(part, w);
        kernels.push(wholeSequenceKernel(w));
      }
    }
    const qb = this.posteriors.bias;
    const bias = qb === null ? null : this.whole('bias', qb);
    this.keepSample('bias', bias);
    this.draw = {kernel: kernels[0] as SequenceKernel, recurrent: kernels[1] as SequenceKernel, bias};
  }

  endSequence(): void {
    this.draw = null;
  }

  override call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor[] {
    return tf.tidy(() => {
      const d = this.draw;
      if (d === null) throw new ValueError(`${this.owner}: the cell runs only inside its layer's call.`);
      const list = inputs as tf.Tensor[];
      const x = list[0] as tf.Tensor;
      const h = list[1] as tf.Tensor;
      const u = this.units;
      const withBias = (t: tf.Tensor): tf.Tensor => (d.bias === null ? t : tf.add(t, d.bias));
      const act = (t: tf.Tensor): tf.Tensor => this.activation.apply(t);
      const rec = (t: tf.Tensor): tf.Tensor => this.recurrentActivation.apply(t);
      if (this.kind === 'simpleRNN') {
        const out = act(tf.add(withBias(d.kernel.apply(x)), d.recurrent.apply(h)));
        return [out, out];
      }
      if (this.kind === 'lstm') {
        const c = list[2] as tf.Tensor;
        const z = withBias(tf.add(d.kernel.apply(x), d.recurrent.apply(h)));
        const [z0, z1, z2, z3] = tf.split(z, 4, -1) as [tf.Tensor, tf.Tensor, tf.Tensor, tf.Tensor];
        const cNext = tf.add(tf.mul(rec(z1), c), tf.mul(rec(z0), act(z2)));
        const hNext = tf.mul(rec(z3), act(cNext));
        return [hNext, hNext, cNext];
      }
      // GRU (tfjs's implementation 2: the reset gate multiplies h before the recurrent product).
      const mx = withBias(d.kernel.apply(x));
      const inner = d.recurrent.apply(h, {start: 0, size: 2 * u});
      const [xz, xr, xh] = tf.split(mx, 3, -1) as [tf.Tensor, tf.Tensor, tf.Tensor];
      const [rz, rr] = tf.split(inner, 2, -1) as [tf.Tensor, tf.Tensor];
      const z = rec(tf.add(xz, rz));
      const r = rec(tf.add(xr, rr));
      const hh = act(tf.add(xh, d.recurrent.apply(tf.mul(r, h), {start: 2 * u, size: u})));
      const hNext = tf.add(tf.mul(z, h), tf.mul(tf.sub(1, z), hh));
      return [hNext, hNext];
    });
  }

  override getConfig(): tf.serialization.ConfigDict {
    // Merged into the layer's config by tfjs's RNN.getConfig; the layer adds its own keys.
    return {};
  }

  override dispose(): ReturnType<tfl.layers.Layer['dispose']> {
    for (const part of PARTS) this.keepSample(part, null);
    return super.dispose();
  }
}

/**
 * Base of the Bayesian recurrent layers: tfjs's RNN layer around a {@link VariationalCell}, a
 * Bayesian layer for `totalDivergence`, `withPosteriorMean`, `withPosteriorSample`, KL annealing.
 */
export abstract class VariationalRNN extends tfl.RNN {
  declare readonly cell: VariationalCell;
  /** Posterior-mean mode (see `withPosteriorMean`). */
  usePosteriorMean = false;
  /** Multiplier of every divergence this layer adds (saved when not 1). */
  klWeight: number;
  /** Annealing factor β (not saved). */
  klBeta = 1;
  /** Pinned draws of `withPosteriorSample`. */
  readonly pinned = new PinnedDraws();
  readonly seed: number | undefined;
  private readonly added = new AddedLosses();
  private readonly className_: string;
  private readonly fnArgs: Record<string, unknown>;

  protected constructor(kind: CellKind, estimator: RecurrentEstimator, className: string, args: RecurrentVariationalArgs) {
    checkLayerArgs(className, args, OWN_KEYS);
    const units = checkPositiveInt(className, 'units', args.units);
    const activation = deserializeActivation(className, 'activation', args.activation === undefined ? 'tanh' : args.activation);
    const recurrentActivation = deserializeActivation(className, 'recurrentActivation',
        args.recurrentActivation === undefined ? 'hardSigmoid' : args.recurrentActivation);
    if (kind === 'simpleRNN' && args.recurrentActivation !== undefined) {
      throw new ValueError(`${className}: recurrentActivation applies to LSTM and GRU only; got ${fmt(args.recurrentActivation)}.`);
    }
    for (const flag of ['useBias', 'returnSequences', 'returnState', 'goBackwards', 'stateful', 'unroll'] as const) {
      if (args[flag] !== undefined && typeof args[flag] !== 'boolean') {
        throw new ValueError(`${className}: ${flag} must be a boolean; got ${fmt(args[flag])}.`);
      }
    }
    const useBias = args.useBias ?? true;
    const a = args as unknown as Record<string, unknown>;
    const fnArgs: Record<string, unknown> = {};
    const fns = {} as Record<Part, PartFns>;
    for (const part of PARTS) {
      const get = <F>(suffix: string, fallback: F | null): F | null => {
        const key = `${part}${suffix}`;
        fnArgs[key] = a[key];
        return resolveFn<F & ((...x: never[]) => unknown)>(className, key, a[key] as never, fallback as never) as F | null;
      };
      const posterior = get<DistributionFn>('PosteriorFn', part === 'bias' ?
          defaultMeanFieldNormalFn({isSingular: true}) : defaultMeanFieldNormalFn());
      if (posterior === null && part !== 'bias') {
        throw new ValueError(`${className}: ${part}PosteriorFn is required; got null.`);
      }
      fns[part] = {
        posterior,
        tensor: get<TensorFn>('PosteriorTensorFn', sampleTensorFn) ?? sampleTensorFn,
        prior: get<DistributionFn>('PriorFn', part === 'bias' ? null : defaultMultivariateNormalFn),
        divergence: get<DivergenceFn>('DivergenceFn', klDivergenceFn()),
      };
    }
    const seed = checkSeed(className, args.seed);
    const state: Owner = {usePosteriorMean: false, pinned: new PinnedDraws()};
    const cell = new VariationalCell(className, kind, estimator, units, activation, recurrentActivation,
        useBias, fns, seed, state);
    const {units: _u, activation: _a, recurrentActivation: _r, useBias: _b, seed: _s, klWeight, ...rest} = args;
    const base: Record<string, unknown> = {...rest};
    for (const key of Object.keys(fnArgs)) delete base[key];
    super({...(base as LayerArgs), cell} as unknown as ConstructorParameters<typeof tfl.RNN>[0]);
    // The cell reads the layer's modes through this object.
    Object.defineProperty(state, 'usePosteriorMean', {get: () => this.usePosteriorMean});
    Object.defineProperty(state, 'pinned', {get: () => this.pinned});
    this.className_ = className;
    this.fnArgs = fnArgs;
    this.seed = seed;
    this.klWeight = klWeight === undefined ? 1 : checkKLMultiplier(className, 'klWeight', klWeight);
  }

  override getClassName(): string {
    // Called by tfjs's Layer constructor (for the default name), before this class's fields exist.
    return (this.constructor as unknown as {className: string}).className;
  }

  /** Refuses, with a ValueError naming the layer, an input that is not [batch, time, features]. */
  override apply(...args: Parameters<tfl.layers.Layer['apply']>): ReturnType<tfl.layers.Layer['apply']> {
    const first: unknown = Array.isArray(args[0]) ? args[0][0] : args[0];
    const shape = (first as {shape?: unknown} | undefined)?.shape;
    if (Array.isArray(shape)) this.checkInputShape(shape as Array<number | null>);
    return super.apply(...args);
  }

  private checkInputShape(shape: ReadonlyArray<number | null>): void {
    if (shape.length !== 3) {
      throw new ValueError(`${this.getClassName()}: input must have rank 3 ([batch, time, features]); ` +
          `got shape ${fmt(shape)}.`);
    }
  }

  override build(inputShape: tfl.Shape | tfl.Shape[]): void {
    this.checkInputShape((Array.isArray(inputShape[0]) ? inputShape[0] : inputShape) as Array<number | null>);
    super.build(inputShape);
    for (const part of ['kernel', 'recurrentKernel', 'bias'] as const) {
      if (this.cell.priors[part] !== null && this.cell.posteriors[part] !== null && this.cell.fns[part].divergence !== null) {
        this.addLoss(() => this.added.record(part, this.divergence(part)));
      }
    }
  }

  override call(inputs: tf.Tensor | tf.Tensor[], kwargs: Parameters<tfl.RNN['call']>[1]): tf.Tensor | tf.Tensor[] {
    return tf.tidy(() => {
      const x = Array.isArray(inputs) ? inputs[0] as tf.Tensor : inputs;
      this.cell.beginSequence(x.shape[0] as number);
      try {
        return super.call(inputs, kwargs);
      } finally {
        this.cell.endSequence();
      }
    });
  }

  /** The divergence of one part for the latest call, `klBeta · klWeight · Σ divergenceFn(q, p, sample)`. */
  divergence(part: Part): tf.Scalar {
    const q = this.cell.posteriors[part];
    const p = this.cell.priors[part];
    const fn = this.cell.fns[part].divergence;
    if (q === null || p === null || fn === null) {
      throw new ValueError(`${this.className_}: the ${part} has no divergence (posterior, prior and ` +
          `divergence fn are needed; is the layer built?).`);
    }
    const scale = this.klBeta * this.klWeight;
    return tf.tidy(() => tf.mul(tf.sum(fn(q, p, this.cell.samples[part])), scale) as tf.Scalar);
  }

  /** Σ of this layer's divergences for the latest call (added once per call, not per step). */
  kl(): tf.Scalar {
    return tf.tidy(() => PARTS.reduce((sum: tf.Tensor, part) =>
      (this.cell.priors[part] !== null && this.cell.posteriors[part] !== null && this.cell.fns[part].divergence !== null ?
        tf.add(sum, this.divergence(part)) : sum), tf.scalar(0)) as tf.Scalar);
  }

  /** The divergences added to the latest training step's loss, or null before one. */
  addedDivergence(): tf.Scalar | null {
    return this.added.total();
  }

  /** The kernels drawn by the latest call (`kernel`, `recurrentKernel`, `bias`; null for Flipout's kernels). */
  get posteriorSamples(): Readonly<Record<Part, tf.Tensor | null>> {
    return this.cell.samples;
  }

  /** The posterior of each part (after build). */
  get posteriors(): Readonly<Record<Part, Distribution | null>> {
    return this.cell.posteriors;
  }

  override getConfig(): tf.serialization.ConfigDict {
    const owner = `${this.className_} "${this.name}"`;
    const config: tf.serialization.ConfigDict = {
      ...super.getConfig(),
      units: this.cell.units,
      activation: this.cell.activation.getClassName(),
      useBias: this.cell.useBias,
      seed: this.seed ?? null,
    };
    if (this.cell.kind !== 'simpleRNN') config['recurrentActivation'] = this.cell.recurrentActivation.getClassName();
    if (this.klWeight !== 1) config['klWeight'] = this.klWeight;
    for (const part of PARTS) {
      const f = this.cell.fns[part];
      const entries: Array<[string, Parameters<typeof serializeFn>[2]]> = [[`${part}PosteriorFn`, f.posterior],
        [`${part}PosteriorTensorFn`, f.tensor], [`${part}PriorFn`, f.prior], [`${part}DivergenceFn`, f.divergence]];
      for (const [key, fn] of entries) config[key] = serializeFn(owner, key, fn) as unknown as tf.serialization.ConfigDictValue;
    }
    return config;
  }

  /** Rebuilds the layer from its own config (not tfjs's RNN, which would deserialize a cell). */
  static override fromConfig<T extends tf.serialization.Serializable>(cls: tf.serialization.SerializableConstructor<T>,
      config: tf.serialization.ConfigDict): T {
    return new cls(config);
  }

  override dispose(): ReturnType<tfl.layers.Layer['dispose']> {
    this.pinned.clear();
    this.added.clear();
    return super.dispose();
  }
}

/** LSTM whose kernels are drawn from their posteriors once per sequence. */
export class LSTMReparameterization extends VariationalRNN {
  static override className = 'LSTMReparameterization';
  constructor(args: RecurrentVariationalArgs) {
    super('lstm', 'reparameterization', 'LSTMReparameterization', args);
  }
}
/** LSTM with Flipout: one perturbation and per-example signs per sequence, fixed across time steps. */
export class LSTMFlipout extends VariationalRNN {
  static override className = 'LSTMFlipout';
  constructor(args: RecurrentVariationalArgs) {
    super('lstm', 'flipout', 'LSTMFlipout', args);
  }
}
/** GRU whose kernels are drawn from their posteriors once per sequence. */
export class GRUReparameterization extends VariationalRNN {
  static override className = 'GRUReparameterization';
  constructor(args: RecurrentVariationalArgs) {
    super('gru', 'reparameterization', 'GRUReparameterization', args);
  }
}
/** GRU with Flipout (signs per example, fixed across time steps). */
export class GRUFlipout extends VariationalRNN {
  static override className = 'GRUFlipout';
  constructor(args: RecurrentVariationalArgs) {
    super('gru', 'flipout', 'GRUFlipout', args);
  }
}
/** SimpleRNN whose kernels are drawn from their posteriors once per sequence. */
export class SimpleRNNReparameterization extends VariationalRNN {
  static override className = 'SimpleRNNReparameterization';
  constructor(args: RecurrentVariationalArgs) {
    super('simpleRNN', 'reparameterization', 'SimpleRNNReparameterization', args);
  }
}
/** SimpleRNN with Flipout (signs per example, fixed across time steps). */
export class SimpleRNNFlipout extends VariationalRNN {
  static override className = 'SimpleRNNFlipout';
  constructor(args: RecurrentVariationalArgs) {
    super('simpleRNN', 'flipout', 'SimpleRNNFlipout', args);
  }
}

for (const cls of [LSTMReparameterization, LSTMFlipout, GRUReparameterization, GRUFlipout,
  SimpleRNNReparameterization, SimpleRNNFlipout]) {
  tf.serialization.registerClass(cls);
}
