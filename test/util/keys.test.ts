// Oracles: edit distances counted by hand (OSA: insert, delete, substitute, swap adjacent), and
// the suggestions the issue asks for (`dilation_rate` → dilationRate, `stride` → strides,
// `{wieght: 0}` → weight).
import {describe, expect, it} from 'vitest';

import {ValueError} from '../../src/util/errors.js';
import {checkArgsObject, checkKeys, closestKey, editDistance, snakeToCamel} from '../../src/util/keys.js';

describe('editDistance', () => {
  const cases: Array<[string, string, number]> = [
    ['', '', 0], ['abc', '', 3], ['', 'ab', 2], ['stride', 'strides', 1], ['wieght', 'weight', 1],
    ['kitten', 'sitting', 3], ['units', 'unit', 1], ['fliters', 'filters', 1], ['ab', 'ba', 1], ['abc', 'ca', 3],
  ];
  for (const [a, b, d] of cases) {
    it(`"${a}" → "${b}" is ${d} edit(s)`, () => {
      expect(editDistance(a, b)).toBe(d);
      expect(editDistance(b, a)).toBe(d);
    });
  }
});

describe('snakeToCamel', () => {
  it('maps TFP spellings to tfjs camelCase and leaves camelCase alone', () => {
    expect(snakeToCamel('dilation_rate')).toBe('dilationRate');
    expect(snakeToCamel('kernel_divergence_fn')).toBe('kernelDivergenceFn');
    expect(snakeToCamel('batch_input_shape')).toBe('batchInputShape');
    expect(snakeToCamel('kernelSize')).toBe('kernelSize');
  });
});

describe('closestKey', () => {
  const valid = ['filters', 'kernelSize', 'strides', 'padding', 'dataFormat', 'dilationRate', 'kernelDivergenceFn'];
  const cases: Array<[string, string | undefined]> = [
    ['dilation_rate', 'dilationRate'], ['stride', 'strides'], ['kernel_divergence_fn', 'kernelDivergenceFn'],
    ['KernelSize', 'kernelSize'], ['data_format', 'dataFormat'], ['fliters', 'filters'], ['kernelSizes', 'kernelSize'],
    ['xyz', undefined], ['activation', undefined],
  ];
  for (const [key, want] of cases) {
    it(`"${key}" → ${want ?? 'no suggestion'}`, () => {
      expect(closestKey(key, valid)).toBe(want);
    });
  }
});

describe('checkKeys', () => {
  it('accepts own, base and hidden keys, and ignores keys whose value is undefined', () => {
    expect(() => checkKeys('Owner', {a: 1, b: 2, hid: 3, typo: undefined}, {own: ['a'], base: ['b'], hidden: ['hid']}))
        .not.toThrow();
  });

  it('names the unknown key and its value, suggests the closest key and lists the valid ones', () => {
    expect(() => checkKeys('klDivergenceFn', {wieght: 0}, {own: ['weight']})).toThrowError(ValueError);
    expect(() => checkKeys('klDivergenceFn', {wieght: 0}, {own: ['weight']})).toThrowError(
        /^klDivergenceFn: unknown argument "wieght" \(did you mean weight\?\); arguments must be one of weight; got "wieght": 0\.$/);
    expect(() => checkKeys('L', {dilation_rate: 2}, {own: ['dilationRate'], base: ['name'], baseLabel: "tfjs's LayerArgs"}))
        .toThrowError(/L: unknown argument "dilation_rate" \(did you mean dilationRate\?\); arguments must be one of dilationRate, or tfjs's LayerArgs name; got "dilation_rate": 2/);
  });

  it('gives no suggestion when nothing is near, and never suggests a hidden key', () => {
    expect(() => checkKeys('O', {zzz: 1, customObject: 1}, {own: ['units'], hidden: ['customObjects']}))
        .toThrowError(/^O: unknown argument "zzz"; arguments must be one of units; got "zzz": 1\.$/);
  });

  it('refuses "__proto__" and "constructor" as own keys (JSON.parse makes them)', () => {
    const hostile = JSON.parse('{"__proto__": 1, "constructor": 2}') as object;
    expect(() => checkKeys('O', hostile, {own: ['units']})).toThrowError(/unknown argument "__proto__"/);
  });
});

describe('checkArgsObject', () => {
  for (const bad of [null, 3, 'x', [1], true]) {
    it(`refuses ${JSON.stringify(bad)}`, () => {
      expect(() => checkArgsObject('Owner', bad)).toThrowError(ValueError);
      expect(() => checkArgsObject('Owner', bad)).toThrowError(new RegExp(`^Owner: args must be an object; got ${JSON.stringify(bad).replace(/[[\]]/g, '\\$&')}\\.$`));
    });
  }
});
