// The library's random numbers. A seed's stream is Philox4x32-10 (counter-based; normals by
// Box–Muller), computed by the SIMD module of assembly/fused.ts: on the 'wasm' backend straight
// into tfjs's heap by a kernel, elsewhere into a Float32Array that is uploaded once (tfjs generates
// random tensors on the CPU on every backend anyway). Same seed, same numbers on every backend.
// Where WebAssembly SIMD is unavailable the JavaScript generators below are used instead (sfc32,
// Chris Doty-Humphrey's small fast counting generator seeded by splitmix32; normals by the
// ziggurat): also i.i.d. and seeded, but a different stream.
import * as tf from '@tensorflow/tfjs-core';

import {hasKernel, RADEMACHER, RANDOM_NORMAL, RANDOM_UNIFORM} from './fused_kernels.js';
import {philoxArray} from './philox.js';
import {mix32} from './seed.js';
import {sizeOf} from './shape.js';

/** A seeded stream of uniform 32-bit integers (sfc32). */
export class Sfc32 {
  private a: number;
  private b: number;
  private c: number;
  private d: number;

  constructor(seed: number) {
    // splitmix32 expansion of one 32-bit seed into 128 bits of state.
    let s = seed >>> 0;
    const next = (): number => {
      s = (s + 0x9e3779b9) >>> 0;
      return mix32(s);
    };
    this.a = next();
    this.b = next();
    this.c = next();
    this.d = next() | 1;
    for (let i = 0; i < 12; i++) this.nextUint32();
  }

  /** A uniform integer in [0, 2^32). */
  nextUint32(): number {
    const t = (((this.a + this.b) | 0) + this.d) | 0;
    this.d = (this.d + 1) | 0;
    this.a = this.b ^ (this.b >>> 9);
    this.b = (this.c + (this.c << 3)) | 0;
    this.c = (this.c << 21) | (this.c >>> 11);
    this.c = (this.c + t) | 0;
    return t >>> 0;
  }

  /** A uniform float in the open interval (0, 1). */
  nextOpenUnit(): number {
    return (this.nextUint32() + 0.5) / 4294967296;
  }
}

// Ziggurat tables (Marsaglia & Tsang 2000, 128 blocks; the ZIGNOR variant of Doornik 2005):
// x[i] are the block edges, RATIO[i] = x[i+1]/x[i] the fraction of block i inside the density.
const ZIG_R = 3.442619855899;
const ZIG_V = 9.91256303526217e-3;
const ZIG_X = new Float64Array(129);
const ZIG_RATIO = new Float64Array(128);
{
  let f = Math.exp(-0.5 * ZIG_R * ZIG_R);
  ZIG_X[0] = ZIG_V / f;
  ZIG_X[1] = ZIG_R;
  ZIG_X[128] = 0;
  for (let i = 2; i < 128; i++) {
    ZIG_X[i] = Math.sqrt(-2 * Math.log(ZIG_V / (ZIG_X[i - 1] as number) + f));
    f = Math.exp(-0.5 * (ZIG_X[i] as number) * (ZIG_X[i] as number));
  }
  for (let i = 0; i < 128; i++) ZIG_RATIO[i] = (ZIG_X[i + 1] as number) / (ZIG_X[i] as number);
}

/** One standard normal draw by the ziggurat: ~99% of draws cost two integers and a multiply. */
function zigguratNormal(rng: Sfc32): number {
  for (;;) {
    const u = 2 * rng.nextOpenUnit() - 1;
    const i = rng.nextUint32() & 0x7f;
    if (Math.abs(u) < (ZIG_RATIO[i] as number)) return u * (ZIG_X[i] as number);
    if (i === 0) {
      // The tail beyond R (Marsaglia 1964).
      let x: number;
      let y: number;
      do {
        x = Math.log(rng.nextOpenUnit()) / ZIG_R;
        y = Math.log(rng.nextOpenUnit());
      } while (-2 * y < x * x);
      return u < 0 ? x - ZIG_R : ZIG_R - x;
    }
    const x = u * (ZIG_X[i] as number);
    const xi = ZIG_X[i] as number;
    const xi1 = ZIG_X[i + 1] as number;
    const f0 = Math.exp(-0.5 * (xi * xi - x * x));
    const f1 = Math.exp(-0.5 * (xi1 * xi1 - x * x));
    if (f1 + rng.nextOpenUnit() * (f0 - f1) < 1) return x;
  }
}

