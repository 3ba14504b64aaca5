// tfp.nn.util.prepareTupleArgument / prepareConvArgs (NN.md §10; TFP convolution_util.py):
// expansion to `rank` entries, TFP's padding spelling, and the errors TFP raises.
import {describe, expect, it} from 'vitest';

import {prepareConvArgs, prepareTupleArgument} from '../../src/nn/util.js';
import {NotImplementedError, ValueError} from '../../src/util/errors.js';

describe('prepareTupleArgument', () => {
  const CASES: Array<[number | number[], number, number[]]> = [
    [2, 3, [2, 2, 2]], [[3], 2, [3, 3]], [[1, 2], 2, [1, 2]], [[4, 5, 6], 3, [4, 5, 6]], [1, 1, [1]],
  ];
  for (const [arg, n, want] of CASES) {
    it(`${JSON.stringify(arg)} with n = ${n} → ${JSON.stringify(want)} (size 1 broadcasts, size n kept)`, () => {
      expect(prepareTupleArgument(arg, n, 'strides')).toEqual(want);
    });
  }
  it('returns a copy, not the caller\'s array', () => {
    const a = [1, 2];
    const out = prepareTupleArgument(a, 2, 'strides');
    out[0] = 9;
    expect(a).toEqual([1, 2]);
  });
  for (const [arg, n] of [[[1, 2], 3], [[1, 2, 3], 2], [0, 2], [[2, 1.5], 2], ['2', 2]] as Array<[unknown, number]>) {
    it(`${JSON.stringify(arg)} with n = ${n} is a ValueError naming the argument and the value`, () => {
      expect(() => prepareTupleArgument(arg as number[], n, 'dilations')).toThrowError(ValueError);
      expect(() => prepareTupleArgument(arg as number[], n, 'dilations'))
          .toThrowError(new RegExp(`dilations.*${n}.*got.*${JSON.stringify(arg).replace(/[[\]]/g, '\\$&')}`));
    });
  }
});

describe('prepareConvArgs', () => {
  it('expands every tuple to rank entries and upper-cases padding (TFP order and spelling)', () => {
    expect(prepareConvArgs(3, 2, 2, 'same', 1)).toEqual(
        {filterShape: [3, 3], rank: 2, strides: [2, 2], padding: 'SAME', dilations: [1, 1]});
    expect(prepareConvArgs([2, 3, 4], 3, [1], 'VALID', [1, 2, 1])).toEqual(
        {filterShape: [2, 3, 4], rank: 3, strides: [1, 1, 1], padding: 'VALID', dilations: [1, 2, 1]});
    expect(prepareConvArgs(5, 1, 1, 'valid')).toEqual(
        {filterShape: [5], rank: 1, strides: [1], padding: 'VALID', dilations: [1]});
  });
  it('a forward convolution accepts strides > 1 with dilations > 1 (TFP make_convolution_fn)', () => {
    expect(prepareConvArgs(3, 2, 2, 'SAME', 2).strides).toEqual([2, 2]);
  });
  it('rank outside {1, 2, 3} is a ValueError naming rank', () => {
    expect(() => prepareConvArgs(3, 4, 1, 'VALID', 1)).toThrowError(ValueError);
    expect(() => prepareConvArgs(3, 0, 1, 'VALID', 1)).toThrowError(/rank.*1, 2, 3.*got 0/);
  });
  it('"CAUSAL" and "FULL" are a NotImplementedError, other paddings a ValueError', () => {
    expect(() => prepareConvArgs(3, 2, 1, 'CAUSAL' as never, 1)).toThrowError(NotImplementedError);
    expect(() => prepareConvArgs(3, 2, 1, 'full' as never, 1)).toThrowError(NotImplementedError);
    expect(() => prepareConvArgs(3, 2, 1, 'reflect' as never, 1)).toThrowError(/padding.*got "reflect"/);
  });
  it('transposed: strides > 1 with dilations > 1 is a NotImplementedError naming both', () => {
    expect(() => prepareConvArgs(3, 2, 2, 'SAME', 2, true)).toThrowError(NotImplementedError);
    expect(() => prepareConvArgs(3, 2, [2, 1], 'SAME', [1, 2], true)).toThrowError(/strides.*dilations.*\[2,1\].*\[1,2\]/);
  });
  it('transposed: a stride larger than the filter is a NotImplementedError (TFP TODO)', () => {
    expect(() => prepareConvArgs(2, 2, 3, 'VALID', 1, true)).toThrowError(/strides.*filterShape.*\[3,3\].*\[2,2\]/);
    expect(prepareConvArgs(3, 2, 3, 'VALID', 1, true).strides).toEqual([3, 3]);
  });
  it('bad tuples are a ValueError naming filterShape / strides / dilations', () => {
    expect(() => prepareConvArgs([3, 3, 3], 2, 1, 'VALID', 1)).toThrowError(/filterShape/);
    expect(() => prepareConvArgs(3, 2, [1, 1, 1], 'VALID', 1)).toThrowError(/strides/);
    expect(() => prepareConvArgs(3, 2, 1, 'VALID', [0, 1])).toThrowError(/dilations/);
  });
});
