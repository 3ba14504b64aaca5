// The models the CLI trains: TFP's Bayesian LeNet-5 (EXAMPLE.md §1.3), a Bayesian MLP, and
// deterministic twins of the same shapes built from plain tfjs layers.
import * as tf from '@tensorflow/tfjs';

import * as layers from '../layers/index.js';
import {ValueError} from '../util/errors.js';
import {fmt} from '../util/format.js';
import {IMAGE_SIZE, NUM_CLASSES} from './data.js';

/** Model names accepted by `--model`. */
export const MODELS = ['lenet5-flipout', 'lenet5-reparameterization', 'lenet5-deterministic',
  'mlp-flipout', 'mlp-local-reparameterization', 'mlp-reparameterization', 'mlp-deterministic'] as const;
/** One of {@link MODELS}. */
export type ModelName = typeof MODELS[number];
/** `deterministic` alone means the LeNet-5 twin. */
export const MODEL_ALIASES: Readonly<Record<string, ModelName>> = {deterministic: 'lenet5-deterministic'};

/** Hidden units of the MLP. */
export const MLP_HIDDEN = 128;

/** Options of {@link buildModel}. */
export interface BuildModelArgs {
  /** Weight of each layer's KL term, normally 1/N (DISTRIBUTIONS.md §5). */
  klWeight: number;
  /** Base seed; layer i gets seed + i. Undefined: unseeded. */
  seed?: number;
}

/** Whether a model name is Bayesian (has variational layers). */
export function isBayesian(name: ModelName): boolean {
  return !name.endsWith('-deterministic');
}

/** Resolves `--model`, throwing `ValueError` listing the valid names. */
export function checkModelName(owner: string, name: string): ModelName {
  const resolved = MODEL_ALIASES[name] ?? name;
  if (!(MODELS as readonly string[]).includes(resolved)) {
    throw new ValueError(`${owner}: --model must be one of ${[...MODELS, 'deterministic'].map((m) => `"${m}"`).join(', ')}; ` +
        `got ${fmt(name)}.`);
  }
  return resolved as ModelName;
}

type Act = 'relu' | 'softmax';

/** Builds the named model for `[batch, 28, 28, 1]` inputs in [−1, 1], ending in a softmax. */
export function buildModel(name: ModelName, args: BuildModelArgs): tf.Sequential {
  const kernelDivergenceFn = layers.util.klDivergenceFn({weight: args.klWeight});
  let i = 0;
  const seed = (): number | undefined => (args.seed === undefined ? undefined : args.seed + 1000 * (++i));
  let convs = 0;
  let denses = 0;
  const conv = (filters: number, activation: Act): tf.layers.Layer => {
    const common = {filters, kernelSize: 5, padding: 'same', activation, name: `conv${++convs}`};
    if (name === 'lenet5-flipout') return layers.conv2dFlipout({...common, seed: seed(), kernelDivergenceFn});
    if (name === 'lenet5-reparameterization') {
      return layers.conv2dReparameterization({...common, seed: seed(), kernelDivergenceFn});
    }
    return tf.layers.conv2d({...common, padding: 'same', kernelInitializer: tf.initializers.glorotUniform({seed: seed()})});
  };
  const dense = (units: number, activation: Act): tf.layers.Layer => {
    const common = {units, activation, name: `dense${++denses}`};
    switch (name) {
      case 'lenet5-flipout':
      case 'mlp-flipout':
        return layers.denseFlipout({...common, seed: seed(), kernelDivergenceFn});
      case 'lenet5-reparameterization':
      case 'mlp-reparameterization':
        return layers.denseReparameterization({...common, seed: seed(), kernelDivergenceFn});
      case 'mlp-local-reparameterization':
        return layers.denseLocalReparameterization({...common, seed: seed(), kernelDivergenceFn});
      default:
        return tf.layers.dense({...common, kernelInitializer: tf.initializers.glorotUniform({seed: seed()})});
    }
  };
  const model = tf.sequential({name: name.replace(/-/g, '_')});
  model.add(tf.layers.inputLayer({inputShape: [IMAGE_SIZE, IMAGE_SIZE, 1]}));
  if (name.startsWith('lenet5')) {
    // EXAMPLE.md §1.3: all convs SAME, pooling 2/2 SAME, no third pooling.
    model.add(conv(6, 'relu'));
    model.add(tf.layers.maxPooling2d({poolSize: 2, strides: 2, padding: 'same'}));
    model.add(conv(16, 'relu'));
    model.add(tf.layers.maxPooling2d({poolSize: 2, strides: 2, padding: 'same'}));
    model.add(conv(120, 'relu'));
    model.add(tf.layers.flatten());
    model.add(dense(84, 'relu'));
  } else {
    model.add(tf.layers.flatten());
    model.add(dense(MLP_HIDDEN, 'relu'));
  }
  model.add(dense(NUM_CLASSES, 'softmax'));
  return model;
}
