// AutoregressiveNetwork: the masked autoencoder for distribution estimation (MADE, Germain et al.
// 2015): dense layers whose kernels are masked so that output i depends only on inputs of lower
// degree. Port of the AutoregressiveNetwork layer of
// tensorflow_probability/python/bijectors/masked_autoregressive.py.
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';

import {ValueError} from '../util/errors.js';
import {fmt} from '../util/format.js';
import {deserializeActivation, deserializeKerasObject, isConstraint, isInitializer, isRegularizer,
  serializeKerasObject} from '../util/keras_objects.js';
import type {KerasObjectJson} from '../util/keras_objects.js';
import {checkSeed, SeedStream} from '../util/seed.js';
import {checkElementCount} from '../util/shape.js';

import type {Constraint, Initializer, Regularizer} from './default_fns.js';
import {checkLayerArgs} from './layer_args.js';
import {checkPositiveInt} from './variational_layer.js';
import type {ActivationArg, LayerArgs} from './variational_layer.js';

/** Input orders: named, or explicit input degrees (a permutation of `1..D`). */
export type InputOrder = 'left-to-right' | 'right-to-left' | 'random' | number[];

/** Hidden degrees: named, or (extension, used by `getConfig` for round trips) explicit per layer. */
export type HiddenDegrees = 'equal' | 'random' | number[][];

type KerasArg<T> = T | KerasObjectJson | string;

/** Arguments of {@link AutoregressiveNetwork} (LAYERS.md §6.1). */
export interface AutoregressiveNetworkArgs extends LayerArgs {
  /** Outputs per input dimension. */
  params: number;
  /** `[D]` (or the int `D`); inferred from the input's last dimension at build when omitted. */
  eventShape?: number | number[] | null;
  /** Whether `call` takes a conditional input. Default false. */
  conditional?: boolean;
  /** `[C]`: the conditional input's event shape; required iff `conditional`. */
  conditionalEventShape?: number | number[] | null;
  /** Where the conditional input enters: `'all_layers'` (default) or `'first_layer'` (or camelCase). */
  conditionalInputLayers?: 'all_layers' | 'first_layer' | 'allLayers' | 'firstLayer';
  /** Hidden layer sizes. Default `[]`. */
  hiddenUnits?: number[] | null;
  /** Default `'left-to-right'`. */
  inputOrder?: InputOrder;
  /** Default `'equal'`. */
  hiddenDegrees?: HiddenDegrees;
  /** Between hidden layers only. Default linear. */
  activation?: ActivationArg | null;
  /** Default true. */
  useBias?: boolean;
  /** Default `'glorotUniform'`. */
  kernelInitializer?: KerasArg<Initializer>;
  /** Default `'zeros'`. */
  biasInitializer?: KerasArg<Initializer>;
  kernelRegularizer?: KerasArg<Regularizer> | null;
  biasRegularizer?: KerasArg<Regularizer> | null;
  /**
   * Porting note: tfjs optimizers never apply constraints (tfjs #3345, #3979); user constraints are
   * stored on the weights as tfjs does, and the masks are applied in the forward pass instead.
   */
  kernelConstraint?: KerasArg<Constraint> | null;
  biasConstraint?: KerasArg<Constraint> | null;
  /** Accepted for TFP compatibility; checks are always made. */
  validateArgs?: boolean;
  /**
   * Seed of `'random'` input orders and hidden degrees.
   * Porting note: TFP uses the unseeded global RNG.
   */
  seed?: number | null;
}

const OWNER = 'AutoregressiveNetwork';
const AUTOREGRESSIVE_KEYS: readonly string[] = ['params', 'eventShape', 'conditional', 'conditionalEventShape',
  'conditionalInputLayers', 'hiddenUnits', 'inputOrder', 'hiddenDegrees', 'activation', 'useBias',
  'kernelInitializer', 'biasInitializer', 'kernelRegularizer', 'biasRegularizer', 'kernelConstraint',
  'biasConstraint', 'validateArgs', 'seed'];
