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
