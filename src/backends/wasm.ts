// tfjs's 'wasm' backend (XNNPACK, SIMD) made fit for training Bayesian conv nets: the missing and
// slow gradient kernels (wasm_kernels.ts), and a one-call setup that finds the .wasm binaries in
// Node and can run the multi-threaded build there (wasm_node.ts).
// Porting note: TFP has no counterpart; this exists because tfjs-backend-wasm 4.22 cannot train a
// convolution (no Conv2DBackpropFilter kernel).
import * as tf from '@tensorflow/tfjs-core';

import {BackendUnavailableError, ValueError} from '../util/errors.js';
import {fmt} from '../util/format.js';
import {importHidden, isNode} from '../util/env.js';

import {registerWasmTrainingKernels} from './wasm_kernels.js';
import type {WasmPackage} from './wasm_node.js';

export {registerWasmTrainingKernels, wasmTrainingKernelsRegistered, WASM_TRAINING_KERNELS} from './wasm_kernels.js';

const OWNER = 'setWasmBackend';

/** Options of {@link setWasmBackend}. */
export interface SetWasmBackendArgs {
  /**
   * XNNPACK threads. Default 1 in Node (tfjs's own choice there), tfjs's default in a browser.
   * Above 1 in Node, the threaded SIMD build is started on worker_threads (see wasm_node.ts).
   */
  threads?: number;
  /** Folder (or URL prefix) holding the `.wasm` files. Default: the installed package's, in Node. */
  wasmPaths?: string;
  /** Register {@link registerWasmTrainingKernels} first. Default `true`. */
  trainingKernels?: boolean;
}

/** What {@link setWasmBackend} started. */
export interface WasmBackendInfo {
  /** Always `'wasm'`. */
  readonly backend: string;
  /** XNNPACK threads in use, as the backend reports them. */
  readonly threads: number;
  /** Whether the SIMD binary is in use. */
  readonly simd: boolean;
  /** Whether the multi-threaded binary is in use. */
  readonly multithreaded: boolean;
}

function isWasmPackage(m: unknown): m is WasmPackage {
  const p = m as Partial<WasmPackage> | null;
  return typeof p === 'object' && p !== null && typeof p.setWasmPaths === 'function' &&
      typeof p.setThreadsCount === 'function' && typeof p.BackendWasm === 'function';
}

async function importWasmPackage(): Promise<WasmPackage> {
  // Hidden from bundlers: an optional peer dependency, resolved from this file in Node.
  const specifier = '@tensorflow/tfjs-backend-wasm';
  let mod: unknown;
  try {
    mod = await importHidden(specifier);
  } catch (e) {
    throw new BackendUnavailableError(
        `${OWNER}: ${specifier} must be installed (npm install ${specifier}); ` +
        `got ${fmt(e instanceof Error ? e.message : e)}.`);
  }
  // The CJS build seen through ESM interop carries its exports on `default`.
  const withDefault = mod as {default?: unknown};
  const pkg = isWasmPackage(mod) ? mod : withDefault.default;
  if (!isWasmPackage(pkg)) {
    throw new BackendUnavailableError(`${OWNER}: ${specifier} must export setWasmPaths and BackendWasm; got ${
        fmt(Object.keys(mod as object))}.`);
  }
  return pkg;
}

let threadedActive = 0;

/**
 * Makes tfjs's 'wasm' backend the active one, ready for training: registers
 * {@link registerWasmTrainingKernels}, points tfjs at the `.wasm` files of the installed
 * `@tensorflow/tfjs-backend-wasm` (in Node), and, with `threads > 1` in Node, starts the
 * multi-threaded SIMD build on worker_threads. Defaults: `threads` 1 in Node, training kernels on.
 *
 * With threads in Node the worker threads keep the process alive until `tf.removeBackend('wasm')`
 * (which terminates them) or `process.exit()`. Switching to threads replaces the 'wasm' backend, so
 * do it before creating tensors there. Two threads pay off only when the second core is idle (see
 * docs/PERFORMANCE.md); on a busy machine they are slower than one.
 *
 * @throws ValueError when `threads` is not a positive integer.
 * @throws BackendUnavailableError when the package is missing or the backend fails to start;
 *   the active backend is then unchanged.
 * @example
 * ```ts
 * import {backends} from 'tfjs-probability';
 * const info = await backends.setWasmBackend({threads: 2});
 * console.log(info.threads);   // 2 on a machine with ≥ 2 cores
 * await model.fit(xs, ys);     // conv layers train on wasm
 * ```
 */
export async function setWasmBackend(args: SetWasmBackendArgs = {}): Promise<WasmBackendInfo> {
  if (args.threads !== undefined && !(Number.isInteger(args.threads) && args.threads >= 1)) {
    throw new ValueError(`${OWNER}: threads must be a positive integer; got ${fmt(args.threads)}.`);
  }
  // Without a request, a threaded build already loaded stays in use.
  const threads = args.threads ?? (threadedActive > 0 ? threadedActive : undefined);
  const pkg = await importWasmPackage();
  if (args.trainingKernels ?? true) registerWasmTrainingKernels();
  const node = isNode();
  const wantThreads = node && threads !== undefined && threads > 1;
  if (wantThreads) {
    if (threadedActive !== threads) {
      const {createThreadedBackend} = await import('./wasm_node.js');
      tf.removeBackend('wasm');
      // Same priority as tfjs's own registration of 'wasm'.
      tf.registerBackend('wasm', () => createThreadedBackend(pkg, threads), 2);
      threadedActive = threads;
    }
  } else {
    if (threadedActive !== 0) {
      throw new BackendUnavailableError(
          `${OWNER}: threads must stay ${threadedActive} once the threaded build is loaded in this process; got ${
              fmt(threads ?? 1)}.`);
    }
    let prefix = args.wasmPaths;
    if (prefix === undefined && node) {
      const {wasmPackageDir} = await import('./wasm_node.js');
      prefix = `${await wasmPackageDir()}/dist/`;
    }
    try {
      if (prefix !== undefined) pkg.setWasmPaths(prefix);
    } catch {
      // tfjs refuses new paths after a failed start; the earlier paths stay in force.
    }
    if (threads !== undefined) pkg.setThreadsCount(threads);
  }
  let ok = false;
  try {
    ok = await tf.setBackend('wasm');
    await tf.ready();
  } catch (e) {
    throw new BackendUnavailableError(
        `${OWNER}: tfjs could not start the 'wasm' backend; got ${fmt(e instanceof Error ? e.message : e)}.`);
  }
  if (!ok || tf.getBackend() !== 'wasm') {
    throw new BackendUnavailableError(
        `${OWNER}: tfjs could not start the 'wasm' backend; active backend is ${fmt(tf.getBackend())}.`);
  }
  return {
    backend: tf.getBackend(),
    threads: pkg.getThreadsCount(),
    simd: wantThreads || await tf.env().getAsync('WASM_HAS_SIMD_SUPPORT') === true,
    multithreaded: wantThreads || await tf.env().getAsync('WASM_HAS_MULTITHREAD_SUPPORT') === true,
  };
}
