// Serializable functions. tfp.layers takes functions as arguments (posterior, prior, tensor and
// divergence fns); a saved model stores each as `{className, config}` from this registry and a
// loaded one rebuilds it by name. Nothing in a model file is ever evaluated as code.
//
// Porting note: TFP marshals Python bytecode (LAYERS.md §7); here only registered factories
// serialize, and saving a layer with an unregistered closure is a ValueError naming the argument.
import type * as tf from '@tensorflow/tfjs-core';

import {ValueError} from '../util/errors.js';
import {fmt} from '../util/format.js';

/** The JSON form of a serializable function. */
export interface SerializedFn {
  className: string;
  config: tf.serialization.ConfigDict;
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type AnyFn = (...args: any[]) => unknown;

const descriptions = new WeakMap<AnyFn, SerializedFn>();
const factories = new Map<string, (config: tf.serialization.ConfigDict) => AnyFn>();

/**
 * Registers a factory that rebuilds a function from its config, under `className`.
 * Users register their own divergence or posterior fns this way to make models with them savable.
 *
 * @example
 * tfp.layers.util.registerFn('ScaledKL', (c) => tfp.layers.util.klDivergenceFn({weight: c.weight}));
 */
export function registerFn(className: string,
    factory: (config: tf.serialization.ConfigDict) => AnyFn): void {
  factories.set(className, factory);
}

/** Marks `fn` as serializable as `{className, config}` and returns it. */
export function describeFn<F extends AnyFn>(fn: F, className: string,
    config: tf.serialization.ConfigDict = {}): F {
  descriptions.set(fn, {className, config});
  return fn;
}

/** The serialized form of `fn`, or undefined if it was not made by a registered factory. */
export function serializedFormOf(fn: AnyFn): SerializedFn | undefined {
  return descriptions.get(fn);
}

function isSerializedFn(v: unknown): v is SerializedFn {
  return typeof v === 'object' && v !== null && !Array.isArray(v) &&
      typeof (v as SerializedFn).className === 'string';
}

/**
 * A function argument as given (a function, its serialized form, or null/undefined). Serialized
 * forms are rebuilt from the registry; an unknown name is a `ValueError`.
 */
export function resolveFn<F extends AnyFn>(owner: string, arg: string, value: unknown,
    fallback: F | null): F | null {
  if (value === undefined) return fallback;
  if (value === null) return null;
  if (typeof value === 'function') return value as F;
  if (isSerializedFn(value)) {
    const factory = factories.get(value.className);
    if (factory === undefined) {
      throw new ValueError(`${owner}: ${arg} names an unregistered function ${fmt(value.className)}; ` +
          `registered: ${fmt([...factories.keys()])}. Register it with tfp.layers.util.registerFn.`);
    }
    const config = value.config ?? {};
    if (typeof config !== 'object' || Array.isArray(config)) {
      throw new ValueError(`${owner}: ${arg}.config must be an object; got ${fmt(config)}.`);
    }
    return factory(config) as F;
  }
  throw new ValueError(`${owner}: ${arg} must be a function, a serialized function ` +
      `{className, config}, or null; got ${fmt(value)}.`);
}

/** The serialized form of a function argument for `getConfig`; throws if it cannot be saved. */
export function serializeFn(owner: string, arg: string, fn: AnyFn | null): SerializedFn | null {
  if (fn === null) return null;
  const form = descriptions.get(fn);
  if (form === undefined) {
    throw new ValueError(`${owner}: ${arg} is a custom function (${fmt(fn)}) that cannot be ` +
        `serialized; build it with a registered factory (see tfp.layers.util.registerFn).`);
  }
  return form;
}
