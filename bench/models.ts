// The benchmark nets W1–W6 (issues 6 and 17), each as a plain tfjs-layers net and its Bayesian twins.
// Shapes follow spec/EXAMPLE.md §1.3 and shared/bench/peers (NHWC; every layer of a Bayesian twin is
// variational, as in the bayesian-torch peer; the last layer emits logits).
import * as tf from '@tensorflow/tfjs';

import * as tfp from '../src/index.js';

/** One of the workloads. */
export type Workload = 'W1' | 'W2' | 'W3' | 'W4' | 'W5' | 'W6';
/** How the weights of a net are treated. */
export type Variant = 'plain' | 'flipout' | 'reparameterization';

/** Training-set size of MNIST: every KL term is weighted by 1/60000 (EXAMPLE.md §1.3). */
export const NUM_EXAMPLES = 60000;

/** Input shape (without batch) of each workload. */
export const INPUT_SHAPE: Readonly<Record<Workload, number[]>> = {
  W1: [28, 28, 1], W2: [28, 28, 1], W3: [28, 28, 1], W4: [16, 16, 16, 1], W5: [128, 1], W6: [50, 8],
};

type LayerKind = 'conv1d' | 'conv2d' | 'conv3d' | 'dense' | 'lstm';
interface LayerSpec {
  kind: LayerKind;
  units: number;            // filters or units
  kernelSize?: number;
  activation?: 'relu';
}

function layerOf(spec: LayerSpec, variant: Variant, seed: number): tf.layers.Layer {
  const activation: 'relu' | 'linear' = spec.activation ?? 'linear';
  if (variant === 'plain') {
    const common = {activation, kernelInitializer: tf.initializers.glorotUniform({seed})};
    switch (spec.kind) {
      case 'dense': return tf.layers.dense({units: spec.units, ...common});
      case 'lstm': return tf.layers.lstm({units: spec.units, kernelInitializer: common.kernelInitializer});
      case 'conv1d': return tf.layers.conv1d({filters: spec.units, kernelSize: spec.kernelSize ?? 1, padding: 'same', ...common});
      case 'conv2d': return tf.layers.conv2d({filters: spec.units, kernelSize: spec.kernelSize ?? 1, padding: 'same', ...common});
      case 'conv3d': return tf.layers.conv3d({filters: spec.units, kernelSize: spec.kernelSize ?? 1, padding: 'same', ...common});
    }
  }
  const bayes = {
    activation, seed,
    kernelDivergenceFn: tfp.layers.util.klDivergenceFn({weight: 1 / NUM_EXAMPLES}),
  };
  const conv = {filters: spec.units, kernelSize: spec.kernelSize ?? 1, padding: 'same' as const, ...bayes};
  const flip = variant === 'flipout';
  switch (spec.kind) {
    case 'lstm': {
      const kl = {seed, kernelDivergenceFn: bayes.kernelDivergenceFn, recurrentKernelDivergenceFn: bayes.kernelDivergenceFn};
      return flip ? tfp.layers.lstmFlipout({units: spec.units, ...kl}) : tfp.layers.lstmReparameterization({units: spec.units, ...kl});
    }
    case 'dense': return flip ? tfp.layers.denseFlipout({units: spec.units, ...bayes}) :
        tfp.layers.denseReparameterization({units: spec.units, ...bayes});
    case 'conv1d': return flip ? tfp.layers.conv1dFlipout(conv) : tfp.layers.conv1dReparameterization(conv);
    case 'conv2d': return flip ? tfp.layers.conv2dFlipout(conv) : tfp.layers.conv2dReparameterization(conv);
    case 'conv3d': return flip ? tfp.layers.conv3dFlipout(conv) : tfp.layers.conv3dReparameterization(conv);
  }
}

type Item = LayerSpec | 'pool2d' | 'flatten';

const NETS: Readonly<Record<Workload, Item[]>> = {
  // Bayesian LeNet-5 of EXAMPLE.md §1.3 (SAME convs, two pools, no third pool), logits out.
  W1: [
    {kind: 'conv2d', units: 6, kernelSize: 5, activation: 'relu'}, 'pool2d',
    {kind: 'conv2d', units: 16, kernelSize: 5, activation: 'relu'}, 'pool2d',
    {kind: 'conv2d', units: 120, kernelSize: 5, activation: 'relu'}, 'flatten',
    {kind: 'dense', units: 84, activation: 'relu'}, {kind: 'dense', units: 10},
  ],
  W2: ['flatten', {kind: 'dense', units: 400, activation: 'relu'}, {kind: 'dense', units: 400, activation: 'relu'},
    {kind: 'dense', units: 10}],
  W3: [],  // the W1 net
  W4: [{kind: 'conv3d', units: 8, kernelSize: 3, activation: 'relu'}, 'flatten', {kind: 'dense', units: 10}],
  W5: [{kind: 'conv1d', units: 64, kernelSize: 5, activation: 'relu'}, 'flatten', {kind: 'dense', units: 10}],
  // Issue 17's W6: an LSTM of 64 units over length-50 sequences of 8 features, then 10 logits.
  W6: [{kind: 'lstm', units: 64}, {kind: 'dense', units: 10}],
};

/** The net of `workload` in `variant`, built (weights created) for its input shape. */
export function buildNet(workload: Workload, variant: Variant, seed = 1234): tf.Sequential {
  const items = NETS[workload === 'W3' ? 'W1' : workload];
  const inputShape = INPUT_SHAPE[workload];
  const model = tf.sequential();
  model.add(tf.layers.inputLayer({inputShape}));
  items.forEach((item, i) => {
    if (item === 'pool2d') model.add(tf.layers.maxPooling2d({poolSize: 2, strides: 2, padding: 'same'}));
    else if (item === 'flatten') model.add(tf.layers.flatten());
    else model.add(layerOf(item, variant, seed + i));
  });
  return model;
}

/** Σ of the model's layer losses (the KL/60000 terms of a Bayesian net; none for a plain one). */
export function layerLosses(model: tf.LayersModel): tf.Scalar | null {
  let total: tf.Scalar | null = null;
  for (const layer of model.layers) {
    for (const loss of layer.losses) {
      const l = loss();
      total = total === null ? l : tf.add(total, l) as tf.Scalar;
    }
  }
  return total;
}