const INPUT_ORDERS = ['left-to-right', 'right-to-left', 'random'] as const;
const CONDITIONAL_LAYERS = ['all_layers', 'first_layer'] as const;

function rank1Shape(arg: string, value: unknown): number[] {
  const shape = typeof value === 'number' ? [value] : value;
  if (!Array.isArray(shape) || shape.length !== 1 ||
      !shape.every((d) => typeof d === 'number' && Number.isSafeInteger(d) && d > 0)) {
    throw new ValueError(`${OWNER}: ${arg} must be a positive int or a list of one (rank 1); got ${fmt(value)}.`);
  }
  return shape as number[];
}

function isPermutationOfDegrees(order: readonly number[], d: number): boolean {
  if (order.length !== d) return false;
  const sorted = order.slice().sort((a, b) => a - b);
  return sorted.every((v, i) => v === i + 1);
}

/** Uniform integers in `[lo, hi]` from a seed stream (the global RNG when unseeded). */
function randomInt(stream: SeedStream, lo: number, hi: number): number {
  return lo + (stream.next() % (hi - lo + 1));
}

/** The degrees of every layer: input degrees, then one array per hidden layer (LAYERS.md §6.2). */
export function madeDegrees(d: number, hiddenUnits: readonly number[], inputOrder: InputOrder,
    hiddenDegrees: HiddenDegrees, stream: SeedStream = new SeedStream(undefined, OWNER)): number[][] {
  let input: number[];
  if (inputOrder === 'left-to-right') {
    input = Array.from({length: d}, (_, i) => i + 1);
  } else if (inputOrder === 'right-to-left') {
    input = Array.from({length: d}, (_, i) => d - i);
  } else if (inputOrder === 'random') {
    input = Array.from({length: d}, (_, i) => i + 1);
    for (let i = d - 1; i > 0; i--) {  // Fisher–Yates
      const j = randomInt(stream, 0, i);
      [input[i], input[j]] = [input[j] as number, input[i] as number];
    }
  } else if (Array.isArray(inputOrder) && isPermutationOfDegrees(inputOrder, d)) {
    input = inputOrder.slice();
  } else {
    throw new ValueError(`${OWNER}: Invalid input order: inputOrder must be one of ${fmt(INPUT_ORDERS)} ` +
        `or a permutation of 1..${d}; got ${fmt(inputOrder)}.`);
  }
  const degrees = [input];
  let prev = input;
  hiddenUnits.forEach((h, l) => {
    const m = Math.min(Math.min(...prev), d - 1);
    let deg: number[];
    if (hiddenDegrees === 'equal') {
      deg = Array.from({length: h}, (_, j) => Math.max(m, Math.ceil((j + 1) * (d - 1) / (h + 1))));
    } else if (hiddenDegrees === 'random') {
      deg = Array.from({length: h}, () => randomInt(stream, m, Math.max(m, d - 1)));
    } else if (Array.isArray(hiddenDegrees) && Array.isArray(hiddenDegrees[l]) &&
        hiddenDegrees[l]!.length === h && hiddenDegrees[l]!.every((v) => Number.isSafeInteger(v))) {
      deg = hiddenDegrees[l]!.slice();
    } else {
      throw new ValueError(`${OWNER}: Invalid hidden order: hiddenDegrees must be "equal" or "random"; ` +
          `got ${fmt(hiddenDegrees)}.`);
    }
    degrees.push(deg);
    prev = deg;
  });
  return degrees;
}

/**
 * The MADE masks (rows = inputs of each dense layer, 1 = kept): `deg_in[i] ≤ deg_out[j]` for the
 * hidden layers; for the output layer `deg_last[i] < deg_input[k]`, each column repeated `params`
 * times consecutively (output unit `k·params + p`).
 */
