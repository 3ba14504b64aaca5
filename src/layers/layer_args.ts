// The checks every tfp.layers constructor makes on its argument object before tfjs's Layer sees
// it: only known keys (its own and tfjs's LayerArgs; a misspelt key is a ValueError suggesting the
// right one, as TFP raises on unknown keyword arguments), and base arguments of the right kind.
import {ValueError} from '../util/errors.js';
import {fmt} from '../util/format.js';
import {checkArgsObject, checkKeys} from '../util/keys.js';

/** The keys of tfjs's `LayerArgs`, accepted by every layer. */
export const LAYER_ARG_KEYS: readonly string[] = ['name', 'inputShape', 'batchInputShape', 'batchSize',
  'dtype', 'trainable', 'weights', 'inputDType'];

// tfjs's deserializer adds `customObjects` to a config before `fromConfig` (generic_utils.ts).
const HIDDEN_KEYS: readonly string[] = ['customObjects'];

const DTYPES: readonly string[] = ['float32', 'int32', 'bool', 'complex64', 'string'];

function checkShapeArg(owner: string, arg: string, v: unknown): void {
  const dim = (d: unknown): boolean => d === null || (typeof d === 'number' && Number.isSafeInteger(d) && d >= 0);
  // tfjs tolerates a bare int for inputShape ([batchSize].concat(n)), so it is accepted too.
  if (!(Array.isArray(v) ? v.every(dim) : arg === 'inputShape' && typeof v === 'number' && dim(v))) {
    throw new ValueError(`${owner}: ${arg} must be a list of non-negative integers or null (unknown) ` +
        `dimensions; got ${fmt(v)}.`);
  }
}

/**
 * Checks a layer's argument object: an object whose keys are `ownKeys` or tfjs's LayerArgs
 * (`undefined` values count as absent), with `inputShape` / `batchInputShape` lists of
 * non-negative integers or null, a positive integer `batchSize`, a string `name`, a boolean
 * `trainable` and a tfjs `dtype`. Each mistake is a `ValueError` naming the argument and the value.
 */
export function checkLayerArgs(owner: string, args: unknown, ownKeys: readonly string[]): asserts args is object {
  checkArgsObject(owner, args);
  checkKeys(owner, args, {own: ownKeys, base: LAYER_ARG_KEYS, baseLabel: "tfjs's LayerArgs",
    hidden: HIDDEN_KEYS});
  const a = args as Record<string, unknown>;
  const given = (k: string): boolean => a[k] !== undefined && a[k] !== null;
  if (given('inputShape')) checkShapeArg(owner, 'inputShape', a['inputShape']);
  if (given('batchInputShape')) checkShapeArg(owner, 'batchInputShape', a['batchInputShape']);
  const batchSize = a['batchSize'];
  if (given('batchSize') && !(typeof batchSize === 'number' && Number.isSafeInteger(batchSize) && batchSize > 0)) {
    throw new ValueError(`${owner}: batchSize must be a positive integer; got ${fmt(batchSize)}.`);
  }
  if (given('name') && typeof a['name'] !== 'string') {
    throw new ValueError(`${owner}: name must be a string; got ${fmt(a['name'])}.`);
  }
  if (given('trainable') && typeof a['trainable'] !== 'boolean') {
    throw new ValueError(`${owner}: trainable must be a boolean; got ${fmt(a['trainable'])}.`);
  }
  for (const k of ['dtype', 'inputDType']) {
    if (given(k) && !DTYPES.includes(a[k] as string)) {
      throw new ValueError(`${owner}: ${k} must be one of ${DTYPES.map((d) => fmt(d)).join(', ')}` +
          `${a[k] === 'float64' ? ' (tfjs has no float64)' : ''}; got ${fmt(a[k])}.`);
    }
  }
}
