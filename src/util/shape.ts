// Static shape helpers (numpy broadcasting rules), used by distributions and layers.
import {ValueError} from './errors.js';
import {fmt} from './format.js';

/** The broadcast of two static shapes; throws `ValueError` if they are incompatible. */
export function broadcastShapes(a: readonly number[], b: readonly number[]): number[] {
  const n = Math.max(a.length, b.length);
  const out: number[] = new Array<number>(n);
  for (let i = 0; i < n; i++) {
    const da = a[a.length - n + i] ?? 1;
    const db = b[b.length - n + i] ?? 1;
    if (da !== db && da !== 1 && db !== 1) {
      throw new ValueError(`Shapes ${fmt(a)} and ${fmt(b)} cannot be broadcast together.`);
    }
    out[i] = da === 1 ? db : da;
  }
  return out;
}

/** Product of the entries of a shape (1 for a scalar). */
export function sizeOf(shape: readonly number[]): number {
  let s = 1;
  for (const d of shape) s *= d;
  return s;
}

/** True when two static shapes are equal. */
export function shapesEqual(a: readonly number[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((d, i) => d === b[i]);
}

/** True when `v` is a positive safe integer. */
export function isPositiveInt(v: unknown): v is number {
  return typeof v === 'number' && Number.isSafeInteger(v) && v > 0;
}

/**
 * The most elements one tensor may have: 2^31 − 1, the largest size tfjs's int32 indexing (and its
 * kernels' flat offsets) can address. Larger requests are refused up front with a `ValueError`
 * instead of failing inside an allocation with an untyped `RangeError`, or not at all.
 */
export const MAX_TENSOR_ELEMENTS = 2 ** 31 - 1;

/**
 * Throws a `ValueError` naming `what` when a tensor of `shape` (unknown `null` axes ignored) would
 * have more than {@link MAX_TENSOR_ELEMENTS} elements.
 */
export function checkElementCount(owner: string, what: string, shape: ReadonlyArray<number | null>,
    detail = ''): void {
  let n = 1;
  for (const d of shape) if (d !== null) n *= d;
  if (n > MAX_TENSOR_ELEMENTS) {
    throw new ValueError(`${owner}: ${what} must have at most 2^31 − 1 = ${MAX_TENSOR_ELEMENTS} ` +
        `elements (a tfjs tensor's limit)${detail}; got shape ${fmt(shape)} (${n} elements).`);
  }
}