export function madeMasks(degrees: readonly number[][], params: number): number[][][] {
  const input = degrees[0] as number[];
  const masks: number[][][] = [];
  for (let l = 1; l < degrees.length; l++) {
    const prev = degrees[l - 1] as number[];
    const out = degrees[l] as number[];
    masks.push(prev.map((di) => out.map((dj) => (di <= dj ? 1 : 0))));
  }
  const last = degrees[degrees.length - 1] as number[];
  masks.push(last.map((di) => input.flatMap((dk) => new Array<number>(params).fill(di < dk ? 1 : 0))));
  return masks;
}

interface DenseWeights {
  kernel: tfl.LayerVariable;
  bias: tfl.LayerVariable | null;
  conditionalKernel: tfl.LayerVariable | null;
  mask: tf.Tensor;
}

/**
 * MADE: maps `x` of shape `batch + [D]` to `batch + [D, params]` such that `out[…, i, :]` depends
 * only on the `x[…, j]` with `deg(j) < deg(i)` (LAYERS.md §6). Dense layers of sizes
 * `hiddenUnits + [D·params]`, the activation after each but the last; a conditional input enters
 * through unmasked bias-free dense maps added to the pre-activations.
 *
 * Porting note: the mask is multiplied into the kernel in the forward pass (tfjs never applies
 * constraints), so masked entries get zero gradient and the property survives training; kernels
 * are also initialised masked, as in TFP. Conditional calls take `apply([x, conditionalInput])`
 * or `apply(x, {conditionalInput})`. `getConfig` is an extension (TFP has none): it stores the
 * resolved degrees, so a model with a random order reloads with the same masks.
 */
export class AutoregressiveNetwork extends tfl.layers.Layer {
  static className = 'AutoregressiveNetwork';
  readonly params: number;
  readonly conditional: boolean;
  readonly conditionalEventShape: number[] | null;
  readonly conditionalInputLayers: 'all_layers' | 'first_layer';
  readonly hiddenUnits: number[];
  readonly inputOrder: InputOrder;
  readonly hiddenDegrees: HiddenDegrees;
  readonly useBias: boolean;
  readonly validateArgs: boolean;
  readonly seed: number | undefined;
  readonly activation: {apply(x: tf.Tensor, axis?: number): tf.Tensor; getClassName(): string};
  /** Degrees of the inputs and of every hidden layer (after build). */
  degrees: number[][] | null = null;
  /** The masks, one per dense layer (after build). */
  masks: number[][][] | null = null;
  private eventShapeValue: number[] | null;
  private readonly kernelInitializer: Initializer;
  private readonly biasInitializer: Initializer;
  private readonly kernelRegularizer: Regularizer | null;
  private readonly biasRegularizer: Regularizer | null;
  private readonly kernelConstraint: Constraint | null;
  private readonly biasConstraint: Constraint | null;
  private dense: DenseWeights[] = [];

