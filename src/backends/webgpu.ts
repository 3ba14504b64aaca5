// WebGPU for tfjs-probability: in a browser, tfjs's own `webgpu` backend; in Node, the same backend
// driven by Dawn through the `webgpu` npm package (an optional, user-installed dependency).
// Porting note: TFP has no counterpart; this follows shared/bench/peers/webgpu_node_probe.mjs.
//
// Reads are asynchronous only on this backend in Node: `dataSync()`/`arraySync()` need an
// OffscreenCanvas that Node lacks and throw, so library code paths use `await t.data()`.
import * as tf from '@tensorflow/tfjs-core';

import {BackendUnavailableError, ValueError} from '../util/errors.js';
import {fmt} from '../util/format.js';
import {importHidden} from '../util/env.js';

/** Options of {@link setWebGPUBackend}. */
export interface SetWebGPUBackendArgs {
  /** Dawn toggles passed to `create()` of the `webgpu` package, e.g. `['enable-dawn-features=…']`. Default `[]`. */
  dawnFlags?: string[];
  /** Which adapter to ask for. Default `'high-performance'`. */
  powerPreference?: 'high-performance' | 'low-power';
}

/** What {@link setWebGPUBackend} found. */
export interface WebGPUBackendInfo {
  /** `'browser'` when `navigator.gpu` was already there, `'dawn'` when installed from the `webgpu` package. */
  readonly source: 'browser' | 'dawn';
  /** Adapter vendor and architecture as the adapter reports them (may be empty strings). */
  readonly vendor: string;
  readonly architecture: string;
  /** Always `'webgpu'`: the tfjs backend now active. */
  readonly backend: string;
}

// Minimal structural types of the WebGPU objects touched here, so that this file compiles without
// @webgpu/types (whose versions differ between tfjs-backend-webgpu and the `webgpu` package).
interface AdapterLike {
  readonly info?: {vendor?: string; architecture?: string};
}
interface GpuLike {
  requestAdapter(options?: {powerPreference?: string}): Promise<AdapterLike | null>;
}
interface DeviceDescriptorLike {
  requiredFeatures?: unknown[];
}
interface RequestDeviceHost {
  requestDevice(descriptor?: DeviceDescriptorLike): Promise<unknown>;
  __tfpFlattened?: boolean;
}
interface DawnModule {
  create(flags: string[]): GpuLike;
  globals: Record<string, unknown>;
}

const OWNER = 'setWebGPUBackend';

function existingGpu(): GpuLike | undefined {
  const nav = (globalThis as {navigator?: {gpu?: GpuLike}}).navigator;
  return nav?.gpu;
}

function isDawnModule(m: unknown): m is DawnModule {
  return typeof m === 'object' && m !== null && typeof (m as DawnModule).create === 'function' &&
      typeof (m as DawnModule).globals === 'object';
}

// Hidden from bundlers (Vite, esbuild) so that they never try to pull Dawn's native addon into a
// browser build; only Node ever reaches this import.
async function importDawn(): Promise<DawnModule> {
  const specifier = 'webgpu';
  let mod: unknown;
  try {
    mod = await importHidden(specifier);
  } catch (e) {
    throw new BackendUnavailableError(
        `${OWNER}: the 'webgpu' package (Dawn for Node) could not be loaded; install it with ` +
        `\`npm install webgpu\`; got ${fmt(e instanceof Error ? e.message : e)}.`);
  }
  if (!isDawnModule(mod)) {
    throw new BackendUnavailableError(
        `${OWNER}: the 'webgpu' package must export create() and globals; got ${fmt(Object.keys(mod as object))}.`);
  }
  return mod;
}

// tfjs-backend-webgpu 4.22 pushes ['bgra8unorm-storage'] (an array, not a string) into
// requiredFeatures; Chrome tolerates it, Dawn's Node binding rejects it. Flatten once per class.
function flattenFeatureRequests(adapterClass: unknown): void {
  const proto = (adapterClass as {prototype?: RequestDeviceHost} | undefined)?.prototype;
  if (proto === undefined || typeof proto.requestDevice !== 'function' || proto.__tfpFlattened) return;
  const original = proto.requestDevice;
  proto.requestDevice = function(this: unknown, descriptor?: DeviceDescriptorLike) {
    if (descriptor !== undefined && Array.isArray(descriptor.requiredFeatures)) {
      descriptor.requiredFeatures = descriptor.requiredFeatures.flat();
    }
    return original.call(this, descriptor);
  };
  proto.__tfpFlattened = true;
}

function installNavigatorGpu(gpu: GpuLike): void {
  const g = globalThis as {navigator?: object};
  if (typeof g.navigator === 'object' && g.navigator !== null) {
    // Node ≥ 21 has a global navigator without `gpu`: add the property to it.
    Object.defineProperty(g.navigator, 'gpu', {value: gpu, configurable: true, writable: true});
  } else {
    Object.defineProperty(globalThis, 'navigator', {value: {gpu}, configurable: true, writable: true});
  }
}

