// Values as they appear in error messages: arrays as JSON, strings quoted, tensors by shape and
// dtype, functions by name.
import type {Tensor} from '@tensorflow/tfjs-core';

function isTensor(v: unknown): v is Tensor {
  return typeof v === 'object' && v !== null && 'shape' in v && 'dtype' in v && 'dataId' in v;
}

/** Formats any value for an error message. */
export function fmt(value: unknown): string {
  if (value === undefined) return 'undefined';
  if (value === null) return 'null';
  if (isTensor(value)) return `Tensor[${value.shape.join(',')}] ${value.dtype}`;
  if (typeof value === 'function') return `function ${value.name || '<anonymous>'}`;
  if (typeof value === 'string') return JSON.stringify(value);
  if (typeof value === 'number' || typeof value === 'boolean' || typeof value === 'bigint') {
    return String(value);
  }
  if (typeof value === 'object') {
    const ctor = (value as {constructor?: {name?: string}}).constructor?.name;
    if (Array.isArray(value) || ctor === 'Object') {
      try {
        return JSON.stringify(value, (_k, v: unknown) =>
          (typeof v === 'function' ? `function ${(v as {name?: string}).name ?? ''}` :
           isTensor(v) ? fmt(v) : v));
      } catch {
        return '[object]';
      }
    }
    return `<${ctor ?? 'object'}>`;
  }
  return String(value);
}
