// Helpers of the tfp.nn tests: set a default posterior to given (μ, σ) and draw repeated outputs.
import * as tf from '@tensorflow/tfjs';

import type {Layer} from '../../src/nn/layer.js';
import {softplusInverse} from '../helpers/oracles.js';

/** Posterior values; σ is the constrained scale (σ = softplus(u) + 1e-5 is inverted here). */
export interface PosteriorValues {
  kernelLoc: number[] | number[][] | number[][][] | number[][][][];
  kernelScale: number[] | number[][] | number[][][] | number[][][][];
  biasLoc: number[];
  biasScale: number[];
}

/** `u` with `softplus(u) + 1e-5 = σ` (NN.md §5), computed with the test helper's inverse. */
export function untransform(scale: number): number {
  return softplusInverse(scale - 1e-5);
}

/** Assigns the 4 documented posterior variables `[kernel_loc, kernel_scale_u, bias_loc, bias_scale_u]`. */
export function setPosterior(layer: Layer, p: PosteriorValues): void {
  const [kl, ku, bl, bu] = layer.trainableVariables as [tf.Variable, tf.Variable, tf.Variable, tf.Variable];
  const flat = (v: unknown): number[] => (v as unknown[]).flat(4) as number[];
  kl.assign(tf.tensor(flat(p.kernelLoc), kl.shape));
  ku.assign(tf.tensor(flat(p.kernelScale).map(untransform), ku.shape));
  bl.assign(tf.tensor(p.biasLoc, bl.shape));
  bu.assign(tf.tensor(p.biasScale.map(untransform), bu.shape));
}

/** `n` outputs of `f()`, each flattened. */
export function draw(n: number, f: () => tf.Tensor): Float32Array[] {
  const out: Float32Array[] = [];
  for (let i = 0; i < n; i++) {
    const y = f();
    out.push(y.dataSync() as Float32Array);
    y.dispose();
  }
  return out;
}
