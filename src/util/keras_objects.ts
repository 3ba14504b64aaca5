// (De)serialisation of tfjs-layers objects (activations, initializers, regularizers, constraints)
// by registered class name only: a name is looked up in tfjs's SerializationMap, never evaluated.
import * as tf from '@tensorflow/tfjs-core';

import {ValueError} from './errors.js';
import {fmt} from './format.js';

/** A tfjs-layers serializable object (Initializer, Regularizer, Constraint, Activation). */
export interface KerasObject {
  getClassName(): string;
  getConfig(): tf.serialization.ConfigDict;
}

/** The plain-JSON form of a {@link KerasObject}. */
export interface KerasObjectJson {
  className: string;
  config: tf.serialization.ConfigDict;
}

function isKerasObject(v: unknown): v is KerasObject {
  return typeof v === 'object' && v !== null &&
      typeof (v as KerasObject).getClassName === 'function' &&
      typeof (v as KerasObject).getConfig === 'function';
}

/** `{className, config}` of a tfjs-layers object, or null. */
export function serializeKerasObject(obj: KerasObject | null | undefined): KerasObjectJson | null {
  if (obj === null || obj === undefined) return null;
  return {className: obj.getClassName(), config: obj.getConfig()};
}

const PASCAL: Record<string, string> = {
  zeros: 'Zeros', ones: 'Ones', glorotUniform: 'GlorotUniform', glorotNormal: 'GlorotNormal',
  heUniform: 'HeUniform', heNormal: 'HeNormal', randomNormal: 'RandomNormal',
  randomUniform: 'RandomUniform', truncatedNormal: 'TruncatedNormal', l1l2: 'L1L2', l1: 'L1L2',
  l2: 'L1L2', nonNeg: 'NonNeg', maxNorm: 'MaxNorm', unitNorm: 'UnitNorm', minMaxNorm: 'MinMaxNorm',
};

/**
 * Resolves an object, its JSON form or a string identifier to a tfjs-layers object through the
 * serialization registry. `kind` names the argument in errors; `check` verifies the result's type.
 */
export function deserializeKerasObject<T>(owner: string, arg: string, value: unknown,
    check: (v: unknown) => v is T): T {
  if (check(value)) return value;
  let className: string | undefined;
  let config: tf.serialization.ConfigDict = {};
  if (typeof value === 'string') {
    className = PASCAL[value] ?? value;
  } else if (typeof value === 'object' && value !== null && !Array.isArray(value) &&
      typeof (value as KerasObjectJson).className === 'string') {
    className = (value as KerasObjectJson).className;
    const c = (value as KerasObjectJson).config;
    if (c !== undefined && c !== null) {
      if (typeof c !== 'object' || Array.isArray(c)) {
        throw new ValueError(`${owner}: ${arg}.config must be an object; got ${fmt(c)}.`);
      }
      config = c;
    }
  }
  const map = tf.serialization.SerializationMap.getMap().classNameMap;
  // Own properties only: a hostile name such as "constructor" must not reach Object.prototype.
  const entry = className === undefined || !Object.prototype.hasOwnProperty.call(map, className) ?
      undefined : map[className];
  if (entry === undefined) {
    throw new ValueError(`${owner}: ${arg} must be a registered tfjs object or its name; ` +
        `got ${fmt(value)}.`);
  }
  const [cls, fromConfig] = entry;
  const obj: unknown = fromConfig(cls, config);
  if (!check(obj)) {
    throw new ValueError(`${owner}: ${arg} names ${fmt(className)}, which is not of the right kind.`);
  }
  return obj;
}

/** True for a tfjs Initializer. */
export function isInitializer(v: unknown): v is tf.serialization.Serializable &
    {apply(shape: number[], dtype?: tf.DataType): tf.Tensor} {
  return isKerasObject(v) && typeof (v as {apply?: unknown}).apply === 'function' &&
      (v as unknown as {apply: {length: number}}).apply.length >= 1 && !('l1' in v) && !('l2' in v);
}

/** True for a tfjs Regularizer. */
export function isRegularizer(v: unknown): v is {apply(x: tf.Tensor): tf.Scalar} & KerasObject {
  return isKerasObject(v) && typeof (v as {apply?: unknown}).apply === 'function';
}

/** True for a tfjs Constraint. */
export function isConstraint(v: unknown): v is {apply(w: tf.Tensor): tf.Tensor} & KerasObject {
  return isKerasObject(v) && typeof (v as {apply?: unknown}).apply === 'function';
}

/** A tfjs activation object (what `getActivation('relu')` returns inside tfjs-layers). */
export type ActivationObject = {apply(x: tf.Tensor, axis?: number): tf.Tensor} & KerasObject;

// tfjs-layers does not export its Activation base class; it is the parent of the registered
// 'linear' class (tfjs itself tests `identifier instanceof Activation`).
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type AnyClass = abstract new (...args: any[]) => unknown;

function activationBase(): AnyClass | undefined {
  const map = tf.serialization.SerializationMap.getMap().classNameMap;
  const linear = Object.prototype.hasOwnProperty.call(map, 'linear') ? map['linear']?.[0] : undefined;
  return linear === undefined ? undefined : Object.getPrototypeOf(linear) as AnyClass;
}

/**
 * True for a tfjs Activation: an instance of tfjs-layers' Activation class (built-in or a
 * registered subclass). A layer, an initializer or any other object with an `apply` is not one.
 */
export function isActivation(v: unknown): v is ActivationObject {
  const base = activationBase();
  return base !== undefined && v instanceof base && isKerasObject(v);
}

/** The registered activation identifiers (`'elu'`, `'relu'`, …, and registered subclasses). */
export function activationNames(): string[] {
  const base = activationBase();
  const map = tf.serialization.SerializationMap.getMap().classNameMap;
  return base === undefined ? [] : Object.keys(map).filter((k) => {
    const cls = map[k]?.[0] as {prototype?: unknown} | undefined;
    return cls?.prototype instanceof base;
  });
}

/**
 * Resolves an `activation` argument: `undefined` / `null` (linear), a tfjs activation identifier
 * (`'relu'`), its `{className, config}` form, or an activation object. Anything else — a layer's
 * JSON such as `{className: 'Dense', config: {units: 5}}`, an initializer's name, a function — is
 * a `ValueError` naming the argument, the value and the valid identifiers; nothing is constructed
 * before the class is known to be an activation.
 */
export function deserializeActivation(owner: string, arg: string, value: unknown): ActivationObject {
  const v = value === undefined || value === null ? 'linear' : value;
  if (isActivation(v)) return v;
  const className = typeof v === 'string' ? v :
      typeof v === 'object' && v !== null && !Array.isArray(v) &&
      typeof (v as KerasObjectJson).className === 'string' ? (v as KerasObjectJson).className : undefined;
  const names = activationNames();
  if (className === undefined || !names.includes(className)) {
    const map = tf.serialization.SerializationMap.getMap().classNameMap;
    const valid = `An activation is one of ${names.map((n) => fmt(n)).join(', ')}, its ` +
        `{className, config} form, or an activation object.`;
    if (className !== undefined && Object.prototype.hasOwnProperty.call(map, className)) {
      throw new ValueError(`${owner}: ${arg} must be a tfjs activation, not a layer or another ` +
          `tfjs object; got ${fmt(value)} (${fmt(className)} is not an activation). ${valid}`);
    }
    throw new ValueError(`${owner}: ${arg} must be a registered tfjs object or its name; got ` +
        `${fmt(value)}. ${valid}`);
  }
  return deserializeKerasObject(owner, arg, v, isActivation);
}

export {isKerasObject};
