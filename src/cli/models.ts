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

/**
 * The CLI's initial posterior stddev of every kernel weight (`--posterior-scale`).
 *
 * Porting note: TFP's example keeps the layers' default, σ₀ = softplus(−3) ≈ 0.0486, and trains
 * 4,690 Adam steps on 60,000 digits; the embedded 8,000 digits give 630 steps in 10 epochs, in
 * which ρ = softplus⁻¹(σ) moves by ≲ 0.6, so σ stays near its start and the 0.0486 noise, summed
 * over 5,880 inputs of the first dense layer, leaves the 50-draw predictive underconfident (held-out
 * ECE 0.031 against 0.0105 for the deterministic twin). Measured sweep (docs/CLI.md): σ₀ = 0.02 →
 * ECE 0.013, 0.015 → 0.007, 0.01 → 0.007 with OOD AUROC falling to the deterministic net's 0.92;
 * 0.015 keeps the AUROC gain (0.947). `--posterior-scale 0.04858735` (= softplus(−3)) restores TFP's start.
 */
export const DEFAULT_POSTERIOR_SCALE = 0.015;

/** Hidden units of the MLP. */
export const MLP_HIDDEN = 128;

/** Options of {@link buildModel}. */
export interface BuildModelArgs {
  /** Weight of each layer's KL term, normally 1/N (DISTRIBUTIONS.md §5). */
  klWeight: number;
  /** Base seed; layer i gets seed + i. Undefined: unseeded. */
  seed?: number;
  /**
   * Initial posterior stddev σ₀ of every kernel weight: the untransformed scales start at
   * N(softplus⁻¹(σ₀), 0.1). Undefined: the layers' default, softplus(−3) ≈ 0.0486.
   */
  posteriorScale?: number;
}

/** softplus⁻¹(σ) = log(expm1(σ)), finite for σ > 0. */
function softplusInverse(sigma: number): number {
  return sigma > 20 ? sigma : Math.log(Math.expm1(sigma));
}

/** Whether a model name is Bayesian (has variational layers). */
export function isBayesian(name: ModelName): boolean {
  return !name.endsWith('-deterministic');
}

/**
 * Resolves `--baseline`: `"none"` → null; absent → the deterministic twin of a Bayesian `model`
 * (null for a deterministic model or with fake data); else a deterministic model name, or
 * `ValueError`.
 */
export function baselineFor(model: ModelName, name: string | undefined, fakeData: boolean): ModelName | null {
  if (name === 'none') return null;
  if (name === undefined) {
    if (fakeData || !isBayesian(model)) return null;
    return model.startsWith('lenet5') ? 'lenet5-deterministic' : 'mlp-deterministic';
  }
  const resolved = MODEL_ALIASES[name] ?? name;
  if (!(MODELS as readonly string[]).includes(resolved) || isBayesian(resolved as ModelName)) {
    const allowed = MODELS.filter((m) => !isBayesian(m));
    throw new ValueError(`train: --baseline must be "none" or a deterministic model (${allowed.map((m) => `"${m}"`)
        .join(', ')}, "deterministic"); got ${fmt(name)}.`);
  }
  return resolved as ModelName;
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
  const kernelPosteriorFn = args.posteriorScale === undefined ? undefined :
    layers.util.defaultMeanFieldNormalFn({untransformedScaleInitializer: tf.initializers.randomNormal(
        {mean: softplusInverse(args.posteriorScale), stddev: 0.1})});
  const variational = {kernelDivergenceFn, ...(kernelPosteriorFn ? {kernelPosteriorFn} : {})};
  let i = 0;
  const seed = (): number | undefined => (args.seed === undefined ? undefined : args.seed + 1000 * (++i));
  let convs = 0;
  let denses = 0;
  const conv = (filters: number, activation: Act): tf.layers.Layer => {
    const common = {filters, kernelSize: 5, padding: 'same' as const, activation, name: `conv${++convs}`};
    if (name === 'lenet5-flipout') return layers.conv2dFlipout({...common, seed: seed(), ...variational});
    if (name === 'lenet5-reparameterization') {
      return layers.conv2dReparameterization({...common, seed: seed(), ...variational});
    }
    return tf.layers.conv2d({...common, padding: 'same', kernelInitializer: tf.initializers.glorotUniform({seed: seed()})});
  };
  const dense = (units: number, activation: Act): tf.layers.Layer => {
    const common = {units, activation, name: `dense${++denses}`};
    switch (name) {
      case 'lenet5-flipout':
      case 'mlp-flipout':
        return layers.denseFlipout({...common, seed: seed(), ...variational});
      case 'lenet5-reparameterization':
      case 'mlp-reparameterization':
        return layers.denseReparameterization({...common, seed: seed(), ...variational});
      case 'mlp-local-reparameterization':
        return layers.denseLocalReparameterization({...common, seed: seed(), ...variational});
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
