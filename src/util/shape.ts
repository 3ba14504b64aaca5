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
