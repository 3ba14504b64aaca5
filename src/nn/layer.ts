// The base of every tfp.nn module: name sanitising, variable tracking in an explicit order,
// `summary()`, `save`/`load` of all variables. Port of
// tensorflow_probability/python/experimental/nn/layers.py (Layer) and util/utils.py
// (variables_save / variables_load / variables_summary).
import * as tf from '@tensorflow/tfjs-core';

import {ValueError} from '../util/errors.js';
import {fmt} from '../util/format.js';
import {loadVariablesArtifacts, saveVariablesArtifacts} from '../io/variables_file.js';
import type {VariablesArtifacts} from '../io/variables_file.js';

export type {VariablesArtifacts} from '../io/variables_file.js';

/** Options passed down by `call` (TFP's `**kwargs`). */
export interface CallOptions {
  /**
   * Legacy (TFP ≤ 0.12) flag: when true (the default) variational layers compute their penalty
   * `extraLoss`; when false they skip it.
   */
  isTraining?: boolean;
}

/** Arguments shared by every nn module. */
export interface LayerArgs {
  /** Extra objects (layers, variables, tracked distributions) whose variables this layer reports. */
  alsoTrack?: unknown[] | unknown | null;
  /** Enables (possibly expensive) argument checks. Default false. */
  validateArgs?: boolean;
  /** Name; sanitised (see {@link sanitizeName}). Default: the class name. */
  name?: string | null;
}

/**
 * `name` with every run of characters outside `[A-Za-z0-9_]` replaced by `_` and leading/trailing
 * `_` stripped: `'<lambda>'` → `'lambda'`, `'my layer!'` → `'my_layer'`.
 */
export function sanitizeName(name: string): string {
  return name.replace(/[^A-Za-z0-9_]+/g, '_').replace(/^_+|_+$/g, '');
}

// Display names of variables. tfjs needs globally unique variable names, TFP's names
// ('posterior_kernel_loc') repeat in every layer, so the display name is kept here.
const displayNames = new WeakMap<tf.Variable, string>();
// Variables owned by non-layer objects (e.g. the posterior returned by a weight factory).
const trackedByObject = new WeakMap<object, tf.Variable[]>();

/**
 * A new trainable (by default) variable with the display name `name` (shown by `summary()` and
 * stored by `save`); its tfjs name is auto-generated to stay unique.
 */
export function makeVariable(initial: tf.Tensor, name: string, trainable = true): tf.Variable {
  const v = tf.variable(initial, trainable);
  displayNames.set(v, name);
  return v;
}

/** The display name of a variable (its tfjs name when it was not made by {@link makeVariable}). */
export function variableName(v: tf.Variable): string {
  return displayNames.get(v) ?? v.name;
}

/**
 * Records that `obj` (typically a distribution built from variables) owns `variables`, in that
 * order, so that a layer holding `obj` reports them. Returns `obj`.
 */
export function trackVariables<T extends object>(obj: T, variables: tf.Variable[]): T {
  trackedByObject.set(obj, [...(trackedByObject.get(obj) ?? []), ...variables]);
  return obj;
}

/**
 * The variables of any object, in order: a variable itself; a {@link Layer}'s `variables`; the
 * variables recorded by {@link trackVariables}; the elements of an array, recursively.
 */
export function collectVariables(obj: unknown, seen: Set<unknown> = new Set()): tf.Variable[] {
  if (obj === null || obj === undefined || typeof obj !== 'object' && typeof obj !== 'function') return [];
  if (seen.has(obj)) return [];
  seen.add(obj);
  if (obj instanceof tf.Variable) return [obj];
  if (obj instanceof Layer) return obj.collect(seen);
  if (Array.isArray(obj)) return obj.flatMap((o) => collectVariables(o, seen));
  return (trackedByObject.get(obj as object) ?? []).slice();
}

function dedupe(vars: tf.Variable[]): tf.Variable[] {
  const out: tf.Variable[] = [];
  const seen = new Set<tf.Variable>();
  for (const v of vars) {
    if (!seen.has(v)) {
      seen.add(v);
      out.push(v);
    }
  }
  return out;
}

const DTYPE_BYTES: Record<string, number> = {float32: 4, int32: 4, bool: 1};

