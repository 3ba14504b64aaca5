// Independent: shapes (DISTRIBUTIONS.md §1–2), the kernel-example KL and its gradients and the
// Independent(Deterministic) KLs of ORACLES.md §2, and the Independent ‖ Independent rule (§3).
import * as tf from '@tensorflow/tfjs';
import {describe, expect, it} from 'vitest';

import {
  Deterministic, Independent, klDivergence, MultivariateNormalDiag, Normal,
} from '../../src/distributions/index.js';
import {NotImplementedError, ValueError} from '../../src/util/errors.js';

import {expectClose, expectNoLeak, scalar, shapeOf, testSeed} from './helpers.js';

const ENTROPY_N01 = 1.4189385332;  // ½ log(2πe), ORACLES §2

describe('Independent', () => {
  for (const [batch, event, k] of [
    [[2, 3, 4], [], 1], [[2, 3, 4], [], 3], [[2, 3, 4], [], 0], [[5], [], 1], [[2, 3], [4], 1],
  ] as Array<[number[], number[], number]>) {
    it(`shapes follow §1 (inner batch ${JSON.stringify(batch)}, inner event ${JSON.stringify(event)}, k=${k})`, () => {
      const inner = event.length === 0 ?
        new Normal({loc: tf.zeros(batch), scale: 1}) :
        new MultivariateNormalDiag({loc: tf.zeros([...batch, ...event]), scaleDiag: 1});
      const d = new Independent({distribution: inner, reinterpretedBatchNdims: k});
      const b = batch.slice(0, batch.length - k);
      const e = [...batch.slice(batch.length - k), ...event];
      expect(d.batchShape).toEqual(b);
      expect(d.eventShape).toEqual(e);
      const s = d.sample([7], testSeed());
      expect(s.shape).toEqual([7, ...b, ...e]);
      expect(shapeOf(d.logProb(s))).toEqual([7, ...b]);
      s.dispose();
      expect(shapeOf(d.mean())).toEqual([...b, ...e]);
      expect(shapeOf(d.stddev())).toEqual([...b, ...e]);
      expect(shapeOf(d.variance())).toEqual([...b, ...e]);
      expect(shapeOf(d.entropy())).toEqual(b);
    });
  }

  it('logProb and entropy sum the base terms over the reinterpreted axes', () => {
    const d = new Independent({distribution: new Normal({loc: [[0, 1, 2]], scale: [1, 2, 0.5]}),
      reinterpretedBatchNdims: 2});
    // Σ −½((x−μ)/σ)² − log σ − ½ log 2π at x = μ: −3·0.9189385 − log(1·2·0.5)
    expectClose(d.logProb([[0, 1, 2]]), [-3 * 0.9189385332]);
    // entropies N(·,1) + N(·,2) + N(·,0.5) = 3·1.4189385 + log 2 + log 0.5
    expectClose(d.entropy(), [3 * ENTROPY_N01]);
    expect(d.distribution).toBeInstanceOf(Normal);
    expect(d.reinterpretedBatchNdims).toBe(2);
  });

  it('refuses reinterpretedBatchNdims above the batch rank, or missing', () => {
    const n = new Normal({loc: [0, 1], scale: 1});
    expect(() => new Independent({distribution: n, reinterpretedBatchNdims: 2})).toThrowError(ValueError);
    expect(() => new Independent({distribution: n, reinterpretedBatchNdims: 2}))
        .toThrowError(/reinterpretedBatchNdims.*got 2/);
    expect(() => new Independent({distribution: n, reinterpretedBatchNdims: -1}))
        .toThrowError(/reinterpretedBatchNdims.*got -1/);
    expect(() => new Independent({distribution: n} as unknown as {distribution: Normal; reinterpretedBatchNdims: number}))
        .toThrowError(/reinterpretedBatchNdims.*got undefined/);
  });

  it('KL(Independent(Deterministic([0.3, −0.2])) ‖ Independent(N(0,1))) = 1.9028770664 (ORACLES §2)', () => {
    const q = new Independent({distribution: new Deterministic({loc: [0.3, -0.2]}), reinterpretedBatchNdims: 1});
    const p = new Independent({distribution: new Normal({loc: [0, 0], scale: 1}), reinterpretedBatchNdims: 1});
    expect(scalar(klDivergence(q, p))).toBeCloseTo(1.9028770664, 5);
    const q0 = new Independent({distribution: new Deterministic({loc: 0.3}), reinterpretedBatchNdims: 0});
    const p0 = new Independent({distribution: new Normal({loc: 0, scale: 1}), reinterpretedBatchNdims: 0});
    expect(scalar(klDivergence(q0, p0))).toBeCloseTo(0.9639385332, 5);
  });

  it('kernel example: KL = 5.0642852 with σ = softplus(u) deferred; ∂/∂μ = μ, ∂/∂u as in ORACLES §2', () => {
    const mu = tf.variable(tf.tensor2d([[0.1, -0.2], [0.3, 0.4]]));
    const u = tf.variable(tf.tensor2d([[-3, -2], [-1, 0]]));
    const q = new Independent({distribution: new Normal({loc: mu, scale: () => tf.softplus(u)}),
      reinterpretedBatchNdims: 2});
    const p = new Independent({distribution: new Normal({loc: tf.zeros([2, 2]), scale: 1}),
      reinterpretedBatchNdims: 2});
    const kl = klDivergence(q, p);
    expect(kl.shape).toEqual([]);
    expectClose(kl, [5.0642852]);
    const {value, grads} = tf.variableGrads(() => klDivergence(q, p) as tf.Scalar, [mu, u]);
    value.dispose();
    expectClose(grads[mu.name] as tf.Tensor, [0.1, -0.2, 0.3, 0.4]);
    expectClose(grads[u.name] as tf.Tensor, [-0.9737907, -0.9240078, -0.7742709, -0.3747739]);
    // The deferred scale is re-read: changing u changes the KL.
    u.assign(tf.zeros([2, 2]));
    const kl2 = scalar(klDivergence(q, p));
    expect(kl2).not.toBeCloseTo(5.0642852, 3);
    mu.dispose();
    u.dispose();
  });

  it('KL with unequal event shapes is ValueError("Event shapes do not match.")', () => {
    const q = new Independent({distribution: new Normal({loc: [0, 0], scale: 1}), reinterpretedBatchNdims: 1});
    const p = new Independent({distribution: new Normal({loc: [0, 0, 0], scale: 1}), reinterpretedBatchNdims: 1});
    expect(() => klDivergence(q, p)).toThrowError(ValueError);
    expect(() => klDivergence(q, p)).toThrowError(/Event shapes do not match\./);
  });

  it('KL with equal event shapes but unequal inner event shapes is NotImplementedError', () => {
    const q = new Independent({distribution: new MultivariateNormalDiag({loc: tf.zeros([2, 3])}),
      reinterpretedBatchNdims: 1});
    const p = new Independent({distribution: new Normal({loc: tf.zeros([2, 3]), scale: 1}),
      reinterpretedBatchNdims: 2});
    expect(q.eventShape).toEqual(p.eventShape);
    expect(() => klDivergence(q, p)).toThrowError(NotImplementedError);
  });

  it('keeps tf.memory().numTensors flat over sample / logProb / entropy / KL', () => {
    const loc = tf.tensor2d([[0.1, -0.2], [0.3, 0.4]]);
    const q = new Independent({distribution: new Normal({loc, scale: 0.5}), reinterpretedBatchNdims: 2});
    const p = new Independent({distribution: new Normal({loc: 0, scale: 1}), reinterpretedBatchNdims: 0});
    const pp = new Independent({distribution: new Normal({loc: [[0, 0], [0, 0]], scale: 1}), reinterpretedBatchNdims: 2});
    expectNoLeak(() => {
      const s = q.sample([3], 5);
      tf.dispose([s, q.logProb(s), q.entropy(), q.mean(), klDivergence(q, pp), p.logProb(0)]);
    });
    loc.dispose();
  });
});
