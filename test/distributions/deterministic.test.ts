// Deterministic: point-mass semantics (DISTRIBUTIONS.md §2) and KL(Deterministic ‖ Normal) (ORACLES.md §2).
import * as tf from '@tensorflow/tfjs';
import {describe, expect, it} from 'vitest';

import {Deterministic, klDivergence, Normal} from '../../src/distributions/index.js';
import {ValueError} from '../../src/util/errors.js';

import {expectClose, expectNoLeak, shapeOf} from './helpers.js';

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

describe('Deterministic memory', () => {
  it('keeps tf.memory().numTensors flat over sample / logProb / KL', () => {
    const q = new Deterministic({loc: [0.3, -0.2]});
    const p = new Normal({loc: 0, scale: 1});
    expectNoLeak(() => {
      const s = q.sample([3]);
      tf.dispose([s, q.logProb(s), q.prob(s), q.mean(), q.variance(), q.entropy(), klDivergence(q, p)]);
    });
  });
});
