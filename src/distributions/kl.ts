// The KL registry: kl(q, p) dispatches on the pair of classes, walking both prototype chains; the
// closest registered pair wins. Port of tensorflow_probability/python/distributions/kullback_leibler.py.
import type * as tf from '@tensorflow/tfjs-core';

import {NotImplementedError} from '../util/errors.js';

import type {Distribution} from './distribution.js';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type AnyDistribution = Distribution<any>;
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type DistributionClass = abstract new (...args: any[]) => AnyDistribution;

/** An analytic KL rule for one pair of classes. */
export type KLFn<Q extends AnyDistribution = AnyDistribution, P extends AnyDistribution = AnyDistribution> =
    (q: Q, p: P) => tf.Tensor;

const registry = new Map<object, Map<object, KLFn>>();

/**
 * Registers `fn` as the analytic `KL(q ‖ p)` for `q instanceof A`, `p instanceof B`.
 * A later registration of the same pair replaces the earlier one.
 */
export function registerKL<A extends DistributionClass, B extends DistributionClass>(
    classA: A, classB: B, fn: KLFn<InstanceType<A>, InstanceType<B>>): void {
  let inner = registry.get(classA.prototype as object);
  if (inner === undefined) {
    inner = new Map();
    registry.set(classA.prototype as object, inner);
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

/** The registered rule for the pair, or undefined (closest pair by summed inheritance distance). */
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
