// VariableLayer: a layer that ignores its input and returns `activation(constant)`, a trainable
// tensor of a fixed shape; and BlockwiseInitializer, which fills consecutive blocks of the last axis
// with different initializers. Port of tensorflow_probability/python/layers/{variable_input,initializers}.py.
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';

import {ValueError} from '../util/errors.js';
import {fmt} from '../util/format.js';
import {deserializeActivation, deserializeKerasObject, isConstraint, isInitializer, isRegularizer,
  serializeKerasObject} from '../util/keras_objects.js';
import type {KerasObjectJson} from '../util/keras_objects.js';
import {checkElementCount} from '../util/shape.js';

import type {Constraint, Initializer, Regularizer} from './default_fns.js';
import {checkLayerArgs} from './layer_args.js';
import type {ActivationArg, LayerArgs} from './variational_layer.js';

/** Arguments of {@link VariableLayer} (LAYERS.md §5). */
export interface VariableLayerArgs extends Omit<LayerArgs, 'dtype'> {
  /** The weight's shape: an int or a vector of ints (a scalar `n` becomes `[n]`). */
  shape: number | number[];
  /**
   * Default `'float32'`.
   * Porting note: tfjs has no float64; only `'float32'` is accepted.
   */
  dtype?: 'float32';
  /** Applied to the weight on every call. Default: linear. */
  activation?: ActivationArg | null;
  /** Default `'zeros'`. */
  initializer?: Initializer | KerasObjectJson | string;
  regularizer?: Regularizer | KerasObjectJson | string | null;
  /**
   * Porting note: tfjs optimizers never apply constraints, so the constraint is applied to the
   * weight's value on every call (same outputs as TFP's projection after each step).
   */
  constraint?: Constraint | KerasObjectJson | string | null;
}

function normalizeShape(owner: string, shape: unknown): number[] {
  if (typeof shape === 'number') shape = [shape];
  if (!Array.isArray(shape)) {
    throw new ValueError(`${owner}: shape must be known statically (an int or a vector of ints); ` +
        `got ${fmt(shape)}.`);
  }
  if (shape.some((d) => Array.isArray(d))) {
    throw new ValueError(`${owner}: Shape must be scalar or vector: shape must be an int or a vector ` +
        `of ints; got ${fmt(shape)}.`);
  }
  if (!shape.every((d) => typeof d === 'number' && Number.isSafeInteger(d) && d >= 0)) {
    throw new ValueError(`${owner}: Shape must be known statically (non-negative integers); ` +
        `got shape ${fmt(shape)}.`);
  }
  checkElementCount(owner, 'the weight (shape)', shape as number[]);
  return shape as number[];
}

/**
 * A layer whose output is a trainable tensor `activation(constant)` of a fixed shape; the input is
 * ignored (call it on anything, e.g. a dummy `0`). No batch dimension is added: the output shape is
 * `shape`. Used to make input-independent posteriors and priors for {@link DenseVariational}.
 *
 * The single weight, named `constant`, is created in the constructor, so it exists before any call.
 * Porting note: tfjs names a weight from the name scope active when it is created; a constructor
 * has none, so the weight is named `<layer name>/constant` (what a build inside `apply` would give).
 */
export class VariableLayer extends tfl.layers.Layer {
  static className = 'VariableLayer';
  /** The weight's shape (a scalar shape becomes a vector of length 1). */
  readonly shape: number[];
  /** The weight, created in the constructor. */
  readonly constant: tfl.LayerVariable;
  readonly activation: {apply(x: tf.Tensor, axis?: number): tf.Tensor; getClassName(): string};
  private readonly initializer: Initializer;
  private readonly regularizer: Regularizer | null;
  private readonly constraint: Constraint | null;

  constructor(args: VariableLayerArgs) {
    const owner = 'VariableLayer';
    checkLayerArgs(owner, args, ['shape', 'activation', 'initializer', 'regularizer', 'constraint']);
    const {shape, activation, initializer, regularizer, constraint, dtype, ...base} = args;
    if (dtype !== undefined && dtype !== null && dtype !== 'float32') {
      throw new ValueError(`${owner}: dtype must be "float32" (tfjs has no float64); got ${fmt(dtype)}.`);
    }
    super(base as LayerArgs);
    this.shape = normalizeShape(owner, shape);
    this.activation = deserializeActivation(owner, 'activation', activation);
    this.initializer = deserializeKerasObject(owner, 'initializer', initializer ?? 'zeros',
        isInitializer) as unknown as Initializer;
    this.regularizer = regularizer === undefined || regularizer === null ? null :
        deserializeKerasObject(owner, 'regularizer', regularizer, isRegularizer) as unknown as Regularizer;
    this.constraint = constraint === undefined || constraint === null ? null :
        deserializeKerasObject(owner, 'constraint', constraint, isConstraint) as unknown as Constraint;
    this.constant = this.addWeight(`${this.name}/constant`, this.shape, 'float32', this.initializer,
        this.regularizer ?? undefined, this.trainable, this.constraint ?? undefined);
    this.built = true;
  }