  constructor(args: AutoregressiveNetworkArgs) {
    checkLayerArgs(OWNER, args, AUTOREGRESSIVE_KEYS);
    const {params, eventShape, conditional, conditionalEventShape, conditionalInputLayers,
      hiddenUnits, inputOrder, hiddenDegrees, activation, useBias, kernelInitializer,
      biasInitializer, kernelRegularizer, biasRegularizer, kernelConstraint, biasConstraint,
      validateArgs, seed, ...base} = args;
    super(base);
    this.params = checkPositiveInt(OWNER, 'params', params);
    this.eventShapeValue = eventShape === undefined || eventShape === null ? null :
        rank1Shape('eventShape', eventShape);
    if (conditional !== undefined && typeof conditional !== 'boolean') {
      throw new ValueError(`${OWNER}: conditional must be a boolean; got ${fmt(conditional)}.`);
    }
    this.conditional = conditional ?? false;
    const hasCondShape = conditionalEventShape !== undefined && conditionalEventShape !== null;
    if (this.conditional) {
      if (this.eventShapeValue === null) {
        throw new ValueError(`${OWNER}: eventShape must be provided when conditional is true; got ${fmt(eventShape)}.`);
      }
      if (!hasCondShape) {
        throw new ValueError(`${OWNER}: conditionalEventShape must be provided when conditional is true; ` +
            `got ${fmt(conditionalEventShape)}.`);
      }
      this.conditionalEventShape = rank1Shape('conditionalEventShape', conditionalEventShape);
    } else {
      if (hasCondShape) {
        throw new ValueError(`${OWNER}: conditionalEventShape must not be given when conditional is ` +
            `false; got ${fmt(conditionalEventShape)}.`);
      }
      this.conditionalEventShape = null;
    }
    // tfjs camel-cases string values when it loads a model file, so both spellings are accepted.
    const given: string = conditionalInputLayers ?? 'all_layers';
    const layers = ({allLayers: 'all_layers', firstLayer: 'first_layer'} as Record<string, string>)[given] ?? given;
    if (!(CONDITIONAL_LAYERS as readonly string[]).includes(layers)) {
      throw new ValueError(`${OWNER}: conditionalInputLayers must be one of ${fmt(CONDITIONAL_LAYERS)}; ` +
          `got ${fmt(conditionalInputLayers)}.`);
    }
    this.conditionalInputLayers = layers as 'all_layers' | 'first_layer';
    const hidden = hiddenUnits ?? [];
    if (!Array.isArray(hidden) || !hidden.every((h) => typeof h === 'number' && Number.isSafeInteger(h) && h > 0)) {
      throw new ValueError(`${OWNER}: hiddenUnits must be a list of positive integers; got ${fmt(hiddenUnits)}.`);
    }
    this.hiddenUnits = hidden.slice();
    const order = inputOrder ?? 'left-to-right';
    if (!(INPUT_ORDERS as readonly unknown[]).includes(order) && !Array.isArray(order)) {
      throw new ValueError(`${OWNER}: Invalid input order: inputOrder must be one of ${fmt(INPUT_ORDERS)} ` +
          `or a permutation of 1..D; got ${fmt(inputOrder)}.`);
    }
    this.inputOrder = order;
    const hd = hiddenDegrees ?? 'equal';
    if (hd !== 'equal' && hd !== 'random' && !Array.isArray(hd)) {
      throw new ValueError(`${OWNER}: Invalid hidden order: hiddenDegrees must be "equal" or "random"; ` +
          `got ${fmt(hiddenDegrees)}.`);
    }
    this.hiddenDegrees = hd;
    this.activation = deserializeActivation(OWNER, 'activation', activation);
    if (useBias !== undefined && typeof useBias !== 'boolean') {
      throw new ValueError(`${OWNER}: useBias must be a boolean; got ${fmt(useBias)}.`);
    }
    this.useBias = useBias ?? true;
    const opt = <T>(arg: string, v: unknown, check: (x: unknown) => boolean): T | null =>
      (v === undefined || v === null ? null :
        deserializeKerasObject(OWNER, arg, v, check as (x: unknown) => x is T));
    this.kernelInitializer = deserializeKerasObject(OWNER, 'kernelInitializer',
        kernelInitializer ?? 'glorotUniform', isInitializer) as unknown as Initializer;
    this.biasInitializer = deserializeKerasObject(OWNER, 'biasInitializer', biasInitializer ?? 'zeros',
        isInitializer) as unknown as Initializer;
    this.kernelRegularizer = opt<Regularizer>('kernelRegularizer', kernelRegularizer, isRegularizer);
    this.biasRegularizer = opt<Regularizer>('biasRegularizer', biasRegularizer, isRegularizer);
    this.kernelConstraint = opt<Constraint>('kernelConstraint', kernelConstraint, isConstraint);
    this.biasConstraint = opt<Constraint>('biasConstraint', biasConstraint, isConstraint);
    this.validateArgs = validateArgs ?? false;
    this.seed = checkSeed(OWNER, seed);
    if (this.eventShapeValue !== null) {
      // Checks the order and the hidden degrees now when D is known (random draws happen at build).
      const d = this.eventShapeValue[0] as number;
      if (Array.isArray(order) && !isPermutationOfDegrees(order, d)) {
        throw new ValueError(`${OWNER}: Invalid input order: inputOrder must be one of ` +
            `${fmt(INPUT_ORDERS)} or a permutation of 1..${d}; got ${fmt(order)}.`);
      }
    }
  }

