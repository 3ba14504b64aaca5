// Sequential composition of nn layers, tfjs layers and plain functions (NN.md §2). Port of
// `Sequential` in tensorflow_probability/python/experimental/nn/layers.py.
import * as tf from '@tensorflow/tfjs-core';

import {InvalidArgumentError} from '../util/errors.js';
import {fmt} from '../util/format.js';

import {Layer, sanitizeName} from './layer.js';
import type {CallOptions, LayerArgs} from './layer.js';

/** Anything with a tfjs-style `apply` (e.g. a tfjs-layers layer or a bijector-like object). */
export interface Applicable {
  apply(x: unknown): unknown;
}

/**
 * An element of a `Sequential`: an nn {@link Layer}, a function `f(x, options?)`, an object with
 * `apply(x)`, or `null` (identity).
 */
export type SequentialElement = Layer | ((x: never, options?: CallOptions) => unknown) | Applicable | null;

function elementName(e: SequentialElement): string {
  if (e === null) return 'None';
  if (e instanceof Layer) return e.name;
  if (typeof e === 'function') {
    // Porting note: anonymous JS functions are named like Python lambdas, '<lambda>', so that
    // default names match TFP's ('<lambda>_X' sanitises to 'lambda__X').
    return e.name === '' ? '<lambda>' : e.name;
  }
  const named = (e as {name?: unknown}).name;
  if (typeof named === 'string') return named;
  return (e as object).constructor?.name ?? 'object';
}

/** Arguments of {@link Sequential}. */
export interface SequentialArgs extends LayerArgs {}

/**
 * Applies its elements in order; the last may return a distribution. Variables are collected from
 * every element that is an nn layer (in order, after `alsoTrack`). With the legacy API each call
 * sets `extraLoss` to the sum of the elements' `extraLoss` (null if none has one).
 *
 * Default name: the element names joined by `_`, sanitised (`[anonymous fn, AffineVariationalFlipout]`
 * → `'<lambda>_AffineVariationalFlipout'` → `'lambda__AffineVariationalFlipout'`).
 *
 * @example
 * const bnn = new tfp.nn.Sequential([
 *   new tfp.nn.ConvolutionVariationalFlipout(1, 8, 5, {strides: 2, padding: 'same', activationFn: tf.relu}),
 *   tfp.nn.util.flattenRightmost(3),
 *   new tfp.nn.AffineVariationalReparameterization(14 * 14 * 8, 10),
 *   (logits: tf.Tensor) => new tfp.distributions.Categorical({logits}),
 * ]);
 */
export class Sequential extends Layer {
  readonly className: string = 'Sequential';
  private readonly elements: SequentialElement[];
  private tracing = false;

  constructor(layers: Iterable<SequentialElement>, args: SequentialArgs = {}) {
    const list = layers !== null && layers !== undefined &&
        typeof (layers as Iterable<SequentialElement>)[Symbol.iterator] === 'function' ?
        Array.from(layers) : undefined;
    if (list === undefined || list.length === 0) {
      throw new InvalidArgumentError(`Sequential: layers must be a non-empty iterable of callables; ` +
          `got ${fmt(list ?? layers)}.`);
    }
    super(args, sanitizeName(list.map(elementName).join('_')));
    this.elements = list;
  }

  /** The elements, in order (a copy). */
  get layers(): SequentialElement[] {
    return this.elements.slice();
  }

  protected override children(): unknown[] {
    return this.elements;
  }

  /** Logs shape and dtype after each element when `true`; returns `this`. */
  setTrace(on: boolean): this {
    this.tracing = on;
    return this;
  }

  /**
   * A new `Sequential` of `layers.slice(start, end)` with the same name and `alsoTrack`.
   * Porting note: TFP's `seq[i]` with an integer fails; {@link at} returns one element.
   */
  slice(start?: number, end?: number): Sequential {
    return new Sequential(this.elements.slice(start, end), {name: this.name, alsoTrack: this.alsoTrack,
      validateArgs: this.validateArgs});
  }

  /** The element at `index` (negative counts from the end). */
  at(index: number): SequentialElement | undefined {
    return this.elements.at(index);
  }

  /**
   * Applies the elements in order. Each is called as `f(x, options)`; a function that throws a
   * `TypeError` is retried as `f(x)`. If `inputs` is itself a callable (a function or an nn
   * layer) the result is the composition `new Sequential([inputs, this])`.
   */
  override call(inputs: unknown, options: CallOptions = {}): unknown {
    if (typeof inputs === 'function' || inputs instanceof Layer) {
      return new Sequential([inputs as SequentialElement, this]);
    }
    let x = inputs;
    const losses: tf.Tensor[] = [];
    for (const e of this.elements) {
      if (e === null) {
        // identity
      } else if (e instanceof Layer) {
        x = e.call(x, options);
        if (e.extraLoss !== null) losses.push(e.extraLoss);
      } else if (typeof e === 'function') {
        const f = e as (x: unknown, options?: CallOptions) => unknown;
        try {
          x = f(x, options);
        } catch (err) {
          if (!(err instanceof TypeError)) throw err;
          x = f(x);
        }
      } else {
        x = e.apply(x);
      }
      if (this.tracing) {
        const t = x as {shape?: unknown; dtype?: unknown};
        console.log(`--- TRACE:  name:${elementName(e)}  shape:${fmt(t.shape)}  dtype:${fmt(t.dtype)}`);
      }
    }
    this.setExtraLoss(losses.length === 0 ? null :
        tf.tidy(() => losses.reduce((a, b) => tf.add(a, b), tf.scalar(0))));
    return x;
  }

  /** Disposes the variables of every nn layer element. */
  override dispose(): void {
    super.dispose();
    for (const e of this.elements) if (e instanceof Layer) e.dispose();
  }
}