  override build(): void {
    this.built = true;
  }

  /** `activation(constant)`, shape `shape`; the input is ignored. */
  override call(): tf.Tensor {
    return tf.tidy(() => {
      const value = this.constraint === null ? this.constant.read() : this.constraint.apply(this.constant.read());
      // tf.clone: a linear activation returns its input, and a layer must not return its variable.
      return tf.clone(this.activation.apply(value));
    });
  }

  override computeOutputShape(): tfl.Shape {
    return this.shape.slice();
  }

  /** Porting note: TFP has no `get_config` here; this one round-trips through `model.save`. */
  override getConfig(): tf.serialization.ConfigDict {
    return {
      ...super.getConfig(),
      shape: this.shape,
      activation: this.activation.getClassName(),
      initializer: serializeKerasObject(this.initializer) as unknown as tf.serialization.ConfigDictValue,
      regularizer: serializeKerasObject(this.regularizer) as unknown as tf.serialization.ConfigDictValue,
      constraint: serializeKerasObject(this.constraint) as unknown as tf.serialization.ConfigDictValue,
    };
  }
}
tf.serialization.registerClass(VariableLayer);

/**
 * A trainable `activation(constant)` of a fixed shape, ignoring its input (LAYERS.md §5).
 *
 * @example
 * const t = tfp.layers.variableLayer({shape: 4});
 * t.apply(tf.scalar(0));  // the 4 zeros of its weight
 */
export function variableLayer(args: VariableLayerArgs): VariableLayer {
  return new VariableLayer(args);
}

/** Arguments of {@link BlockwiseInitializer}. */
export interface BlockwiseInitializerArgs {
  /** One initializer (object, JSON form or name) per block. */
  initializers: Array<Initializer | KerasObjectJson | string>;
  /** Sizes of the consecutive blocks of the last axis; they must sum to the last dimension. */
  sizes: number[];
}

/**
 * Fills consecutive blocks of the last axis with different initializers, e.g. zeros for locs and
 * `log(expm1(1))` for softplus scales (σ = 1).
 *
 * @example
 * const init = new tfp.layers.BlockwiseInitializer({
 *   initializers: ['zeros', tf.initializers.constant({value: 0.5413249})], sizes: [3, 3]});
 */
export class BlockwiseInitializer extends tf.serialization.Serializable {
  static className = 'BlockwiseInitializer';
  readonly initializers: Initializer[];
  readonly sizes: number[];

  constructor(args: BlockwiseInitializerArgs) {
    super();
    const owner = 'BlockwiseInitializer';
    if (!Array.isArray(args?.initializers) || !Array.isArray(args?.sizes) ||
        args.initializers.length !== args.sizes.length || args.sizes.length === 0) {
      throw new ValueError(`${owner}: initializers and sizes must be non-empty lists of equal length; ` +
          `got ${fmt(args?.initializers?.length)} initializers and sizes ${fmt(args?.sizes)}.`);
    }
    if (!args.sizes.every((s) => Number.isSafeInteger(s) && s >= 0)) {
      throw new ValueError(`${owner}: sizes must be non-negative integers; got ${fmt(args.sizes)}.`);
    }
    this.initializers = args.initializers.map((v, i) =>
      deserializeKerasObject(owner, `initializers[${i}]`, v, isInitializer) as unknown as Initializer);
    this.sizes = args.sizes.slice();
  }

  apply(shape: number[], dtype?: tf.DataType): tf.Tensor {
    const last = shape[shape.length - 1];
    const total = this.sizes.reduce((a, b) => a + b, 0);
    if (last !== total) {
      throw new ValueError(`BlockwiseInitializer: the last dimension must equal Σ sizes = ${total}; ` +
          `got shape ${fmt(shape)}.`);
    }
    return tf.tidy(() => tf.concat(this.initializers.map((init, i) =>
      init.apply([...shape.slice(0, -1), this.sizes[i] as number], dtype)), -1));
  }

  override getConfig(): tf.serialization.ConfigDict {
    return {
      initializers: this.initializers.map((i) => serializeKerasObject(i)) as unknown as tf.serialization.ConfigDictValue,
      sizes: this.sizes,
    };
  }
}
tf.serialization.registerClass(BlockwiseInitializer);
