// AutoregressiveTransform: a distribution layer that pushes the distribution of its input (the
// output of another distribution layer) through a masked autoregressive flow whose shift and log
// scale come from a MADE with params = 2. Port of tfp.layers.AutoregressiveTransform
// (tensorflow_probability/python/layers/distribution_layer.py) and of the parts of
// tensorflow_probability/python/bijectors/masked_autoregressive.py it needs.
import * as tf from '@tensorflow/tfjs-core';
import type * as tfl from '@tensorflow/tfjs-layers';

import {Distribution, toTensor} from '../distributions/distribution.js';
import type {SampleShape, TensorLike} from '../distributions/distribution.js';
import {ValueError} from '../util/errors.js';
import {fmt} from '../util/format.js';

import {AutoregressiveNetwork} from './autoregressive.js';
import type {AutoregressiveNetworkArgs} from './autoregressive.js';
import {DISTRIBUTION_LAYER_KEYS, DistributionLayer, distributionOf} from './distribution_layer.js';
import type {DistributionLayerArgs} from './distribution_layer.js';
import {checkLayerArgs} from './layer_args.js';
import {adoptWeights} from './sublayers.js';

const OWNER = 'AutoregressiveTransform';

/**
 * `TransformedDistribution(base, MaskedAutoregressiveFlow(made))` for a base with event `[D]`:
 * `y = x ⊙ exp(logScale(y)) + shift(y)` with `[shift, logScale] = made(y)` (LAYERS.md §6).
 * `logProb(y) = base.logProb((y − shift) ⊙ exp(−logScale)) − Σ logScale` takes one MADE pass;
 * `sample` takes D passes (the forward map is solved one degree at a time).
 *
 * Porting note: TFP composes a generic TransformedDistribution with a bijector; only this one
 * transformation is needed here, so it is written out.
 */
export class AutoregressiveTransformed extends Distribution {
  readonly className: string = 'AutoregressiveTransformed';

  constructor(readonly base: Distribution, readonly made: AutoregressiveNetwork) {
    super({}, 'AutoregressiveTransformed');
    const event = base.eventShape;
    if (event.length !== 1) {
      throw new ValueError(`${OWNER}: the input distribution must have a rank-1 event shape [D]; ` +
          `got eventShape ${fmt(event)} (${base.className}).`);
    }
  }

  override get dtype(): tf.DataType {
    return this.base.dtype;
  }

  override get reparameterized(): boolean {
    return this.base.reparameterized;
  }

  get batchShape(): number[] {
    return this.base.batchShape;
  }

  get eventShape(): number[] {
    return this.base.eventShape;
  }

  /** `[shift, logScale]`, each of the shape of `y`. */
  private shiftAndLogScale(y: tf.Tensor): [tf.Tensor, tf.Tensor] {
    const out = this.made.apply(y) as tf.Tensor;
    return tf.unstack(out, out.rank - 1) as [tf.Tensor, tf.Tensor];
  }

  sample(sampleShape: SampleShape = [], seed?: number): tf.Tensor {
    const args = this.sampleArgs(sampleShape, seed);
    return tf.tidy(() => {
      const x = this.base.sample(args.shape, args.seed);
      let y = tf.zerosLike(x);
      const d = this.eventShape[0] as number;
      for (let i = 0; i < d; i++) {
        const [shift, logScale] = this.shiftAndLogScale(y);
        y = tf.add(tf.mul(x, tf.exp(logScale)), shift);
      }
      return y;
    });
  }

  logProb(y: TensorLike): tf.Tensor {
    return tf.tidy(() => {
      const yt = toTensor(y);
      const [shift, logScale] = this.shiftAndLogScale(yt);
      const x = tf.mul(tf.sub(yt, shift), tf.exp(tf.neg(logScale)));
      return tf.sub(this.base.logProb(x), tf.sum(logScale, -1));
    });
  }
}

/** Arguments of {@link AutoregressiveTransform}. */
export interface AutoregressiveTransformArgs extends DistributionLayerArgs {
  /** A MADE with `params: 2` (shift and log scale), or its `{className, config}` form. */
  made: AutoregressiveNetwork | {className: string; config: tf.serialization.ConfigDict};
}

