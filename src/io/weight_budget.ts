// A cap on the weights a model topology may create while it is built from a file, checked before
// each weight is allocated. tf.loadLayersModel builds every layer (and fills its initial weights)
// before it looks at the weights file, so `units: 1e6` in model.json allocated 256 MiB before the
// loader could compare shapes.
//
// Porting note: tfjs has no hook for this, so `tf.layers.Layer.prototype.addWeight` (the one method
// every layer, tfp's included, creates weights with) is wrapped once, and the wrapper counts only
// inside a load's own async context (Node's AsyncLocalStorage): other code building models at the
// same time is never counted. Outside Node (no AsyncLocalStorage) the cap is not applied during the
// build; the weights manifest is still capped and checked.
import * as tfl from '@tensorflow/tfjs-layers';

import {ValueError} from '../util/errors.js';
import {fmt} from '../util/format.js';
import {importHidden, isNode} from '../util/env.js';

/** What one load may allocate for its model's weights, and how much it has. */
export interface WeightBudget {
  /** Who loads what, for messages: `loadLayersModel: the topology of "x"`. */
  subject: string;
  limit: number;
  /** Why the limit is what it is, for messages. */
  reason: string;
  used: number;
}

interface Storage {
  getStore(): WeightBudget | undefined;
  run<R>(store: WeightBudget, callback: () => R): R;
}

let storage: Promise<Storage | null> | undefined;

type AddWeight = (this: tfl.layers.Layer, name: string, shape: number[], dtype?: string, ...rest: unknown[]) => unknown;

/** Wraps Layer.prototype.addWeight (protected in tfjs's types, hence the cast). */
function install(store: Storage): void {
  const proto = tfl.layers.Layer.prototype as unknown as {addWeight: AddWeight};
  const original = proto.addWeight;
  proto.addWeight = function addWeight(this: tfl.layers.Layer, name, shape, dtype, ...rest) {
    const budget = store.getStore();
    if (budget !== undefined) {
      const bytes = shape.reduce((a, d) => a * d, 1) * (dtype === 'bool' ? 1 : 4);
      budget.used += bytes;
      if (!(budget.used <= budget.limit)) {
        throw new ValueError(`${budget.subject} asks for weight ${fmt(name)} of shape ${fmt(shape)} in ` +
            `layer ${fmt(this.name)}, ${budget.used} bytes of weights so far; ${budget.reason} ` +
            '(refused before allocating).');
      }
    }
    return original.call(this, name, shape, dtype, ...rest);
  };
}

async function makeStorage(): Promise<Storage | null> {
  if (!isNode()) return null;
  try {
    const {AsyncLocalStorage} = await importHidden<typeof import('node:async_hooks')>('node:async_hooks');
    const store = new AsyncLocalStorage<WeightBudget>();
    install(store);
    return store;
  } catch {
    // A runtime that reports Node but lacks async_hooks: no cap during the build.
    return null;
  }
}

/** Runs `build` with every weight its layers create counted against `budget`. */
export async function withWeightBudget<T>(budget: WeightBudget, build: () => Promise<T>): Promise<T> {
  storage ??= makeStorage();
  const store = await storage;
  return store === null ? await build() : await store.run(budget, build);
}
