// Opt-in numerical checks: stop at the first non-finite loss, gradient or weight with a clear
// `NumericalError` instead of silently training on NaN. Counterpart of TF's
// `tf.debugging.check_numerics` and Keras's `TerminateOnNaN` (which only stops; this raises).
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';

import {NumericalError, ValueError} from './errors.js';
import {fmt} from './format.js';
import {checkArgsObject, checkKeys} from './keys.js';

/** Counts of the non-finite entries of a tensor. */
export interface NonFiniteCounts {
  nan: number;
  inf: number;
}

/**
 * How many entries of `t` are NaN and how many are ±∞ (0 and 0 for an int or bool tensor); a
 * plain number counts as one entry. Anything else is a `ValueError`.
 */
export function countNonFinite(t: tf.Tensor | number): NonFiniteCounts {
  if (typeof t === 'number') return {nan: Number.isNaN(t) ? 1 : 0, inf: t === Infinity || t === -Infinity ? 1 : 0};
  checkTensor('countNonFinite', 't', t);
  if (t.dtype !== 'float32') return {nan: 0, inf: 0};
  const [nan, inf] = tf.tidy(() => [
    tf.sum(tf.cast(tf.isNaN(t), 'int32')),
    tf.sum(tf.cast(tf.isInf(t), 'int32')),
  ]);
  const counts = {nan: (nan as tf.Tensor).dataSync()[0] ?? 0, inf: (inf as tf.Tensor).dataSync()[0] ?? 0};
  tf.dispose([nan as tf.Tensor, inf as tf.Tensor]);
  return counts;
}

function checkTensor(owner: string, arg: string, t: unknown): asserts t is tf.Tensor {
  if (!(t instanceof tf.Tensor)) {
    throw new ValueError(`${owner}: ${arg} must be a tf.Tensor or a number; got ${fmt(t)}.`);
  }
  if (t.isDisposed) throw new ValueError(`${owner}: ${arg} must not be disposed; got a disposed ${fmt(t)}.`);
}

/**
 * Returns `t` unchanged if every entry is finite, else throws a `NumericalError` naming `name`
 * and counting the NaN and ±∞ entries; a plain number (e.g. a logged loss) is checked as itself.
 * Anything else (`null`, an array) is a `ValueError`. Reads the values synchronously (a device sync on GPU
 * backends), so use it where a check is worth a sync: per step, not per op.
 *
 * @example
 * const loss = tfp.util.checkNumerics(model.evaluate(x, y) as tf.Scalar, 'loss');
 */
export function checkNumerics<T extends tf.Tensor | number>(t: T, name: string): T {
  if (name !== undefined && typeof name !== 'string') {
    throw new ValueError(`checkNumerics: name must be a string; got ${fmt(name)}.`);
  }
  if (typeof t === 'number') {
    if (!Number.isFinite(t)) throw new NumericalError(`checkNumerics: ${name ?? 'value'} must be finite; got ${t}.`);
    return t;
  }
  checkTensor('checkNumerics', name === undefined ? 'value' : `${name}`, t);
  const {nan, inf} = countNonFinite(t);
  if (nan + inf > 0) {
    throw new NumericalError(`checkNumerics: ${name} must be finite; got ${nan} NaN and ${inf} ` +
        `infinite entries in ${fmt(t)}.`);
  }
  return t;
}

/** Arguments of {@link checkNumericsCallback}. */
export interface CheckNumericsCallbackArgs {
  /**
   * Also check every weight of the model after each batch (catches a non-finite gradient that was
   * applied although the loss was finite). Default true.
   */
  checkWeights?: boolean;
}

function logValue(v: unknown): number | undefined {
  if (typeof v === 'number') return v;
  if (v instanceof tf.Tensor && v.size === 1) return v.dataSync()[0];
  return undefined;
}

/**
 * A tfjs callback that throws a `NumericalError` at the end of the first batch whose logged
 * loss / metrics are NaN or ±∞ (naming the quantity, the epoch and the batch), or, with
 * `checkWeights`, whose step left a non-finite weight. `model.fit` then rejects with that error.
 */
