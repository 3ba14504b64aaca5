// SIMD kernels on tfjs-backend-wasm's own heap, compiled from assembly/fused.ts (AssemblyScript) by
// scripts/build_wasm.mjs. Our 11 KB module imports tfjs's WebAssembly.Memory, so it reads and writes
// tensors in place: no copy in or out.
//
// Porting note: TFP has no counterpart. tfjs-backend-wasm 4.22 runs Softplus and Log1p as scalar C
// loops over libm (Softplus: 21 ns per element here), and its Log1p is log(1 + x), which loses small
// arguments (all of them below 6e-8); the KL of N(μ, σ) ‖ N(0, 1) took 8 kernels forward and 4
// backward; random numbers were a JavaScript loop per element plus an upload. Each is one 4-wide
// pass here (Softplus 4.6 ns per element, normals 4.7, signs 0.33).
import {util} from '@tensorflow/tfjs-core';
import type {KernelFunc, TensorInfo} from '@tensorflow/tfjs-core';

import {KL_STANDARD_NORMAL, KL_STANDARD_NORMAL_GRAD} from '../util/fused_kernels.js';
import {decodeBase64, philoxFill, philoxKey} from '../util/philox.js';
import type {PhiloxExports, PhiloxKind} from '../util/philox.js';
import {normalArray, rademacherArray, uniformArray} from '../util/random.js';

import {asWasmBackend, wasmKernel} from './wasm_compose.js';
import type {WasmHeapBackend} from './wasm_compose.js';
import {FUSED_WASM_BASE64} from './wasm_fused_module.js';

/** The exports of assembly/fused.ts: pointers are byte offsets into tfjs's heap, n float32 elements. */
interface FusedExports extends PhiloxExports {
  softplus(x: number, y: number, n: number): void;
  log1pKernel(x: number, y: number, n: number): void;
  klStdNormal(loc: number, scale: number, out: number, n: number): void;
  klStdNormalGrad(loc: number, scale: number, dy: number, dLoc: number, dScale: number, n: number): void;
}

/** Where tfjs-backend-wasm keeps its memory: exported by the module, or made by JS when shared. */
interface EmscriptenModule {
  asm?: {memory?: WebAssembly.Memory};
  wasmMemory?: WebAssembly.Memory;
}

const instances = new WeakMap<WebAssembly.Memory, FusedExports | null>();

/**
 * The fused kernels bound to `backend`'s heap, or null where they cannot run (no SIMD, a runtime
 * that refuses a synchronous compile, a tfjs build that hides its memory); callers then use tfjs's
 * own kernels. Instantiated once per heap.
 */
export function fusedKernelsFor(backend: object): FusedExports | null {
  const wasm = (backend as {wasm?: EmscriptenModule}).wasm;
  const memory = wasm?.wasmMemory ?? wasm?.asm?.memory;
  if (memory === undefined) return null;
  const cached = instances.get(memory);
  if (cached !== undefined) return cached;
  let exports: FusedExports | null = null;
  try {
    const shared = typeof SharedArrayBuffer !== 'undefined' && memory.buffer instanceof SharedArrayBuffer;
    const module = new WebAssembly.Module(decodeBase64(shared ? FUSED_WASM_BASE64.shared : FUSED_WASM_BASE64.plain));
    exports = new WebAssembly.Instance(module, {env: {memory}}).exports as unknown as FusedExports;
  } catch {
    exports = null;
  }
  instances.set(memory, exports);
  return exports;
}

/** The byte offset of a float32 tensor in the heap (views are taken after every allocation). */
function offset(heap: WasmHeapBackend, t: TensorInfo): number {
  return heap.typedArrayFromHeap(t).byteOffset;
}

/** A float32 unary kernel from a fused export; other dtypes and fallbacks go to tfjs's kernel. */
function unary(name: string, run: (k: FusedExports, x: number, y: number, n: number) => void): KernelFunc {
  return (args) => {
    const {x} = args.inputs as {x: TensorInfo};
    const k = x.dtype === 'float32' ? fusedKernelsFor(args.backend) : null;
    if (k === null) return wasmKernel(name).kernelFunc(args);
    const heap = asWasmBackend(args.backend);
    const out = heap.makeOutput(x.shape, 'float32');
    const n = util.sizeFromShape(x.shape);
    if (n > 0) run(k, offset(heap, x), offset(heap, out), n);
    return out;
  };
}

/** Softplus: max(x, 0) + log1p(e^−|x|) in one SIMD pass; relative error ≤ 4 · 2^−24 (tested; 2.8 measured). */
export const softplus: KernelFunc = unary('Softplus', (k, x, y, n) => k.softplus(x, y, n));

/** Log1p accurate for small arguments (tfjs-wasm's is log(1 + x)); relative error ≤ 4 · 2^−24 (tested). */
export const log1p: KernelFunc = unary('Log1p', (k, x, y, n) => k.log1pKernel(x, y, n));

