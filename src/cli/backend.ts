// Backend choice for the CLI. Default: the fastest that can train here. wasm (XNNPACK) when the
// package's wasm training kernels are available, else tfjs's pure-JS 'cpu'.
import {availableParallelism} from 'node:os';

import * as tf from '@tensorflow/tfjs';

import {setWasmBackend, setWebGPUBackend} from '../backends/index.js';
import {importHidden} from '../util/env.js';
import {ValueError} from '../util/errors.js';
import {fmt} from '../util/format.js';

/** Backends the CLI accepts. */
export const BACKENDS = ['cpu', 'wasm', 'webgpu', 'tensorflow'] as const;
/** One of {@link BACKENDS}. */
export type BackendName = typeof BACKENDS[number];

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
  // setWasmBackend registers the training kernels (Conv2DBackpropFilter, …) itself, and starts the
  // threaded SIMD build (worker_threads) when more than one XNNPACK thread is asked for.
  await setWasmBackend({threads});
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
        await setWebGPUBackend();
        break;
      }
      case 'tensorflow': {
        await importHidden('@tensorflow/tfjs-node');
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
