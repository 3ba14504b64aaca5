// The multi-threaded SIMD wasm build in Node (worker_threads), against tfjs's 'cpu' backend.
// A file of its own: once the threaded module is loaded, this process keeps it.
import {availableParallelism} from 'node:os';

import * as tf from '@tensorflow/tfjs';
import {afterAll, describe, expect, it} from 'vitest';

import {setWasmBackend} from '../../src/backends/wasm.js';
import {BackendUnavailableError} from '../../src/util/errors.js';

const cores = availableParallelism();

afterAll(async () => {
  await tf.setBackend('cpu');
  tf.removeBackend('wasm');  // terminates the worker threads
});

describe('setWasmBackend', () => {
  it.skipIf(cores < 2)('starts the threaded SIMD build with 2 XNNPACK threads in Node', async () => {
    const info = await setWasmBackend({threads: 2});
    expect(info).toEqual({backend: 'wasm', threads: 2, simd: true, multithreaded: true});
    expect(tf.getBackend()).toBe('wasm');
  });

  it.skipIf(cores < 2)('computes conv2d gradients equal to cpu on 2 threads', async () => {
    await setWasmBackend({threads: 2});
    const xv = tf.tidy(() => tf.randomNormal([4, 10, 10, 3], 0, 1, 'float32', 1).dataSync());
    const wv = tf.tidy(() => tf.randomNormal([3, 3, 3, 8], 0, 1, 'float32', 2).dataSync());
    const grads = (): Float32Array[] => tf.tidy(() => {
      const x = tf.tensor4d(xv, [4, 10, 10, 3]);
      const w = tf.tensor4d(wv, [3, 3, 3, 8]);
      const g = tf.grads((a: tf.Tensor, b: tf.Tensor) =>
        tf.conv2d(a as tf.Tensor4D, b as tf.Tensor4D, 1, 'same').square().sum().div(1000));
      return g([x, w]).map((t) => t.dataSync() as Float32Array);
    });
    const got = grads();
    await tf.setBackend('cpu');
    const want = grads();
    got.forEach((g, k) => g.forEach((v, i) => {
      const ref = want[k]![i]!;
      expect(Math.abs(v - ref)).toBeLessThanOrEqual(1e-4 * Math.max(1, Math.abs(ref)));
    }));
  });

  it.skipIf(cores < 2)('refuses to go back to 1 thread once the threaded build is loaded', async () => {
    await expect(setWasmBackend({threads: 1})).rejects.toThrowError(BackendUnavailableError);
    await expect(setWasmBackend({threads: 1})).rejects.toThrowError(/threads must stay 2.*got 1/);
  });
});