/** The `summary()` text of a list of variables (NN.md §1). */
export function variablesSummary(variables: tf.Variable[], name?: string): string {
  const lines: string[] = [];
  if (name !== undefined) lines.push(`=== ${name} ${'='.repeat(50)}`);
  const row = (size: string, shape: string, train: string, vname: string): string =>
    `${size.padStart(6)} ${shape.padEnd(20)} ${train.padEnd(5)} ${vname.padEnd(40)}`;
  lines.push(row('SIZE', 'SHAPE', 'TRAIN', 'NAME'));
  const trainable = new Map<string, number>();
  for (const v of variables) {
    if (v.trainable) trainable.set(v.dtype, (trainable.get(v.dtype) ?? 0) + v.size);
    // Python prints `str(list(shape))` and `str(bool)`.
    lines.push(row(String(v.size), `[${v.shape.join(', ')}]`, v.trainable ? 'True' : 'False',
        variableName(v)));
  }
  let count = 0;
  let bytes = 0;
  for (const [dtype, n] of trainable) {
    count += n;
    bytes += n * (DTYPE_BYTES[dtype] ?? 4);
  }
  const perDtype = [...trainable].map(([d, n]) => `${d}: ${n}`).join(', ');
  lines.push(`trainable size: ${count}  /  ${(bytes / 2 ** 20).toFixed(3)} MiB  /  {${perDtype}}`);
  return lines.join('\n');
}

/** Serialises `variables` (names, shapes, dtypes and values). */
export function variablesToArtifacts(variables: tf.Variable[]): VariablesArtifacts {
  const chunks = variables.map((v) => {
    const values = v.dataSync();
    return new Uint8Array(values.buffer, values.byteOffset, values.byteLength).slice();
  });
  const total = chunks.reduce((n, c) => n + c.byteLength, 0);
  const data = new Uint8Array(total);
  let offset = 0;
  for (const c of chunks) {
    data.set(c, offset);
    offset += c.byteLength;
  }
  return {
    manifest: {format: 'tfp-nn-variables', version: 1, names: variables.map(variableName),
      shapes: variables.map((v) => v.shape.slice()), dtypes: variables.map((v) => v.dtype)},
    data: data.buffer,
  };
}

/**
 * Assigns the values of `artifacts` to `variables` in order. A different count is TFP's
 * `ValueError('File "<f>" has incorrect number of variables (saw: a, expected: b).')`; a different
 * shape or dtype is a `ValueError` naming the variable.
 */
export function assignFromArtifacts(variables: tf.Variable[], artifacts: VariablesArtifacts,
    filename: string): void {
  const m = artifacts.manifest;
  if (m.names.length !== variables.length) {
    throw new ValueError(`File "${filename}" has incorrect number of variables ` +
        `(saw: ${m.names.length}, expected: ${variables.length}).`);
  }
  let offset = 0;
  const values: tf.Tensor[] = [];
  try {
    variables.forEach((v, i) => {
      const shape = m.shapes[i] as number[];
      const dtype = m.dtypes[i] as tf.DataType;
      if (shape.length !== v.shape.length || shape.some((d, j) => d !== v.shape[j]) || dtype !== v.dtype) {
        throw new ValueError(`load: variable ${i} ("${variableName(v)}") must have shape ` +
            `${fmt(v.shape)} and dtype ${v.dtype}; got shape ${fmt(shape)} and dtype ${fmt(dtype)} in ` +
            `"${filename}".`);
      }
      const n = shape.reduce((a, b) => a * b, 1);
      const bytes = n * (DTYPE_BYTES[dtype] ?? 4);
      if (offset + bytes > artifacts.data.byteLength) {
        throw new ValueError(`load: "${filename}" must hold ${offset + bytes} bytes of values; got ` +
            `${artifacts.data.byteLength}.`);
      }
      const slice = artifacts.data.slice(offset, offset + bytes);
      offset += bytes;
      const typed = dtype === 'int32' ? new Int32Array(slice) : dtype === 'bool' ?
          new Uint8Array(slice) : new Float32Array(slice);
      values.push(tf.tensor(typed, shape, dtype));
    });
    variables.forEach((v, i) => v.assign(values[i] as tf.Tensor));
  } finally {
    tf.dispose(values);
  }
}

/**
 * Saves `variables` to `filename`: in Node, a JSON manifest `<f>.json` (`.json` appended when
 * missing) and the values in `<f>.bin`, each written atomically; elsewhere, an in-memory store.
 *
 * Porting note: TFP writes a NumPy `.npz`; this port uses a JSON manifest plus a binary buffer.
 */
export async function variablesSave(filename: string, variables: tf.Variable[]): Promise<void> {
  await saveVariablesArtifacts(filename, variablesToArtifacts(variables));
}

