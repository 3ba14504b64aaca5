// Test helpers for the distribution tests: seeds, tensor reads, leak checks and Monte Carlo moments.
import * as tf from '@tensorflow/tfjs';
import {expect} from 'vitest';

/** A fixed seed unless TFP_TEST_SEED is set (replay a failure); TFP_VARY_SEED=1 draws a fresh one. */
export function testSeed(salt = 0): number {
  const env = process.env['TFP_TEST_SEED'];
  if (env !== undefined) return Number(env) + salt;
  if (process.env['TFP_VARY_SEED'] === '1') return 1 + Math.floor(Math.random() * 0x7ffffffe);
  return 1234 + salt;
}

/** The values of a tensor as a flat array, disposing it. */
export function values(t: tf.Tensor): number[] {
  const v = Array.from(t.dataSync());
  t.dispose();
  return v;
}

/** Reads a scalar tensor and disposes it. */
export function scalar(t: tf.Tensor): number {
  expect(t.shape).toEqual([]);
  return values(t)[0] as number;
}

/** Shape of a tensor, disposing it. */
export function shapeOf(t: tf.Tensor): number[] {
  const s = t.shape.slice();
  t.dispose();
  return s;
}

/** Expects every entry of `actual` within `atol + rtol·|expected|` of `expected`. */
export function expectClose(actual: tf.Tensor | number[], expected: number[], rtol = 1e-5, atol = 1e-6): void {
  const a = Array.isArray(actual) ? actual : values(actual);
  expect(a.length).toBe(expected.length);
  a.forEach((v, i) => {
    const e = expected[i] as number;
    if (!Number.isFinite(e)) {
      expect(v).toBe(e);
    } else {
      expect(Math.abs(v - e), `entry ${i}: ${v} vs ${e}`).toBeLessThanOrEqual(atol + rtol * Math.abs(e));
    }
  });
}

/** Runs `fn` `reps` times and expects `tf.memory().numTensors` to be unchanged afterwards. */
export function expectNoLeak(fn: () => void, reps = 3): void {
  fn();  // warm-up: lazily created constants
  const before = tf.memory().numTensors;
  for (let i = 0; i < reps; i++) fn();
  expect(tf.memory().numTensors).toBe(before);
}

/**
 * Per-column sample mean of `draws` (shape [n, …]) within `k·sd/√n` of `mean`, and sample variance
 * within `k·var·√(2/n)` of `variance` (normal-theory standard errors; `kurtosisFactor` widens the
 * variance tolerance for non-normal laws: se(s²) = σ²·√((κ−1)/n) with κ the kurtosis).
 */
export function expectMoments(draws: tf.Tensor, mean: number[], variance: number[], k = 5,
    kurtosis = 3): void {
  const n = draws.shape[0] as number;
  const flat = draws.reshape([n, -1]);
  const m = values(tf.mean(flat, 0));
  const v = values(tf.tidy(() => tf.moments(flat, 0).variance));
  flat.dispose();
  m.forEach((mi, i) => {
    const sd = Math.sqrt(variance[i] as number);
    expect(Math.abs(mi - (mean[i] as number)), `mean ${i}: ${mi}`).toBeLessThanOrEqual(k * sd / Math.sqrt(n));
  });
  v.forEach((vi, i) => {
    const se = (variance[i] as number) * Math.sqrt((kurtosis - 1) / n);
    expect(Math.abs(vi - (variance[i] as number)), `variance ${i}: ${vi}`).toBeLessThanOrEqual(k * se);
  });
}
