// DenseReparameterization, DenseFlipout, DenseLocalReparameterization: thin classes over
// VariationalLayer with a DenseOp. Port of tensorflow_probability/python/layers/dense_variational.py.
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';

import {DenseOp} from '../variational/linear_op.js';
import type {LinearOp} from '../variational/linear_op.js';
import {ValueError} from '../util/errors.js';
import {fmt} from '../util/format.js';

import {checkPositiveInt, VariationalLayer} from './variational_layer.js';
import type {LayerKind, VariationalLayerArgs} from './variational_layer.js';

/** Arguments of the dense variational layers. */
export interface DenseVariationalArgs extends VariationalLayerArgs {
  /** Output size. */
  units: number;
}

const DENSE_KEYS: readonly string[] = ['units'];

/** Shared by the three dense layers: `y = activation(applyKernel(x) + b)` over the last axis. */
export abstract class VariationalDense extends VariationalLayer {
  /** Output size. */
  readonly units: number;
  private readonly denseOp = new DenseOp();

  protected constructor(kind: LayerKind, args: DenseVariationalArgs) {
    super(kind, args);
    this.units = checkPositiveInt(kind.className, 'units', args.units);
  }

  protected get op(): LinearOp {
    return this.denseOp;
  }

  protected get outChannels(): number {
    return this.units;
  }

  protected kernelShapeFor(inputShape: ReadonlyArray<number | null>): number[] {
    const owner = this.kind.className;
    if (inputShape.length < 2) {
      throw new ValueError(`${owner}: input must have rank ≥ 2 ([batch, …, features]); ` +
          `got shape ${fmt(inputShape)}.`);
    }
    const last = inputShape[inputShape.length - 1];
    if (last === null || last === undefined) {
      throw new ValueError(`${owner}: the last dimension of the inputs should be defined; ` +
          `got shape ${fmt(inputShape)}.`);
    }
    this.inputSpec = [new tfl.InputSpec({minNDim: 2, axes: {[-1]: last}})];
    return [last, this.units];
  }

  override getConfig(): tf.serialization.ConfigDict {
    return {...super.getConfig(), units: this.units};
  }
}

/**
 * Dense layer whose kernel is drawn from its posterior once per call (the reparameterization
 * estimator, Kingma & Welling 2014); every row of the batch shares the draw.
 */
export class DenseReparameterization extends VariationalDense {
  static className = 'DenseReparameterization';
  constructor(args: DenseVariationalArgs) {
    super({className: 'DenseReparameterization', estimator: 'reparameterization',
      salt: 'DenseReparameterization', signGranularity: 'element', argKeys: DENSE_KEYS}, args);
  }
}
tf.serialization.registerClass(DenseReparameterization);

/**
 * Dense layer with the Flipout estimator (Wen et al., 2018): per-example pseudo-independent
 * sign flips of one kernel perturbation; twice the matmul work, much lower gradient variance.
 */
export class DenseFlipout extends VariationalDense {
  static className = 'DenseFlipout';
  constructor(args: DenseVariationalArgs) {
    super({className: 'DenseFlipout', estimator: 'flipout', salt: 'DenseFlipout',
      signGranularity: 'element', argKeys: DENSE_KEYS}, args);
  }
}
tf.serialization.registerClass(DenseFlipout);

/**
 * Dense layer with the local reparameterization estimator (Kingma et al., 2015): samples the
 * pre-activations from their Gaussian `N(x@μ, (x⊙x)@(σ⊙σ))`, independently per row and unit.
 */
export class DenseLocalReparameterization extends VariationalDense {
  static className = 'DenseLocalReparameterization';
  constructor(args: DenseVariationalArgs) {
    super({className: 'DenseLocalReparameterization', estimator: 'localReparameterization',
      salt: 'DenseLocalReparameterization', signGranularity: 'element', argKeys: DENSE_KEYS}, args);
  }
}
tf.serialization.registerClass(DenseLocalReparameterization);