  /** `[D]` (after build when inferred). */
  get eventShape(): number[] | null {
    return this.eventShapeValue === null ? null : this.eventShapeValue.slice();
  }

  override build(inputShape: tfl.Shape | tfl.Shape[]): void {
    const shape = (Array.isArray(inputShape[0]) ? inputShape[0] : inputShape) as Array<number | null>;
    const last = shape[shape.length - 1];
    if (last === null || last === undefined) {
      throw new ValueError(`${OWNER}: the last dimension of the inputs must be defined; got shape ${fmt(shape)}.`);
    }
    if (this.eventShapeValue === null) {
      this.eventShapeValue = [last];
    } else if (this.eventShapeValue[0] !== last) {
      throw new ValueError(`${OWNER}: the last input dimension must equal eventShape[-1] = ` +
          `${this.eventShapeValue[0]}; got input shape ${fmt(shape)}.`);
    }
    const d = last;
    const sizes = [d, ...this.hiddenUnits, d * this.params];
    // Before the degrees and masks (JS arrays of the kernels' sizes) are made.
    sizes.slice(1).forEach((out, l) => checkElementCount(OWNER, `the kernel of dense layer ${l}`,
        [sizes[l] as number, out]));
    this.degrees = madeDegrees(d, this.hiddenUnits, this.inputOrder, this.hiddenDegrees,
        new SeedStream(this.seed, OWNER));
    this.masks = madeMasks(this.degrees, this.params);
    this.dense = this.masks.map((mask, l) => {
      const kernel = this.addWeight(`kernel_${l}`, [sizes[l] as number, sizes[l + 1] as number], 'float32',
          this.kernelInitializer, this.kernelRegularizer ?? undefined, true, this.kernelConstraint ?? undefined);
      const maskTensor = tf.keep(tf.tensor2d(mask, undefined, 'float32'));
      // Masked initialisation, as TFP's masked initializer.
      tf.tidy(() => {
        kernel.write(tf.mul(kernel.read(), maskTensor));
      });
      const bias = this.useBias ? this.addWeight(`bias_${l}`, [sizes[l + 1] as number], 'float32',
          this.biasInitializer, this.biasRegularizer ?? undefined, true, this.biasConstraint ?? undefined) : null;
      const withCond = this.conditional && (this.conditionalInputLayers === 'all_layers' || l === 0);
      const conditionalKernel = withCond ? this.addWeight(`conditional_kernel_${l}`,
          [this.conditionalEventShape![0] as number, sizes[l + 1] as number], 'float32',
          this.kernelInitializer, this.kernelRegularizer ?? undefined, true,
          this.kernelConstraint ?? undefined) : null;
      return {kernel, bias, conditionalKernel, mask: maskTensor};
    });
    this.built = true;
  }

