// The KL registry: kl(q, p) dispatches on the pair of classes, walking both prototype chains; the
// closest registered pair wins. Port of tensorflow_probability/python/distributions/kullback_leibler.py.
import * as tf from '@tensorflow/tfjs-core';

import {NotImplementedError, ValueError} from '../util/errors.js';
import {fmt} from '../util/format.js';

import type {Distribution} from './distribution.js';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type AnyDistribution = Distribution<any>;
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type DistributionClass = abstract new (...args: any[]) => AnyDistribution;

/**
 * An analytic KL rule for one pair of classes: `(q, p) => KL(q ‖ p)` with shape
 * `broadcast(q.batchShape, p.batchShape)`.
 *
 * @example
 * const rule: tfp.distributions.KLFn<Normal, Normal> = (q, p) => tfp.distributions.klDivergence(q, p);
 */
export type KLFn<Q extends AnyDistribution = AnyDistribution, P extends AnyDistribution = AnyDistribution> =
    (q: Q, p: P) => tf.Tensor;

const registry = new Map<object, Map<object, KLFn>>();

/**
 * Options of {@link registerKL}.
 *
 * @example
 * tfp.distributions.registerKL(MyQ, MyP, rule, {override: true});
 */
export interface RegisterKLOptions {
  /** Replace a rule already registered for the same pair instead of throwing. Default false. */
  override?: boolean;
}

/**
 * Registers `fn` as the analytic `KL(q ‖ p)` for `q instanceof classA`, `p instanceof classB`
 * (lookup walks both class hierarchies; the closest registered pair wins).
 * A `fn` that is not a function is a `TypeError`; registering a pair that already has a rule is a
 * `ValueError` naming both classes and the existing rule (as TFP's `RegisterKL`), unless
 * `options.override` is true. Every rule of this package is registered once, when its module loads.
 *
 * @example
 * class MyNormal extends tfp.distributions.Normal {}
 * tfp.distributions.registerKL(MyNormal, MyNormal, (q, p) => tf.zeros(q.batchShape));
 * // Registering MyNormal ‖ MyNormal again throws, unless {override: true} is passed:
 * tfp.distributions.registerKL(MyNormal, MyNormal, myBetterRule, {override: true});
 */
export function registerKL<A extends DistributionClass, B extends DistributionClass>(
    classA: A, classB: B, fn: KLFn<InstanceType<A>, InstanceType<B>>, options: RegisterKLOptions = {}): void {
  if (typeof classA !== 'function' || typeof classB !== 'function') {
    throw new TypeError(`registerKL: classA and classB must be distribution classes; got ${fmt(classA)} ` +
        `and ${fmt(classB)}.`);
  }
  if (typeof fn !== 'function') {
    throw new TypeError(`registerKL: fn must be a function (q, p) => Tensor; got ${fmt(fn)}.`);
  }
  if (typeof options !== 'object' || options === null ||
      (options.override !== undefined && typeof options.override !== 'boolean')) {
    throw new ValueError(`registerKL: options must be {override?: boolean}; got ${fmt(options)}.`);
  }
  let inner = registry.get(classA.prototype as object);
  if (inner === undefined) {
    inner = new Map();
    registry.set(classA.prototype as object, inner);
  }
  const existing = inner.get(classB.prototype as object);
  if (existing !== undefined && options.override !== true) {
    throw new ValueError(`registerKL: KL(${classA.name} || ${classB.name}) has already been registered ` +
        `to ${fmt(existing)}; pass {override: true} to replace it.`);
  }
  inner.set(classB.prototype as object, fn as KLFn);
}

function chain(d: object): object[] {
  const out: object[] = [];
  for (let p = Object.getPrototypeOf(d) as object | null; p !== null && p !== Object.prototype;
       p = Object.getPrototypeOf(p) as object | null) {
    out.push(p);
  }
  return out;
}

/**
 * The registered rule for the pair, or undefined (closest pair by summed inheritance distance).
 *
 * @example
 * const n = new tfp.distributions.Normal({loc: 0, scale: 1});
 * tfp.distributions.lookupKL(n, n) !== undefined;  // true
 */
export function lookupKL(q: AnyDistribution, p: AnyDistribution): KLFn | undefined {
  const qs = chain(q);
  const ps = chain(p);
  let best: KLFn | undefined;
  let bestDist = Infinity;
  qs.forEach((qa, i) => {
    const inner = registry.get(qa);
    if (inner === undefined) return;
    ps.forEach((pb, j) => {
      const fn = inner.get(pb);
      if (fn !== undefined && i + j < bestDist) {
        best = fn;
        bestDist = i + j;
      }
    });
  });
  return best;
}

/**
 * Analytic `KL(q ‖ p)`, shape `broadcast(q.batchShape, p.batchShape)`.
 * Throws `NotImplementedError` naming both classes when no rule is registered.
 *
 * @example
 * const q = new tfp.distributions.Normal({loc: 0.5, scale: 0.5});
 * tfp.distributions.klDivergence(q, new tfp.distributions.Normal({loc: 0, scale: 1}));  // ln 2 − ¼
 */
export function klDivergence(q: AnyDistribution, p: AnyDistribution): tf.Tensor {
  const fn = lookupKL(q, p);
  if (fn === undefined) {
    throw new NotImplementedError(
        `No KL(distribution_a || distribution_b) registered for distribution_a type ` +
        `${q.className} and distribution_b type ${p.className}.`);
  }
  return fn(q, p);
}

/**
 * The cross entropy `H[q, p] = −E_q[log p(X)] = H[q] + KL(q ‖ p)` (TFP's `cross_entropy`, computed
 * the same way: `q.entropy()` plus the registered analytic KL), shape
 * `broadcast(q.batchShape, p.batchShape)`. Throws as {@link klDivergence} when no KL is registered.
 *
 * @example
 * const q = new tfp.distributions.Normal({loc: 0, scale: 1});
 * tfp.distributions.crossEntropy(q, new tfp.distributions.Normal({loc: 1, scale: 2}));
 * // H[q] + KL = 1.4189385 + 0.4431472 = 1.8620857
 */
export function crossEntropy(q: AnyDistribution, p: AnyDistribution): tf.Tensor {
  const fn = lookupKL(q, p);
  if (fn === undefined) return klDivergence(q, p);  // throws the NotImplementedError
  return tf.tidy(() => tf.add(q.entropy(), fn(q, p)));
}