/**
 * Makes tfjs's `webgpu` backend the active one, in a browser or in Node.
 *
 * In Node it loads Dawn from the `webgpu` package, installs its globals and `navigator.gpu` *before*
 * importing `@tensorflow/tfjs-backend-webgpu` (which registers itself only if `navigator.gpu`
 * exists at import), and flattens the backend's device-feature request. Defaults:
 * `powerPreference: 'high-performance'`, no Dawn flags.
 *
 * On this backend in Node, `dataSync()` and `arraySync()` throw: read results with `await t.data()`.
 *
 * @throws ValueError for an unknown `powerPreference`.
 * @throws BackendUnavailableError when the `webgpu` package is missing, when no adapter is found
 *   (no GPU, or no Vulkan driver: Dawn on Linux needs `libvulkan.so.1`), or when tfjs cannot
 *   start the backend. The active backend is then unchanged.
 * @example
 * ```ts
 * import {backends} from 'tfjs-probability';
 * try {
 *   await backends.setWebGPUBackend();
 * } catch (e) {
 *   console.warn(String(e));        // BackendUnavailableError: setWebGPUBackend: no WebGPU adapter …
 *   await tf.setBackend('cpu');
 * }
 * ```
 */
export async function setWebGPUBackend(args: SetWebGPUBackendArgs = {}): Promise<WebGPUBackendInfo> {
  const powerPreference = args.powerPreference ?? 'high-performance';
  const dawnFlags = args.dawnFlags ?? [];
  if (powerPreference !== 'high-performance' && powerPreference !== 'low-power') {
    throw new ValueError(
        `${OWNER}: powerPreference must be 'high-performance' or 'low-power'; got ${fmt(powerPreference)}.`);
  }
  let gpu = existingGpu();
  const source: WebGPUBackendInfo['source'] = gpu === undefined ? 'dawn' : 'browser';
  let dawnGlobals: Record<string, unknown> = {};
  if (gpu === undefined) {
    const dawn = await importDawn();
    dawnGlobals = dawn.globals;
    gpu = dawn.create(dawnFlags);
  }
  const adapter = await gpu.requestAdapter({powerPreference});
  if (adapter === null) {
    throw new BackendUnavailableError(
        `${OWNER}: no WebGPU adapter found (${source === 'dawn' ?
            'Dawn found no GPU: on Linux it needs a Vulkan driver and libvulkan.so.1' :
            'the browser exposes navigator.gpu but has no usable GPU'}); ` +
        `use the 'cpu', 'wasm' or 'webgl' backend instead.`);
  }
  // Only now touch globals, so that a failure above leaves the process as it was. Only what is
  // missing is added: GPUBufferUsage & co. are read by the backend as globals.
  for (const [key, value] of Object.entries(dawnGlobals)) {
    if (!(key in globalThis)) Object.defineProperty(globalThis, key, {value, configurable: true, writable: true});
  }
  flattenFeatureRequests(dawnGlobals['GPUAdapter'] ?? (globalThis as {GPUAdapter?: unknown}).GPUAdapter);
  if (source === 'dawn') installNavigatorGpu(gpu);
  if (tf.findBackendFactory('webgpu') === null) {
    // An optional peer dependency, hidden from bundlers: a browser app that wants WebGPU imports
    // '@tensorflow/tfjs-backend-webgpu' itself (then the backend is registered and this is skipped).
    try {
      await importHidden('@tensorflow/tfjs-backend-webgpu');
    } catch (e) {
      throw new BackendUnavailableError(
          `${OWNER}: @tensorflow/tfjs-backend-webgpu must be installed (npm install @tensorflow/tfjs-backend-webgpu)` +
          `${source === 'browser' ? ' and, in a bundled app, imported by the app before this call' : ''}; ` +
          `got ${fmt(e instanceof Error ? e.message : e)}.`);
    }
  }
  if (tf.findBackendFactory('webgpu') === null) {
    throw new BackendUnavailableError(
        `${OWNER}: @tensorflow/tfjs-backend-webgpu did not register 'webgpu' (it was imported before ` +
        `navigator.gpu existed); call ${OWNER}() before anything imports that package.`);
  }
  let ok: boolean;
  try {
    ok = await tf.setBackend('webgpu');
    await tf.ready();
  } catch (e) {
    throw new BackendUnavailableError(
        `${OWNER}: tfjs could not start the 'webgpu' backend; got ${fmt(e instanceof Error ? e.message : e)}.`);
  }
  if (!ok || tf.getBackend() !== 'webgpu') {
    throw new BackendUnavailableError(
        `${OWNER}: tfjs could not start the 'webgpu' backend; active backend is ${fmt(tf.getBackend())}.`);
  }
  return {
    source,
    vendor: adapter.info?.vendor ?? '',
    architecture: adapter.info?.architecture ?? '',
    backend: tf.getBackend(),
  };
}
