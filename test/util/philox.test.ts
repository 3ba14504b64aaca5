// Philox4x32-10 streams (src/util/philox.ts, assembly/fused.ts): Random123's known-answer vectors,
// the same numbers on every backend, independence at the lags the SIMD layout could correlate
// (within 5 SE), and the JavaScript fallback streams' moments. test/util/random.test.ts checks the
// distributions of the default streams.
import * as tf from '@tensorflow/tfjs';
import {afterAll, describe, expect, it} from 'vitest';

import {setWasmBackend} from '../../src/backends/wasm.js';
import {RADEMACHER, RANDOM_NORMAL, RANDOM_UNIFORM} from '../../src/util/fused_kernels.js';
import {philoxAvailable, philoxBlock} from '../../src/util/philox.js';
import {
  normalArray, rademacher, rademacherArray, randomNormal, randomUniform, sfc32RademacherArray, sfc32UniformArray,
  uniformArray, zigguratNormalArray,
} from '../../src/util/random.js';

const N = 200_000;

function mean(a: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i]!;
  return s / a.length;
}

/** Pearson correlation of a[i] and a[i + lag] (after f). */
function lagCorrelation(a: Float32Array, lag: number, f: (v: number) => number = (v) => v): number {
  const x = Array.from(a.subarray(0, a.length - lag), f);
  const y = Array.from(a.subarray(lag), f);
  const mx = mean(x);
  const my = mean(y);
  let c = 0;
  let vx = 0;
  let vy = 0;
  for (let i = 0; i < x.length; i++) {
    c += (x[i]! - mx) * (y[i]! - my);
    vx += (x[i]! - mx) ** 2;
    vy += (y[i]! - my) ** 2;
  }
  return c / Math.sqrt(vx * vy);
}

describe('Philox4x32-10', () => {
  it('is available here (WebAssembly SIMD in Node 20)', () => {
    expect(philoxAvailable()).toBe(true);
  });

  it("reproduces Random123's known-answer vectors", () => {
    const hex = (v: number[] | null): string[] | undefined => v?.map((w) => w.toString(16).padStart(8, '0'));
    expect(hex(philoxBlock([0, 0, 0, 0], [0, 0]))).toEqual(['6627e8d5', 'e169c58d', 'bc57ac4c', '9b00dbd8']);
    expect(hex(philoxBlock([0xffffffff, 0xffffffff, 0xffffffff, 0xffffffff], [0xffffffff, 0xffffffff])))
        .toEqual(['408f276d', '41c83b0e', 'a20bc7c6', '6d5451fd']);
    expect(hex(philoxBlock([0x243f6a88, 0x85a308d3, 0x13198a2e, 0x03707344], [0xa4093822, 0x299f31d0])))
        .toEqual(['d16cfe09', '94fdcceb', '5001e420', '24126ea1']);
  });

  it('has uncorrelated normals, and squares, at every lag of the 16-element block layout', () => {
    const a = normalArray(N, 2024);
    // Lags 1–3: neighbouring counters; 4 and 8: cos/sin of one Box–Muller pair and the next pair
    // of the same counter; 16: the next block. Squares catch a shared radius or a wrong quadrant.
    for (const lag of [1, 2, 3, 4, 8, 12, 16, 64]) {
      expect(Math.abs(lagCorrelation(a, lag))).toBeLessThan(5 / Math.sqrt(N));
      expect(Math.abs(lagCorrelation(a, lag, (v) => v * v))).toBeLessThan(5 / Math.sqrt(N));
    }
    let worst = 0;
    for (const v of a) worst = Math.max(worst, Math.abs(v));
    expect(worst).toBeLessThanOrEqual(5.78);  // √(−2 ln 2^−24): the Box–Muller bound
  });

  it('has uncorrelated signs at the lags of the 512-sign block layout', () => {
    const a = rademacherArray(N, 77);
    for (const lag of [1, 4, 16, 128, 512]) {
      expect(Math.abs(lagCorrelation(a, lag))).toBeLessThan(5 / Math.sqrt(N));
    }
  });

  it('gives a prefix of the same stream for a shorter length (a pure function of the index)', () => {
    for (const f of [normalArray, uniformArray, rademacherArray]) {
      const long = f(1100, 3);
      const short = f(37, 3);
      expect(Array.from(short)).toEqual(Array.from(long.subarray(0, 37)));
    }
  });
});

describe('random tensors on every backend', () => {
  afterAll(async () => {
    await tf.setBackend('cpu');
  });

  it('draws the same numbers on cpu and on wasm, there by kernels on the heap, with no leak', async () => {
    const shape = [7, 151];  // 1,057 elements: no multiple of 16 or 512
    const draws = (): Float32Array[] => [randomNormal(shape, 11), randomUniform(shape, 12), rademacher(shape, 13)]
        .map((t) => {
          const v = t.dataSync() as Float32Array;
          t.dispose();
          return v;
        });
    await tf.setBackend('cpu');
    const onCpu = draws();
    await setWasmBackend();
    const before = tf.memory().numTensors;
    const onWasm = draws();
    expect(tf.memory().numTensors).toBe(before);
    onWasm.forEach((v, i) => expect(Array.from(v)).toEqual(Array.from(onCpu[i]!)));
    const info = await tf.profile(() => tf.dispose([randomNormal(shape, 1), randomUniform(shape, 2), rademacher(shape, 3)]));
    expect(info.kernels.map((k) => k.name)).toEqual([RANDOM_NORMAL, RANDOM_UNIFORM, RADEMACHER]);
  });
});

describe('JavaScript fallback streams (no WebAssembly SIMD)', () => {
  it('have the right moments within 5 SE', () => {
    const z = zigguratNormalArray(N, 5);
    const u = sfc32UniformArray(N, 5);
    const s = sfc32RademacherArray(N, 5);
    expect(Math.abs(mean(z))).toBeLessThan(5 / Math.sqrt(N));
    expect(Math.abs(mean(Array.from(z, (v) => v * v)) - 1)).toBeLessThan(5 * Math.sqrt(2 / N));
    expect(Math.abs(mean(u) - 0.5)).toBeLessThan(5 * Math.sqrt(1 / 12 / N));
    expect(Math.abs(mean(s))).toBeLessThan(5 / Math.sqrt(N));
  });
});
