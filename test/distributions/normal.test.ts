// Normal: the KL table and entropies of ORACLES.md §2, shapes (DISTRIBUTIONS.md §1), moments.
import * as tf from '@tensorflow/tfjs';
import {describe, expect, it} from 'vitest';

import {Normal, klDivergence} from '../../src/distributions/index.js';
import {ValueError} from '../../src/util/errors.js';

import {expectClose, expectMoments, expectNoLeak, shapeOf, testSeed, values} from './helpers.js';

describe('Normal', () => {
  it('KL(N(0.5,0.5) ‖ N(0,1)) = ln2 − ¼ (ORACLES §2)', () => {
    const kl = klDivergence(new Normal({loc: 0.5, scale: 0.5}), new Normal({loc: 0, scale: 1}));
    expect(kl.dataSync()[0]).toBeCloseTo(0.4431471806, 6);
    kl.dispose();
  });

  for (const [q, p, expected] of [
    [[1, 2], [0, 1], 1.3068528194],
    [[0, 1], [1, 2], 0.4431471806],
    [[0, 1], [0, 1], 0],
  ] as Array<[[number, number], [number, number], number]>) {
    it(`KL(N(${q}) ‖ N(${p})) = ${expected} (ORACLES §2)`, () => {
      const kl = klDivergence(new Normal({loc: q[0], scale: q[1]}), new Normal({loc: p[0], scale: p[1]}));
      expectClose(kl, [expected]);
    });
  }

  it('KL(N(0,1) ‖ N(0,1)) is exactly 0', () => {
    expect(values(klDivergence(new Normal({loc: 0, scale: 1}), new Normal({loc: 0, scale: 1})))).toEqual([0]);
  });

  it('KL is accurate when σq ≈ σp (expm1 form): σq = 1 + 1e-4 vs 1 gives ≈ (1e-4)²', () => {
    // log(σp/σq) + σq²/(2σp²) − ½ = δ² − … for σq = 1 + δ; exact value 9.9990e-9 (float64).
    const kl = values(klDivergence(new Normal({loc: 0, scale: 1 + 1e-4}), new Normal({loc: 0, scale: 1})))[0] as number;
    expect(Math.abs(kl - 9.999e-9)).toBeLessThan(2e-9);
  });

  it('entropy N(·,1) = 1.4189385332 and N(·,0.5) = 0.7257913526 (ORACLES §2)', () => {
    expectClose(new Normal({loc: [3, -1], scale: [1, 0.5]}).entropy(), [1.4189385332, 0.7257913526]);
  });

  it('shapes: batch = broadcast(loc, scale); sample S+B; logProb S+B; moments B; entropy B', () => {
    const d = new Normal({loc: tf.zeros([3, 1]), scale: [1, 2]});
    expect(d.batchShape).toEqual([3, 2]);
    expect(d.eventShape).toEqual([]);
    const s = d.sample([4, 5], testSeed());
    expect(s.shape).toEqual([4, 5, 3, 2]);
    expect(shapeOf(d.logProb(s))).toEqual([4, 5, 3, 2]);
    s.dispose();
    for (const m of [d.mean(), d.stddev(), d.variance(), d.mode(), d.entropy()]) expect(shapeOf(m)).toEqual([3, 2]);
  });

  it('sample moments within 5 standard errors; the same seed gives the same draw', () => {
    const d = new Normal({loc: [1, -2], scale: [0.5, 3]});
    const s = d.sample([20000], testSeed());
    expectMoments(s, [1, -2], [0.25, 9], 5);
    s.dispose();
    expect(values(d.sample([4], 7))).toEqual(values(d.sample([4], 7)));
    expect(values(d.sample([4], 7))).not.toEqual(values(d.sample([4], 8)));
  });

  it('refuses a non-positive number scale, naming the argument and value', () => {
    expect(() => new Normal({loc: 0, scale: -1})).toThrowError(ValueError);
    expect(() => new Normal({loc: 0, scale: 0})).toThrowError(/scale.*got 0/);
    expect(() => new Normal({loc: 0, scale: [1, -3]})).toThrowError(/scale.*got -3/);
  });

  it('keeps tf.memory().numTensors flat over sample / logProb / KL', () => {
    const q = new Normal({loc: [0.1, 0.2], scale: 0.5});
    const p = new Normal({loc: 0, scale: 1});
    expectNoLeak(() => {
      const s = q.sample([3], 1);
      tf.dispose([s, q.logProb(s), klDivergence(q, p), q.entropy(), q.variance()]);
    });
  });
});