  override call(inputs: tf.Tensor | tf.Tensor[], kwargs: Record<string, unknown> = {}): tf.Tensor {
    return tf.tidy(() => {
      const list = Array.isArray(inputs) ? inputs : [inputs];
      const x = tf.cast(list[0] as tf.Tensor, 'float32');
      const condArg = list[1] ?? (kwargs['conditionalInput'] as tf.Tensor | undefined);
      if (this.conditional && (condArg === undefined || condArg === null)) {
        throw new ValueError(`${OWNER}: conditionalInput must be passed when conditional is true ` +
            `(apply([x, c]) or apply(x, {conditionalInput: c})); got ${fmt(condArg)}.`);
      }
      const cond = this.conditional ? tf.cast(condArg as tf.Tensor, 'float32') : null;
      const d = (this.eventShapeValue as number[])[0] as number;
      let batch = x.shape.slice(0, -1);
      let h = x;
      this.dense.forEach((layer, l) => {
        const units = layer.kernel.shape[1] as number;
        let z = tf.matMul(tf.reshape(h, [-1, layer.kernel.shape[0] as number]),
            tf.mul(layer.kernel.read(), layer.mask));
        if (layer.bias !== null) z = tf.add(z, layer.bias.read());
        z = tf.reshape(z, [...batch, units]);
        if (layer.conditionalKernel !== null && cond !== null) {
          const c = layer.conditionalKernel;
          const cz = tf.reshape(tf.matMul(tf.reshape(cond, [-1, c.shape[0] as number]), c.read()),
              [...cond.shape.slice(0, -1), units]);
          z = tf.add(z, cz);
          batch = z.shape.slice(0, -1);
        }
        h = l < this.dense.length - 1 ? this.activation.apply(z) : z;
      });
      return tf.reshape(h, [...batch, d, this.params]);
    });
  }

  override computeOutputShape(inputShape: tfl.Shape | tfl.Shape[]): tfl.Shape {
    const shapes = (Array.isArray(inputShape[0]) ? inputShape : [inputShape]) as Array<Array<number | null>>;
    const x = shapes[0] as Array<number | null>;
    const d = this.eventShapeValue?.[0] ?? x[x.length - 1] ?? null;
    let batch = x.slice(0, -1);
    const c = shapes[1];
    if (c !== undefined && c.length - 1 > batch.length) batch = c.slice(0, -1);
    return [...batch, d, this.params];
  }

  override getConfig(): tf.serialization.ConfigDict {
    const hidden = this.hiddenDegrees === 'random' && this.degrees !== null ?
        this.degrees.slice(1) : this.hiddenDegrees;
    const order = this.inputOrder === 'random' && this.degrees !== null ? this.degrees[0] as number[] :
        this.inputOrder;
    return {
      ...super.getConfig(),
      params: this.params,
      eventShape: this.eventShapeValue,
      conditional: this.conditional,
      conditionalEventShape: this.conditionalEventShape,
      conditionalInputLayers: this.conditionalInputLayers,
      hiddenUnits: this.hiddenUnits,
      inputOrder: order,
      hiddenDegrees: hidden,
      activation: this.activation.getClassName(),
      useBias: this.useBias,
      kernelInitializer: serializeKerasObject(this.kernelInitializer) as unknown as tf.serialization.ConfigDictValue,
      biasInitializer: serializeKerasObject(this.biasInitializer) as unknown as tf.serialization.ConfigDictValue,
      kernelRegularizer: serializeKerasObject(this.kernelRegularizer) as unknown as tf.serialization.ConfigDictValue,
      biasRegularizer: serializeKerasObject(this.biasRegularizer) as unknown as tf.serialization.ConfigDictValue,
      kernelConstraint: serializeKerasObject(this.kernelConstraint) as unknown as tf.serialization.ConfigDictValue,
      biasConstraint: serializeKerasObject(this.biasConstraint) as unknown as tf.serialization.ConfigDictValue,
      validateArgs: this.validateArgs,
      seed: this.seed ?? null,
    };
  }

  override dispose(): ReturnType<tfl.layers.Layer['dispose']> {
    for (const layer of this.dense) if (!layer.mask.isDisposed) layer.mask.dispose();
    return super.dispose();
  }
}
tf.serialization.registerClass(AutoregressiveNetwork);

/**
 * A MADE network (LAYERS.md §6).
 *
 * @example
 * const made = tfp.layers.autoregressiveNetwork({params: 2, hiddenUnits: [16, 16], activation: 'relu'});
 * const out = made.apply(tf.randomNormal([8, 3])) as tf.Tensor;   // [8, 3, 2]
 */
export function autoregressiveNetwork(args: AutoregressiveNetworkArgs): AutoregressiveNetwork {
  return new AutoregressiveNetwork(args);
}
