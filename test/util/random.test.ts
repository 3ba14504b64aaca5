// The seeded generators: moments against closed forms (within 5 SE), independence across calls,
// determinism per seed, and the seed stream's properties (LAYERS.md §8).
import {describe, expect, it} from 'vitest';

import {normalArray, rademacherArray, uniformArray} from '../../src/util/random.js';
import {SeedStream} from '../../src/util/seed.js';

const N = 200_000;

function meanVar(a: Float32Array): [number, number] {
  let m = 0;
  for (const v of a) m += v;
  m /= a.length;
  let s = 0;
  for (const v of a) s += (v - m) ** 2;
  return [m, s / (a.length - 1)];
}

function correlation(a: Float32Array, b: Float32Array): number {
  const [ma, va] = meanVar(a);
  const [mb, vb] = meanVar(b);
  let c = 0;
  for (let i = 0; i < a.length; i++) c += ((a[i] as number) - ma) * ((b[i] as number) - mb);
  return c / (a.length - 1) / Math.sqrt(va * vb);
}

describe('normalArray', () => {
  it('has mean 0 and variance 1 within 5 SE, and kurtosis 3 within 5 SE', () => {
    const a = normalArray(N, 17);
    const [m, v] = meanVar(a);
    expect(Math.abs(m)).toBeLessThan(5 / Math.sqrt(N));
    expect(Math.abs(v - 1)).toBeLessThan(5 * Math.sqrt(2 / N));
    let k = 0;
    for (const x of a) k += x ** 4;
    expect(Math.abs(k / N - 3)).toBeLessThan(5 * Math.sqrt(96 / N));   // Var(z⁴) = 105 − 9 = 96
  });

  it('puts 68.27% of the mass within ±1 (normal CDF) within 5 SE', () => {
    const a = normalArray(N, 23);
    const p = a.filter((x) => Math.abs(x) < 1).length / N;
    expect(Math.abs(p - 0.682689)).toBeLessThan(5 * Math.sqrt(0.682689 * 0.317311 / N));
  });

  it('has normal tails: P(|x| > 3) = 0.0026998 and P(|x| > 3.4426) = 0.000576 within 5 SE', () => {
    // 3.4426 is the ziggurat's base-strip edge R: beyond it draws come from the tail algorithm.
    const n = 1_000_000;
    const a = normalArray(n, 31);
    for (const [edge, p] of [[3, 0.0026998], [3.442619855899, 0.000576]] as const) {
      const observed = a.filter((x) => Math.abs(x) > edge).length / n;
      expect(Math.abs(observed - p)).toBeLessThan(5 * Math.sqrt(p * (1 - p) / n));
    }
  });

  it('repeats for the same seed and is uncorrelated across seeds and neighbours', () => {
    expect(Array.from(normalArray(100, 5))).toEqual(Array.from(normalArray(100, 5)));
    const a = normalArray(N, 5);
    const b = normalArray(N, 6);
    expect(Math.abs(correlation(a, b))).toBeLessThan(5 / Math.sqrt(N));
    expect(Math.abs(correlation(a.subarray(0, N - 1), a.subarray(1)))).toBeLessThan(5 / Math.sqrt(N));
  });
});

describe('uniformArray', () => {
  it('has mean ½ and variance 1/12 within 5 SE, all in (0, 1)', () => {
    const a = uniformArray(N, 3);
    const [m, v] = meanVar(a);
    expect(Math.abs(m - 0.5)).toBeLessThan(5 * Math.sqrt(1 / 12 / N));
    expect(Math.abs(v - 1 / 12)).toBeLessThan(5 * Math.sqrt(1 / 180 / N));   // Var((u−½)²) = 1/180
    expect(a.every((x) => x > 0 && x < 1)).toBe(true);
  });
});

describe('rademacherArray', () => {
  it('is ±1 with P(+1) = ½ within 5 SE, lag-1 and cross-seed correlations 0 within 5 SE', () => {
    const a = rademacherArray(N, 9);
    expect(a.every((x) => x === 1 || x === -1)).toBe(true);
    const plus = a.filter((x) => x === 1).length / N;
    expect(Math.abs(plus - 0.5)).toBeLessThan(5 * 0.5 / Math.sqrt(N));
    expect(Math.abs(correlation(a.subarray(0, N - 1), a.subarray(1)))).toBeLessThan(5 / Math.sqrt(N));
    expect(Math.abs(correlation(a.subarray(0, N - 32), a.subarray(32)))).toBeLessThan(5 / Math.sqrt(N));
    expect(Math.abs(correlation(a, rademacherArray(N, 10)))).toBeLessThan(5 / Math.sqrt(N));
  });

  it('handles lengths that are not a multiple of 32', () => {
    expect(rademacherArray(33, 1).length).toBe(33);
    expect(rademacherArray(33, 1).every((x) => x === 1 || x === -1)).toBe(true);
  });
});

describe('SeedStream', () => {
  it('is reproducible for (seed, salt), never yields 0, never repeats in 100 000 draws', () => {
    const a = new SeedStream(42, 'DenseFlipout');
    const b = new SeedStream(42, 'DenseFlipout');
    const seen = new Set<number>();
    for (let i = 0; i < 100_000; i++) {
      const s = a.next();
      expect(s).toBe(b.next());
      expect(s).toBeGreaterThan(0);
      seen.add(s);
    }
    expect(seen.size).toBeGreaterThan(99_990);   // 31-bit values: ≈ 2.3 birthday collisions expected
  });

  it('differs for different salts and seeds (ORACLES §11.4)', () => {
    const first = (seed: number, salt: string): number => new SeedStream(seed, salt).next();
    expect(first(1, 'a')).not.toBe(first(1, 'b'));
    expect(first(44, 'ConvFlipout')).not.toBe(first(45, 'ConvFlipout'));
  });
});
