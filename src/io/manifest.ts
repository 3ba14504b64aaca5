// What a model.json may ask for: its shape (modelTopology, a weights manifest of {paths, weights}),
// each weight's name, shape, dtype and optional tfjs quantization, the bytes the weights take in the
// file and once decoded (capped before anything is allocated), and the options that set the caps.
import type * as tf from '@tensorflow/tfjs-core';

import {ValueError} from '../util/errors.js';
import {fmt} from '../util/format.js';

import {DEFAULT_LOCK_TIMEOUT_MS, DEFAULT_STALE_LOCK_MS} from './lock.js';

/** Default cap on the bytes of a model's weights once decoded: 1 GiB. */
export const DEFAULT_MAX_WEIGHT_BYTES = 2 ** 30;
/** Default cap on the size of model.json: 32 MiB. */
export const DEFAULT_MAX_MODEL_JSON_BYTES = 32 * 2 ** 20;

/** Options of {@link fileSystem}. */
export interface FileSystemOptions {
  /**
   * The most bytes the weights may take once decoded (float32/int32: 4 per value, bool: 1), checked
   * against the manifest before any weight is read; default 1 GiB (2^30).
   */
  maxWeightBytes?: number;
  /** The most bytes model.json may have, checked before it is read; default 32 MiB. */
  maxModelJsonBytes?: number;
  /** The longest a save waits for another save of the same folder, in ms; default 120 000. */
  lockTimeoutMs?: number;
  /** A save lock not refreshed for this long is stale and broken, in ms; default 60 000. */
  staleLockMs?: number;
}

/** Options of {@link loadLayersModel}: the caps of {@link FileSystemOptions}. */
export type LoadLayersModelOptions = Pick<FileSystemOptions, 'maxWeightBytes' | 'maxModelJsonBytes'>;

const OPTION_KEYS = ['maxWeightBytes', 'maxModelJsonBytes', 'lockTimeoutMs', 'staleLockMs'] as const;

/** Checks `options` (own keys only, each a positive safe integer; lockTimeoutMs may be 0). */
export function resolveOptions(owner: string, options: unknown, allowed: ReadonlyArray<string> = OPTION_KEYS):
    Required<FileSystemOptions> {
  if (options !== undefined && (typeof options !== 'object' || options === null || Array.isArray(options))) {
    throw new ValueError(`${owner}: options must be an object; got ${fmt(options)}.`);
  }
  const given = (options ?? {}) as Record<string, unknown>;
  for (const key of Object.keys(given)) {
    if (!allowed.includes(key)) {
      throw new ValueError(`${owner}: options has no key ${fmt(key)}; the keys are ${allowed.join(', ')}.`);
    }
  }
  const get = (key: string, fallback: number, min: number): number => {
    const v = Object.prototype.hasOwnProperty.call(given, key) ? given[key] : undefined;
    if (v === undefined) return fallback;
    if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < min) {
      throw new ValueError(`${owner}: options.${key} must be ${min === 0 ? 'a non-negative' : 'a positive'} ` +
          `safe integer; got ${fmt(v)}.`);
    }
    return v;
  };
  return {
    maxWeightBytes: get('maxWeightBytes', DEFAULT_MAX_WEIGHT_BYTES, 1),
    maxModelJsonBytes: get('maxModelJsonBytes', DEFAULT_MAX_MODEL_JSON_BYTES, 1),
    lockTimeoutMs: get('lockTimeoutMs', DEFAULT_LOCK_TIMEOUT_MS, 0),
    staleLockMs: get('staleLockMs', DEFAULT_STALE_LOCK_MS, 1),
  };
}

const DTYPE_BYTES: Record<string, number> = {float32: 4, int32: 4, bool: 1};
// tfjs's quantized storage (tf.io.decodeWeights dequantizes: v·scale + min, or float16 → float32).
const QUANTIZED_BYTES: Record<string, number> = {uint8: 1, uint16: 2, float16: 2};

/** Bytes of one weight in the file and once decoded. */
export function weightBytes(spec: tf.io.WeightsManifestEntry): {stored: number; decoded: number} {
  const size = spec.shape.reduce((a, d) => a * d, 1);
  const decoded = size * (DTYPE_BYTES[spec.dtype] ?? 4);
  const q = spec.quantization?.dtype;
  return {stored: q === undefined ? decoded : size * (QUANTIZED_BYTES[q] ?? 4), decoded};
}

function isFiniteNumber(v: unknown): v is number {
  return typeof v === 'number' && Number.isFinite(v);
}

