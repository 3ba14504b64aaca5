import {createRequire} from 'node:module';

import * as tf from '@tensorflow/tfjs';
import {describe, expect, it} from 'vitest';

import {HELD_OUT, loadAllDigits, mnistSplit, permutation, rotate90} from '../../src/cli/data.js';

describe('loadAllDigits', () => {
  it('reads all 10,000 embedded digits in a fixed order, scaled to [−1, 1]', () => {
    const d = loadAllDigits();
    expect(d.n).toBe(10_000);
    // Per-class counts of the mnist package's digits/*.json (length / 784).
    const counts = new Array(10).fill(0);
    d.labels.forEach((c) => counts[c]++);
    expect(counts).toEqual([1001, 1127, 991, 1032, 980, 863, 1014, 1070, 944, 978]);
    let lo = Infinity;
    let hi = -Infinity;
    for (const v of d.images) { lo = Math.min(lo, v); hi = Math.max(hi, v); }
    expect([lo, hi]).toEqual([-1, 1]);
  });

  it('the shipped data/digits.u8.br holds exactly the mnist package\'s digits (devDependency as the oracle)', () => {
    const d = loadAllDigits();
    const require = createRequire(import.meta.url);
    const px = 784;
    let k = 0;
    let mismatches = 0;
    for (let c = 0; c < 10; c++) {
      const raw = (require(`mnist/src/digits/${c}.json`) as {data: number[]}).data;
      const m = Math.floor(raw.length / px);
      const expected = Float32Array.from(raw.slice(0, m * px), (x) => 2 * x - 1);
      const got = d.images.subarray(k * px, (k + m) * px);
      for (let i = 0; i < expected.length; i++) if (got[i] !== expected[i]) mismatches++;
      expect(Array.from(d.labels.subarray(k, k + m)).every((l) => l === c)).toBe(true);
      k += m;
    }
    expect(k).toBe(d.n);
    expect(mismatches).toBe(0);
  });
});

describe('mnistSplit', () => {
  it('splits 8,000 / 2,000 the same way every time', () => {
    const a = mnistSplit();
    const b = mnistSplit();
    expect([a.train.n, a.heldOut.n]).toEqual([10_000 - HELD_OUT, HELD_OUT]);
    expect(Array.from(a.heldOut.labels.slice(0, 50))).toEqual(Array.from(b.heldOut.labels.slice(0, 50)));
    expect(a.heldOut.images.slice(0, 2000)).toEqual(b.heldOut.images.slice(0, 2000));
  });
});

describe('permutation', () => {
  it('is a permutation, and a different one for another seed', () => {
    const p = permutation(100, 7);
    expect(Array.from(p).sort((x, y) => x - y)).toEqual(Array.from({length: 100}, (_, i) => i));
    expect(Array.from(permutation(100, 8))).not.toEqual(Array.from(p));
  });
});

describe('rotate90', () => {
  it('rotates counter-clockwise: [[1,2],[3,4]] → [[2,4],[1,3]]', () => {
    const x = tf.tensor4d([1, 2, 3, 4], [1, 2, 2, 1]);
    expect((rotate90(x).reshape([2, 2]).arraySync())).toEqual([[2, 4], [1, 3]]);
  });
});
