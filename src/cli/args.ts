// Command-line option parsing for the tfp CLI: `--name value` or `--name=value`, flags without a
// value, and positional arguments. Every option is declared; anything else is refused by name.
import {ValueError} from '../util/errors.js';
import {fmt} from '../util/format.js';

/** How one option's value is read. */
export type OptionKind = 'int' | 'positiveInt' | 'nonNegativeInt' | 'number' | 'positiveNumber' |
  'string' | 'flag';

/** One declared option. */
export interface OptionSpec {
  kind: OptionKind;
  /** Allowed values of a string option. */
  choices?: readonly string[];
  /** One line for `--help`. */
  help: string;
}

/** Parsed options (by option name without dashes) and positional arguments. */
export interface ParsedArgs {
  options: Map<string, string | number | boolean>;
  positional: string[];
}

function readValue(owner: string, name: string, spec: OptionSpec, raw: string): string | number {
  const numeric = spec.kind !== 'string' && spec.kind !== 'flag';
  if (!numeric) {
    if (spec.choices && !spec.choices.includes(raw)) {
      throw new ValueError(`${owner}: --${name} must be one of ${spec.choices.map((c) => `"${c}"`).join(', ')}; ` +
          `got ${fmt(raw)}.`);
    }
    return raw;
  }
  const v = raw.trim() === '' ? NaN : Number(raw);
  const expect: Record<string, [string, (x: number) => boolean]> = {
    int: ['an integer', (x) => Number.isSafeInteger(x)],
    positiveInt: ['a positive integer', (x) => Number.isSafeInteger(x) && x > 0],
    nonNegativeInt: ['a non-negative integer', (x) => Number.isSafeInteger(x) && x >= 0],
    number: ['a finite number', (x) => Number.isFinite(x)],
    positiveNumber: ['a positive number', (x) => Number.isFinite(x) && x > 0],
  };
  const [what, ok] = expect[spec.kind]!;
  if (!ok(v)) throw new ValueError(`${owner}: --${name} must be ${what}; got ${fmt(raw)}.`);
  return v;
}

/** Levenshtein distance of two short strings. */
function distance(a: string, b: string): number {
  let prev = Array.from({length: b.length + 1}, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const cur = [i];
    for (let j = 1; j <= b.length; j++) {
      cur[j] = Math.min(prev[j]! + 1, cur[j - 1]! + 1, prev[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
    }
    prev = cur;
  }
  return prev[b.length]!;
}

/** The closest of `names` to `typo` (edit distance ≤ max(2, a third of its length)), or undefined. */
export function suggest(typo: string, names: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestD = Infinity;
  for (const n of names) {
    const d = distance(typo.toLowerCase(), n.toLowerCase());
    if (d < bestD) {
      best = n;
      bestD = d;
    }
  }
  return bestD <= Math.max(2, Math.floor(typo.length / 3)) ? best : undefined;
}

/** Parses `argv` (without the command name) against `specs`; throws `ValueError` on any mistake. */
export function parseArgs(owner: string, argv: readonly string[],
    specs: Readonly<Record<string, OptionSpec>>): ParsedArgs {
  const options = new Map<string, string | number | boolean>();
  const positional: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === '--') {
      positional.push(...argv.slice(i + 1));
      break;
    }
    if (arg === '-h') {
      options.set('help', true);
      continue;
    }
    if (!arg.startsWith('--') || arg === '--') {
      if (arg.startsWith('-') && arg.length > 1) {
        throw new ValueError(`${owner}: options must be written --name; got ${fmt(arg)}.`);
      }
      positional.push(arg);
      continue;
    }
    const eq = arg.indexOf('=');
    const name = arg.slice(2, eq < 0 ? undefined : eq);
    // Own keys only: `--toString` or `--__proto__` must not find Object.prototype's members.
    const spec = Object.hasOwn(specs, name) ? specs[name] : undefined;
    if (spec === undefined) {
      const near = suggest(name, Object.keys(specs));
      throw new ValueError(`${owner}: option must be one of ` +
          `${Object.keys(specs).map((k) => `--${k}`).join(', ')}; got ${fmt(`--${name}`)}` +
          `${near ? ` (did you mean --${near}?)` : ''}.`);
    }
    if (spec.kind === 'flag') {
      if (eq >= 0) throw new ValueError(`${owner}: --${name} takes no value; got ${fmt(arg)}.`);
      options.set(name, true);
      continue;
    }
    let raw: string | undefined;
    if (eq >= 0) {
      raw = arg.slice(eq + 1);
    } else {
      raw = argv[i + 1];
      i++;
    }
    if (raw === undefined) throw new ValueError(`${owner}: --${name} needs a value; got nothing.`);
    options.set(name, readValue(owner, name, spec, raw));
  }
  return {options, positional};
}

/** Typed accessors with defaults. */
export function getString(p: ParsedArgs, name: string, fallback: string): string;
export function getString(p: ParsedArgs, name: string): string | undefined;
export function getString(p: ParsedArgs, name: string, fallback?: string): string | undefined {
  const v = p.options.get(name);
  return typeof v === 'string' ? v : fallback;
}

/** A numeric option, or `fallback`. */
export function getNumber(p: ParsedArgs, name: string, fallback: number): number;
export function getNumber(p: ParsedArgs, name: string): number | undefined;
export function getNumber(p: ParsedArgs, name: string, fallback?: number): number | undefined {
  const v = p.options.get(name);
  return typeof v === 'number' ? v : fallback;
}

/** Whether a flag was given. */
export function getFlag(p: ParsedArgs, name: string): boolean {
  return p.options.get(name) === true;
}

/** Help text for a command's options. */
export function describeOptions(specs: Readonly<Record<string, OptionSpec>>): string {
  return Object.entries(specs).map(([k, s]) =>
    `  --${k}${s.kind === 'flag' ? '' : ` <${s.choices ? s.choices.join('|') : s.kind}>`}`.padEnd(44) +
    s.help).join('\n');
}
