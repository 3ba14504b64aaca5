// Shape and reduction helpers shared by the distributions (not exported from the package).
import * as tf from '@tensorflow/tfjs-core';

import {broadcastShapes, shapesEqual} from '../util/shape.js';

/** `[start, start+1, …, end−1]`. */
export function range(start: number, end: number): number[] {
  const out: number[] = [];
  for (let i = start; i < end; i++) out.push(i);
  return out;
}

/** Sums `t` over its rightmost `k` axes (`t` itself when `k == 0`). */
export function sumRightmost(t: tf.Tensor, k: number): tf.Tensor {
  return k === 0 ? t : tf.sum(t, range(t.rank - k, t.rank));
}

/** Broadcasts `t` to `shape` (`t` itself when the shapes already agree). */
export function broadcastTo(t: tf.Tensor, shape: number[]): tf.Tensor {
  return shapesEqual(t.shape, shape) ? t : tf.broadcastTo(t, shape);
}

/** Broadcasts the leading (batch) part of `t` against `batchShape`, keeping its last `eventRank` axes. */
export function broadcastBatch(t: tf.Tensor, batchShape: number[], eventRank: number): tf.Tensor {
  const lead = t.shape.slice(0, t.rank - eventRank);
  const event = t.shape.slice(t.rank - eventRank);
  return broadcastTo(t, [...broadcastShapes(lead, batchShape), ...event]);
}

/**
 * `t` of shape `sample + batch + rest` with its batch part left-padded by ones to `targetRank`
 * axes, so that numpy broadcasting aligns batch with batch (not with the sample axes) when a
 * part's batch rank is below the distribution's.
 */
export function alignBatch(t: tf.Tensor, sampleRank: number, batchRank: number, targetRank: number): tf.Tensor {
  if (batchRank >= targetRank) return t;
  const ones = new Array<number>(targetRank - batchRank).fill(1);
  return tf.reshape(t, [...t.shape.slice(0, sampleRank), ...ones, ...t.shape.slice(sampleRank)]);
}

/**
 * `log Σ_k exp(t_k)` over the last axis, stably: the max is subtracted first, and a slice whose max
 * is −∞ (every term −∞) gives −∞ rather than NaN.
 */
export function logSumExpLast(t: tf.Tensor): tf.Tensor {
  const max = tf.max(t, -1, true);
  const safeMax = tf.where(tf.isFinite(max), max, tf.zerosLike(max));
  // The max's own gradient cancels between the two terms, so it needs no stop-gradient.
  const s = tf.log(tf.sum(tf.exp(tf.sub(t, safeMax)), -1));
  return tf.add(s, tf.squeeze(safeMax, [-1]));
}

/**
 * `a·b` for `a ≥ 0` with the convention `0·(anything) = 0`, so that `0·log 0` and `0·(−∞)` are 0,
 * not NaN. The mask is `0 ≥ a` because tfjs has a gradient for GreaterEqual but not for Equal.
 */
export function mulZeroSafe(a: tf.Tensor, b: tf.Tensor): tf.Tensor {
  const prod = tf.mul(a, b);
  const zero = tf.greaterEqual(0, a);
  return tf.where(broadcastTo(zero, prod.shape), tf.zerosLike(prod), prod);
}

/**
 * `tf.oneHot(indices, depth, 1, 0, dtype)` that also accepts `depth == 1` (tfjs's oneHot kernel
 * asserts depth ≥ 2; one class is a valid Categorical / one-component mixture).
 */
export function oneHot(indices: tf.Tensor, depth: number, dtype: 'float32' | 'int32' = 'float32'): tf.Tensor {
  if (depth !== 1) return tf.oneHot(indices as tf.Tensor1D, depth, 1, 0, dtype);
  return tf.tidy(() => tf.expandDims(tf.cast(tf.equal(indices, 0), dtype), -1));
}

/** The diagonal of a `[..., k, k]` matrix, `[..., k]` (differentiable: a masked sum). */
export function matrixDiagPart(m: tf.Tensor): tf.Tensor {
  const k = m.shape[m.rank - 1] as number;
  return tf.sum(tf.mul(m, tf.eye(k)), -1);
}

/** `diag(d)`: a `[..., k]` vector as the `[..., k, k]` diagonal matrix. */
export function matrixDiag(d: tf.Tensor): tf.Tensor {
  const k = d.shape[d.rank - 1] as number;
  return tf.mul(tf.expandDims(d, -1), tf.eye(k));
}

/**
 * `M v` for `M` of shape `batchM + [k, k]` and `v` of shape `batchV + [k]`, batch dims broadcast:
 * one matMul when `M` has no batch dims, else a broadcast multiply and sum over the last axis.
 */
export function matvec(m: tf.Tensor, v: tf.Tensor): tf.Tensor {
  const k = m.shape[m.rank - 1] as number;
  if (m.rank === 2) {
    const flat = tf.matMul(tf.reshape(v, [-1, k]), m, false, true);
    return tf.reshape(flat, v.shape);
  }
  return tf.sum(tf.mul(m, tf.expandDims(v, -2)), -1);
}

/**
 * `X = L⁻¹ B` for a lower-triangular `L` of shape `batchL + [k, k]` (entries above the diagonal
 * must be 0) and `B` of shape `batchB + [k, m]`; the result has the broadcast batch. Forward
 * substitution by columns of L: row i of X is `R_i / L_ii`, then `R ← R − L[:, i] ⊗ X_i`, so the
 * cost is k steps of a few tensor ops each (tfjs has no triangular solve); differentiable.
 */
export function solveLowerTriangular(l: tf.Tensor, b: tf.Tensor): tf.Tensor {
  const k = l.shape[l.rank - 1] as number;
  const diag = matrixDiagPart(l);
  const rows: tf.Tensor[] = [];
  let r = b;
  for (let i = 0; i < k; i++) {
    const xi = tf.div(tf.gather(r, i, r.rank - 2), tf.expandDims(tf.gather(diag, i, diag.rank - 1), -1));
    rows.push(xi);
    if (i < k - 1) {
      const col = tf.gather(l, i, l.rank - 1);  // L[..., :, i]
      r = tf.sub(r, tf.mul(tf.expandDims(col, -1), tf.expandDims(xi, -2)));
    }
  }
  return tf.stack(rows, (rows[0] as tf.Tensor).rank - 1);
}
