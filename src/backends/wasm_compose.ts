// Helpers for kernels composed from other kernels of tfjs's 'wasm' backend: run a kernel by name,
// and free every intermediate result once the composed kernel has its output.
import {getKernel} from '@tensorflow/tfjs-core';
import type {DataType, KernelBackend, KernelConfig, NamedAttrMap, TensorInfo} from '@tensorflow/tfjs-core';

import {BackendUnavailableError} from '../util/errors.js';

/** The backend these kernels are for. */
export const BACKEND = 'wasm';

/**
 * The wasm backend's own kernels, captured before any replacement, so that a replaced kernel can
 * still fall back to (and compose from) the original.
 */
export const originals = new Map<string, KernelConfig>();

/** The one cast forced by tfjs's types: a kernel's attributes arrive as a NamedAttrMap. */
export function attrsAs<T>(attrs: NamedAttrMap | undefined): T {
  return (attrs ?? {}) as unknown as T;
}

/** The original wasm kernel `name` (or the registered one when none was replaced). */
export function wasmKernel(name: string): KernelConfig {
  const k = originals.get(name) ?? getKernel(name, BACKEND);
  if (k === undefined) {
    throw new BackendUnavailableError(
        `registerWasmTrainingKernels: the 'wasm' backend must provide kernel ${name}; got none.`);
  }
  return k;
}

/** The first output of a kernel call. */
export function first(out: TensorInfo | TensorInfo[], name: string): TensorInfo {
  const info = Array.isArray(out) ? out[0] : out;
  if (info === undefined) throw new BackendUnavailableError(`wasm kernel ${name}: must return a tensor; got none.`);
  return info;
}

/** What the wasm backend offers beyond KernelBackend (see tfjs-backend-wasm's BackendWasm). */
export interface WasmHeapBackend extends KernelBackend {
  makeOutput(shape: number[], dtype: DataType): TensorInfo;
  typedArrayFromHeap(info: TensorInfo): Float32Array | Int32Array | Uint8Array;
}

/** The cast forced by tfjs's KernelFunc type, whose `backend` is `{}`: here it is a BackendWasm. */
export function asWasmBackend(backend: object): WasmHeapBackend {
  return backend as WasmHeapBackend;
}

/** Runs wasm kernels and frees every intermediate result except the one returned. */
export class Composer {
  private readonly temps: TensorInfo[] = [];
  readonly backend: KernelBackend;
  /** `backend` is what a KernelFunc receives, which tfjs types as `{}`. */
  constructor(backend: object) {
    this.backend = asWasmBackend(backend);
  }

  /** Runs the original wasm kernel `name`; its output is freed by {@link finish} unless returned. */
  run(name: string, inputs: Record<string, TensorInfo | undefined>, attrs: object = {}): TensorInfo {
    const ins: Record<string, TensorInfo> = {};
    for (const [k, v] of Object.entries(inputs)) if (v !== undefined) ins[k] = v;
    const info = first(wasmKernel(name).kernelFunc({inputs: ins, backend: this.backend, attrs: attrs as NamedAttrMap}), name);
    this.temps.push(info);
    return info;
  }

  /** Runs a kernel whose inputs are a list (Concat, AddN). */
  runList(name: string, list: TensorInfo[], attrs: object = {}): TensorInfo {
    // Such kernels read `inputs` as an array; tfjs's engine passes them that way too.
    const inputs = list as unknown as Record<string, TensorInfo>;
    const info = first(wasmKernel(name).kernelFunc({inputs, backend: this.backend, attrs: attrs as NamedAttrMap}), name);
    this.temps.push(info);
    return info;
  }

  /** StridedSlice with no masks, `end` exclusive. */
  stridedSlice(x: TensorInfo, begin: number[], end: number[], strides: number[]): TensorInfo {
    return this.run('StridedSlice', {x}, {
      begin, end, strides, beginMask: 0, endMask: 0, ellipsisMask: 0, newAxisMask: 0, shrinkAxisMask: 0,
    });
  }

  /** Sum of one or more same-shaped tensors. */
  addAll(list: TensorInfo[]): TensorInfo {
    if (list.length === 1 && list[0] !== undefined) return list[0];
    return this.runList('AddN', list);
  }

  /** Reshape without a copy (the wasm Reshape shares the buffer and counts a reference). */
  reshape(x: TensorInfo, shape: number[]): TensorInfo {
    return this.run('Reshape', {x}, {shape});
  }

  /** Frees the intermediates and hands `result` to the engine. */
  finish(result: TensorInfo): TensorInfo {
    for (const t of this.temps) if (t !== result) this.backend.disposeData(t.dataId);
    return result;
  }
}
