// Backend choice for the CLI. Default: the fastest that can train here. wasm (XNNPACK) when the
// package's wasm training kernels are available, else tfjs's pure-JS 'cpu'.
import {availableParallelism} from 'node:os';

import * as tf from '@tensorflow/tfjs';

import {ValueError} from '../util/errors.js';
import {fmt} from '../util/format.js';

/** Backends the CLI accepts. */
export const BACKENDS = ['cpu', 'wasm', 'webgpu', 'tensorflow'] as const;
/** One of {@link BACKENDS}. */
export type BackendName = typeof BACKENDS[number];

type AsyncFn = (...args: unknown[]) => unknown;

async function backendsModule(): Promise<Record<string, unknown>> {
  // A variable specifier: src/backends gains its wasm helpers in parallel work; until then the
  // functions are simply absent and the CLI falls back to 'cpu'.
  const specifier = '../backends/index.js';
  try {
    return await import(/* @vite-ignore */ specifier) as Record<string, unknown>;
  } catch {
    return {};
  }
}

/** Whether conv training (forward and both backward kernels) runs on the current backend. */
function canTrainConv(): boolean {
  try {
    const x = tf.variable(tf.ones([1, 4, 4, 1]));
    const w = tf.variable(tf.ones([2, 2, 1, 2]));
    const g = tf.grads((a: tf.Tensor, b: tf.Tensor) =>
      tf.sum(tf.maxPool(tf.relu(tf.conv2d(a as tf.Tensor4D, b as tf.Tensor4D, 1, 'same')), 2, 2, 'same')));
    const out = g([x, w]);
    out.forEach((t) => t.dataSync());
    tf.dispose([...out, x, w]);
    return true;
  } catch {
    return false;
  }
}

async function setWasm(threads: number): Promise<void> {
  const mod = await backendsModule();
  const setWasmBackend = mod['setWasmBackend'];
  if (typeof setWasmBackend === 'function') {
    // setWasmBackend registers the training kernels (Conv2DBackpropFilter, …) itself.
    // The threaded SIMD build (worker_threads) when more than one XNNPACK thread is asked for.
    await (setWasmBackend as AsyncFn)({threads});
  } else {
    await import('@tensorflow/tfjs-backend-wasm');
    if (!(await tf.setBackend('wasm'))) throw new Error('tf.setBackend("wasm") returned false');
  }
  await tf.ready();
}

/**
 * Activates `name`, or with no name the fastest backend that trains convolutions here (wasm with
 * training kernels, else cpu). `threads` is the wasm backend's XNNPACK thread count (default: one
 * per core). Returns the backend now active. Throws `ValueError` when a named backend cannot start
 * here.
 */
export async function selectBackend(owner: string, name: BackendName | undefined,
    threads = availableParallelism()): Promise<string> {
  threads = Math.max(1, threads);
  const fail = (n: string, why: unknown): never => {
    throw new ValueError(`${owner}: --backend ${n} must be available on this machine; got an error ` +
        `starting it (${why instanceof Error ? why.message : fmt(why)}).`);
  };
  if (name === undefined) {
    try {
      await setWasm(threads);
      if (canTrainConv()) return 'wasm';
    } catch {
      // fall through to cpu
    }
    await tf.setBackend('cpu');
    await tf.ready();
    return 'cpu';
  }
  try {
    switch (name) {
      case 'cpu':
        await tf.setBackend('cpu');
        break;
      case 'wasm':
        await setWasm(threads);
        if (!canTrainConv()) {
          throw new Error('the wasm backend lacks the convolution training kernels ' +
              '(Conv2DBackpropFilter/Input); use --backend cpu');
        }
        break;
      case 'webgpu': {
        const mod = await backendsModule();
        const set = mod['setWebGPUBackend'];
        if (typeof set !== 'function') throw new Error('setWebGPUBackend is not available');
        await (set as AsyncFn)();
        break;
      }
      case 'tensorflow': {
        const specifier = '@tensorflow/tfjs-node';
        await import(/* @vite-ignore */ specifier);
        if (!(await tf.setBackend('tensorflow'))) throw new Error('tf.setBackend returned false');
        break;
      }
    }
    await tf.ready();
  } catch (e) {
    fail(name, e);
  }
  return tf.getBackend();
}
