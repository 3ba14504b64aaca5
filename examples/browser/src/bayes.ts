// The demo's Bayesian layers, straight from the library imported by name: LAYERS.md defaults
// (loc ~ N(0, 0.1), σ = softplus(u), u ~ N(−3, 0.1), N(0, 1) prior, point-estimate bias) with the
// kernel KL scaled by a weight, as TFP's examples do with `kernel_divergence_fn`.
import * as tfp from 'tfjs-probability';

/** Arguments the demo passes to a Bayesian dense layer. */
export interface BayesDenseArgs {
  units: number;
  activation?: 'relu' | 'tanh' | 'softmax' | 'linear';
  /** KL(q‖p) is multiplied by this before it joins the loss: 1 / (number of training examples). */
  klWeight: number;
  inputShape?: number[];
  seed?: number;
}

function common(args: BayesDenseArgs): tfp.layers.DenseVariationalArgs {
  return {
    units: args.units,
    activation: args.activation ?? 'linear',
    kernelDivergenceFn: tfp.layers.util.klDivergenceFn({weight: args.klWeight}),
    ...(args.inputShape === undefined ? {} : {inputShape: args.inputShape}),
    ...(args.seed === undefined ? {} : {seed: args.seed}),
  };
}

/** `tfp.layers.denseFlipout` with a KL weight: per-example sign flips, low-variance gradients. */
export function denseFlipout(args: BayesDenseArgs): tfp.layers.DenseFlipout {
  return tfp.layers.denseFlipout(common(args));
}

/** `tfp.layers.denseReparameterization` with a KL weight: one kernel draw per call, so curves are coherent. */
export function denseReparameterization(args: BayesDenseArgs): tfp.layers.DenseReparameterization {
  return tfp.layers.denseReparameterization(common(args));
}