/** Loads values saved by {@link variablesSave} into `variables`, in order. */
export async function variablesLoad(filename: string, variables: tf.Variable[]): Promise<void> {
  const {json, artifacts} = await loadVariablesArtifacts(filename);
  assignFromArtifacts(variables, artifacts, json);
}

/**
 * Base class of tfp.nn modules (TFP's `tfn.Layer`, a `tf.Module`): a name, tracked variables and a
 * `call`. No build step: sizes are constructor arguments.
 *
 * Variable order (TFP sorts by attribute name; this port defines it explicitly): a layer's own
 * variables in creation order (for variational layers: posterior `[kernel_loc, kernel_scale_u,
 * bias_loc, bias_scale_u]`, then the prior's, which the default prior does not have), then those of
 * `alsoTrack`, then (in `Sequential`) each element's in order. Duplicates are reported once.
 */
export abstract class Layer {
  /** The class name as a string literal (minifiers rename classes). */
  abstract readonly className: string;
  /** The sanitised name. */
  readonly name: string;
  /** Extra tracked objects (`[]` or `[obj]`). */
  readonly alsoTrack: unknown[];
  /** Whether expensive argument checks are enabled. */
  readonly validateArgs: boolean;
  /** The penalty of the latest call (see `extraLoss`), owned by the layer; null before any call. */
  protected extraLossValue: tf.Tensor | null = null;

  protected constructor(args: LayerArgs, defaultName: string) {
    if (args.name !== undefined && args.name !== null && typeof args.name !== 'string') {
      throw new ValueError(`${defaultName}: name must be a string; got ${fmt(args.name)}.`);
    }
    this.name = sanitizeName(args.name ?? defaultName);
    const also = args.alsoTrack;
    this.alsoTrack = also === undefined || also === null ? [] : Array.isArray(also) ? also.slice() : [also];
    this.validateArgs = args.validateArgs ?? false;
  }

  /** The variables this layer owns directly (before `alsoTrack`), in order. */
  protected ownVariables(): tf.Variable[] {
    return [];
  }

  /** Sub-objects whose variables follow the own ones (e.g. `Sequential`'s elements). */
  protected children(): unknown[] {
    return [];
  }

  /** @internal Recursive collection with cycle protection. */
  collect(seen: Set<unknown>): tf.Variable[] {
    return [
      ...this.ownVariables(),
      ...this.alsoTrack.flatMap((o) => collectVariables(o, seen)),
      ...this.children().flatMap((o) => collectVariables(o, seen)),
    ];
  }

  /** All variables, in the documented order. */
  get variables(): tf.Variable[] {
    return dedupe(this.collect(new Set([this])));
  }

  /** The trainable ones among {@link variables}. */
  get trainableVariables(): tf.Variable[] {
    return this.variables.filter((v) => v.trainable);
  }

  /**
   * The legacy (TFP ≤ 0.12) penalty of the latest call (a scalar), or `null` when there is none.
   * Owned by the layer: it is disposed by the next call.
   */
  get extraLoss(): tf.Tensor | null {
    return this.extraLossValue;
  }

  /** Replaces the kept extra loss (disposing the previous one). */
  protected setExtraLoss(value: tf.Tensor | null): void {
    const old = this.extraLossValue;
    if (old !== null && old !== value && !old.isDisposed) old.dispose();
    this.extraLossValue = value === null ? null : tf.keep(value);
  }

  /** Applies the layer. */
  abstract call(inputs: unknown, options?: CallOptions): unknown;

  /** Same as {@link call} (tfjs spelling). */
  apply(inputs: unknown, options?: CallOptions): unknown {
    return this.call(inputs, options);
  }

  /** The variable table of NN.md §1, as a string. */
  summary(): string {
    return variablesSummary(this.variables, this.name);
  }

  /**
   * Saves all {@link variables}, in order (see {@link variablesSave}).
   *
   * @example
   * await layer.save('/tmp/bnn');          // writes /tmp/bnn.json and /tmp/bnn.bin
   * await sameArchitecture.load('/tmp/bnn');
   */
  save(filename: string): Promise<void> {
    return variablesSave(filename, this.variables);
  }

  /** Assigns saved values to {@link variables}, in order; a count mismatch is a `ValueError`. */
  load(filename: string): Promise<void> {
    return variablesLoad(filename, this.variables);
  }

  /** Disposes this layer's own variables and kept tensors. */
  dispose(): void {
    this.setExtraLoss(null);
    for (const v of this.ownVariables()) if (!v.isDisposed) v.dispose();
  }

  /** `<ClassName: name=<name>>` */
  toString(): string {
    return `<${this.className}: name=${this.name}>`;
  }
}
