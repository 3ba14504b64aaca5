// Test helpers: seeds, injected noise (ORACLES.md's "inject") and Monte-Carlo moment checks.
import * as tf from '@tensorflow/tfjs';
import {expect} from 'vitest';

import type {NoiseSource} from '../../src/variational/estimators.js';

/** Seed for randomised tests: fixed by default, `TFP_TEST_SEED=<n>` replays, `TFP_VARY_SEED=1` varies. */
export function testSeed(fallback = 1234): number {
  const fixed = process.env['TFP_TEST_SEED'];
  if (fixed !== undefined) return Number(fixed);
  if (process.env['TFP_VARY_SEED'] === '1') return 1 + Math.floor(Math.random() * 1e9);
  return fallback;
}

/** A noise source returning the given sign tensors in order (then failing), and seeds 1, 2, …. */
export function fixedNoise(signs: tf.Tensor[]): NoiseSource {
  const queue = signs.slice();
  let seed = 0;
  return {
    rademacher(shape: number[]): tf.Tensor {
      const next = queue.shift();
      if (next === undefined) throw new Error('fixedNoise: no more sign tensors');
      expect(next.shape).toEqual(shape);
      return next.clone();
    },
    nextSeed(): number {
      seed += 1;
      return seed;
    },
  };
}

/** Inverse softplus, for setting σ through the untransformed scale u. */
export function softplusInverse(y: number): number {
  return y + Math.log(-Math.expm1(-y));
}

/** Elementwise |a − b| ≤ atol + rtol·|b|. */
export function expectClose(actual: tf.Tensor | ArrayLike<number>, expected: ArrayLike<number> | number[][] | number[][][],
    atol = 1e-5, rtol = 1e-5): void {
  const a = actual instanceof tf.Tensor ? Array.from(actual.dataSync()) : Array.from(actual);
  const e = (Array.isArray(expected) ? (expected as unknown[]).flat(4) : Array.from(expected as ArrayLike<number>)) as number[];
  expect(a.length).toBe(e.length);
  a.forEach((v, i) => {
    const want = e[i] as number;
    if (!(Math.abs(v - want) <= atol + rtol * Math.abs(want))) {
      throw new Error(`element ${i}: ${v} vs expected ${want} (atol ${atol}, rtol ${rtol})\nactual ${JSON.stringify(a)}\nexpected ${JSON.stringify(e)}`);
    }
  });
}

/** Per-coordinate sample mean and (unbiased) variance of `n` draws of equal length. */
export function moments(draws: ArrayLike<number>[]): {mean: number[]; variance: number[]} {
  const n = draws.length;
  const d = (draws[0] as ArrayLike<number>).length;
  const mean = new Array<number>(d).fill(0);
  const variance = new Array<number>(d).fill(0);
  for (const x of draws) for (let j = 0; j < d; j++) mean[j]! += (x[j] as number) / n;
  for (const x of draws) for (let j = 0; j < d; j++) variance[j]! += ((x[j] as number) - mean[j]!) ** 2 / (n - 1);
  return {mean, variance};
}

/**
 * Checks Monte-Carlo moments against closed forms within `k` standard errors: the mean within
 * k·sd/√n, the variance within k·var·√(2/n) (Gaussian outputs).
 */
export function expectMoments(draws: ArrayLike<number>[], expected: {mean: number[]; variance: number[]}, k = 5): void {
  const n = draws.length;
  const {mean, variance} = moments(draws);
  expected.mean.forEach((m, j) => {
    const v = expected.variance[j] as number;
    const tolMean = k * Math.sqrt(v / n) + 1e-6;
    const tolVar = k * v * Math.sqrt(2 / n) + 1e-6;
    if (Math.abs((mean[j] as number) - m) > tolMean) {
      throw new Error(`coordinate ${j}: sample mean ${mean[j]} vs ${m} (tolerance ${tolMean}, ${k} SE)`);
    }
    if (Math.abs((variance[j] as number) - v) > tolVar) {
      throw new Error(`coordinate ${j}: sample variance ${variance[j]} vs ${v} (tolerance ${tolVar}, ${k} SE)`);
    }
  });
}