/**
 * A distribution layer whose input is the output of another distribution layer (a base with event
 * `[D]`) and whose distribution is that base pushed through a masked autoregressive flow made by
 * `made` (a MADE with `params: 2`). Its tensor output is a sample (default). The MADE's weights
 * belong to this layer. Train it with `negLogLik`.
 *
 * @example
 * const model = tf.sequential({layers: [
 *   tfp.layers.distributionLambda({inputShape: [1], makeDistributionFn: (t) =>
 *     new tfp.distributions.MultivariateNormalDiag({loc: tf.zeros([t.shape[0], 2]), scaleDiag: [1, 1]})}),
 *   tfp.layers.autoregressiveTransform({made: tfp.layers.autoregressiveNetwork({params: 2, hiddenUnits: [10],
 *     activation: 'relu'})})]});
 * model.compile({optimizer: 'adam', loss: tfp.layers.negLogLik});
 */
export class AutoregressiveTransform extends DistributionLayer {
  static className = 'AutoregressiveTransform';
  readonly made: AutoregressiveNetwork;

  constructor(args: AutoregressiveTransformArgs) {
    checkLayerArgs(OWNER, args, ['made', ...DISTRIBUTION_LAYER_KEYS]);
    super(OWNER, {...args, made: undefined} as DistributionLayerArgs, ['made']);
    const given: unknown = args.made;
    let made: AutoregressiveNetwork;
    if (given instanceof AutoregressiveNetwork) {
      made = given;
    } else if (typeof given === 'object' && given !== null &&
        (given as {className?: unknown}).className === 'AutoregressiveNetwork') {
      made = new AutoregressiveNetwork((given as {config: unknown}).config as AutoregressiveNetworkArgs);
    } else {
      throw new ValueError(`${OWNER}: made must be an AutoregressiveNetwork; got ${fmt(given)}.`);
    }
    if (made.params !== 2) {
      throw new ValueError(`${OWNER}: made must have params 2 (shift and log scale); got params ${made.params}.`);
    }
    this.made = made;
  }

  override build(inputShape: tfl.Shape | tfl.Shape[]): void {
    const shape = (Array.isArray(inputShape[0]) ? inputShape[0] : inputShape) as Array<number | null>;
    const d = shape[shape.length - 1];
    if (d === null || d === undefined) {
      throw new ValueError(`${OWNER}: the last input dimension (the event size D) must be defined; ` +
          `got shape ${fmt(shape)}.`);
    }
    tf.tidy(() => {
      this.made.apply(tf.zeros([1, d]));
    });
    adoptWeights(this, this.made);
    super.build(inputShape);
  }

  override makeDistribution(input: tf.Tensor): Distribution {
    const base = distributionOf(input);
    if (base === undefined) {
      throw new ValueError(`${OWNER}: the input must be the output of a tfp distribution layer ` +
          `(e.g. DistributionLambda); got ${fmt(input)}.`);
    }
    return new AutoregressiveTransformed(base, this.made);
  }

  override computeOutputShape(inputShape: tfl.Shape | tfl.Shape[]): tfl.Shape {
    return (Array.isArray(inputShape[0]) ? inputShape[0] : inputShape) as tfl.Shape;
  }

  override getConfig(): tf.serialization.ConfigDict {
    return {
      ...super.getConfig(),
      made: {className: 'AutoregressiveNetwork', config: this.made.getConfig()},
    };
  }
}
tf.serialization.registerClass(AutoregressiveTransform);

/**
 * A masked autoregressive flow on the distribution of the previous distribution layer.
 *
 * @example
 * const flow = tfp.layers.autoregressiveTransform({
 *   made: tfp.layers.autoregressiveNetwork({params: 2, hiddenUnits: [16], activation: 'relu'})});
 */
export function autoregressiveTransform(args: AutoregressiveTransformArgs): AutoregressiveTransform {
  return new AutoregressiveTransform(args);
}
