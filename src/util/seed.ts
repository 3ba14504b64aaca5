// Seed streams: a layer builds one from its `seed` in the constructor and every random op takes
// `stream.next()`. Port of the idea of tensorflow_probability/python/util/seed_stream.py.
//
// Porting note: TFP's stream is a SHA-512 chain and TF's stateful ops give fresh draws even for a
// repeated seed. tfjs's seeded ops are pure functions of their seed and `tf.randomNormal` treats
// seed 0 as unseeded, so every draw here gets a new, never-zero 31-bit seed from
// hash(seed, salt, counter). Bit-exact reproduction of TF streams is a non-goal (LAYERS.md §8).
import {ValueError} from './errors.js';
import {fmt} from './format.js';

/** murmur3's 32-bit finaliser: a bijective mix of all input bits. */
export function mix32(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/** A 32-bit FNV-1a hash of a string (used for salts). */
export function hashString(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

/** Checks a user seed: an integer, or null/undefined for "unseeded". */
export function checkSeed(owner: string, seed: unknown): number | undefined {
  if (seed === undefined || seed === null) return undefined;
  if (typeof seed !== 'number' || !Number.isSafeInteger(seed)) {
    throw new ValueError(`${owner}: seed must be an integer or undefined; got ${fmt(seed)}.`);
  }
  return seed;
}

/** A deterministic sequence of seeds derived from `(seed, salt)`; unseeded when `seed` is undefined. */
export class SeedStream {
  private counter = 0;
  private readonly base: number | undefined;

  constructor(readonly seed: number | undefined, readonly salt: string) {
    this.base = seed === undefined ? undefined :
        mix32(mix32((seed | 0) ^ 0x9e3779b9) ^ hashString(salt) ^ Math.floor(seed / 2 ** 32));
  }

  /** The next seed: a positive 31-bit integer (never 0, which tfjs reads as "unseeded"). */
  next(): number {
    let h: number;
    if (this.base === undefined) {
      h = (Math.random() * 0x100000000) >>> 0;
    } else {
      this.counter += 1;
      h = mix32(this.base + Math.imul(this.counter, 0x9e3779b9));
    }
    return (h & 0x7fffffff) || 1;
  }
}
