// Independent, Deterministic and MultivariateNormalDiag: shapes (DISTRIBUTIONS.md §1–2), the KL
// oracles of ORACLES.md §2 and the Independent / Deterministic / MVNDiag KL rules (§3).
import * as tf from '@tensorflow/tfjs';
import {describe, expect, it} from 'vitest';

import {
  Deterministic, Independent, klDivergence, MultivariateNormalDiag, Normal,
} from '../../src/distributions/index.js';
import {NotImplementedError, ValueError} from '../../src/util/errors.js';

import {expectClose, expectMoments, expectNoLeak, scalar, shapeOf, testSeed, values} from './helpers.js';

const ENTROPY_N01 = 1.4189385332;  // ½ log(2πe), ORACLES §2

describe('Deterministic', () => {
  it('sample broadcasts loc to sampleShape + batchShape and ignores the seed', () => {
    const d = new Deterministic({loc: [0.3, -0.2]});
    expect(d.batchShape).toEqual([2]);
    expect(d.eventShape).toEqual([]);
    const s = d.sample([3], 1);
    expect(s.shape).toEqual([3, 2]);
    expectClose(s, [0.3, -0.2, 0.3, -0.2, 0.3, -0.2]);
    expectClose(d.sample([3], 2), [0.3, -0.2, 0.3, -0.2, 0.3, -0.2]);
  });

  it('prob is 1 inside atol + rtol·|loc| and 0 outside; logProb is 0 or −∞', () => {
    const d = new Deterministic({loc: [1, 10], atol: 0.1, rtol: 0.1});  // tolerances 0.2 and 1.1
    expectClose(d.prob([[1.15, 11.05], [1.25, 8.8]]), [1, 1, 0, 0]);
    expectClose(d.logProb([[1.15, 11.05], [1.25, 8.8]]), [0, 0, -Infinity, -Infinity]);
    const exact = new Deterministic({loc: 2});
    expectClose(exact.prob([2, 2.001]), [1, 0]);
  });

  it('mean = mode = loc; variance = stddev = entropy = 0 with the batch shape', () => {
    const d = new Deterministic({loc: [[1, 2, 3]]});
    expectClose(d.mean(), [1, 2, 3]);
    expectClose(d.mode(), [1, 2, 3]);
    expect(shapeOf(d.variance())).toEqual([1, 3]);
    expectClose(d.stddev(), [0, 0, 0]);
    expectClose(d.entropy(), [0, 0, 0]);
  });

  it('sample is differentiable w.r.t. a variable loc', () => {
    const loc = tf.variable(tf.tensor1d([0.5, 1.5]));
    const d = new Deterministic({loc});
    const g = tf.grad((l: tf.Tensor) => new Deterministic({loc: l}).sample([4]).sum())(loc);
    expectClose(g, [4, 4]);
    expect(d.batchShape).toEqual([2]);
    loc.dispose();
  });

  it('refuses a negative atol naming the argument and value', () => {
    expect(() => new Deterministic({loc: 0, atol: -1})).toThrowError(ValueError);
    expect(() => new Deterministic({loc: 0, atol: -1})).toThrowError(/atol.*got -1/);
    expect(() => new Deterministic({loc: 0, rtol: Number.NaN})).toThrowError(/rtol.*got NaN/);
  });

  it('KL(Deterministic(0.3) ‖ N(0,1)) = −log N(0.3; 0, 1) = 0.9639385332 (ORACLES §2)', () => {
    expectClose(klDivergence(new Deterministic({loc: 0.3}), new Normal({loc: 0, scale: 1})), [0.9639385332]);
  });
});

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

describe('MultivariateNormalDiag', () => {
  it('logProb at the mean is Σ −log σ − ½ log 2π (= −2.5310242 for σ = [1, 2])', () => {
    const d = new MultivariateNormalDiag({loc: [0, 0], scaleDiag: [1, 2]});
    expect(d.batchShape).toEqual([]);
    expect(d.eventShape).toEqual([2]);
    expectClose(d.logProb([0, 0]), [-2.5310242]);
    expectClose(d.entropy(), [2 * ENTROPY_N01 + Math.log(2)]);
  });

  it('shapes with a batch: sample [n, 3, 2], logProb [n, 3], entropy [3]', () => {
    const d = new MultivariateNormalDiag({loc: tf.zeros([3, 2]), scaleDiag: [1, 2]});
    expect(d.batchShape).toEqual([3]);
    const s = d.sample([4], testSeed());
    expect(s.shape).toEqual([4, 3, 2]);
    expect(shapeOf(d.logProb(s))).toEqual([4, 3]);
    s.dispose();
    expect(shapeOf(d.entropy())).toEqual([3]);
    expect(shapeOf(d.mean())).toEqual([3, 2]);
    expect(shapeOf(d.stddev())).toEqual([3, 2]);
  });

  it('sample moments match loc and scaleDiag² within 5 standard errors; same seed, same draw', () => {
    const d = new MultivariateNormalDiag({loc: [1, -1], scaleDiag: [0.5, 2]});
    const n = 20000;
    const s = d.sample([n], testSeed());
    expectMoments(s, [1, -1], [0.25, 4], 5);
    s.dispose();
    expect(values(d.sample([5], 42))).toEqual(values(d.sample([5], 42)));
  });

  it('KL(MVNDiag ‖ MVNDiag) sums the Normal terms: KL(N(1,2)) + KL(N(0.5,0.5)) vs N(0,1) (ORACLES §2)', () => {
    const q = new MultivariateNormalDiag({loc: [1, 0.5], scaleDiag: [2, 0.5]});
    const p = new MultivariateNormalDiag({loc: [0, 0], scaleDiag: [1, 1]});
    expectClose(klDivergence(q, p), [1.3068528194 + 0.4431471806]);
    const p3 = new MultivariateNormalDiag({loc: [0, 0, 0]});
    expect(() => klDivergence(q, p3)).toThrowError(/Event shapes do not match/);
  });

  it('refuses a non-positive scaleDiag and a scalar loc', () => {
    expect(() => new MultivariateNormalDiag({loc: [0, 0], scaleDiag: [1, -2]})).toThrowError(ValueError);
    expect(() => new MultivariateNormalDiag({loc: [0, 0], scaleDiag: [1, -2]})).toThrowError(/scaleDiag.*got -2/);
    expect(() => new MultivariateNormalDiag({loc: 0, scaleDiag: 1})).toThrowError(/rank ≥ 1.*got shape \[\]/);
  });

  it('KL to a Normal is not registered: NotImplementedError naming both classes', () => {
    const q = new MultivariateNormalDiag({loc: [0, 0]});
    expect(() => klDivergence(q, new Normal({loc: 0, scale: 1})))
        .toThrowError(/MultivariateNormalDiag.*Normal/);
  });
});
