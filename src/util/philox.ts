// Philox4x32-10 random numbers from the SIMD module of assembly/fused.ts, for every backend: on
// 'wasm' its kernels write straight into tfjs's heap (src/backends/wasm_fused.ts); elsewhere one
// standalone instance with its own memory fills a Float32Array. Both run the same code, so a seed
// gives the same numbers on every backend. Where WebAssembly SIMD is unavailable, callers fall back
// to the JavaScript generators of random.ts (a different stream).
import {FUSED_WASM_BASE64} from '../backends/wasm_fused_module.js';

/** What the fused module exports for random numbers: n float32 values written at byte offset `out`. */
export interface PhiloxExports {
  philoxNormal(out: number, n: number, k0: number, k1: number): void;
  philoxUniform(out: number, n: number, k0: number, k1: number): void;
  philoxRademacher(out: number, n: number, k0: number, k1: number): void;
  philoxBlock(out: number, c0: number, c1: number, c2: number, c3: number, k0: number, k1: number): void;
}

/** The three streams a seed defines. */
export type PhiloxKind = 'normal' | 'uniform' | 'rademacher';

/** The export that fills `kind`. */
export function philoxFill(k: PhiloxExports, kind: PhiloxKind): PhiloxExports['philoxNormal'] {
  return kind === 'normal' ? k.philoxNormal : kind === 'uniform' ? k.philoxUniform : k.philoxRademacher;
}

/** The 64-bit Philox key of a seed (an integer; its low and high 32-bit words). */
export function philoxKey(seed: number): [number, number] {
  return [seed | 0, Math.floor(seed / 2 ** 32) | 0];
}

/** base64 → bytes, in a fresh ArrayBuffer (what WebAssembly.Module accepts). */
export function decodeBase64(base64: string): Uint8Array<ArrayBuffer> {
  const text = atob(base64);
  const bytes = new Uint8Array(new ArrayBuffer(text.length));
  for (let i = 0; i < text.length; i++) bytes[i] = text.charCodeAt(i);
  return bytes;
}

interface Standalone {
  exports: PhiloxExports;
  memory: WebAssembly.Memory;
}

let standalone: Standalone | null | undefined;

function instance(): Standalone | null {
  if (standalone !== undefined) return standalone;
  try {
    const memory = new WebAssembly.Memory({initial: 1});
    const module = new WebAssembly.Module(decodeBase64(FUSED_WASM_BASE64.plain));
    const exports = new WebAssembly.Instance(module, {env: {memory}}).exports as unknown as PhiloxExports;
    standalone = {exports, memory};
  } catch {
    standalone = null;
  }
  return standalone;
}

/** Whether the Philox streams are available here (WebAssembly with SIMD). */
export function philoxAvailable(): boolean {
  return instance() !== null;
}

/** `n` values of stream `kind` of `seed`, or null where WebAssembly SIMD is unavailable. */
export function philoxArray(kind: PhiloxKind, n: number, seed: number): Float32Array | null {
  const s = instance();
  if (s === null) return null;
  const bytes = n * 4;
  const missing = bytes - s.memory.buffer.byteLength;
  if (missing > 0) s.memory.grow(Math.ceil(missing / 65536));
  const [k0, k1] = philoxKey(seed);
  philoxFill(s.exports, kind)(0, n, k0, k1);
  return new Float32Array(s.memory.buffer, 0, n).slice();
}

/** Philox4x32-10 of one counter and key (all uint32): its four output words (known-answer tests). */
export function philoxBlock(counter: [number, number, number, number], key: [number, number]): number[] | null {
  const s = instance();
  if (s === null) return null;
  s.exports.philoxBlock(0, counter[0] | 0, counter[1] | 0, counter[2] | 0, counter[3] | 0, key[0] | 0, key[1] | 0);
  return Array.from(new Uint32Array(s.memory.buffer, 0, 4));
}
