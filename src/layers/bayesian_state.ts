// State every Bayesian layer (the variational layers and DenseVariational) keeps beside its
// weights, written once: the pinned posterior draws of `withPosteriorSample`, the KL multipliers
// (`klWeight`, saved; `klBeta`, the annealing factor, not saved) and the divergence the layer
// added to the latest training loss (read by `tfp.layers.elboLogger`).
import * as tf from '@tensorflow/tfjs-core';

import {ValueError} from '../util/errors.js';
import {fmt} from '../util/format.js';

/**
 * A stack of pinned draws: while it is non-empty, each named draw (e.g. `'kernel'`, `'bias'`) is
 * made once, kept, and returned by every later call until the scope that pinned it ends.
 */
export class PinnedDraws {
  private readonly scopes: Array<Map<string, tf.Tensor>> = [];

  /** True inside at least one `withPosteriorSample` scope. */
  get active(): boolean {
    return this.scopes.length > 0;
  }

  /** Opens a scope (nested scopes draw anew and restore the outer draws when they end). */
  push(): void {
    this.scopes.push(new Map());
  }

  /** Closes the innermost scope and disposes its draws. */
  pop(): void {
    const scope = this.scopes.pop();
    if (scope !== undefined) tf.dispose([...scope.values()]);
  }

  /**
   * The pinned draw `name` of the innermost scope, made by `draw` the first time (outside any tidy
   * and any gradient tape: a pinned draw is a constant of the scope).
   */
  get(name: string, draw: () => tf.Tensor): tf.Tensor {
    const scope = this.scopes[this.scopes.length - 1];
    if (scope === undefined) return draw();
    let t = scope.get(name);
    if (t === undefined) {
      t = tf.keep(tf.tidy(() => tf.clone(draw())));
      scope.set(name, t);
    }
    return t;
  }

  /** Disposes every scope (the layer is being disposed). */
  clear(): void {
    while (this.scopes.length > 0) this.pop();
  }
}

/**
 * The divergences a layer added to the loss in its latest training step, one kept scalar per
 * loss closure (replaced at every evaluation, so memory stays flat).
 */
export class AddedLosses {
  private readonly values = new Map<string, tf.Tensor>();

  /** Keeps a copy of `value` (a scalar the loss closure returns) under `name`; returns `value`. */
  record<T extends tf.Tensor>(name: string, value: T): T {
    const old = this.values.get(name);
    if (old !== undefined && !old.isDisposed) old.dispose();
    this.values.set(name, tf.keep(tf.clone(value)));
    return value;
  }

  /** Σ of the recorded divergences (a new scalar), or null before the first training step. */
  total(): tf.Scalar | null {
    if (this.values.size === 0) return null;
    return tf.tidy(() => tf.addN([...this.values.values()].map((v) => tf.clone(v))) as tf.Scalar);
  }

  /** Disposes what is kept. */
  clear(): void {
    tf.dispose([...this.values.values()]);
    this.values.clear();
  }
}

/** Checks a KL multiplier (`klWeight`, `klBeta`): a finite number ≥ 0. */
export function checkKLMultiplier(owner: string, arg: string, value: unknown): number {
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0) {
    throw new ValueError(`${owner}: ${arg} must be a finite number ≥ 0; got ${fmt(value)}.`);
  }
  return value;
}
