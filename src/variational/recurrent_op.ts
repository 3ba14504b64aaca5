// A recurrent cell's kernel products, `x_t · W` and `h_{t−1} · U`, with ONE weight draw per
// sequence: the estimator's randomness (a kernel sample, or Flipout's perturbation and signs) is
// drawn when the sequence starts and reused at every time step (Fortunato et al. 2017's Bayesian
// RNNs; bayesian-torch's LSTM). The per-step products reuse estimators.ts's Flipout unchanged, with
// the sequence's signs in place of fresh ones.
import * as tf from '@tensorflow/tfjs-core';

import {flipout} from './estimators.js';
import type {NoiseSource} from './estimators.js';
import {DenseOp} from './linear_op.js';

const DENSE = new DenseOp();

/** `x ↦ x · W_n` for one sequence, restricted to columns `[start, start + size)` when given. */
export interface SequenceKernel {
  apply(x: tf.Tensor, columns?: {start: number; size: number}): tf.Tensor;
}

/** Columns of a matrix (the last axis of a 1-D or 2-D tensor). */
function columnsOf(t: tf.Tensor, c: {start: number; size: number} | undefined): tf.Tensor {
  if (c === undefined) return t;
  return t.rank === 1 ? tf.slice(t, [c.start], [c.size]) : tf.slice(t, [0, c.start], [-1, c.size]);
}

/** One kernel for the whole batch and every step (a draw, the mean, or a pinned draw). */
export function wholeSequenceKernel(kernel: tf.Tensor): SequenceKernel {
  return {apply: (x, c) => tf.matMul(x as tf.Tensor2D, columnsOf(kernel, c) as tf.Tensor2D)};
}

/**
 * Flipout over a sequence: `x·μ + ((x ⊙ s)·ΔW) ⊙ r`, with `ΔW` and the signs `s` ([batch, in])
 * and `r` ([batch, out]) drawn once for the sequence, so every example has one kernel
 * `μ + ΔW ⊙ s rᵀ` at all of its time steps.
 */
export function flipoutSequenceKernel(loc: tf.Tensor, delta: tf.Tensor, signsIn: tf.Tensor,
    signsOut: tf.Tensor): SequenceKernel {
  return {
    apply: (x, c) => {
      const out = columnsOf(signsOut, c);
      let call = 0;
      const fixed: NoiseSource = {
        rademacher: () => (call++ === 0 ? signsIn : out),
        nextSeed: () => {
          throw new Error('flipoutSequenceKernel: the sequence draws no seeds per step');
        },
      };
      return flipout(DENSE, x, columnsOf(loc, c), columnsOf(delta, c), fixed, 'element');
    },
  };
}
