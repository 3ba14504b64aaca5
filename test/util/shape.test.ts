// Oracles: 2^31 − 1 = 2147483647 (the int32 maximum, tfjs's index limit); products counted by hand.
import {describe, expect, it} from 'vitest';

import {ValueError} from '../../src/util/errors.js';
import {checkElementCount, MAX_TENSOR_ELEMENTS} from '../../src/util/shape.js';

describe('checkElementCount', () => {
  it('MAX_TENSOR_ELEMENTS is 2^31 − 1', () => {
    expect(MAX_TENSOR_ELEMENTS).toBe(2147483647);
  });
  it('accepts up to 2^31 − 1 elements, ignoring unknown (null) axes', () => {
    expect(() => checkElementCount('O', 'w', [2147483647])).not.toThrow();
    expect(() => checkElementCount('O', 'w', [null, 65536, 32767])).not.toThrow();  // 2147418112
    expect(() => checkElementCount('O', 'w', [])).not.toThrow();
  });
  it('refuses 2^31 elements with a ValueError naming the owner, the tensor, the shape and the count', () => {
    expect(() => checkElementCount('O', 'the kernel', [65536, 32768])).toThrowError(ValueError);
    expect(() => checkElementCount('O', 'the kernel', [65536, 32768], ' (detail)')).toThrowError(
        /^O: the kernel must have at most 2\^31 − 1 = 2147483647 elements \(a tfjs tensor's limit\) \(detail\); got shape \[65536,32768\] \(2147483648 elements\)\.$/);
  });
});
