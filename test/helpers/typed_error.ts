// The fuzz suites' check of an invalid case: it throws a typed error (ValueError, TypeError or
// NotImplementedError) whose message matches, and leaves at most `maxNewTensors` tensors behind.
import * as tf from '@tensorflow/tfjs';
import {expect} from 'vitest';

import {NotImplementedError, ValueError} from '../../src/util/errors.js';

/** An invalid case: what it is, how to provoke it, and what its message must say. */
export interface Bad {
  what: string;
  provoke: () => unknown;
  message: RegExp;
}

/** Asserts `bad.provoke()` throws a typed error matching `bad.message`. */
export function expectTypedError(bad: Bad, maxNewTensors = 0): void {
  const before = tf.memory().numTensors;
  let error: unknown;
  try {
    bad.provoke();
  } catch (e) {
    error = e;
  }
  expect(error, `${bad.what} did not throw`).toBeDefined();
  const typed = error instanceof ValueError || error instanceof TypeError || error instanceof NotImplementedError;
  expect(typed, `${bad.what} threw ${String(error)}`).toBe(true);
  expect((error as Error).message, bad.what).toMatch(bad.message);
  expect(tf.memory().numTensors - before, bad.what).toBeLessThanOrEqual(maxNewTensors);
}
