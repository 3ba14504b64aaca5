// The layers' default KL, KL(q ‖ N(0, 1)) with q = Independent(Normal(μ, σ)), σ = eps + softplus(u)
// (src/layers/default_fns.ts), takes the standard-normal fast path of the Normal–Normal KL. Checked
// against the float64 closed form Σ(log(1/σ) + (σ² + μ²)/2 − ½) and its gradients (∂/∂μ = μ,
// ∂/∂u = (σ − 1/σ)·sigmoid(u)), and against the generic registry rule (a prior given as tensors).
import * as tf from '@tensorflow/tfjs';
import {describe, expect, it} from 'vitest';

import {Independent} from '../../src/distributions/independent.js';
import {klDivergence} from '../../src/distributions/kl.js';
import {Normal} from '../../src/distributions/normal.js';
import {defaultMultivariateNormalFn, EPS_FLOAT32} from '../../src/layers/default_fns.js';
import {expectClose, softplusInverse} from '../helpers/oracles.js';

/** A deterministic sequence in [−1, 1]. */
function wave(len: number, phase: number): number[] {
  return Array.from({length: len}, (_, i) => Math.sin(1.7 * i + phase));
}

/** Float64 softplus and sigmoid of a float32-rounded u. */
const softplus64 = (u: number): number => Math.max(u, 0) + Math.log1p(Math.exp(-Math.abs(u)));
const sigmoid64 = (u: number): number => 1 / (1 + Math.exp(-u));

const SHAPES: number[][] = [[7], [3, 4], [2, 3, 5], [4, 1, 2, 3]];
const SCALES: Array<[string, number]> = [['σ ≈ 1', 1], ['σ tiny (1e-4)', 1e-4], ['σ large (1e3)', 1e3]];

describe('the default prior KL fast path', () => {
  for (const shape of SHAPES) {
    for (const [label, sigma] of SCALES) {
      it(`value and gradients equal the float64 closed form and the generic rule: shape ${JSON.stringify(shape)}, ${label}`, () => {
        const size = shape.reduce((a, b) => a * b, 1);
        // σ spread by ±20 % around the target (σ ≈ 1 also covers σ = 1 ± small, the cancellation region).
        const sigmas = wave(size, 0.4).map((w) => sigma * (1 + 0.2 * w));
        const locs = wave(size, 1.3).map((w) => w * Math.min(sigma, 3));
        const u32 = Float32Array.from(sigmas.map((s) => softplusInverse(s - EPS_FLOAT32)));
        const m32 = Float32Array.from(locs);
        const before = tf.memory().numTensors;
        const m = tf.tensor(m32, shape);
        const u = tf.tensor(u32, shape);
        const prior = defaultMultivariateNormalFn('float32', shape, 'kernel', false, (() => {
          throw new Error('the prior creates no variables');
        }) as never);
        const zeros = tf.zeros(shape);
        const ones = tf.ones(shape);
        const generic = new Independent({distribution: new Normal({loc: zeros, scale: ones}),
          reinterpretedBatchNdims: shape.length});
        const kl = (p: Independent) => (loc: tf.Tensor, untransformed: tf.Tensor): tf.Tensor => {
          const q = new Independent({distribution: new Normal({loc,
            scale: tf.add(EPS_FLOAT32, tf.softplus(untransformed))}), reinterpretedBatchNdims: shape.length});
          return klDivergence(q, p);
        };
        const fast = tf.tidy(() => kl(prior as Independent)(m, u));
        const [gmFast, guFast] = tf.grads(kl(prior as Independent))([m, u]);
        const slow = tf.tidy(() => kl(generic)(m, u));
        const [gmSlow, guSlow] = tf.grads(kl(generic))([m, u]);

        // Float64 oracle from the float32 inputs the code sees.
        let want = 0;
        const wantGm: number[] = [];
        const wantGu: number[] = [];
        for (let i = 0; i < size; i++) {
          const mi = m32[i] as number;
          const ui = u32[i] as number;
          const s = EPS_FLOAT32 + softplus64(ui);
          want += Math.log(1 / s) + (s * s + mi * mi) / 2 - 0.5;
          wantGm.push(mi);
          wantGu.push((s - 1 / s) * sigmoid64(ui));
        }
        expect(fast.shape).toEqual([]);
        // Tolerances: float32 sums of `size` terms; near σ = 1 the terms are O((σ−1)² + μ²).
        const atol = 1e-6 * size * Math.max(1, sigma * sigma);
        expectClose(fast, [want], atol, 2e-5);
        expectClose(slow, [want], atol, 2e-5);
        expectClose(gmFast as tf.Tensor, wantGm, 1e-6, 1e-5);
        expectClose(guFast as tf.Tensor, wantGu, 1e-6 * Math.max(1, sigma), 1e-4);
        expectClose(gmSlow as tf.Tensor, wantGm, 1e-6, 1e-5);
        expectClose(guSlow as tf.Tensor, wantGu, 1e-6 * Math.max(1, sigma), 1e-4);
        tf.dispose([m, u, fast, slow, gmFast as tf.Tensor, guFast as tf.Tensor, gmSlow as tf.Tensor,
          guSlow as tf.Tensor, zeros, ones]);
        expect(tf.memory().numTensors).toBe(before);
      });
    }
  }

  it('the layers\' default prior is statically standard (so the fast path is the one taken)', () => {
    const prior = defaultMultivariateNormalFn('float32', [2, 3], 'kernel', false, (() => null) as never) as Independent;
    expect((prior.distribution as Normal).isStandard).toBe(true);
  });
  it('keeps its relative precision at μ = 0, σ = 1 ± 1e-3 (KL ≈ (σ − 1)², no cancellation)', () => {
    const n = 50;
    const u32 = Float32Array.from(wave(n, 0.9).map((w) => softplusInverse(1 + 1e-3 * w - EPS_FLOAT32)));
    const u = tf.tensor(u32);
    const prior = defaultMultivariateNormalFn('float32', [n], 'kernel', false, (() => null) as never) as Independent;
    const kl = tf.tidy(() => klDivergence(new Independent({distribution: new Normal({loc: tf.zeros([n]),
      scale: tf.add(EPS_FLOAT32, tf.softplus(u))}), reinterpretedBatchNdims: 1}), prior));
    let want = 0;
    for (const ui of u32) {
      const s = EPS_FLOAT32 + softplus64(ui);
      want += -Math.log(s) + (s * s) / 2 - 0.5;
    }
    // σ is float32 (ulp 6e-8 against σ − 1 ≈ 1e-3), so ≈ 1e-4 relative is the attainable precision.
    expectClose(kl, [want], 0, 1e-3);
    tf.dispose([u, kl]);
  });
});