export class CheckNumericsCallback extends tfl.Callback {
  private epoch = 0;
  private readonly checkWeights: boolean;

  constructor(args: CheckNumericsCallbackArgs = {}) {
    super();
    checkArgsObject('checkNumericsCallback', args);
    checkKeys('checkNumericsCallback', args, {own: ['checkWeights']});
    if (args.checkWeights !== undefined && typeof args.checkWeights !== 'boolean') {
      throw new ValueError(`checkNumericsCallback: checkWeights must be a boolean; got ${fmt(args.checkWeights)}.`);
    }
    this.checkWeights = args.checkWeights ?? true;
  }

  override async onEpochBegin(epoch: number): Promise<void> {
    this.epoch = epoch;
  }

  override async onBatchEnd(batch: number, logs?: tfl.Logs | Record<string, unknown>): Promise<void> {
    const where = `epoch ${this.epoch}, batch ${batch}`;
    for (const [key, value] of Object.entries(logs ?? {})) {
      if (key === 'batch' || key === 'size') continue;
      const v = logValue(value);
      if (v !== undefined && !Number.isFinite(v)) {
        throw new NumericalError(`checkNumericsCallback: ${key} must be finite; got ${v} at ${where}.`);
      }
    }
    if (this.checkWeights && this.model !== undefined) {
      for (const w of this.model.weights) {
        const {nan, inf} = countNonFinite(w.read());
        if (nan + inf > 0) {
          throw new NumericalError(`checkNumericsCallback: weight ${fmt(w.name)} must be finite; got ` +
              `${nan} NaN and ${inf} infinite entries after ${where}.`);
        }
      }
    }
  }
}

/**
 * A callback for `model.fit({callbacks: [...]})` that stops training with a `NumericalError` at
 * the first non-finite loss, metric or weight. Prefer {@link checkNumericsOptimizer} to refuse a
 * bad step before it is applied.
 *
 * @example
 * await model.fit(x, y, {epochs: 5, callbacks: [tfp.util.checkNumericsCallback()]});
 */
export function checkNumericsCallback(args: CheckNumericsCallbackArgs = {}): CheckNumericsCallback {
  return new CheckNumericsCallback(args);
}

/**
 * Makes `optimizer.minimize` (the step `model.fit` takes) check the loss and every gradient
 * before applying them: the first non-finite one throws a `NumericalError` naming the loss or the
 * variable, and that step is not applied, so the weights keep their last finite values. Returns
 * the same optimizer (its class and config are unchanged, so it still serializes).
 *
 * @example
 * model.compile({optimizer: tfp.util.checkNumericsOptimizer(tf.train.adam(1e-3)), loss: 'meanSquaredError'});
 */
export function checkNumericsOptimizer<O extends tf.Optimizer>(optimizer: O): O {
  const step = (f: () => tf.Scalar, returnCost = false, varList?: tf.Variable[]): tf.Scalar | null => {
    const {value, grads} = optimizer.computeGradients(f, varList);
    const bad = ((): string | null => {
      const lossCounts = countNonFinite(value);
      if (lossCounts.nan + lossCounts.inf > 0) return `the loss must be finite; got ${value.dataSync()[0]}`;
      for (const [name, g] of Object.entries(grads)) {
        const {nan, inf} = countNonFinite(g);
        if (nan + inf > 0) {
          return `the gradient of ${fmt(name)} must be finite; got ${nan} NaN and ${inf} infinite entries`;
        }
      }
      return null;
    })();
    if (bad !== null) {
      tf.dispose([value, ...Object.values(grads)]);
      throw new NumericalError(`checkNumericsOptimizer: ${bad}; the step was not applied.`);
    }
    optimizer.applyGradients(grads);
    tf.dispose(Object.values(grads));
    if (returnCost) return value;
    value.dispose();
    return null;
  };
  Object.defineProperty(optimizer, 'minimize', {value: step, configurable: true, writable: true});
  return optimizer;
}