/**
 * `n` i.i.d. standard normal numbers from `seed` by the ziggurat (about twice as fast as
 * Box–Muller in JavaScript): the fallback stream where WebAssembly SIMD is unavailable.
 */
export function zigguratNormalArray(n: number, seed: number): Float32Array {
  const out = new Float32Array(n);
  const rng = new Sfc32(seed);
  for (let i = 0; i < n; i++) out[i] = zigguratNormal(rng);
  return out;
}

/** `n` i.i.d. uniform numbers on (0, 1) from sfc32: the fallback stream. */
export function sfc32UniformArray(n: number, seed: number): Float32Array {
  const out = new Float32Array(n);
  const rng = new Sfc32(seed);
  for (let i = 0; i < n; i++) out[i] = rng.nextOpenUnit();
  return out;
}

/** `n` i.i.d. ±1 signs from sfc32 (32 signs per generated word): the fallback stream. */
export function sfc32RademacherArray(n: number, seed: number): Float32Array {
  const out = new Float32Array(n);
  const rng = new Sfc32(seed);
  for (let i = 0; i < n; i += 32) {
    let bits = rng.nextUint32();
    const end = Math.min(32, n - i);
    for (let j = 0; j < end; j++) {
      out[i + j] = (bits & 1) === 1 ? 1 : -1;
      bits >>>= 1;
    }
  }
  return out;
}

/** `n` i.i.d. standard normal numbers of `seed`'s stream. */
export function normalArray(n: number, seed: number): Float32Array {
  return philoxArray('normal', n, seed) ?? zigguratNormalArray(n, seed);
}

/** `n` i.i.d. uniform numbers on (0, 1) of `seed`'s stream (multiples of 2^−23 plus 2^−24). */
export function uniformArray(n: number, seed: number): Float32Array {
  return philoxArray('uniform', n, seed) ?? sfc32UniformArray(n, seed);
}

/** `n` i.i.d. ±1 signs of `seed`'s stream. */
export function rademacherArray(n: number, seed: number): Float32Array {
  return philoxArray('rademacher', n, seed) ?? sfc32RademacherArray(n, seed);
}

/** A float32 tensor of `shape` from the active backend's kernel `kernel` if it has one, else `array`. */
function draw(kernel: string, array: (n: number, seed: number) => Float32Array, shape: number[], seed: number,
    dtype: tf.DataType): tf.Tensor {
  if (dtype === 'float32' && hasKernel(kernel)) {
    return tf.engine().runKernel(kernel, {}, {shape, seed} as unknown as tf.NamedAttrMap) as tf.Tensor;
  }
  return tf.tensor(array(sizeOf(shape), seed), shape, dtype);
}

/** A standard-normal tensor of `shape` drawn from `seed`. */
export function randomNormal(shape: number[], seed: number, dtype: tf.DataType = 'float32'): tf.Tensor {
  return draw(RANDOM_NORMAL, normalArray, shape, seed, dtype);
}

/** A uniform (0, 1) tensor of `shape` drawn from `seed`. */
export function randomUniform(shape: number[], seed: number, dtype: tf.DataType = 'float32'): tf.Tensor {
  return draw(RANDOM_UNIFORM, uniformArray, shape, seed, dtype);
}

/** A tensor of i.i.d. ±1 signs of `shape` drawn from `seed` (TFP's `random_rademacher`). */
export function rademacher(shape: number[], seed: number, dtype: tf.DataType = 'float32'): tf.Tensor {
  return draw(RADEMACHER, rademacherArray, shape, seed, dtype);
}