/**
 * Checks one weight entry: a name, a shape of non-negative safe integers, dtype float32|int32|bool,
 * and, if present, a quantization tfjs decodes (uint8/uint16 with finite scale and min for a
 * float32 or int32 weight, float16 for a float32 weight). `bad` throws with the file's name.
 */
export function checkWeightSpec(w: unknown, bad: (what: string) => never): tf.io.WeightsManifestEntry {
  const spec = w as {name?: unknown; shape?: unknown; dtype?: unknown; quantization?: unknown};
  if (typeof spec !== 'object' || spec === null || typeof spec.name !== 'string' || !Array.isArray(spec.shape) ||
      !spec.shape.every((d) => Number.isSafeInteger(d) && (d as number) >= 0) ||
      (spec.dtype !== 'float32' && spec.dtype !== 'int32' && spec.dtype !== 'bool')) {
    bad(`weight entry ${fmt(w)} must have a name, a shape of non-negative integers and dtype float32|int32|bool`);
  }
  if (spec.quantization !== undefined) {
    const q = spec.quantization as {dtype?: unknown; scale?: unknown; min?: unknown} | null;
    const linear = (q?.dtype === 'uint8' || q?.dtype === 'uint16') && isFiniteNumber(q.scale) &&
        isFiniteNumber(q.min) && spec.dtype !== 'bool';
    const half = q?.dtype === 'float16' && spec.dtype === 'float32';
    if (typeof q !== 'object' || q === null || !(linear || half)) {
      bad(`weight ${fmt(spec.name)} has quantization ${fmt(q)}; it must be {dtype: "uint8" or "uint16", ` +
          `scale, min} (finite numbers) for a float32 or int32 weight, or {dtype: "float16"} for a ` +
          'float32 weight');
    }
  }
  return spec as tf.io.WeightsManifestEntry;
}

/** What {@link checkManifest} found. */
export interface CheckedManifest {
  json: tf.io.ModelJSON;
  /** Bytes the manifest's weights take in the files, in order. */
  storedBytes: number;
  /** Bytes they take once decoded. */
  decodedBytes: number;
  /** The SHA-256 (hex) of all weight bytes that our save recorded, or null (older or foreign files). */
  sha256: string | null;
}

/** The top-level key of model.json where tfp.io's save records its checksum (tfjs ignores it). */
export const TFP_KEY = 'tfjsProbability';

/** Checks a parsed model.json and that its weights fit in `maxWeightBytes`. */
export function checkManifest(owner: string, file: string, value: unknown, maxWeightBytes: number): CheckedManifest {
  const bad = (what: string): never => {
    throw new ValueError(`${owner}: ${file} is not a valid tfjs model.json: ${what}.`);
  };
  if (typeof value !== 'object' || value === null || Array.isArray(value)) bad('not a JSON object');
  const json = value as Record<string, unknown>;
  if (typeof json['modelTopology'] !== 'object' || json['modelTopology'] === null) bad('no modelTopology');
  const manifest = json['weightsManifest'];
  if (!Array.isArray(manifest)) bad('weightsManifest must be a list');
  let storedBytes = 0;
  let decodedBytes = 0;
  for (const group of manifest as unknown[]) {
    const g = group as {paths?: unknown; weights?: unknown} | null;
    if (typeof g !== 'object' || g === null || !Array.isArray(g.paths) || !Array.isArray(g.weights)) {
      bad('each weights group needs paths and weights');
    }
    const paths = (g as {paths: unknown[]}).paths;
    if (!paths.every((p) => typeof p === 'string')) bad(`weights paths ${fmt(paths)} must be strings`);
    for (const w of (g as {weights: unknown[]}).weights) {
      const bytes = weightBytes(checkWeightSpec(w, bad));
      storedBytes += bytes.stored;
      decodedBytes += bytes.decoded;
    }
  }
  if (!(decodedBytes <= maxWeightBytes)) {
    throw new ValueError(`${owner}: the weights of ${file} would take ${decodedBytes} bytes once decoded; ` +
        `maxWeightBytes allows at most ${maxWeightBytes} (raise the option for a larger model).`);
  }
  let sha256: string | null = null;
  if (json[TFP_KEY] !== undefined) {
    const tfp = json[TFP_KEY] as {weightsSha256?: unknown} | null;
    if (typeof tfp?.weightsSha256 !== 'string' || !/^[0-9a-f]{64}$/.test(tfp.weightsSha256)) {
      bad(`${TFP_KEY} must be {weightsSha256: 64 hex digits}; got ${fmt(tfp)}`);
    }
    sha256 = (tfp as {weightsSha256: string}).weightsSha256;
  }
  return {json: json as unknown as tf.io.ModelJSON, storedBytes, decodedBytes, sha256};
}
