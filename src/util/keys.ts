// Unknown-key checks for argument objects: TFP raises on an unknown keyword argument, and a
// misspelt key (`dilation_rate`, `stride`, `{wieght: 0}`) silently meaning "the default" is the
// worst kind of error. The message names the key and suggests the closest valid one.
import {ValueError} from './errors.js';
import {fmt} from './format.js';

/** `snake_case` → `camelCase` (`dilation_rate` → `dilationRate`); other strings unchanged. */
export function snakeToCamel(key: string): string {
  return key.replace(/_+([a-zA-Z0-9])/g, (_m, c: string) => c.toUpperCase());
}

/**
 * The optimal-string-alignment distance (Levenshtein plus adjacent transpositions, so `wieght` is
 * one edit from `weight`).
 */
export function editDistance(a: string, b: string): number {
  const d: number[][] = Array.from({length: a.length + 1}, (_, i) =>
    Array.from({length: b.length + 1}, (_, j) => (i === 0 ? j : j === 0 ? i : 0)));
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      const row = d[i] as number[];
      const prev = d[i - 1] as number[];
      let v = Math.min((prev[j] as number) + 1, (row[j - 1] as number) + 1, (prev[j - 1] as number) + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) {
        v = Math.min(v, ((d[i - 2] as number[])[j - 2] as number) + 1);
      }
      row[j] = v;
    }
  }
  return (d[a.length] as number[])[b.length] as number;
}

/**
 * The valid key `key` most likely stands for: its camelCase form, a case-insensitive match, or the
 * nearest by edit distance (at most 1 edit per 3 characters, at least 1); undefined if none is near.
 */
export function closestKey(key: string, valid: readonly string[]): string | undefined {
  const camel = snakeToCamel(key);
  if (valid.includes(camel)) return camel;
  const norm = (s: string): string => s.replace(/_/g, '').toLowerCase();
  const k = norm(key);
  const exact = valid.find((v) => norm(v) === k);
  if (exact !== undefined) return exact;
  let best: string | undefined;
  let bestDistance = Math.max(1, Math.floor(k.length / 3)) + 1;
  for (const v of valid) {
    const dist = editDistance(k, norm(v));
    if (dist < bestDistance) {
      best = v;
      bestDistance = dist;
    }
  }
  return best;
}

/** The keys an argument object may have. */
export interface KeySpec {
  /** The owner's own keys (listed in the message). */
  own: readonly string[];
  /** Keys of a base (e.g. tfjs's LayerArgs), listed after the own keys under `baseLabel`. */
  base?: readonly string[];
  /** How the base keys are introduced in the message, e.g. "tfjs's LayerArgs". */
  baseLabel?: string;
  /** Accepted but never suggested nor listed (e.g. `customObjects`, which tfjs adds on load). */
  hidden?: readonly string[];
}

/**
 * Throws a `ValueError` for the first key of `args` (own, enumerable; a key whose value is
 * `undefined` counts as absent) that `spec` does not allow, naming it, its value and the closest
 * valid key, and listing the valid keys.
 */
export function checkKeys(owner: string, args: object, spec: KeySpec): void {
  const base = spec.base ?? [];
  const hidden = spec.hidden ?? [];
  for (const key of Object.keys(args)) {
    if (spec.own.includes(key) || base.includes(key) || hidden.includes(key)) continue;
    const value: unknown = (args as Record<string, unknown>)[key];
    if (value === undefined) continue;
    const guess = closestKey(key, [...spec.own, ...base]);
    const hint = guess === undefined ? '' : ` (did you mean ${guess}?)`;
    const list = spec.own.join(', ') + (base.length === 0 ? '' :
      `${spec.own.length === 0 ? '' : ', or '}${spec.baseLabel ?? ''} ${base.join(', ')}`);
    throw new ValueError(`${owner}: unknown argument ${fmt(key)}${hint}; arguments must be one of ` +
        `${list}; got ${fmt(key)}: ${fmt(value)}.`);
  }
}

/** Throws a `ValueError` unless `args` is a plain object (not null, an array, a number, …). */
export function checkArgsObject(owner: string, args: unknown, what = 'args'): asserts args is object {
  if (typeof args !== 'object' || args === null || Array.isArray(args)) {
    throw new ValueError(`${owner}: ${what} must be an object; got ${fmt(args)}.`);
  }
}
