// Files of tfp.nn's `variablesSave` / `variablesLoad` (`Layer.save` / `load`): a JSON manifest
// `<f>.json` and the values in `<f>.bin`, each written by the package's atomic writer, in Node;
// an in-memory store keyed by path elsewhere. The (de)serialisation of the variables themselves is
// tfp.nn's (src/nn/layer.ts); this file only moves bytes.
import type * as tf from '@tensorflow/tfjs-core';

import {isNode, nodeFsPath} from '../util/env.js';
import {ValueError} from '../util/errors.js';
import {fmt} from '../util/format.js';

import {writeFileAtomic} from './atomic.js';

/** The serialised variables of a layer: a JSON manifest and one binary buffer. */
export interface VariablesArtifacts {
  /** Manifest: names, shapes and dtypes, in the order of `variables`. */
  manifest: {format: 'tfp-nn-variables'; version: 1; names: string[]; shapes: number[][];
    dtypes: tf.DataType[]};
  /** The values, concatenated in order (little-endian, as the platform's typed arrays). */
  data: ArrayBuffer;
}

// Non-Node platforms: saved variables live in memory, keyed by path.
const memoryStore = new Map<string, VariablesArtifacts>();

function withSuffix(filename: string): string {
  return filename.endsWith('.json') ? filename : `${filename}.json`;
}

/** Writes `artifacts` for `filename` (`.json` appended when missing, values in `<f>.bin`). */
export async function saveVariablesArtifacts(filename: string, artifacts: VariablesArtifacts): Promise<void> {
  const json = withSuffix(filename);
  if (!isNode()) {
    memoryStore.set(json, artifacts);
    return;
  }
  const bin = `${json.slice(0, -'.json'.length)}.bin`;
  await writeFileAtomic(bin, new Uint8Array(artifacts.data));
  const base = bin.split(/[\\/]/).pop() as string;
  await writeFileAtomic(json, JSON.stringify({...artifacts.manifest, dataFile: base}));
}

function parseManifest(file: string, value: unknown): VariablesArtifacts['manifest'] {
  const bad = (what: string): never => {
    throw new ValueError(`load: "${file}" must be a tfp-nn variables manifest; ${what}.`);
  };
  if (typeof value !== 'object' || value === null) return bad('got no JSON object');
  const m = value as Record<string, unknown>;
  const {names, shapes, dtypes} = m;
  if (!Array.isArray(names) || !names.every((n) => typeof n === 'string')) return bad('names is not a string list');
  if (!Array.isArray(shapes) || shapes.length !== names.length || !shapes.every((s) => Array.isArray(s) &&
      s.every((d) => Number.isSafeInteger(d) && (d as number) >= 0))) return bad('shapes is invalid');
  if (!Array.isArray(dtypes) || dtypes.length !== names.length ||
      !dtypes.every((d) => d === 'float32' || d === 'int32' || d === 'bool')) return bad('dtypes is invalid');
  return {format: 'tfp-nn-variables', version: 1, names: names as string[], shapes: shapes as number[][],
    dtypes: dtypes as tf.DataType[]};
}

/** Reads what {@link saveVariablesArtifacts} wrote for `filename`; `json` is the manifest's path. */
export async function loadVariablesArtifacts(filename: string): Promise<{json: string; artifacts: VariablesArtifacts}> {
  const json = withSuffix(filename);
  if (!isNode()) {
    const stored = memoryStore.get(json);
    if (stored === undefined) throw new ValueError(`load: filename must name saved variables; got ${fmt(filename)}.`);
    return {json, artifacts: stored};
  }
  const fs = (await nodeFsPath())!.fs;
  const read = async <T>(file: string, how: () => Promise<T>): Promise<T> => {
    try {
      return await how();
    } catch (e) {
      throw new ValueError(`load: "${file}" must be a readable file written by save; got ` +
          `${fmt(e instanceof Error ? e.message : e)}.`);
    }
  };
  const text = await read(json, () => fs.readFile(json, 'utf8'));
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (e) {
    throw new ValueError(`load: "${json}" must be valid JSON (truncated or corrupted?); got ` +
        `${fmt(e instanceof Error ? e.message : e)}.`);
  }
  const manifest = parseManifest(json, parsed);
  const binFile = `${json.slice(0, -'.json'.length)}.bin`;
  const bin = await read(binFile, () => fs.readFile(binFile));
  const data = bin.buffer.slice(bin.byteOffset, bin.byteOffset + bin.byteLength) as ArrayBuffer;
  return {json, artifacts: {manifest, data}};
}
