// Random numbers generated in one tight loop per tensor and uploaded once: tfjs generates random
// tensors on the CPU on every backend anyway, and its generic path is several times slower.
// Generator: sfc32 (Chris Doty-Humphrey's small fast counting generator, 128-bit state) seeded by
// splitmix32; normals by the Box–Muller transform (both outputs used).
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

/** `n` i.i.d. standard normal numbers from `seed`. */
export function normalArray(n: number, seed: number): Float32Array {
  const out = new Float32Array(n);
  const rng = new Sfc32(seed);
  const twoPi = 2 * Math.PI;
  let i = 0;
  for (; i + 1 < n; i += 2) {
    const r = Math.sqrt(-2 * Math.log(rng.nextOpenUnit()));
    const t = twoPi * rng.nextOpenUnit();
    out[i] = r * Math.cos(t);
    out[i + 1] = r * Math.sin(t);
  }
  if (i < n) {
    out[i] = Math.sqrt(-2 * Math.log(rng.nextOpenUnit())) * Math.cos(twoPi * rng.nextOpenUnit());
  }
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
