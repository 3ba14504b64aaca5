// Random numbers generated in one tight loop per tensor and uploaded once: tfjs generates random
// tensors on the CPU on every backend anyway, and its generic path is several times slower.
// Generator: sfc32 (Chris Doty-Humphrey's small fast counting generator, 128-bit state) seeded by
// splitmix32; normals by the ziggurat method.
import * as tf from '@tensorflow/tfjs-core';

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
 * `n` i.i.d. standard normal numbers from `seed` (ziggurat; about twice as fast as Box–Muller in
 * JavaScript, which matters: a Reparameterization step draws one normal per kernel weight).
 */
export function normalArray(n: number, seed: number): Float32Array {
  const out = new Float32Array(n);
  const rng = new Sfc32(seed);
  for (let i = 0; i < n; i++) out[i] = zigguratNormal(rng);
  return out;
}

/** `n` i.i.d. uniform numbers on (0, 1) from `seed`. */
export function uniformArray(n: number, seed: number): Float32Array {
  const out = new Float32Array(n);
  const rng = new Sfc32(seed);
  for (let i = 0; i < n; i++) out[i] = rng.nextOpenUnit();
  return out;
}

/** `n` i.i.d. ±1 signs from `seed` (32 signs per generated word). */
export function rademacherArray(n: number, seed: number): Float32Array {
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

/** A standard-normal tensor of `shape` drawn from `seed`. */
export function randomNormal(shape: number[], seed: number, dtype: tf.DataType = 'float32'): tf.Tensor {
  return tf.tensor(normalArray(sizeOf(shape), seed), shape, dtype);
}

/** A uniform (0, 1) tensor of `shape` drawn from `seed`. */
export function randomUniform(shape: number[], seed: number, dtype: tf.DataType = 'float32'): tf.Tensor {
  return tf.tensor(uniformArray(sizeOf(shape), seed), shape, dtype);
}

/** A tensor of i.i.d. ±1 signs of `shape` drawn from `seed` (TFP's `random_rademacher`). */
export function rademacher(shape: number[], seed: number, dtype: tf.DataType = 'float32'): tf.Tensor {
  return tf.tensor(rademacherArray(sizeOf(shape), seed), shape, dtype);
}