/** The named inputs of a fused kernel: float32 tensors of one size, else a TypeError. */
function floatInputs(kernel: string, args: Parameters<KernelFunc>[0], names: string[]): TensorInfo[] {
  const ins = args.inputs as Record<string, TensorInfo | undefined>;
  const size = util.sizeFromShape(ins[names[0]!]?.shape ?? []);
  return names.map((name) => {
    const t = ins[name];
    if (t === undefined || t.dtype !== 'float32' || util.sizeFromShape(t.shape) !== size) {
      throw new TypeError(`${kernel}: input ${name} must be a float32 tensor of ${size} elements; ` +
          `got ${t === undefined ? 'none' : `${t.dtype} of shape [${t.shape.join(', ')}]`}.`);
    }
    return t;
  });
}

/**
 * Where the SIMD module cannot run: the same formulas in float64 JavaScript over the heap (slower,
 * as accurate).
 */
const scalar = {
  kl(loc: Float32Array, scale: Float32Array, out: Float32Array): void {
    for (let i = 0; i < out.length; i++) {
      const m = loc[i]!;
      const d = scale[i]! - 1;
      out[i] = 0.5 * (m * m + d * (d + 2)) - Math.log1p(d);
    }
  },
  grad(loc: Float32Array, scale: Float32Array, dy: Float32Array, dLoc: Float32Array, dScale: Float32Array): void {
    for (let i = 0; i < dy.length; i++) {
      const s = scale[i]!;
      dLoc[i] = dy[i]! * loc[i]!;
      dScale[i] = dy[i]! * (s - 1 / s);
    }
  },
};

/** ½(μ² + σ²) − log σ − ½ elementwise, for loc and scale of one shape. */
export const klStandardNormal: KernelFunc = (args) => {
  const [loc, scale] = floatInputs(KL_STANDARD_NORMAL, args, ['loc', 'scale']) as [TensorInfo, TensorInfo];
  const heap = asWasmBackend(args.backend);
  const out = heap.makeOutput(loc.shape, 'float32');
  const n = util.sizeFromShape(loc.shape);
  const k = fusedKernelsFor(args.backend);
  if (n === 0) return out;
  if (k !== null) {
    k.klStdNormal(offset(heap, loc), offset(heap, scale), offset(heap, out), n);
  } else {
    scalar.kl(heap.typedArrayFromHeap(loc) as Float32Array, heap.typedArrayFromHeap(scale) as Float32Array,
        heap.typedArrayFromHeap(out) as Float32Array);
  }
  return out;
};

/** dLoc = dy · μ and dScale = dy · (σ − 1/σ) in one pass. */
export const klStandardNormalGrad: KernelFunc = (args) => {
  const [loc, scale, dy] = floatInputs(KL_STANDARD_NORMAL_GRAD, args, ['loc', 'scale', 'dy']) as [TensorInfo, TensorInfo, TensorInfo];
  const heap = asWasmBackend(args.backend);
  const dLoc = heap.makeOutput(loc.shape, 'float32');
  const dScale = heap.makeOutput(loc.shape, 'float32');
  const n = util.sizeFromShape(loc.shape);
  const k = fusedKernelsFor(args.backend);
  if (n === 0) return [dLoc, dScale];
  if (k !== null) {
    k.klStdNormalGrad(offset(heap, loc), offset(heap, scale), offset(heap, dy), offset(heap, dLoc),
        offset(heap, dScale), n);
  } else {
    const f = (t: TensorInfo): Float32Array => heap.typedArrayFromHeap(t) as Float32Array;
    scalar.grad(f(loc), f(scale), f(dy), f(dLoc), f(dScale));
  }
  return [dLoc, dScale];
};

/** Attributes of the random kernels: the output shape and an integer seed. */
interface RandomAttrs {
  shape: number[];
  seed: number;
}

/**
 * A kernel that writes `kind` numbers of a seed's Philox stream straight into a new heap tensor
 * (no JavaScript loop, no upload); the same numbers as src/util/random.ts gives on other backends.
 */
function randomKernel(kind: PhiloxKind): KernelFunc {
  const fallback = kind === 'normal' ? normalArray : kind === 'uniform' ? uniformArray : rademacherArray;
  return ({backend, attrs}) => {
    const {shape, seed} = attrs as unknown as RandomAttrs;
    const heap = asWasmBackend(backend);
    const out = heap.makeOutput(shape, 'float32');
    const n = util.sizeFromShape(shape);
    const k = fusedKernelsFor(backend);
    if (n === 0) return out;
    if (k !== null) {
      const [k0, k1] = philoxKey(seed);
      philoxFill(k, kind)(offset(heap, out), n, k0, k1);
    } else {
      heap.typedArrayFromHeap(out).set(fallback(n, seed));
    }
    return out;
  };
}

/** Standard normals of a seed's stream. */
export const randomNormalKernel: KernelFunc = randomKernel('normal');
/** Uniforms on (0, 1) of a seed's stream. */
export const randomUniformKernel: KernelFunc = randomKernel('uniform');
/** ±1 of a seed's stream. */
export const rademacherKernel: KernelFunc = randomKernel('rademacher');
